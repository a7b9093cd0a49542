#!/usr/bin/env python3
"""Benchmarks of the repo: prints a markdown report and writes it to ``docs/benchmarks.md``.

Run through ``make bench`` (which adds ``--with-make-test``) or ``.venv/bin/python scripts/bench.py --help``.
Every figure is the median of ``--runs`` runs, and figures that are compared with each other are measured
in the same invocation, interleaved run by run, so machine drift hits all variants alike.

What each section measures lives in ``scripts/benchmarks/``, one module per figure: ``synth`` (every synth
variant, and ``synth_floor`` its node floor), ``checkov`` (the security gate), ``lambda_package`` (the zip and
each handler's cold import), ``make_test``, ``emulator`` (the local API's throughput); ``runner`` measures one
command (wall time, peak RSS), ``report`` writes the markdown and docs/performance.md's synth table.
Synth, checkov and the Lambda figures run on a snapshot of ``main.py``, ``cdktf.json``, ``payment_infra/`` and
``lambdas/`` copied to a temporary directory at the start, so edits made in the work tree while the benchmark
runs (other engineers, an editor saving) cannot make runs differ.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # scripts/ is not a package on sys.path when run as a script
from benchmarks.checkov import checkov_section
from benchmarks.emulator import emulator_section
from benchmarks.lambda_package import lambda_section
from benchmarks.make_test import make_test_section
from benchmarks.report import (
    HEADLINE_START,
    README,
    SUMMARY,
    SUMMARY_START,
    Section,
    render,
    tool_versions,
    update_headline,
    update_summary,
)
from benchmarks.runner import REPO, VENV_PY, Context, snapshot_sources
from benchmarks.synth import differences, synth_section
from benchmarks.synth_floor import kernel_floor_command

DEFAULT_OUTPUT = REPO / "docs" / "benchmarks.md"
# Re-exported: tests/ci/test_bench.py checks these through the script, as the command runs them.
__all__ = [
    "HEADLINE_START",
    "README",
    "SUMMARY",
    "SUMMARY_START",
    "Section",
    "differences",
    "kernel_floor_command",
    "main",
    "update_headline",
    "update_summary",
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per figure; the median is reported (default 5)")
    parser.add_argument("--with-make-test", action="store_true", help="also time `make test` (on in `make bench`)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="markdown file to write")
    parser.add_argument(
        "--no-summary",
        action="store_true",
        help="do not update the synth table in docs/performance.md nor the README's headline figures",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not VENV_PY.exists():
        parser.error(f"{VENV_PY} missing: run `make install` first")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        ctx = Context(runs=args.runs, workdir=Path(tmp))
        snapshot_sources(ctx.src)
        steps: list[Callable[[Context], Section | None]] = [synth_section, checkov_section, lambda_section]
        if args.with_make_test:
            steps.append(make_test_section)
        sections = [section for step in steps if (section := step(ctx)) is not None]
        sections.append(emulator_section(ctx))
        shutil.rmtree(ctx.workdir / "warmup", ignore_errors=True)
    text = render(sections, ctx, time.perf_counter() - started)
    print("\n" + text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"wrote {args.output}")
    stamp = f"{datetime.now(UTC):%Y-%m-%d}, {tool_versions()}"
    if not args.no_summary and update_summary(SUMMARY, sections[0], stamp):
        print(f"updated the synth table in {SUMMARY}")
    short = f"{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} CPUs"
    if not args.no_summary and args.with_make_test and update_headline(README, sections, short):
        print(f"updated the headline figures in {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
