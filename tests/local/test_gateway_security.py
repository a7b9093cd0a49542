"""The emulator checks the API key exactly where API Gateway does: on operations whose own ``security`` asks for it.

API Gateway sets ``apiKeyRequired`` per method from the operation's ``security`` when it imports the body and
ignores a document-level ``security``; the emulator does the same, so a body that only declares the key at
document level is served open locally too (as it would be on AWS) instead of hiding the defect.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from payment_local.clients import assign_clients
from payment_local.gateway import Gateway
from payment_local.stack import Stack, load_stack

API_KEY = "test-key"
PROTECTED = ("/dev/transactions?customer_id=c1", f"/dev/transactions/txn_{'0' * 32}", f"/dev/status/txn_{'0' * 32}")


def _client(stack: Stack) -> Client:
    def invoke(handler: str, event: dict[str, Any]) -> dict[str, Any]:
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}

    return Client(Gateway(stack, invoke, clients=assign_clients(stack, [API_KEY]), throttle=False))


@pytest.fixture
def stack(synth_dir: Path) -> Stack:
    return load_stack("dev", path=synth_dir / "stacks" / "payment-dev" / "cdk.tf.json", synth_if_missing=False)


def test_protected_operations_need_the_key_and_health_does_not(stack: Stack) -> None:
    client = _client(stack)
    for path in PROTECTED:
        assert client.get(path).status_code == 403, path
        assert client.get(path, headers={"x-api-key": API_KEY}).status_code == 200, path
    assert client.post("/dev/transactions", json={}, headers={"Idempotency-Key": "k"}).status_code == 403
    assert client.get("/dev/health").status_code == 200


def test_a_document_level_security_alone_leaves_methods_open_as_on_aws(stack: Stack) -> None:
    (api,) = stack.resources("aws_api_gateway_rest_api").values()
    body = json.loads(api["body"])
    for item in body["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                operation.pop("security", None)
    body["security"] = [{"api_key": []}]  # the shape the stacks had before: ignored by API Gateway
    api["body"] = json.dumps(body)
    client = _client(stack)
    for path in PROTECTED:
        assert client.get(path).status_code == 200, path
