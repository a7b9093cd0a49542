""".pre-commit-config.yaml: exact versions (ruff's the one Pipfile.lock installs), local hooks only, and every
project command it runs exists. pre-commit itself is not run here: it is not a project dependency."""

from __future__ import annotations

import json
import re
import shlex
import subprocess  # nosec B404 - runs ruff with fixed arguments
from pathlib import Path

import yaml

from tests.ci.doc_claims import REPO_ROOT, makefile_targets

CONFIG = REPO_ROOT / ".pre-commit-config.yaml"


def hooks() -> list[dict]:
    config = yaml.safe_load(CONFIG.read_text())
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


def test_every_hook_is_local() -> None:
    """These machines reach PyPI but not the hosts of the usual hook repositories: a remote hook cannot install."""
    assert [repo["repo"] for repo in yaml.safe_load(CONFIG.read_text())["repos"]] == ["local"]


def test_ruff_is_the_locked_version() -> None:
    locked = json.loads((REPO_ROOT / "Pipfile.lock").read_text())["develop"]["ruff"]["version"]
    ruff_hooks = [hook for hook in hooks() if hook["entry"].startswith("ruff ")]
    assert {hook["id"] for hook in ruff_hooks} == {"ruff-check", "ruff-format"}
    for hook in ruff_hooks:
        assert hook["additional_dependencies"] == [f"ruff{locked}"], hook["id"]


def test_every_dependency_is_pinned_exactly() -> None:
    for hook in hooks():
        for requirement in hook.get("additional_dependencies", []):
            assert re.fullmatch(r"[a-z0-9-]+==[0-9][0-9.]*", requirement), (hook["id"], requirement)


def test_format_is_enforced_by_the_hook_and_by_make_lint() -> None:
    """The format hook runs on every commit (no stage restriction) and make lint fails on unformatted code."""
    assert "stages" not in next(hook for hook in hooks() if hook["id"] == "ruff-format")
    lint = (REPO_ROOT / "Makefile").read_text().split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "ruff check ." in lint and "ruff format --check ." in lint


def test_make_lint_fails_on_unformatted_code(tmp_path: Path) -> None:
    """The check make lint runs is the one that refuses a badly formatted file (not only a listed command)."""
    (tmp_path / "ugly.py").write_text("x = {  'a':1 }\n")
    ruff = REPO_ROOT / ".venv" / "bin" / "ruff"
    done = subprocess.run([str(ruff), "format", "--check", "."], cwd=tmp_path, capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert done.returncode == 1 and "ugly.py" in done.stdout + done.stderr


def test_project_hooks_run_existing_targets_and_scripts() -> None:
    targets = makefile_targets((REPO_ROOT / "Makefile").read_text())
    system = [hook for hook in hooks() if hook["language"] == "system"]
    assert system
    for hook in system:
        words = shlex.split(hook["entry"])
        if words[0] == "make":
            named = [word for word in words[1:] if not word.startswith("-")]
            assert named and set(named) <= targets, hook["id"]
        else:
            assert all((REPO_ROOT / word).is_file() for word in words if "/" in word), hook["id"]
        assert re.compile(hook["files"]), hook["id"]
