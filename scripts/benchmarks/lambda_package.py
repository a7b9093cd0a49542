"""The deployed Lambda package (size, files) and each handler's cold import, measured as Lambda imports it."""

from __future__ import annotations

import platform
import re
import zipfile

import cold_import

from benchmarks.report import Section
from benchmarks.runner import VENV_PY, Context

COLD_IMPORT_GOAL_MS = 300  # issue 27: every handler's cold import, wall time of the import statement


def lambda_section(ctx: Context) -> Section:
    root = ctx.src / "lambdas"
    notes: list[str] = []
    rows: list[tuple[str, ...]] = []
    if not root.is_dir():
        return Section("Lambda package", ("figure", "value"), [], ["lambdas/ not present yet: skipped."])
    (archive,) = (ctx.outdirs["fast"][0] / "stacks" / "payment-dev" / "assets").glob("*/*/*.zip")
    with zipfile.ZipFile(archive) as zf:
        entries = len(zf.namelist())
    rows.append(("deployed package (the zip in cdktf.out)", f"{archive.stat().st_size:,} bytes, {entries} files"))

    handlers_dir = root / "payments" / "handlers"
    # Entry points only (a module defining a Lambda handler function), not the shared http.py or tracing.py.
    entry = re.compile(r"^def \w*handler\(", re.M)
    modules = sorted(p.stem for p in handlers_dir.glob("*.py") if entry.search(p.read_text()))
    if not modules:
        notes.append("lambdas/payments/handlers/ has no handler modules yet: cold import not measured.")
        return Section("Lambda package", ("figure", "value"), rows, notes)
    slowest = (0.0, "")
    for module in modules:
        name = f"payments.handlers.{module}"
        wall = cold_import.median_ms(cold_import.wall_seconds, name, ctx.runs, root=root, python=str(VENV_PY))
        importtime = cold_import.median_ms(
            cold_import.importtime_seconds, name, ctx.runs, root=root, python=str(VENV_PY)
        )
        verdict = "ok" if wall <= COLD_IMPORT_GOAL_MS else f"over the {COLD_IMPORT_GOAL_MS} ms goal"
        rows.append((f"cold import `{name}`", f"{wall:.0f} ms ({verdict}); `-X importtime` {importtime:.0f} ms"))
        print(f"cold import {name}: {wall:.0f} ms, -X importtime {importtime:.0f} ms")
        slowest = max(slowest, (wall, module))
    notes.append(
        f"Cold import (`scripts/cold_import.py`): fresh interpreter per run ({platform.python_version()}, the "
        "project venv; Lambda runs python3.12 on arm64), in a Lambda-like environment (`LAMBDA_TASK_ROOT`, "
        "`AWS_LAMBDA_FUNCTION_NAME`, …: the X-Ray SDK then takes its Lambda path). The goal "
        f"(≤ {COLD_IMPORT_GOAL_MS} ms) is held to the first figure, the wall time of the `import` statement; "
        "`-X importtime` is the cumulative time Python reports for the same module in the same environment "
        "(slightly higher: its own bookkeeping). Interpreter start-up is in neither."
    )
    headline = f"slowest handler cold import {slowest[0]:.0f} ms ({slowest[1]})"
    return Section("Lambda package", ("figure", "value"), rows, notes, headline=headline)
