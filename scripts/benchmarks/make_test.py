"""The duration and outcome of `make test` and `make test-slow` (`make bench` asks for them: ``--with-make-test``)."""

from __future__ import annotations

import subprocess
import time

from benchmarks.report import Section
from benchmarks.runner import REPO, Context

#: Each target once, installed (the stamps are unchanged, so neither installs): issue 27's goal is `make test`.
TARGETS = ("test", "test-slow")
MAKE_TEST_GOAL_S = 60


def _timed(target: str) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(  # noqa: S603 (a fixed make target)
        ["make", target],  # noqa: S607 (make from PATH, as a developer runs it)
        cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    return time.perf_counter() - start, proc.returncode


def make_test_section(ctx: Context) -> Section:
    """Each target once whatever ``ctx.runs`` says: the suites take minutes."""
    del ctx
    rows, seconds = [], {}
    for target in TARGETS:
        seconds[target], code = _timed(target)
        outcome = "green" if code == 0 else f"FAILED (exit {code})"
        print(f"make {target}: {seconds[target]:.1f} s, {outcome}")
        rows.append((f"`make {target}`", f"{seconds[target]:.1f} s", outcome))
    verdict = "ok" if seconds["test"] <= MAKE_TEST_GOAL_S else f"over the {MAKE_TEST_GOAL_S} s goal"
    return Section(
        "`make test` and `make test-slow`",
        ("target", "duration (installed)", "outcome"),
        rows,
        [
            "`make test`: ruff, bandit, actionlint, the checkov gate and pytest without the tests marked slow, at "
            "once; `make test-slow`: the slow tests (cdktf CLI, Terraform core, the rehearsal, checkov on broken "
            f"stacks, the naive synth). One run each, no installation (stamps unchanged). Goal: `make test` ≤ "
            f"{MAKE_TEST_GOAL_S} s ({verdict})."
        ],
        headline=f"`make test` {seconds['test']:.0f} s, `make test-slow` {seconds['test-slow']:.0f} s",
    )
