"""The security gate of `make test` (scripts/checkov_gate.py), timed one stack at a time on the fast synth."""

from __future__ import annotations

import re
import statistics
import subprocess
import time

from benchmarks.report import Section
from benchmarks.runner import REPO, VENV_PY, Context, clean_env
from benchmarks.synth import stack_names

GATE_SUMMARY = re.compile(
    r"checkov (?P<stack>\S+): (?P<passed>\d+) passed, (?P<skipped>\d+) skipped inline, (?P<failed>\d+) failed"
)


def checkov_section(ctx: Context) -> Section:
    """The security gate of `make test` (scripts/checkov_gate.py), one stack at a time."""
    stack_root = ctx.outdirs["fast"][0] / "stacks"
    rows = []
    for stack in stack_names(ctx.outdirs["fast"][0]):
        times, summary = [], None
        for _ in range(ctx.runs):
            start = time.perf_counter()
            proc = subprocess.run(  # noqa: S603
                [str(VENV_PY), str(REPO / "scripts" / "checkov_gate.py"), str(stack_root / stack)],
                capture_output=True,
                text=True,
                check=False,
                env=clean_env(),
            )
            times.append(time.perf_counter() - start)
            summary = GATE_SUMMARY.search(proc.stdout)
            if summary is None:
                raise SystemExit(f"bench: unexpected checkov gate output:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        assert summary is not None
        counts = (summary["passed"], summary["skipped"], summary["failed"])
        rows.append((stack, f"{statistics.median(times):.2f} s", *counts))
        print(f"checkov gate {stack}: {statistics.median(times):.2f} s, {summary['failed']} failed")
    return Section(
        "Checkov gate (`scripts/checkov_gate.py <stack>`, as in `make test`)",
        ("stack", "duration", "passed", "skipped inline", "failed"),
        rows,
        ["Run on the `fast` synth output, one stack per run; `make test` runs the stacks in parallel."],
    )
