"""The emulator's API Gateway front on its own (no moto, a recording function): stage prefix, request
validation like API Gateway's (messages and deep bodies), wrong methods."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from payment_local.clients import assign_clients
from payment_local.gateway import Gateway
from payment_local.request_validation import check_body
from payment_local.stack import load_stack

API_KEY = "test-key"


@pytest.fixture(scope="module")
def invoked() -> list[tuple[str, dict[str, Any]]]:
    return []


@pytest.fixture(scope="module")
def gateway(synth_dir: Path, invoked: list[tuple[str, dict[str, Any]]]) -> Gateway:
    stack = load_stack("dev", path=synth_dir / "stacks" / "payment-dev" / "cdk.tf.json", synth_if_missing=False)

    def invoke(handler: str, event: dict[str, Any]) -> dict[str, Any]:
        invoked.append((handler, event))
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}

    return Gateway(stack, invoke, clients=assign_clients(stack, [API_KEY]), throttle=False)


@pytest.fixture
def client(gateway: Gateway) -> Client:
    return Client(gateway)


def _post(client: Client, body: bytes | str) -> Any:
    return client.post(
        "/dev/transactions",
        data=body,
        headers={"x-api-key": API_KEY, "Idempotency-Key": "k1", "Content-Type": "application/json"},
    )


def test_the_api_is_served_under_the_stage_and_the_event_says_so(
    client: Client, invoked: list[tuple[str, dict[str, Any]]]
) -> None:
    invoked.clear()
    response = client.get("/dev/transactions?customer_id=c1", headers={"x-api-key": API_KEY})
    assert response.status_code == 200
    ((_, event),) = invoked
    assert event["path"] == "/transactions"  # as API Gateway: the stage is not part of path ...
    assert event["requestContext"]["path"] == "/dev/transactions"  # ... but of the request's own path
    assert event["requestContext"]["stage"] == "dev"
    assert event["resource"] == "/transactions"


@pytest.mark.parametrize("path", ["/transactions?customer_id=c1", "/", "/prod/transactions?customer_id=c1", "/devx"])
def test_a_path_outside_the_stage_is_403(client: Client, path: str) -> None:
    response = client.get(path, headers={"x-api-key": API_KEY})
    assert response.status_code == 403
    assert response.json == {"message": "Forbidden"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/dev/transactions"),
        ("PUT", "/dev/transactions"),
        ("PATCH", f"/dev/transactions/txn_{'0' * 32}"),
        ("POST", f"/dev/status/txn_{'0' * 32}"),
        ("DELETE", "/dev/health"),
    ],
)
def test_a_wrong_method_is_api_gateways_403_not_a_405(client: Client, method: str, path: str) -> None:
    for headers in ({"x-api-key": API_KEY}, {}):
        response = client.open(path, method=method, headers=headers)
        assert response.status_code == 403
        assert response.json["error"]["code"] == "not_found"
        assert "Allow" not in response.headers


@pytest.mark.parametrize("depth", [3_000, 10_000])
@pytest.mark.parametrize(
    "template", ['{{"customer_id": {open}{close}, "amount": 1, "currency": "USD"}}', "{open}{close}"]
)
def test_a_deeply_nested_body_is_a_400_invalid_body(client: Client, depth: int, template: str) -> None:
    body = template.format(open="[" * depth, close="]" * depth)
    response = _post(client, body)
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    error = response.json["error"]
    assert error["code"] == "invalid_body"
    assert error["message"] == "Invalid request body"


@pytest.mark.parametrize(
    "body",
    [
        {"customer_id": "c1", "amount": True, "currency": "USD"},
        {"customer_id": "c1", "currency": "USD"},
        {"customer_id": "c1", "amount": 1, "currency": "USD", "extra": 1},
    ],
)
def test_a_schema_failure_renders_api_gateways_message_not_a_python_repr(client: Client, body: dict) -> None:
    response = _post(client, json.dumps(body))
    assert response.status_code == 400
    assert response.json["error"]["message"] == "Invalid request body"
    assert "True" not in response.get_data(as_text=True)


def _validator(gateway: Gateway) -> Any:
    (operation,) = [op for op in gateway._operations if op.method == "POST" and op.template == "/transactions"]
    return operation.body_validator


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"customer_id": "c1", "amount": True, "currency": "USD"},
            '[instance type (boolean) does not match any allowed primitive type (allowed: ["integer"])]',
        ),
        (
            {"customer_id": "c1", "amount": 1.5, "currency": "USD"},
            '[instance type (number) does not match any allowed primitive type (allowed: ["integer"])]',
        ),
        ({"customer_id": "c1"}, '[object has missing required properties (["amount","currency"])]'),
        (
            {"customer_id": "c1", "amount": 1, "currency": "USD", "b": 1, "a": 2},
            '[object instance has properties which are not allowed by the schema: ["a","b"]]',
        ),
        (
            {"customer_id": "c1", "amount": 0, "currency": "USD"},
            "[numeric instance is lower than the required minimum (minimum: 1, found: 0)]",
        ),
        (
            {"customer_id": "c1", "amount": 1, "currency": "USD", "description": "x" * 201},
            f'[string "{"x" * 201}" is too long (length: 201, maximum allowed: 200)]',
        ),
    ],
)
def test_validation_error_string_reads_like_api_gateways(gateway: Gateway, body: dict, expected: str) -> None:
    assert check_body(_validator(gateway), json.dumps(body).encode()) == expected


def test_valid_body_and_unparsable_bodies(gateway: Gateway) -> None:
    validator = _validator(gateway)
    assert check_body(validator, b'{"customer_id": "c1", "amount": 1, "currency": "USD"}') is None
    for body in (b"{", b"\xff", b"[" * 50_000 + b"]" * 50_000):
        assert check_body(validator, body), body[:10]


def test_lambdas_readme_says_what_api_gateway_answers_for_a_wrong_method() -> None:
    """The docs once promised 405; API Gateway (and so the emulator, tested above) answers 403."""
    readme = (Path(__file__).resolve().parents[2] / "lambdas" / "README.md").read_text(encoding="utf-8")
    status_lines = [line.strip() for line in readme.splitlines() if re.match(r"\s*- \d{3}\b", line)]
    assert status_lines, "lambdas/README.md lists no status codes"
    assert not [line for line in status_lines if line.startswith("- 405")], status_lines
    assert any(line.startswith("- 403") and "wrong method" in line for line in status_lines), status_lines
