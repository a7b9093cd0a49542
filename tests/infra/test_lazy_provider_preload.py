"""The jsii-kernel preload that makes the provider's JavaScript root lazy (payment_infra/lazy_provider_preload.js)."""

from __future__ import annotations

import filecmp
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from payment_infra import aws
from tests.conftest import REPO_ROOT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is required by cdktf itself")


def _fake_provider(root: Path, index_js: str, name: str = "@cdktf/provider-aws") -> Path:
    package = root / "node_modules" / name
    (package / "lib").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": name, "main": "lib/index.js"}))
    (package / "lib" / "index.js").write_text(index_js)
    for service in ("s3-bucket", "kms-key"):
        (package / "lib" / f"{service}.js").write_text(
            f'globalThis.loaded = (globalThis.loaded || []).concat("{service}"); exports.Kind = "{service}";\n'
        )
    return package


FLAT = (
    '"use strict";\n/**\n * Copyright (c) HashiCorp, Inc.\n */\n'
    'Object.defineProperty(exports, "__esModule", { value: true });\n'
    "exports.kmsKey = exports.s3Bucket = void 0;\n"
    'exports.s3Bucket = require("./s3-bucket");\n'
    'exports.kmsKey = require("./kms-key");\n'
    "//# sourceMappingURL=data:application/json;base64,e30=\n"
)

PROBE = """
const p = require(process.argv[1]);
const before = (globalThis.loaded || []).slice();
const kind = p.s3Bucket.Kind;
console.log(JSON.stringify({before, kind, after: globalThis.loaded || [], keys: Object.keys(p).sort()}));
"""


def _run_probe(package: Path, probe: str = PROBE, namespaces: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "NODE_OPTIONS": ""}
    aws.install_lazy_provider_preload(env)
    env[aws.NAMESPACES_VARIABLE] = namespaces
    return subprocess.run([NODE, "-e", probe, str(package)], env=env, capture_output=True, text=True, check=True)


def test_flat_root_is_loaded_lazily(tmp_path: Path) -> None:
    result = _run_probe(_fake_provider(tmp_path, FLAT))
    probe = json.loads(result.stdout)
    assert probe["before"] == []  # requiring the root loaded no service module
    assert probe["kind"] == "s3-bucket"
    assert probe["after"] == ["s3-bucket"]  # only the namespace touched was loaded
    assert probe["keys"] == ["kmsKey", "s3Bucket"]  # namespaces stay enumerable
    assert result.stderr == ""


def test_unexpected_shape_falls_back_to_eager_load_and_says_so_once(tmp_path: Path) -> None:
    odd = FLAT + 'exports.extra = computeSomething(require("./kms-key"));\nfunction computeSomething(x) { return x; }\n'
    result = _run_probe(_fake_provider(tmp_path, odd))
    probe = json.loads(result.stdout)
    assert probe["before"] == ["s3-bucket", "kms-key"]  # the normal, eager load ran
    assert probe["kind"] == "s3-bucket"
    assert result.stderr.count("loading the provider eagerly") == 1


def test_other_packages_are_untouched(tmp_path: Path) -> None:
    result = _run_probe(_fake_provider(tmp_path, FLAT, name="@cdktf/provider-other"))
    assert json.loads(result.stdout)["before"] == ["s3-bucket", "kms-key"]


WARM_PROBE = """
const p = require(process.argv[1]);
const before = (globalThis.loaded || []).slice();
setImmediate(() => console.log(JSON.stringify({before, after: globalThis.loaded || [], kind: p.kmsKey.Kind})));
"""


def test_named_namespaces_are_loaded_on_the_next_turn_after_the_root(tmp_path: Path) -> None:
    result = _run_probe(_fake_provider(tmp_path, FLAT), WARM_PROBE, namespaces="kmsKey,notInTheRoot")
    probe = json.loads(result.stdout)
    assert probe["before"] == []  # nothing while the kernel answers the load request
    assert probe["after"] == ["kms-key"]  # then only the named namespace; unknown names are ignored
    assert probe["kind"] == "kms-key"
    assert result.stderr == ""


def test_a_namespace_that_fails_to_load_is_left_for_its_first_real_use(tmp_path: Path) -> None:
    package = _fake_provider(tmp_path, FLAT)
    (package / "lib" / "kms-key.js").write_text('throw new Error("broken kms-key");\n')
    probe = WARM_PROBE.replace(
        "kind: p.kmsKey.Kind", "kind: (() => { try { return p.kmsKey.Kind; } catch (e) { return e.message; } })()"
    )
    result = _run_probe(package, probe, namespaces="kmsKey")
    assert json.loads(result.stdout)["kind"] == "broken kms-key"  # the warm-up did not crash the process


def test_the_namespaces_come_from_this_modules_imports() -> None:
    source = "from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA\nfrom cdktf_cdktf_provider_aws.wafv2_web_acl import (\n"
    assert aws.provider_namespaces(source) == ["s3BucketLogging", "wafv2WebAcl"]
    env: dict[str, str] = {}
    aws.install_lazy_provider_preload(env)
    names = env[aws.NAMESPACES_VARIABLE].split(",")
    assert {"provider", "dataAwsCallerIdentity", "vpcSecurityGroupIngressRule"} <= set(names)
    assert (
        len(names)
        == len(set(names))
        == len(
            [
                m
                for m in sys.modules
                if m.startswith(f"{aws.PROVIDER_PACKAGE}.") and m.count(".") == 1 and not m.endswith("._jsii")
            ]
        )
    )


def test_every_namespace_exists_in_the_real_provider_root() -> None:
    """A name the root does not export would be skipped silently by the warm-up: catch it here instead."""
    package_dir = Path(importlib.util.find_spec(aws.PROVIDER_PACKAGE).submodule_search_locations[0])
    (tarball,) = (package_dir / "_jsii").glob("*.jsii.tgz")
    with tarfile.open(tarball) as archive:
        root = archive.extractfile("package/lib/index.js").read().decode()
    exported = set(re.findall(r"^exports\.(\w+) = require\(", root, flags=re.MULTILINE))
    assert set(aws.provider_namespaces(Path(aws.__file__).read_text())) - exported == set()


def test_install_appends_to_existing_node_options_once() -> None:
    env = {"NODE_OPTIONS": "--max-old-space-size=4096"}
    assert aws.install_lazy_provider_preload(env)
    aws.install_lazy_provider_preload(env)
    assert env["NODE_OPTIONS"].startswith("--max-old-space-size=4096 --require")
    assert env["NODE_OPTIONS"].count(str(aws.PRELOAD_SCRIPT)) == 1


def test_install_can_be_switched_off() -> None:
    env = {aws.LAZY_SWITCH: "0"}
    assert not aws.install_lazy_provider_preload(env)
    assert "NODE_OPTIONS" not in env


def test_paths_with_spaces_are_quoted() -> None:
    assert aws._node_require_option(Path("/a b/p.js")) == '--require "/a b/p.js"'


def test_the_preloads_are_active_in_this_session() -> None:
    assert aws.LAZY_PRELOAD_ACTIVE
    assert aws.IN_PROCESS_KERNEL_ACTIVE
    assert str(aws.PRELOAD_SCRIPT) in os.environ["NODE_OPTIONS"]
    assert str(aws.IN_PROCESS_SCRIPT) in os.environ["NODE_OPTIONS"]


@pytest.mark.slow
def test_eager_synth_output_is_byte_identical(synth_dir: Path, tmp_path: Path) -> None:
    """The slow path (provider root loaded eagerly by node) produces exactly the same cdktf.out.

    It runs under ``python -OO`` like `make synth`, while the session synth runs without it, so the same
    comparison also proves that skipping the provider's runtime type checks changes nothing.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYMENT_")}
    env.update({aws.LAZY_SWITCH: "0", "NODE_OPTIONS": ""})
    script = "import sys; from payment_infra.app import build_app; build_app(outdir=sys.argv[1]).synth()"
    subprocess.run([sys.executable, "-OO", "-c", script, str(tmp_path)], cwd=REPO_ROOT, env=env, check=True, timeout=300)
    comparison = filecmp.dircmp(synth_dir, tmp_path)
    assert _differences(comparison) == []


def _differences(comparison: filecmp.dircmp) -> list[str]:
    found = [*comparison.left_only, *comparison.right_only, *comparison.funny_files]
    _, mismatch, errors = filecmp.cmpfiles(comparison.left, comparison.right, comparison.common_files, shallow=False)
    found += mismatch + errors
    for sub in comparison.subdirs.values():
        found += _differences(sub)
    return found
