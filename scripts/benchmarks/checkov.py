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
    stacks = stack_names(ctx.outdirs["fast"][0])
    rows = []
    for label, dirs in [(stack, [stack]) for stack in stacks] + [(f"all {len(stacks)} (as `make test`)", stacks)]:
        times, summaries = [], []
        for _ in range(ctx.runs):
            start = time.perf_counter()
            proc = subprocess.run(  # noqa: S603
                [str(VENV_PY), str(REPO / "scripts" / "checkov_gate.py"), *(str(stack_root / d) for d in dirs)],
                capture_output=True,
                text=True,
                check=False,
                env=clean_env(),
            )
            times.append(time.perf_counter() - start)
            summaries = list(GATE_SUMMARY.finditer(proc.stdout))
            if len(summaries) != len(dirs):
                raise SystemExit(f"bench: unexpected checkov gate output:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        counts = tuple(str(sum(int(m[key]) for m in summaries)) for key in ("passed", "skipped", "failed"))
        rows.append((label, f"{statistics.median(times):.2f} s", *counts))
        print(f"checkov gate {label}: {statistics.median(times):.2f} s, {counts[2]} failed")
    return Section(
        "Checkov gate (`scripts/checkov_gate.py`, as in `make test`)",
        ("stacks", "duration", "passed", "skipped inline", "failed"),
        rows,
        [
            "Run on the `fast` synth output: one stack per run, then every stack in one run, as `make test` "
            "does (one checkov process for all: its start-up is most of a small stack's time)."
        ],
    )
