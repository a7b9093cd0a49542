"""``.ci/run`` is what CI runs: the README names each of its test targets, and the CI workflow runs every one.

The project's rule is that every make target a user runs is run by a test: the targets below are run by ``.ci/run``
itself (``make failover-drill`` starts four processes and takes a minute, so ``make test`` does not run it a second
time through a test); every other target is run by a test inside ``make test`` or ``make test-slow``.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_BY_CI_RUN = ["test", "test-slow", "test-cdktn", "failover-drill"]


def _ci_run_targets() -> list[str]:
    return re.findall(r"^make ([a-z-]+) </dev/null$", (REPO_ROOT / ".ci" / "run").read_text(), flags=re.MULTILINE)


def test_ci_run_runs_the_test_targets() -> None:
    assert _ci_run_targets() == RUN_BY_CI_RUN


def test_the_readme_names_every_target_ci_run_runs() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    (sentence,) = re.findall(r"`\.ci/run` runs `make test`[^.]*\.", readme.replace("\n", " "))
    for target in RUN_BY_CI_RUN:
        assert f"`make {target}`" in sentence, target


def test_the_ci_workflow_runs_every_target_ci_run_runs() -> None:
    job = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "ci.yml").read_text())["jobs"]["test"]
    runs = [step.get("run", "") for step in job["steps"]]
    for target in RUN_BY_CI_RUN:
        assert f"make {target} </dev/null" in runs, target


def test_every_target_ci_run_runs_is_a_make_target_with_help() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text()
    for target in RUN_BY_CI_RUN:
        assert re.search(rf"^{target}:.*## ", makefile, flags=re.MULTILINE), target
