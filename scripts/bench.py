#!/usr/bin/env python3
"""Benchmarks of the repo: prints a markdown report and writes it to ``docs/benchmarks.md``.

Run through ``make bench`` (which adds ``--with-make-test``) or ``.venv/bin/python scripts/bench.py --help``.
Every figure is the median of ``--runs`` runs, and figures that are compared with each other are measured
in the same invocation, interleaved run by run, so machine drift hits all variants alike.

Synth variants (each run is a fresh interpreter writing to its own temporary outdir):
    fast          our path, as `make synth` runs it: ``python -OO``, ``payment_infra.accelerate.enable()``:
                  the provider registered without its root ``__init__``, the jsii kernel's ``require`` of the
                  provider lazy (warming the namespaces ``payment_infra/aws.py`` imports), the kernel in one
                  Node process, the imports frozen out of garbage collection
    fast, no -O   the same without ``-O`` (keeps the provider's runtime argument type checks)
    two processes the same with ``PAYMENT_JSII_IN_PROCESS=0``: jsii's own relaying wrapper and kernel child
    python-only   ``PAYMENT_LAZY_PROVIDER=0``: only the Python half of the accelerator
    naive         no accelerator (as if ``payment_infra/accelerate`` were deleted): what a plain CDKTF app does
    import floor  ``accelerate.enable()`` alone: starts the kernel and loads the assemblies, no synth
    cdktn fast    ``fast`` on the cdktn engine (``engines/cdktn/.venv``, ``PAYMENT_ENGINE=cdktn``)
    cdktn naive   ``naive`` on the cdktn engine
The cdktf synth variants must produce byte-identical output, and the cdktn ones among themselves; the script
exits non-zero if they do not. The cdktn variants are skipped when ``engines/cdktn/.venv`` is missing
(``make bench`` installs it).
Synth, checkov and the Lambda figures run on a snapshot of ``main.py``, ``cdktf.json``, ``payment_infra/`` and
``lambdas/`` copied to a temporary directory at the start, so edits made in the work tree while the benchmark
runs (other engineers, an editor saving) cannot make runs differ.

Memory: "peak RSS (tree)" is the largest sum of the resident sets of the process and all its descendants
(Python and the jsii Node process), sampled every 20 ms from /proc; "peak RSS (largest process)" is
``ru_maxrss`` of ``RUSAGE_CHILDREN`` read in a fresh wrapper process per run, which is exact but counts
only the single largest process of the tree.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import cold_import  # noqa: E402 (scripts/ is not a package on sys.path when run as a script)

COLD_IMPORT_GOAL_MS = 300  # issue 27: every handler's cold import, wall time of the import statement
VENV_PY = REPO / ".venv" / "bin" / "python"
CHECKOV = REPO / ".venv" / "bin" / "checkov"
DEFAULT_OUTPUT = REPO / "docs" / "benchmarks.md"

CDKTN_PY = REPO / "engines" / "cdktn" / ".venv" / "bin" / "python"
ACCELERATE = "from payment_infra import accelerate; accelerate.enable(); "
SYNTH = "from payment_infra.app import build_app; import sys; build_app(outdir=sys.argv[1]).synth()"
CDKTN = {"PAYMENT_ENGINE": "cdktn"}
# name: (interpreter flags, code, extra environment). ``-OO`` is what `make synth` and `cdktf synth` run: it
# skips the provider's per-argument runtime type checks (``if __debug__:`` blocks) and docstrings; the tests
# run without it. Variants whose environment selects cdktn run on engines/cdktn/.venv.
VARIANTS: dict[str, tuple[tuple[str, ...], str, dict[str, str]]] = {
    "fast": (("-OO",), ACCELERATE + SYNTH, {}),
    "fast, no -O": ((), ACCELERATE + SYNTH, {}),
    "two processes": (("-OO",), ACCELERATE + SYNTH, {"PAYMENT_JSII_IN_PROCESS": "0"}),
    "python-only": (("-OO",), ACCELERATE + SYNTH, {"PAYMENT_LAZY_PROVIDER": "0"}),
    "naive": ((), SYNTH, {}),
    "import floor": (("-OO",), ACCELERATE, {}),
    "cdktn fast": (("-OO",), ACCELERATE + SYNTH, CDKTN),
    "cdktn naive": ((), SYNTH, CDKTN),
}
SYNTH_VARIANTS = ("fast", "fast, no -O", "two processes", "python-only", "naive", "cdktn fast", "cdktn naive")


def interpreter(extra: dict[str, str]) -> Path:
    return CDKTN_PY if extra.get("PAYMENT_ENGINE") == "cdktn" else VENV_PY

# Runs one command, samples the RSS of its process tree, reports JSON on stdout. A fresh wrapper per run
# keeps RUSAGE_CHILDREN to that one command (and the descendants it waited for, e.g. the jsii Node process).
_WRAPPER = r"""
import json, os, resource, subprocess, sys, time

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

def descendants(pid):
    # /proc/<pid>/task/<tid>/children lists the processes each thread started: a few reads per sample, where
    # scanning every /proc/<n>/stat would cost the measured synth a noticeable share of a 2-core machine.
    found = [pid]
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                for child in fh.read().split():
                    found += descendants(int(child))
        except OSError:
            pass
    return found

def tree_rss_kb(root):
    total = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE_KB
        except (OSError, IndexError, ValueError):
            pass
    return total

start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
peak = 0
while proc.poll() is None:
    peak = max(peak, tree_rss_kb(proc.pid))
    time.sleep(0.02)
wall = time.perf_counter() - start
err = proc.stderr.read().decode(errors="replace")[-2000:]
print(json.dumps({"wall": wall, "rc": proc.returncode, "tree_kb": peak,
                  "max_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "stderr": err}))
"""


@dataclass
class Sample:
    wall: float
    tree_kb: int
    max_kb: int


@dataclass
class Measured:
    samples: list[Sample] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples)


@dataclass
class Section:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"## {self.title}", "", "| " + " | ".join(self.header) + " |", "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.notes:
            lines += [""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines)


@dataclass
class Context:
    runs: int
    workdir: Path
    outdirs: dict[str, list[Path]] = field(default_factory=dict)

    @property
    def src(self) -> Path:
        """The snapshot of the sources that synth and the Lambda figures use."""
        return self.workdir / "src"


SNAPSHOT = ("main.py", "cdktf.json", "payment_infra", "lambdas")


def snapshot_sources(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    dest.mkdir(parents=True)
    for name in SNAPSHOT:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, dest / name)


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without PAYMENT_* (synth must not pick up a remote backend) plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYMENT_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # -OO runs need their cached .opt-2.pyc, like `make synth`
    env.update(extra or {})
    return env


def measure(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> Sample:
    out = subprocess.run(  # noqa: S603 (our own commands)
        [sys.executable, "-c", _WRAPPER, *cmd], env=env, cwd=cwd, capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"bench: {' '.join(cmd[:3])} … exited {result['rc']}:\n{result['stderr']}")
    return Sample(result["wall"], result["tree_kb"], result["max_kb"])


def differences(left: Path, right: Path) -> list[str]:
    """Relative paths that differ between two directory trees (content, or present on one side only)."""
    found: list[str] = []

    def walk(cmp: filecmp.dircmp, prefix: str) -> None:
        found.extend(prefix + name for name in cmp.left_only + cmp.right_only + cmp.funny_files)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        found.extend(prefix + name for name in mismatch + errors)
        for name, sub in cmp.subdirs.items():
            walk(sub, prefix + name + "/")

    walk(filecmp.dircmp(left, right), "")
    return sorted(found)


def stack_names(outdir: Path) -> list[str]:
    """The stacks one synth wrote (what the app builds, not a list kept here)."""
    return sorted(path.name for path in (outdir / "stacks").iterdir() if path.is_dir())


def mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


JSII_CACHE = Path.home() / ".cache" / "aws" / "jsii" / "package-cache"
_EXPORT = re.compile(r'exports\.(\w+) = (?:__importStar\()?require\("\./([^"]+)"\)')


def _cached_package(npm: str, version: str) -> Path:
    found = sorted((JSII_CACHE / npm / version).glob("*/package.json"))
    if not found:
        raise SystemExit(f"bench: {npm}@{version} is not in the jsii cache {JSII_CACHE} (the warm-up fills it)")
    return found[0].parent


def kernel_floor_command(workdir: Path) -> list[str]:
    """``node`` loading what our synth's kernel loads, and nothing else: the framework, constructs and the
    provider modules ``payment_infra/aws.py`` imports, from the packages jsii unpacked (the cdktf engine).

    The floor under any CDKTF synth of these stacks in any language: a TypeScript app of the same resources
    would load the same modules and then also build the tree and write the JSON. ``fast / floor`` is
    therefore an upper bound of the ratio to such an app.
    """
    import importlib.metadata

    sys.path.insert(0, str(REPO))
    from payment_infra import accelerate

    modules = workdir / "floor" / "node_modules"
    (modules / "@cdktf").mkdir(parents=True, exist_ok=True)
    packages = {
        "cdktf": importlib.metadata.version("cdktf"),
        "constructs": importlib.metadata.version("constructs"),
        "@cdktf/provider-aws": importlib.metadata.version("cdktf-cdktf-provider-aws"),
    }
    for npm, version in packages.items():
        link = modules / npm
        if not link.exists():
            link.symlink_to(_cached_package(npm, version))
    index = (modules / "@cdktf/provider-aws" / "lib" / "index.js").read_text()
    files = dict(_EXPORT.findall(index))
    wanted = accelerate.provider_namespaces(accelerate.door_source())
    missing = [name for name in wanted if name not in files]
    if missing:
        raise SystemExit(f"bench: the provider root has no export for {missing[:5]}")
    script = workdir / "floor" / "floor.js"
    script.write_text(
        "require('constructs'); require('cdktf');\n"
        + "".join(f"require('@cdktf/provider-aws/lib/{files[name]}');\n" for name in wanted)
    )
    return [os.environ.get("JSII_NODE", "node"), "--preserve-symlinks", str(script)]


def synth_section(ctx: Context) -> Section:
    variants = {name: v for name, v in VARIANTS.items() if interpreter(v[2]).exists()}
    results = {name: Measured() for name in variants}
    print(f"synth: warm-up (fills the jsii cache), then {ctx.runs} interleaved runs of {len(variants)} variants")
    for engine in ({}, CDKTN) if CDKTN_PY.exists() else ({},):
        for flags in ((), ("-OO",)):  # fills the jsii cache and the .pyc / .opt-2.pyc caches
            warmup = ctx.workdir / f"warmup{''.join(flags)}{'-'.join(engine.values())}"
            command = [str(interpreter(engine)), *flags, "-c", ACCELERATE + SYNTH, str(warmup)]
            measure(command, clean_env(engine), ctx.src)
    floor_cmd = kernel_floor_command(ctx.workdir)
    floor = Measured()
    for run in range(ctx.runs):
        floor.samples.append(sample := measure(floor_cmd, clean_env(), ctx.workdir))
        print(f"  run {run + 1}/{ctx.runs} {'node floor':<13} {sample.wall:6.2f} s  tree {mb(sample.tree_kb)}")
        for name, (flags, code, extra) in variants.items():
            cmd = [str(interpreter(extra)), *flags, "-c", code]
            if name in SYNTH_VARIANTS:
                outdir = ctx.workdir / f"{name.replace(' ', '-')}-{run}"
                ctx.outdirs.setdefault(name, []).append(outdir)
                cmd.append(str(outdir))
            results[name].samples.append(sample := measure(cmd, clean_env(extra), ctx.src))
            print(f"  run {run + 1}/{ctx.runs} {name:<13} {sample.wall:6.2f} s  tree {mb(sample.tree_kb)}")

    compared = 0
    for name in (v for v in SYNTH_VARIANTS if v in variants):
        reference_name = "cdktn fast" if name.startswith("cdktn") else "fast"
        reference = ctx.outdirs[reference_name][0]
        for outdir in ctx.outdirs[name]:
            diff = differences(reference, outdir)
            if diff:
                raise SystemExit(f"bench: cdktf.out of {name} ({outdir}) differs from {reference_name}: {diff[:10]}")
            compared += 1

    fast_wall = results["fast"].median("wall")
    rows = []
    for name in variants:
        r = results[name]
        rows.append((
            name,
            f"{r.median('wall'):.2f} s",
            f"{r.median('wall') / fast_wall:.1f}x",
            mb(r.median("tree_kb")),
            mb(r.median("max_kb")),
        ))
    rows.append(("node floor", f"{floor.median('wall'):.2f} s", f"{floor.median('wall') / fast_wall:.1f}x",
                 mb(floor.median("tree_kb")), mb(floor.median("max_kb"))))
    naive = results["naive"]
    cdktn_note = (
        f"cdktn fast / fast: **{results['cdktn fast'].median('wall') / fast_wall:.2f}x** wall time; cdktn naive / "
        f"cdktn fast: {results['cdktn naive'].median('wall') / results['cdktn fast'].median('wall'):.1f}x."
        if "cdktn fast" in results
        else "cdktn variants skipped: engines/cdktn/.venv is missing (`make bench` installs it)."
    )
    stacks = stack_names(ctx.outdirs["fast"][0])
    return Section(
        f"Synth of every stack ({len(stacks)}: {', '.join(stacks)})",
        ("variant", "wall time", "vs fast", "peak RSS (tree)", "peak RSS (largest process)"),
        rows,
        [
            f"**Synth ratio** fast / node floor: **{fast_wall / floor.median('wall'):.2f}x** (issue 27 aims at "
            "≤ 1.5x to a TypeScript app of the same stacks; the floor is below such an app, so this bounds the "
            "ratio from above). node floor = plain `node` (the kernel's binary) requiring `constructs`, `cdktf` "
            "and exactly the provider modules `payment_infra/aws.py` imports, from jsii's unpacked packages: "
            "no Python, no jsii, no construct tree, no JSON written.",
            f"naive / fast: **{naive.median('wall') / fast_wall:.1f}x** wall time, "
            f"{naive.median('tree_kb') / results['fast'].median('tree_kb'):.1f}x peak tree RSS.",
            cdktn_note,
            f"Byte-identical `cdktf.out`: yes ({compared} outdirs compared file by file, assets included: every "
            "cdktf variant with fast, every cdktn variant with cdktn fast).",
            "fast = `make synth`: `python -OO` (skips the provider's runtime argument type checks and docstrings; "
            "the tests run without `-O`) and `payment_infra.accelerate.enable()`: provider registered without its "
            "root `__init__`, lazy jsii `require` (with a warm-up of the namespaces `payment_infra/aws.py` "
            "imports), jsii kernel in one Node process, imports frozen out of garbage collection.",
            "two processes = fast with `PAYMENT_JSII_IN_PROCESS=0` (jsii's relaying wrapper plus its kernel child).",
            "naive = no accelerator (as if `payment_infra/accelerate` were deleted): the provider's root "
            "`__init__`, eager jsii `require`, what a plain CDKTF app does.",
            "import floor = `accelerate.enable()` alone: Python + jsii kernel start + assembly loads, no synth.",
            "cdktn = the same on CDK Terrain (`PAYMENT_ENGINE=cdktn`, engines/cdktn/.venv).",
        ],
    )


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
                capture_output=True, text=True, check=False, env=clean_env(),
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
    for module in modules:
        name = f"payments.handlers.{module}"
        wall = cold_import.median_ms(cold_import.wall_seconds, name, ctx.runs, root=root, python=str(VENV_PY))
        importtime = cold_import.median_ms(
            cold_import.importtime_seconds, name, ctx.runs, root=root, python=str(VENV_PY)
        )
        verdict = "ok" if wall <= COLD_IMPORT_GOAL_MS else f"over the {COLD_IMPORT_GOAL_MS} ms goal"
        rows.append((f"cold import `{name}`", f"{wall:.0f} ms ({verdict}); `-X importtime` {importtime:.0f} ms"))
        print(f"cold import {name}: {wall:.0f} ms, -X importtime {importtime:.0f} ms")
    notes.append(
        f"Cold import (`scripts/cold_import.py`): fresh interpreter per run ({platform.python_version()}, the "
        "project venv; Lambda runs python3.12 on arm64), in a Lambda-like environment (`LAMBDA_TASK_ROOT`, "
        "`AWS_LAMBDA_FUNCTION_NAME`, …: the X-Ray SDK then takes its Lambda path). The goal "
        f"(≤ {COLD_IMPORT_GOAL_MS} ms) is held to the first figure, the wall time of the `import` statement; "
        "`-X importtime` is the cumulative time Python reports for the same module in the same environment "
        "(slightly higher: its own bookkeeping). Interpreter start-up is in neither."
    )
    return Section("Lambda package", ("figure", "value"), rows, notes)


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


# --- EXTENSION POINT: local emulator throughput --------------------------------------------------------------
# Another engineer adds the local-emulator figures here: requests/s and p50/p99 latency for POST /transactions
# (create) and GET /transactions/{id} (get) over 1,000 requests each on loopback. Return a Section (median of
# ctx.runs runs) and it is printed and written with the rest; returning None keeps the placeholder row below.
EMULATOR_REQUESTS = 1000
EMULATOR_RUNS = 3  # a run takes over a minute; the median of three is reported
_EMULATOR_CODE = (
    "import json, sys, payment_local.bench as b; "
    "print(json.dumps(b.run(int(sys.argv[1]), max_seconds=float(sys.argv[2]))))"
)


def emulator_section(ctx: Context) -> Section:
    """Requests/s and p50/p99 of create and get against `make local`'s emulator (its own process, loopback)."""
    runs = max(1, min(ctx.runs, EMULATOR_RUNS))
    print(f"emulator: {runs} runs of {EMULATOR_REQUESTS} creates then {EMULATOR_REQUESTS} gets")
    samples: dict[str, list[dict]] = {"create": [], "get": []}
    for run in range(runs):
        proc = subprocess.run(  # noqa: S603 (our own module)
            [str(VENV_PY), "-c", _EMULATOR_CODE, str(EMULATOR_REQUESTS), "600"],
            cwd=REPO, env=clean_env(), capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(f"bench: emulator run failed:\n{proc.stderr[-3000:]}")
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        for operation, values in samples.items():
            values.append(figures[operation])
        print(f"  run {run + 1}/{runs} create {figures['create']['requests_per_second']} req/s, "
              f"get {figures['get']['requests_per_second']} req/s")
    rows = []
    for operation, values in samples.items():
        def median(key: str, values: list[dict] = values) -> float:
            return statistics.median(v[key] for v in values)

        rows.append((
            operation,
            f"{median('requests'):.0f}",
            f"{median('errors'):.0f}",
            f"{median('requests_per_second'):.1f}",
            f"{median('p50_ms'):.0f} ms",
            f"{median('p99_ms'):.0f} ms",
        ))
    return Section(
        f"Local emulator throughput ({EMULATOR_REQUESTS:,} creates, then a get of each, loopback)",
        ("operation", "requests", "errors", "requests/s", "p50", "p99"),
        rows,
        [
            f"Median of {runs} runs of `payment_local.bench.run` (8 concurrent clients, throttling off).",
            "One Python process hosts moto, the handlers and the settlement poller, and each function serves one "
            "request at a time like a single Lambda container: a functional-test figure, not a capacity figure.",
        ],
    )


# --------------------------------------------------------------------------------------------------------------


def tool_versions() -> str:
    def first_line(cmd: list[str]) -> str:
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
            return proc.stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"

    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {first_line([str(VENV_PY), '--version'])[7:]}, "
        f"Node {first_line([os.environ.get('JSII_NODE', 'node'), '--version'])} (jsii kernel)"
    )


def render(sections: list[Section], ctx: Context, seconds: float) -> str:
    head = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` (`scripts/bench.py`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"{tool_versions()}. Every figure is the median of {ctx.runs} runs; compared figures come from the same "
        f"invocation, interleaved run by run. The whole benchmark took {seconds:.0f} s.",
        "Do not edit by hand: rerun `make bench`.",
    ]
    return "\n\n".join(["\n".join(head)] + [s.markdown() for s in sections]) + "\n"


#: The synth table is also written into the performance document, beside the story it measures.
SUMMARY = REPO / "docs" / "performance.md"
SUMMARY_START, SUMMARY_END = "<!-- bench:start -->", "<!-- bench:end -->"


def update_summary(summary: Path, synth: Section, stamp: str) -> bool:
    """Replace the block between the bench markers of ``summary`` (a file in docs/, beside benchmarks.md) with
    the synth table; False if there are no markers."""
    text = summary.read_text()
    if SUMMARY_START not in text or SUMMARY_END not in text:
        return False
    head, rest = text.split(SUMMARY_START, 1)
    _, tail = rest.split(SUMMARY_END, 1)
    block = synth.markdown().replace(f"## {synth.title}", f"**{synth.title}** ({stamp}, from `make bench`; "
                                     "all figures in [benchmarks.md](benchmarks.md)):")
    summary.write_text(f"{head}{SUMMARY_START}\n{block}\n{SUMMARY_END}{tail}")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per figure; the median is reported (default 5)")
    parser.add_argument("--with-make-test", action="store_true", help="also time `make test` (on in `make bench`)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="markdown file to write")
    parser.add_argument("--no-summary", action="store_true",
                        help="do not update the synth table in docs/performance.md")
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
    if not args.no_summary and update_summary(SUMMARY, sections[0], f"{datetime.now(UTC):%Y-%m-%d}, {tool_versions()}"):
        print(f"updated the synth table in {SUMMARY}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
