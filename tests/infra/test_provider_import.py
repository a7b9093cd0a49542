"""The AWS provider is reached through ``payment_infra/aws.py`` only, and its root ``__init__`` never runs."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

PROVIDER = "cdktf_cdktf_provider_aws"
ALLOWED = {Path("payment_infra/aws.py")}


def _imports_provider(path: Path) -> bool:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] == PROVIDER for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == PROVIDER:
            return True
        if isinstance(node, ast.Constant) and node.value == PROVIDER:  # importlib.import_module("...")
            return True
    return False


def test_only_aws_py_imports_the_provider() -> None:
    sources = [
        REPO_ROOT / "main.py",
        *(REPO_ROOT / "payment_infra").rglob("*.py"),
        *(REPO_ROOT / "lambdas").rglob("*.py"),
    ]
    offenders = [
        str(p.relative_to(REPO_ROOT))
        for p in sources
        if _imports_provider(p) and p.relative_to(REPO_ROOT) not in ALLOWED
    ]
    assert offenders == []
    assert _imports_provider(REPO_ROOT / "payment_infra/aws.py")


def test_scanner_detects_an_import(tmp_path: Path) -> None:
    for line in (f"import {PROVIDER}", f"from {PROVIDER}.s3_bucket import S3Bucket", f"__import__('{PROVIDER}')"):
        sample = tmp_path / "sample.py"
        sample.write_text(line + "\n")
        assert _imports_provider(sample), line


def test_synth_leaves_the_provider_root_init_unexecuted(stacks: dict) -> None:
    """After a full synth of all stacks in this process, the package is registered but its ``__init__`` never ran."""
    assert stacks  # the session synth happened in this interpreter
    package = sys.modules[PROVIDER]
    # The root __init__ defines __all__ and imports every service module (e.g. accessanalyzer_analyzer).
    assert not hasattr(package, "__all__")
    assert f"{PROVIDER}.accessanalyzer_analyzer" not in sys.modules
    loaded = {name.split(".")[1] for name in sys.modules if name.startswith(PROVIDER + ".")}
    assert loaded == _modules_imported_by_aws_py() | {"_jsii"}


def _modules_imported_by_aws_py() -> set[str]:
    tree = ast.parse((REPO_ROOT / "payment_infra/aws.py").read_text())
    return {
        node.module.split(".")[1]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PROVIDER + ".")
    }


def test_the_imports_are_frozen_out_of_garbage_collection_and_collection_is_back_on() -> None:
    """Import-time objects live until exit; ``aws.py`` freezes them and must leave the collector as it found it."""
    import gc

    import payment_infra.aws  # noqa: F401  (already imported by conftest; named for the reader)

    assert gc.isenabled()
    assert gc.get_freeze_count() > 10_000  # the provider classes and their functions


def test_the_freeze_can_be_switched_off_for_comparisons() -> None:
    import subprocess
    import sys

    code = "import gc, payment_infra.aws; print(gc.get_freeze_count(), gc.isenabled())"
    env = {**os.environ, "PAYMENT_GC_FREEZE": "0"}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.split() == ["0", "True"], result.stderr
