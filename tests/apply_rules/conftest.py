"""``all_stacks``: every synthesized stack of the session, keyed by stack id; ``recorded_calls``: what the
functions call, measured in the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from payment_local.process import EmulatorStartError, child_environment, running_emulator
from tests.apply_rules.workload import run_every_path
from tests.conftest import ACCOUNT_STACK, built_once

RECORDED = "recorded.json"


@pytest.fixture(scope="session")
def all_stacks(stacks: dict[str, dict], account_stack: dict, dr_stacks: dict[str, dict]) -> dict[str, dict]:
    """``{"payment-account": ..., "payment-dev": <parsed cdk.tf.json>, ..., "payment-prod-dr": ...}`` for every
    stack the app synthesizes (the standbys and their region's baseline included)."""
    return {ACCOUNT_STACK: account_stack, **{f"payment-{env}": stack for env, stack in stacks.items()}, **dr_stacks}


def _record_every_path(synth_dir: Path, outdir: Path) -> None:
    args = [
        "--env", "dev", "--stack-file", str(synth_dir / "stacks" / "payment-dev" / "cdk.tf.json"),
        "--no-throttle", "--test-hooks", "--retry-delay", "1", "--log-level", "WARNING",
        "--workflow-time-scale", "0.05", "--sdk-backoff-scale", "0.05", "--sweep-interval", "3600",
        "--sweep-older-than", "1",
    ]  # fmt: skip
    try:
        with running_emulator(args, env=child_environment(), workdir=outdir, timeout=90) as info:
            recorded = run_every_path(info)
    except EmulatorStartError as error:
        pytest.fail(str(error))
    client = info["clients"][0]["name"]
    recorded = {**recorded, "calls": [{**call, "client": client} for call in recorded["calls"]]}
    (outdir / RECORDED).write_text(json.dumps(recorded), encoding="utf-8")


@pytest.fixture(scope="session")
def recorded_calls(synth_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every AWS call each function made while the emulator ran every path of the API once, and which functions ran.

    ``{"calls": [{"handler", "action", "resource", "decision", "client", …}], "invocations": {handler: count}}``;
    ``client`` is the name of the workload's client, for resources kept per client (``imports/<client>/``).
    Recorded once per test run, for every xdist worker (``built_once``).
    """
    outdir = built_once(tmp_path_factory, "iam-workload", lambda out: _record_every_path(synth_dir, out))
    return json.loads((outdir / RECORDED).read_text(encoding="utf-8"))
