"""The provider and the framework are reached through their doors only (``payment_infra/aws.py``,
``payment_infra/framework.py``), and with the accelerator the provider's root ``__init__`` never runs."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

from payment_infra.engine import ENGINE, ENGINES
from tests.conftest import ACCELERATION, REPO_ROOT

PROVIDERS = {engine.provider_module for engine in ENGINES.values()}
FRAMEWORKS = {engine.framework_module for engine in ENGINES.values()}
# engine.py names every package (as data); the doors import them.
ALLOWED_PROVIDER = {Path("payment_infra/aws.py"), Path("payment_infra/engine.py")}
ALLOWED_FRAMEWORK = {Path("payment_infra/framework.py"), Path("payment_infra/engine.py")}
PROVIDER = ENGINE.provider_module


def _imports(path: Path, packages: set[str]) -> bool:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] in packages for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in packages:
            return True
        if (
            isinstance(node, ast.Call)
            and _called_name(node) in {"import_module", "__import__", "find_spec"}
            and any(isinstance(arg, ast.Constant) and str(arg.value).split(".")[0] in packages for arg in node.args)
        ):
            return True
    return False


def _called_name(call: ast.Call) -> str:
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")


def _sources() -> list[Path]:
    folders = ("payment_infra", "lambdas", "payment_local", "payment_ops", "scripts", "tests")
    return [REPO_ROOT / "main.py", *(path for folder in folders for path in (REPO_ROOT / folder).rglob("*.py"))]


def _offenders(packages: set[str], allowed: set[Path]) -> list[str]:
    return [
        str(p.relative_to(REPO_ROOT))
        for p in _sources()
        if p.relative_to(REPO_ROOT) not in allowed and p != Path(__file__) and _imports(p, packages)
    ]


def test_only_aws_py_imports_the_provider() -> None:
    assert _offenders(PROVIDERS, ALLOWED_PROVIDER) == []
    assert _imports(REPO_ROOT / "payment_infra/aws.py", PROVIDERS)


def test_only_framework_py_imports_the_framework() -> None:
    """``from cdktf import`` anywhere else would pin that module (and its tests) to one engine."""
    assert _offenders(FRAMEWORKS, ALLOWED_FRAMEWORK) == []


def test_scanner_detects_an_import(tmp_path: Path) -> None:
    for package in (*PROVIDERS, *FRAMEWORKS):
        for line in (
            f"import {package}",
            f"from {package}.s3_bucket import S3Bucket",
            f"__import__('{package}')",
            f"importlib.import_module('{package}.x')",
        ):
            sample = tmp_path / "sample.py"
            sample.write_text(line + "\n")
            assert _imports(sample, {package}), line


def test_synth_leaves_the_provider_root_init_unexecuted(stacks: dict) -> None:
    """After a full synth of all stacks in this process, the package is registered but its ``__init__`` never ran."""
    assert stacks  # the session synth happened in this interpreter
    assert ACCELERATION is not None
    package = sys.modules[PROVIDER]
    # The root __init__ defines __all__ and imports every service module (e.g. accessanalyzer_analyzer).
    assert not hasattr(package, "__all__")
    assert f"{PROVIDER}.accessanalyzer_analyzer" not in sys.modules
    loaded = {name.split(".")[1] for name in sys.modules if name.startswith(PROVIDER + ".")}
    assert loaded == _modules_imported_by_aws_py() | {"_jsii"}


def _modules_imported_by_aws_py() -> set[str]:
    tree = ast.parse((REPO_ROOT / "payment_infra/aws.py").read_text())
    door = "cdktf_cdktf_provider_aws."  # the name aws.py imports from, on every engine (see engine.py)
    return {
        node.module.split(".")[1]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(door)
    }


def test_the_imports_are_frozen_out_of_garbage_collection_and_collection_is_back_on() -> None:
    """Import-time objects live until exit; the accelerator freezes them and leaves the collector as it found it."""
    import gc

    assert ACCELERATION is not None and ACCELERATION.gc_frozen

    assert gc.isenabled()
    assert gc.get_freeze_count() > 10_000  # the provider classes and their functions


def test_the_freeze_can_be_switched_off_for_comparisons() -> None:
    import subprocess
    import sys

    code = (
        "import gc; from payment_infra import accelerate; accelerate.enable(); "
        "print(gc.get_freeze_count(), gc.isenabled())"
    )
    env = {**os.environ, "PAYMENT_GC_FREEZE": "0"}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.split() == ["0", "True"], result.stderr


def test_the_door_name_is_the_engines_provider_module_itself() -> None:
    """On cdktn, ``cdktf_cdktf_provider_aws.<module>`` is an alias: the same module object, keeping its own spec."""
    import importlib

    from payment_infra import aws

    door = importlib.import_module("cdktf_cdktf_provider_aws.s3_bucket")
    real = importlib.import_module(f"{PROVIDER}.s3_bucket")
    assert door is real and aws.S3Bucket is real.S3Bucket
    assert real.__spec__.name == f"{PROVIDER}.s3_bucket" and real.__spec__.origin is not None
