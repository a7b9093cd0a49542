"""The emulator enforces the functions' roles: a stack whose role misses a grant fails the way AWS would fail it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import requests

from payment_local.process import EmulatorStartError, child_environment, running_emulator
from tests.apply_rules.test_iam_covers_calls import _edit_statement, _without


def test_a_missing_grant_is_an_access_denied_like_on_aws(synth_dir: Path, tmp_path: Path) -> None:
    stack = json.loads((synth_dir / "stacks" / "payment-dev" / "cdk.tf.json").read_text())
    stack_file = tmp_path / "cdk.tf.json"
    # The create's one write is no longer allowed (reads by id still are).
    _edit_statement(stack, "payment-transactions-", "TransactionsTable", _without("dynamodb:PutItem"))
    stack_file.write_text(json.dumps(stack))
    args = ["--env", "dev", "--stack-file", str(stack_file), "--no-throttle", "--test-hooks", "--log-level", "ERROR"]
    try:
        with running_emulator(args, env=child_environment(), workdir=tmp_path, timeout=90) as info:
            http = requests.Session()
            http.headers["x-api-key"] = info["api_key"]
            body = {"customer_id": f"cust_{uuid.uuid4().hex[:12]}", "amount": 100, "currency": "EUR"}
            created = http.post(
                f"{info['base_url']}/transactions", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=30
            )
            assert created.status_code == 503, created.text
            assert requests.get(f"{info['base_url']}/health", timeout=15).status_code == 200
            calls = http.get(f"{info['base_url']}/__local/calls", timeout=15).json()["calls"]
    except EmulatorStartError as error:
        pytest.fail(str(error))
    denied = [(c["function"], c["action"], c["decision"]) for c in calls if c["decision"] != "allow"]
    assert denied == [("payment-transactions-dev", "dynamodb:PutItem", "implicit deny")]
    # what the role allows still happened: the read by id, the idempotency record and its release
    allowed = {c["action"] for c in calls if c["decision"] == "allow"}
    assert allowed >= {"dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"}
