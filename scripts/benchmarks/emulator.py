"""Requests/s and p50/p99 latency of the local emulator: POST /transactions, then GET /transactions/{id} of each.

The emulator runs in its own process on loopback (``payment_local.bench``); the median of a few runs is reported.
"""

from __future__ import annotations

import json
import statistics
import subprocess

from benchmarks.report import Section
from benchmarks.runner import REPO, VENV_PY, Context, clean_env

EMULATOR_REQUESTS = 1000
GOALS = {"create": 50, "get": 200}  # requests/s, issue 27
#: Row label and headline unit of each phase of ``payment_local.bench.run``.
LABELS = {
    "create": ("create", "creates/s"),
    "get": ("get (settlement running)", "gets/s while it settles them"),
    "get_idle": ("get (idle)", "gets/s idle"),
}
EMULATOR_RUNS = 3  # a run takes over a minute; the median of three is reported
_EMULATOR_CODE = (
    "import json, sys, payment_local.bench as b; "
    "print(json.dumps(b.run(int(sys.argv[1]), max_seconds=float(sys.argv[2]))))"
)


def emulator_section(ctx: Context) -> Section:
    """Requests/s and p50/p99 of create and get against `make local`'s emulator (its own process, loopback)."""
    runs = max(1, min(ctx.runs, EMULATOR_RUNS))
    print(f"emulator: {runs} runs of {EMULATOR_REQUESTS} creates then {EMULATOR_REQUESTS} gets")
    samples: dict[str, list[dict]] = {"create": [], "get": [], "get_idle": []}
    settled: list[dict] = []
    for run in range(runs):
        proc = subprocess.run(  # noqa: S603 (our own module)
            [str(VENV_PY), "-c", _EMULATOR_CODE, str(EMULATOR_REQUESTS), "600"],
            cwd=REPO,
            env=clean_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(f"bench: emulator run failed:\n{proc.stderr[-3000:]}")
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        for operation, values in samples.items():
            values.append(figures[operation])
        settled.append(figures["settle"])
        print(
            f"  run {run + 1}/{runs} create {figures['create']['requests_per_second']} req/s, "
            f"get {figures['get']['requests_per_second']} req/s while settling, "
            f"{figures['get_idle']['requests_per_second']} req/s idle; settled {figures['settle']['seconds']} s later"
        )
    rows, said = [], []
    for operation, values in samples.items():

        def median(key: str, values: list[dict] = values) -> float:
            return statistics.median(v[key] for v in values)

        rows.append(
            (
                LABELS[operation][0],
                f"{median('requests'):.0f}",
                f"{median('errors'):.0f}",
                f"{median('requests_per_second'):.1f}",
                f"{median('p50_ms'):.0f} ms",
                f"{median('p99_ms'):.0f} ms",
            )
        )
        said.append(
            f"{median('requests_per_second'):.0f} {LABELS[operation][1]} "
            f"(p50/p99 {median('p50_ms'):.0f}/{median('p99_ms'):.0f} ms)"
        )
    drain = statistics.median(s["seconds"] for s in settled)
    unsettled = max(s["unsettled"] for s in settled)
    return Section(
        f"Local emulator throughput ({EMULATOR_REQUESTS:,} creates, then a get of each, twice, loopback)",
        ("operation", "requests", "errors", "requests/s", "p50", "p99"),
        rows,
        [
            f"Median of {runs} runs of `payment_local.bench.run` (8 concurrent clients, throttling off). Goals "
            f"(issue 27): ≥ {GOALS['create']} creates/s and ≥ {GOALS['get']} gets/s.",
            "The first gets run while the emulator still settles the creates (each ~14 AWS calls and 4 "
            f"invocations); the last transaction settled {drain:.0f} s after them (median; unsettled: "
            f"{unsettled}), then the same gets ran again on an idle emulator.",
            "One Python process (one core: the GIL) hosts moto, the handlers, the pollers and the workflows; each "
            "function serves up to its reserved concurrency of invocations at once, as Lambda does; the handlers "
            "reach moto in process (`payment_local/speedups`): a functional-test figure, not a capacity figure.",
        ],
        headline="emulator " + ", ".join(said) + f"; the last create settled {drain:.0f} s after the first gets",
    )
