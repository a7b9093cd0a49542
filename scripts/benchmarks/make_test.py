"""The duration and outcome of `make test` itself (`make bench` asks for it with ``--with-make-test``)."""

from __future__ import annotations

import statistics
import subprocess
import time

from benchmarks.report import Section
from benchmarks.runner import REPO, Context

MAKE_TEST_RUNS = 1  # the suite takes minutes (Terraform plans, the emulator, checkov): one run says enough


def make_test_section(ctx: Context) -> Section:
    times, codes = [], []
    runs = min(ctx.runs, MAKE_TEST_RUNS)
    for run in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(
            ["make", "test"],  # noqa: S607 (make from PATH, as a developer runs it)
            cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        times.append(time.perf_counter() - start)
        codes.append(proc.returncode)
        print(f"make test run {run + 1}/{runs}: {times[-1]:.1f} s, exit {proc.returncode}")
    outcome = "green" if not any(codes) else f"FAILED in {sum(1 for c in codes if c)} of {len(codes)} runs"
    return Section(
        "`make test`",
        ("figure", "value"),
        [("duration (already installed)", f"{statistics.median(times):.1f} s"), ("outcome", outcome)],
        [
            "Everything `make test` runs (lint, actionlint, pytest with Terraform validate/plan and the emulator, "
            f"the checkov gate; see the Makefile); no installation (stamps unchanged); {runs} run."
        ],
    )
