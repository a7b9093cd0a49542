""".pre-commit-config.yaml: exact versions (ruff's the one Pipfile.lock installs), local hooks only, and every
project command it runs exists. pre-commit itself is not run here: it is not a project dependency."""

from __future__ import annotations

import json
import re
import shlex

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


def test_format_is_not_enforced_until_the_code_base_is_formatted() -> None:
    """make lint does not check formatting, and the format hook runs only when asked (stage manual)."""
    assert next(hook for hook in hooks() if hook["id"] == "ruff-format")["stages"] == ["manual"]
    lint = (REPO_ROOT / "Makefile").read_text().split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "ruff check" in lint and "format" not in lint


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
