"""CDK Terrain (cdktn) against cdktf: the same stacks, except the fields that name the engine and the provider.

Runs in the default (cdktf) environment and synthesizes with the cdktn one (engines/cdktn/.venv) in a
subprocess, accelerated and with ``CI=true``, so an accelerator fallback on cdktn fails here too.
``make test-cdktn`` installs that environment and runs this file with ``REQUIRE_CDKTN=1`` (a missing
environment is then a failure, not a skip).
"""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path

import pytest

from payment_infra.engine import ENGINE
from tests.conftest import REPO_ROOT

CDKTN_DIR = REPO_ROOT / "engines" / "cdktn"
CDKTN_PY = CDKTN_DIR / ".venv" / "bin" / "python"
# JSON paths (keys from the document root) where the engines may differ, and why.
KNOWN = {
    ("version",): "manifest.json: the framework version",
    ("//", "metadata", "version"): "the framework version stamped into every stack",
    ("terraform", "required_providers", "aws", "version"): "the AWS provider the binding pins (6.25.0 vs 6.69.1)",
    (
        "terraform",
        "required_providers",
        "aws",
        "source",
    ): "cdktf writes `aws`, cdktn `hashicorp/aws` (same registry address)",
}
SYNTH = (
    "import sys; from payment_infra import accelerate; accelerate.enable(); "
    "from payment_infra.app import build_app; build_app(outdir=sys.argv[1]).synth()"
)


@pytest.fixture(scope="module")
def cdktn_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CDKTN_PY.exists():
        if os.environ.get("REQUIRE_CDKTN") == "1":
            pytest.fail(f"{CDKTN_PY} is missing: `make test-cdktn` installs it")
        pytest.skip("the cdktn environment is not installed (`make test-cdktn` installs it and runs this)")
    outdir = tmp_path_factory.mktemp("cdktn.out")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYMENT_")}
    env.update({"PAYMENT_ENGINE": "cdktn", "CI": "true"})
    result = subprocess.run(
        [str(CDKTN_PY), "-OO", "-c", SYNTH, str(outdir)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return outdir


def _differences(left: object, right: object, path: tuple = ()) -> list[tuple]:
    if isinstance(left, dict) and isinstance(right, dict):
        found = [(*path, key) for key in left.keys() ^ right.keys()]
        return found + [
            d for key in left.keys() & right.keys() for d in _differences(left[key], right[key], (*path, key))
        ]
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [d for i, (a, b) in enumerate(zip(left, right, strict=True)) for d in _differences(a, b, (*path, i))]
    return [] if left == right else [path]


def _files(root: Path) -> set[Path]:
    return {path.relative_to(root) for path in root.rglob("*") if path.is_file()}


@pytest.mark.slow
def test_cdktn_synthesizes_the_same_stacks_except_the_known_fields(synth_dir: Path, cdktn_out: Path) -> None:
    assert ENGINE.name == "cdktf"  # the session synth (synth_dir) is the default engine's
    assert _files(synth_dir) == _files(cdktn_out)
    unexpected = {}
    for relative in sorted(_files(synth_dir)):
        left, right = (synth_dir / relative).read_bytes(), (cdktn_out / relative).read_bytes()
        if relative.suffix != ".json":
            assert left == right, f"{relative} differs (assets must be byte-identical)"
            continue
        paths = set(_differences(json.loads(left), json.loads(right))) - set(KNOWN)
        if paths:
            unexpected[str(relative)] = sorted(paths)
    assert unexpected == {}


@pytest.mark.slow
def test_the_known_fields_really_differ(cdktn_out: Path) -> None:
    """Each known difference is the engine's and the provider's version, not something else hidden there."""
    stack = json.loads((cdktn_out / "stacks" / "payment-dev" / "cdk.tf.json").read_text())
    assert stack["//"]["metadata"]["version"] == _pin("cdktn")
    assert stack["terraform"]["required_providers"]["aws"] == {"source": "hashicorp/aws", "version": "6.69.1"}
    assert json.loads((cdktn_out / "manifest.json").read_text())["version"] == _pin("cdktn")


def _pipfile(path: Path) -> dict:
    return tomllib.loads(path.read_text())


def _pin(package: str) -> str:
    return _pipfile(CDKTN_DIR / "Pipfile")["packages"][package].removeprefix("==")


def _pins(pipfile: dict) -> dict[str, object]:
    return {name: spec for section in ("packages", "dev-packages") for name, spec in pipfile.get(section, {}).items()}


def test_the_cdktn_environment_pins_what_it_shares_with_the_default_one_equally() -> None:
    default, cdktn = _pins(_pipfile(REPO_ROOT / "Pipfile")), _pins(_pipfile(CDKTN_DIR / "Pipfile"))
    shared = (default.keys() & cdktn.keys()) - {"constructs"}  # cdktn needs constructs>=10.6,<10.8, cdktf 10.4
    assert {"boto3", "pytest", "syrupy", "aws-lambda-powertools"} <= shared
    assert {name: cdktn[name] for name in shared} == {name: default[name] for name in shared}
    assert (cdktn["cdktn"], cdktn["cdktn-provider-aws"]) == ("==0.24.0", "==25.8.1")  # exact pins
    lock = json.loads((CDKTN_DIR / "Pipfile.lock").read_text())
    assert lock["default"]["cdktn-provider-aws"]["version"] == "==25.8.1"
    assert lock["default"]["constructs"]["version"] == cdktn["constructs"]
