"""Responses of the real handlers conform to the schemas in openapi.json."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from payments.handlers import health, status, transactions

from tests.lambdas.events import LambdaContext, api_event, response_json
from tests.lambdas.moto_resources import Aws

SPEC = json.loads((Path(__file__).resolve().parents[2] / "lambdas" / "openapi.json").read_text())


def _inline(node: Any) -> Any:
    """Replace local ``$ref``s by their targets (the document has no recursive schemas)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = SPEC
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return _inline(target)
        return {key: _inline(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value) for value in node]
    return node


def check(response: dict[str, Any], method: str, path: str) -> None:
    operation = SPEC["paths"][path][method.lower()]
    documented = operation["responses"][str(response["statusCode"])]
    schema = _inline(documented)["content"]["application/json"]["schema"]
    OAS30Validator(schema).validate(response_json(response))


def test_documented_shapes(function_env: Aws, customer_id: str):
    key = uuid.uuid4().hex
    body = {"customer_id": customer_id, "amount": 100, "currency": "KWD", "description": "x"}
    created = transactions.handler(
        api_event("POST", "/transactions", body=body, headers={"Idempotency-Key": key}), LambdaContext()
    )
    check(created, "POST", "/transactions")
    tid = response_json(created)["transaction_id"]
    cases = [
        (transactions, "GET", f"/transactions/{tid}", "/transactions/{transaction_id}", None),
        (transactions, "GET", "/transactions/txn_nope", "/transactions/{transaction_id}", None),
        (transactions, "GET", "/transactions", "/transactions", {"customer_id": customer_id, "limit": "1"}),
        (transactions, "GET", "/transactions", "/transactions", {"limit": "1000"}),
        (status, "GET", f"/status/{tid}", "/status/{transaction_id}", None),
        (status, "GET", "/status/nope", "/status/{transaction_id}", None),
        (health, "GET", "/health", "/health", None),
    ]
    for module, method, concrete, template, query in cases:
        check(module.handler(api_event(method, concrete, query=query), LambdaContext()), method, template)
    for bad in ({"amount": 1}, {"customer_id": "c", "amount": 1.5, "currency": "USD"}):
        response = transactions.handler(
            api_event("POST", "/transactions", body=bad, headers={"Idempotency-Key": key}), LambdaContext()
        )
        check(response, "POST", "/transactions")


@pytest.mark.parametrize(
    "body",
    [
        {"customer_id": "c", "amount": 1, "currency": "USD"},
        {"customer_id": "c", "amount": 1, "currency": "USD", "description": "d"},
    ],
)
def test_documented_request_schema_accepts_what_the_api_accepts(body):
    schema = _inline(SPEC["components"]["schemas"]["CreateTransactionRequest"])
    OAS30Validator(schema).validate(body)


@pytest.mark.parametrize(
    "body",
    [
        {"customer_id": "c", "amount": "1", "currency": "USD"},
        {"customer_id": "c", "amount": 0, "currency": "USD"},
        {"customer_id": "c", "amount": 1, "currency": "usd"},
        {"customer_id": "c", "amount": 1, "currency": "USD", "extra": 1},
        {"amount": 1, "currency": "USD"},
    ],
)
def test_documented_request_schema_rejects_what_api_gateway_can_catch(body):
    schema = _inline(SPEC["components"]["schemas"]["CreateTransactionRequest"])
    assert not OAS30Validator(schema).is_valid(body)
