"""``make smoke`` — the command CI runs after every deploy — passes against the emulator and fails when it should."""

from __future__ import annotations

import subprocess  # nosec B404 - runs make with fixed argv
import uuid
from pathlib import Path

import pytest

from payment_local.process import child_environment, running_emulator

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _smoke(url: str, key: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # nosec B603 B607 - fixed argv
        ["make", "--no-print-directory", "smoke", f"URL={url}", f"API_KEY={key}"],
        cwd=REPO_ROOT, env={**child_environment(), "SMOKE_SETTLE_TIMEOUT": "60"}, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def test_make_smoke_against_the_emulator(synth_dir: Path, tmp_path: Path) -> None:
    key = f"smoke-{uuid.uuid4().hex}"
    args = ["--env", "dev", "--stack-file", str(synth_dir / "stacks" / "payment-dev" / "cdk.tf.json"),
            "--no-throttle", "--api-key", key, "--workflow-time-scale", "0.05", "--sdk-backoff-scale", "0.05", "--log-level", "WARNING"]  # fmt: skip
    with running_emulator(args, env=child_environment(), workdir=tmp_path, timeout=60) as info:
        passed = _smoke(info["base_url"], key)
        assert passed.returncode == 0, passed.stdout + passed.stderr
        assert "6 passed" in passed.stdout
        refused = _smoke(info["base_url"], f"wrong-{uuid.uuid4().hex}")
        assert refused.returncode != 0 and "test_create" in refused.stdout + refused.stderr


def test_make_smoke_without_a_url_is_a_usage_error() -> None:
    result = subprocess.run(  # nosec B603 B607 - fixed argv
        ["make", "--no-print-directory", "smoke"], cwd=REPO_ROOT, env=child_environment(),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2 and "usage: make smoke" in result.stderr
