"""Synth of every stack, variant by variant, interleaved run by run, and the check that their outputs are equal.

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
"""

from __future__ import annotations

import filecmp
from pathlib import Path

from benchmarks.report import Section
from benchmarks.runner import REPO, VENV_PY, Context, Measured, clean_env, mb, measure
from benchmarks.synth_floor import kernel_floor_command

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


def _warm_up(ctx: Context) -> None:
    """One synth per engine and interpreter flag set: fills the jsii cache and the .pyc / .opt-2.pyc caches."""
    for engine in ({}, CDKTN) if CDKTN_PY.exists() else ({},):
        for flags in ((), ("-OO",)):
            warmup = ctx.workdir / f"warmup{''.join(flags)}{'-'.join(engine.values())}"
            command = [str(interpreter(engine)), *flags, "-c", ACCELERATE + SYNTH, str(warmup)]
            measure(command, clean_env(engine), ctx.src)


def _interleaved_runs(ctx: Context, variants: dict) -> tuple[dict[str, Measured], Measured]:
    """Each run measures the node floor, then every variant once, so machine drift hits all of them alike."""
    results = {name: Measured() for name in variants}
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
    return results, floor


def _compare_outputs(ctx: Context, variants: dict) -> int:
    """Every cdktf variant's outdirs equal fast's, every cdktn one's cdktn fast's; the number of outdirs compared."""
    compared = 0
    for name in (v for v in SYNTH_VARIANTS if v in variants):
        reference_name = "cdktn fast" if name.startswith("cdktn") else "fast"
        reference = ctx.outdirs[reference_name][0]
        for outdir in ctx.outdirs[name]:
            diff = differences(reference, outdir)
            if diff:
                raise SystemExit(f"bench: cdktf.out of {name} ({outdir}) differs from {reference_name}: {diff[:10]}")
            compared += 1
    return compared


def _rows(variants: dict, results: dict[str, Measured], floor: Measured) -> list[tuple[str, ...]]:
    fast_wall = results["fast"].median("wall")
    rows = []
    for name in variants:
        r = results[name]
        rows.append(
            (
                name,
                f"{r.median('wall'):.2f} s",
                f"{r.median('wall') / fast_wall:.1f}x",
                mb(r.median("tree_kb")),
                mb(r.median("max_kb")),
            )
        )
    rows.append(
        (
            "node floor",
            f"{floor.median('wall'):.2f} s",
            f"{floor.median('wall') / fast_wall:.1f}x",
            mb(floor.median("tree_kb")),
            mb(floor.median("max_kb")),
        )
    )
    return rows


def _notes(results: dict[str, Measured], floor: Measured, compared: int) -> list[str]:
    fast_wall = results["fast"].median("wall")
    naive = results["naive"]
    cdktn_note = (
        f"cdktn fast / fast: **{results['cdktn fast'].median('wall') / fast_wall:.2f}x** wall time; cdktn naive / "
        f"cdktn fast: {results['cdktn naive'].median('wall') / results['cdktn fast'].median('wall'):.1f}x."
        if "cdktn fast" in results
        else "cdktn variants skipped: engines/cdktn/.venv is missing (`make bench` installs it)."
    )
    return [
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
    ]


def synth_section(ctx: Context) -> Section:
    variants = {name: v for name, v in VARIANTS.items() if interpreter(v[2]).exists()}
    print(f"synth: warm-up (fills the jsii cache), then {ctx.runs} interleaved runs of {len(variants)} variants")
    _warm_up(ctx)
    results, floor = _interleaved_runs(ctx, variants)
    compared = _compare_outputs(ctx, variants)
    stacks = stack_names(ctx.outdirs["fast"][0])
    return Section(
        f"Synth of every stack ({len(stacks)}: {', '.join(stacks)})",
        ("variant", "wall time", "vs fast", "peak RSS (tree)", "peak RSS (largest process)"),
        _rows(variants, results, floor),
        _notes(results, floor, compared),
        headline=(
            f"synth of every stack {results['fast'].median('wall'):.2f} s, "
            f"{results['fast'].median('wall') / floor.median('wall'):.1f}x the node floor"
        ),
    )
