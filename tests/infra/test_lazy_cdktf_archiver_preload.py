"""The preload that defers cdktf's ``require("archiver")`` (payment_infra/accelerate/lazy_cdktf_archiver_preload.js)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from payment_infra import accelerate
from payment_infra.engine import ENGINES

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is required by cdktf itself")

ARCHIVER = """
globalThis.archiverLoads = (globalThis.archiverLoads || 0) + 1;
module.exports = function archiver(format) { return { format }; };
module.exports.isRegisteredFormat = (format) => format === 'zip';
"""
CALLER = """
const archiver = require('archiver');
exports.zip = () => archiver('zip').format;
exports.registered = () => archiver.isRegisteredFormat('zip');
"""
PROBE = """
const fs = require(process.argv[1]);
const atLoad = globalThis.archiverLoads || 0;
const zipped = fs.zip();
const registered = fs.registered();
console.log(JSON.stringify({atLoad, zipped, registered, loads: globalThis.archiverLoads || 0}));
"""


CDKTF = ENGINES["cdktf"]
WRITTEN_FOR = accelerate.WRITTEN_FOR["lazy_cdktf_archiver_preload.js"]


def _fake_package(root: Path, name: str, version: str | None = None) -> Path:
    package = root / "node_modules" / name
    (package / "lib" / "private").mkdir(parents=True)
    version = version or WRITTEN_FOR["written_for"]["cdktf"]["cdktf"]
    (package / "package.json").write_text(json.dumps({"name": name, "version": version}))
    (package / "lib" / "private" / "fs.js").write_text(CALLER)
    archiver = root / "node_modules" / "archiver"
    archiver.mkdir(exist_ok=True)
    (archiver / "index.js").write_text(ARCHIVER)
    return package / "lib" / "private" / "fs.js"


def _run(caller: Path, ci: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "NODE_OPTIONS": "", "CI": ci}
    accelerate.install_lazy_provider_preload(env, CDKTF)
    return subprocess.run([NODE, "-e", PROBE, str(caller)], env=env, capture_output=True, text=True)


def _probe(caller: Path) -> dict:
    result = _run(caller)
    assert result.returncode == 0 and result.stderr == ""
    return json.loads(result.stdout)


def test_cdktf_loads_archiver_only_when_it_zips(tmp_path: Path) -> None:
    probe = _probe(_fake_package(tmp_path, "cdktf"))
    assert probe["atLoad"] == 0  # requiring cdktf's fs.js did not load archiver
    assert (probe["zipped"], probe["registered"]) == ("zip", True)  # calls and properties reach the real module
    assert probe["loads"] == 1  # loaded once, on first use


def test_other_packages_get_archiver_as_usual(tmp_path: Path) -> None:
    assert _probe(_fake_package(tmp_path, "not-cdktf"))["atLoad"] == 1


def test_another_cdktf_version_gets_archiver_eagerly_and_is_an_error_under_ci(tmp_path: Path) -> None:
    caller = _fake_package(tmp_path, "cdktf", version="0.99.0")
    warned = _run(caller)
    assert json.loads(warned.stdout)["atLoad"] == 1
    assert "cdktf is 0.99.0, lazy_cdktf_archiver_preload.js was written for" in warned.stderr
    failed = _run(caller, ci="true")
    assert failed.returncode != 0 and "an error because CI=true" in failed.stderr


def test_install_adds_the_preload_with_the_lazy_provider_one() -> None:
    env: dict[str, str] = {}
    assert accelerate.install_lazy_provider_preload(env, CDKTF)
    assert env["NODE_OPTIONS"].count(str(accelerate.ARCHIVER_PRELOAD)) == 1


def test_on_cdktn_the_preload_is_not_installed_and_says_why() -> None:
    """cdktn zips with fflate: the archiver preload does not apply there, which is reported, not an error."""
    env: dict[str, str] = {"CI": "true"}
    assert accelerate.install_lazy_provider_preload(env, ENGINES["cdktn"])
    assert str(accelerate.ARCHIVER_PRELOAD) not in env["NODE_OPTIONS"]
    assert str(accelerate.PROVIDER_PRELOAD) in env["NODE_OPTIONS"]
    _, skipped = accelerate.applicable_preloads(ENGINES["cdktn"])
    assert skipped == {"lazy_cdktf_archiver_preload.js": WRITTEN_FOR["does_not_apply"]["cdktn"]}
    assert "fflate" in skipped["lazy_cdktf_archiver_preload.js"]
