"""The jsii-kernel preload that makes the provider's JavaScript root lazy (payment_infra/accelerate/lazy_provider_preload.js)."""

from __future__ import annotations

import filecmp
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from payment_infra import accelerate
from payment_infra.accelerate import node_options
from payment_infra.engine import ENGINE, ENGINES
from tests.conftest import REPO_ROOT
from tests.infra.conftest import NaiveSynth
from tests.infra.synth_helpers import tree_differences

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is required by cdktf itself")


CDKTF = ENGINES["cdktf"]
WRITTEN_FOR = accelerate.WRITTEN_FOR["lazy_provider_preload.js"]["written_for"]


def _fake_provider(root: Path, index_js: str, name: str = "@cdktf/provider-aws", version: str | None = None) -> Path:
    package = root / "node_modules" / name
    (package / "lib").mkdir(parents=True)
    version = version or WRITTEN_FOR["cdktf"]["@cdktf/provider-aws"]
    (package / "package.json").write_text(json.dumps({"name": name, "version": version, "main": "lib/index.js"}))
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


def _run_probe(
    package: Path, probe: str = PROBE, namespaces: str = "", ci: str = "", check: bool = True
) -> subprocess.CompletedProcess:
    env = {**os.environ, "NODE_OPTIONS": "", "CI": ci}
    accelerate.install_lazy_provider_preload(env, CDKTF)
    env[accelerate.NAMESPACES_VARIABLE] = namespaces
    return subprocess.run([NODE, "-e", probe, str(package)], env=env, capture_output=True, text=True, check=check)


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


def test_an_unexpected_shape_is_an_error_under_ci(tmp_path: Path) -> None:
    odd = FLAT + 'exports.extra = computeSomething(require("./kms-key"));\n'
    result = _run_probe(_fake_provider(tmp_path, odd), ci="true", check=False)
    assert result.returncode != 0
    assert "an error because CI=true" in result.stderr and "lib/index.js has neither" in result.stderr


def test_another_provider_version_is_loaded_eagerly_and_is_an_error_under_ci(tmp_path: Path) -> None:
    package = _fake_provider(tmp_path, FLAT, version="99.0.0")
    warned = _run_probe(package)
    assert json.loads(warned.stdout)["before"] == ["s3-bucket", "kms-key"]
    assert "@cdktf/provider-aws is 99.0.0, lazy_provider_preload.js was written for" in warned.stderr
    failed = _run_probe(package, ci="true", check=False)
    assert failed.returncode != 0 and "an error because CI=true" in failed.stderr


IMPORT_STAR_HELPERS = (REPO_ROOT / "tests/infra/provider_root_helpers.js").read_text()
IMPORT_STAR = (
    '"use strict";\n/**\n * Copyright IBM Corp. 2021, 2026\n */\n'
    + IMPORT_STAR_HELPERS
    + 'Object.defineProperty(exports, "__esModule", { value: true });\n'
    "exports.kmsKey = exports.s3Bucket = void 0;\n"
    'exports.s3Bucket = __importStar(require("./s3-bucket"));\n'
    'exports.kmsKey = __importStar(require("./kms-key"));\n'
)


def test_cdktn_import_star_root_is_loaded_lazily_with_the_files_own_helper(tmp_path: Path) -> None:
    """cdktn's root wraps each namespace in TypeScript's __importStar: the getter applies that same helper."""
    version = WRITTEN_FOR["cdktn"]["@cdktn/provider-aws"]
    package = _fake_provider(tmp_path, IMPORT_STAR, name="@cdktn/provider-aws", version=version)
    env = {**os.environ, "NODE_OPTIONS": "", "CI": "true"}
    accelerate.install_lazy_provider_preload(env, ENGINES["cdktn"])
    probe = PROBE.replace("after: globalThis", "esm: p.s3Bucket.default.Kind, after: globalThis")
    result = subprocess.run([NODE, "-e", probe, str(package)], env=env, capture_output=True, text=True, check=True)
    loaded = json.loads(result.stdout)
    assert loaded["before"] == [] and loaded["after"] == ["s3-bucket"]
    assert (loaded["kind"], loaded["esm"]) == ("s3-bucket", "s3-bucket")  # a CommonJS module gets its `default`
    assert result.stderr == ""


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
    assert accelerate.provider_namespaces(source) == ["s3BucketLogging", "wafv2WebAcl"]
    env: dict[str, str] = {}
    accelerate.install_lazy_provider_preload(env)
    names = env[accelerate.NAMESPACES_VARIABLE].split(",")
    assert {"provider", "dataAwsCallerIdentity", "vpcSecurityGroupIngressRule"} <= set(names)
    assert (
        len(names)
        == len(set(names))
        == len(
            [
                m
                for m in sys.modules
                if m.startswith(f"{ENGINE.provider_module}.") and m.count(".") == 1 and not m.endswith("._jsii")
            ]
        )
    )


def _real_provider_root() -> str:
    package_dir = Path(importlib.util.find_spec(ENGINE.provider_module).origin).parent
    (tarball,) = (package_dir / "_jsii").glob("*.jsii.tgz")
    with tarfile.open(tarball) as archive:
        return archive.extractfile("package/lib/index.js").read().decode()


def _parse_with_the_preload(source: str) -> dict | None:
    """The preload's own parser (the check it makes before going lazy), run by node on ``source``."""
    script = (
        "const {parseBarrel} = require(process.argv[1]);"
        "const barrel = parseBarrel(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(barrel && {names: barrel.entries.map(([n]) => n), helpers: barrel.helpers !== ''}));"
    )
    env = {**os.environ, "NODE_OPTIONS": ""}
    result = subprocess.run(
        [NODE, "-e", script, str(accelerate.PROVIDER_PRELOAD)], input=source, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_real_provider_root_has_a_shape_the_preload_recognises_and_every_namespace() -> None:
    """A provider upgrade that changes the root, or a name the root does not export, fails here.

    Same check as the preload's (its ``parseBarrel``), on the provider installed for this engine.
    """
    barrel = _parse_with_the_preload(_real_provider_root())
    assert barrel is not None, f"{ENGINE.provider_npm} lib/index.js: a shape lazy_provider_preload.js does not know"
    assert len(barrel["names"]) > 2000
    assert barrel["helpers"] == (ENGINE.name == "cdktn")  # cdktn's root is the __importStar shape
    assert set(accelerate.provider_namespaces(accelerate.door_source())) - set(barrel["names"]) == set()


def test_the_preloads_parser_rejects_a_root_it_does_not_know() -> None:
    assert _parse_with_the_preload(FLAT + "module.exports.extra = 1;\n") is None
    assert _parse_with_the_preload(FLAT.replace("require(", "requireLazy(")) is None
    # the __importStar shape without the helper that defines it
    assert _parse_with_the_preload(IMPORT_STAR.replace(IMPORT_STAR_HELPERS, "")) is None
    assert _parse_with_the_preload(IMPORT_STAR.replace("__importStar = (this", "__importStar = (that")) is None


def test_install_appends_to_existing_node_options_once() -> None:
    env = {"NODE_OPTIONS": "--max-old-space-size=4096"}
    assert accelerate.install_lazy_provider_preload(env)
    accelerate.install_lazy_provider_preload(env)
    assert env["NODE_OPTIONS"].startswith("--max-old-space-size=4096 --require")
    assert env["NODE_OPTIONS"].count(str(accelerate.PROVIDER_PRELOAD)) == 1


def test_install_can_be_switched_off() -> None:
    env = {accelerate.LAZY_SWITCH: "0"}
    assert not accelerate.install_lazy_provider_preload(env)
    assert "NODE_OPTIONS" not in env


def test_paths_with_spaces_are_quoted() -> None:
    assert node_options.require_option(Path("/a b/p.js")) == '--require "/a b/p.js"'


@pytest.mark.slow
def test_eager_synth_output_is_byte_identical(synth_dir: Path, naive_synth: NaiveSynth) -> None:
    """The slow path (provider root loaded eagerly by node) produces exactly the same cdktf.out.

    It runs under ``python -OO`` like `make synth`, while the session synth runs without it, so the same
    comparison also proves that skipping the provider's runtime type checks changes nothing. The synth is the
    one without the accelerator folder (shared with tests/infra/test_accelerator.py); the probe shows that its
    kernel really loaded the provider eagerly.
    """
    assert naive_synth.returncode == 0, naive_synth.stderr
    assert max(len(process["providerFiles"]) for process in naive_synth.node_processes) > 2000
    comparison = filecmp.dircmp(synth_dir, naive_synth.outdir)
    assert tree_differences(comparison) == []
