"""The emulated gateway in-process: one usage plan per client, and the caller's key id in the proxy event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from payment_local.clients import assign_clients, directory
from payment_local.gateway import Gateway
from payment_local.stack import load_stack


@pytest.fixture
def gateway(synth_dir: Path) -> tuple[Client, list[dict[str, Any]], list]:
    stack = load_stack("dev", path=synth_dir / "stacks" / "payment-dev" / "cdk.tf.json", synth_if_missing=False)
    for plan in stack.resources("aws_api_gateway_usage_plan").values():
        plan["throttle_settings"] = {"rate_limit": 0.001, "burst_limit": 2}  # two requests, then throttled
    clients = assign_clients(stack, ["key-a", "key-b", "key-c"])
    events: list[dict[str, Any]] = []

    def invoke(handler: str, event: dict[str, Any]) -> dict[str, Any]:
        events.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}

    return Client(Gateway(stack, invoke, clients=clients, throttle=True)), events, clients


def test_each_key_is_its_own_client_named_after_the_stack(gateway) -> None:
    _, _, clients = gateway
    assert [c.name for c in clients] == ["default", "client-2", "client-3"]
    assert len({c.api_key_id for c in clients}) == 3
    assert json.loads(directory(clients)) == {c.name: [c.api_key_id] for c in clients}


def test_the_proxy_event_carries_the_callers_key_and_key_id(gateway) -> None:
    http, events, clients = gateway
    for client in clients[:2]:
        assert http.get("/dev/transactions?customer_id=c1", headers={"x-api-key": client.api_key}).status_code == 200
        identity = events[-1]["requestContext"]["identity"]
        assert (identity["apiKey"], identity["apiKeyId"]) == (client.api_key, client.api_key_id)
    assert http.get("/dev/transactions?customer_id=c1", headers={"x-api-key": "key-z"}).status_code == 403
    assert http.get("/dev/health").status_code == 200
    assert events[-1]["requestContext"]["identity"]["apiKeyId"] is None


def test_one_clients_traffic_never_uses_up_anothers_usage_plan(gateway) -> None:
    http, _, clients = gateway
    a, b = ({"x-api-key": c.api_key} for c in clients[:2])
    assert [http.get("/dev/transactions?customer_id=c1", headers=a).status_code for _ in range(3)] == [200, 200, 429]
    assert http.get("/dev/transactions?customer_id=c1", headers=b).status_code == 200


def test_the_same_key_twice_is_refused(synth_dir: Path) -> None:
    stack = load_stack("dev", path=synth_dir / "stacks" / "payment-dev" / "cdk.tf.json", synth_if_missing=False)
    with pytest.raises(ValueError, match="one key is one client"):
        assign_clients(stack, ["k", "k"])


def test_the_command_line_takes_several_keys_and_refuses_a_repeated_one(capsys: pytest.CaptureFixture[str]) -> None:
    from payment_local.__main__ import parse_args

    assert parse_args(["--api-key", "k1", "--api-key", "k2"]).api_keys == ["k1", "k2"]
    assert parse_args([]).api_keys == []
    with pytest.raises(SystemExit):
        parse_args(["--api-key", "k1", "--api-key", "k1"])
    assert "one key is one client" in capsys.readouterr().err
