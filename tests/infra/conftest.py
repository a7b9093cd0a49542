"""``naive_synth``: the app synthesized the stock, slow way once per test run, for the tests that compare it.

The accelerator's equivalence tests (tests/infra/test_accelerator.py, test_lazy_provider_preload.py) each need
a synth without the accelerator; one naive synth costs ~10x a fast one, so they share this one (under
pytest-xdist, one for all workers: ``tests.conftest.built_once``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from payment_infra.engine import ENGINE, ENGINE_VARIABLE
from tests.conftest import REPO_ROOT, built_once

PROBE = REPO_ROOT / "tests" / "infra" / "kernel_probe.js"


@dataclass(frozen=True)
class NaiveSynth:
    """``python -OO main.py`` in a copy of the repo without ``payment_infra/accelerate``."""

    repo: Path
    """The copy (``main.py``, ``cdktf.json``, ``payment_infra/`` without ``accelerate/``, ``lambdas/``)."""
    outdir: Path
    """Its ``cdktf.out``."""
    returncode: int
    stderr: str
    """The end of its stderr (for the assertion message)."""
    node_processes: list[dict]
    """One entry per Node process of the synth (``tests/infra/kernel_probe.js``): pid, ppid, providerFiles."""


def _naive(root: Path) -> None:
    repo = root / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "accelerate", "cdktf.out")
    repo.mkdir()
    for name in ("main.py", "cdktf.json"):
        shutil.copy2(REPO_ROOT / name, repo / name)
    for name in ("payment_infra", "lambdas"):
        shutil.copytree(REPO_ROOT / name, repo / name, ignore=ignore)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYMENT_")}
    env.update({
        ENGINE_VARIABLE: ENGINE.name, "CI": "true", "NODE_OPTIONS": f"--require={PROBE}",
        "PROBE_OUT": str(root / "probe.jsonl"), "PROBE_PROVIDER": ENGINE.provider_npm,
    })  # fmt: skip
    result = subprocess.run(
        # 6 stacks since prod's standby and its region's baseline (docs/disaster-recovery.md); a loaded 2-core
        # machine running the whole suite took over 600 s for them
        [sys.executable, "-OO", "main.py"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    (root / "result.json").write_text(json.dumps({"returncode": result.returncode, "stderr": result.stderr[-3000:]}))


@pytest.fixture(scope="session")
def naive_synth(tmp_path_factory: pytest.TempPathFactory) -> NaiveSynth:
    """The naive synth, run or not: the tests assert on ``returncode`` (a failed synth fails them, not errors)."""
    root = built_once(tmp_path_factory, f"naive-synth-{ENGINE.name}", _naive)
    result = json.loads((root / "result.json").read_text())
    probe = root / "probe.jsonl"
    processes = [json.loads(line) for line in probe.read_text().splitlines()] if probe.exists() else []
    return NaiveSynth(
        repo=root / "repo",
        outdir=root / "repo" / "cdktf.out",
        returncode=result["returncode"],
        stderr=result["stderr"],
        node_processes=processes,
    )
