"""`python main.py` (what `make synth` and `cdktf synth` run) reports a bad configuration in one message."""

from __future__ import annotations

import os
import subprocess
import sys

from payment_infra.engine import ENGINE_VARIABLE
from tests.conftest import REPO_ROOT


def test_bad_configuration_fails_synth_with_one_clear_message(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYMENT_") or k == ENGINE_VARIABLE}
    env.update({"PAYMENT_AWS_REGION": "mars-1", "PAYMENT_ALERT_EMAIL": "nobody"})
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "main.py")], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "synth failed: invalid configuration for environment 'dev'" in result.stderr
    assert "region = 'mars-1'" in result.stderr and "alert_email = 'nobody'" in result.stderr
    assert not (tmp_path / "cdktf.out").exists()  # configs are validated before the App touches the outdir
