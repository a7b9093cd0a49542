"""The preload that defers cdktf's ``require("archiver")`` (payment_infra/lazy_cdktf_archiver_preload.js)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from payment_infra import aws

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


def _fake_package(root: Path, name: str) -> Path:
    package = root / "node_modules" / name
    (package / "lib" / "private").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": name}))
    (package / "lib" / "private" / "fs.js").write_text(CALLER)
    archiver = root / "node_modules" / "archiver"
    archiver.mkdir(exist_ok=True)
    (archiver / "index.js").write_text(ARCHIVER)
    return package / "lib" / "private" / "fs.js"


def _probe(caller: Path) -> dict:
    env = {**os.environ, "NODE_OPTIONS": ""}
    aws.install_lazy_provider_preload(env)
    result = subprocess.run([NODE, "-e", PROBE, str(caller)], env=env, capture_output=True, text=True, check=True)
    assert result.stderr == ""
    return json.loads(result.stdout)


def test_cdktf_loads_archiver_only_when_it_zips(tmp_path: Path) -> None:
    probe = _probe(_fake_package(tmp_path, "cdktf"))
    assert probe["atLoad"] == 0  # requiring cdktf's fs.js did not load archiver
    assert (probe["zipped"], probe["registered"]) == ("zip", True)  # calls and properties reach the real module
    assert probe["loads"] == 1  # loaded once, on first use


def test_other_packages_get_archiver_as_usual(tmp_path: Path) -> None:
    assert _probe(_fake_package(tmp_path, "not-cdktf"))["atLoad"] == 1


def test_install_adds_the_preload_with_the_lazy_provider_one() -> None:
    env: dict[str, str] = {}
    assert aws.install_lazy_provider_preload(env)
    assert env["NODE_OPTIONS"].count(str(aws.ARCHIVER_SCRIPT)) == 1
