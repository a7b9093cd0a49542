"""Clients in the stack: one usage plan per client, one API key per key version, the key directory the
functions read, per-client import folders, and the addresses the single-key stack had before clients."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from payment_infra.config import ClientSettings, load_config, with_overrides
from payment_infra.constructs.api_clients import LEGACY_KEY_LOGICAL_ID
from tests.conftest import _SYNTH_ENV
from tests.infra.synth_helpers import bucket_named, ref, resources
from tests.security.test_iam import function_role_problems

CLIENTS = (
    ClientSettings(name="default", api_key_versions=(1, 2)),  # rotating: old and new key both valid
    ClientSettings(name="partner", throttle_rate_limit=10, throttle_burst_limit=20, quota_per_day=500),
)


@pytest.fixture(scope="module")
def two_clients(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The dev stack with two clients, synthesized once for this module."""
    from payment_infra.framework import App
    from payment_infra.stack import PaymentStack

    outdir: Path = tmp_path_factory.mktemp("clients.out")
    config = with_overrides(load_config("dev", environ={}), clients=CLIENTS)
    app = App(outdir=str(outdir))
    PaymentStack(app, config, _SYNTH_ENV)
    app.synth()
    return json.loads((outdir / "stacks" / "payment-dev" / "cdk.tf.json").read_text())


def _keys(stack: dict) -> dict[str, str]:
    """API key name -> logical id."""
    return {key["name"]: lid for lid, key in resources(stack, "aws_api_gateway_api_key").items()}


def test_the_default_configuration_keeps_the_single_keys_address_and_name(stack: dict, env: str) -> None:
    assert _keys(stack) == {f"payment-api-key-{env}": LEGACY_KEY_LOGICAL_ID}
    (plan_id,) = resources(stack, "aws_api_gateway_usage_plan")
    assert plan_id == "payment_api_usage_plan_696941B0"
    assert list(resources(stack, "aws_api_gateway_usage_plan_key")) == ["payment_api_usage_plan_key_3D5856EC"]


def test_each_client_has_its_usage_plan_tier_and_each_key_version_its_key(two_clients: dict) -> None:
    keys = _keys(two_clients)
    assert set(keys) == {"payment-api-key-dev", "payment-api-key-default-v2-dev", "payment-api-key-partner-v1-dev"}
    plans = {plan["name"]: (lid, plan) for lid, plan in resources(two_clients, "aws_api_gateway_usage_plan").items()}
    assert set(plans) == {"payment-usage-plan-dev", "payment-usage-plan-partner-dev"}
    default_plan, partner_plan = plans["payment-usage-plan-dev"][1], plans["payment-usage-plan-partner-dev"][1]
    assert default_plan["throttle_settings"] == {"rate_limit": 10, "burst_limit": 200}  # the dev matrix
    assert default_plan["quota_settings"] == {"limit": 10_000, "period": "DAY"}
    assert partner_plan["throttle_settings"] == {"rate_limit": 10, "burst_limit": 20}
    assert partner_plan["quota_settings"] == {"limit": 500, "period": "DAY"}
    for plan in (default_plan, partner_plan):
        assert plan["api_stages"][0]["stage"].startswith("${aws_api_gateway_stage.")
    attached = {
        (assoc["usage_plan_id"], assoc["key_id"])
        for assoc in resources(two_clients, "aws_api_gateway_usage_plan_key").values()
    }
    plan_ref = lambda name: ref("aws_api_gateway_usage_plan", plans[name][0])  # noqa: E731
    key_ref = lambda name: ref("aws_api_gateway_api_key", keys[name])  # noqa: E731
    assert attached == {
        (plan_ref("payment-usage-plan-dev"), key_ref("payment-api-key-dev")),
        (plan_ref("payment-usage-plan-dev"), key_ref("payment-api-key-default-v2-dev")),
        (plan_ref("payment-usage-plan-partner-dev"), key_ref("payment-api-key-partner-v1-dev")),
    }


def test_the_functions_map_every_key_id_to_its_client(two_clients: dict) -> None:
    keys = _keys(two_clients)
    expected = {
        "default": [
            ref("aws_api_gateway_api_key", keys["payment-api-key-dev"]),
            ref("aws_api_gateway_api_key", keys["payment-api-key-default-v2-dev"]),
        ],
        "partner": [ref("aws_api_gateway_api_key", keys["payment-api-key-partner-v1-dev"])],
    }
    readers = {}
    for function in resources(two_clients, "aws_lambda_function").values():
        variables = function["environment"]["variables"]
        if "API_CLIENTS" in variables:
            readers[function["function_name"]] = json.loads(variables["API_CLIENTS"])
    assert set(readers) == {
        "payment-transactions-dev",
        "payment-status-dev",
        "payment-batch-import-dev",
        "payment-sweep-dev",
    }
    assert all(directory == expected for directory in readers.values())
    output = two_clients["output"]["apigateway_client_api_key_ids"]
    assert output["value"] == expected and output["description"]
    assert two_clients["output"]["apigateway_api_key_id"]["value"] == expected["default"][-1]


def test_each_client_has_its_import_folder_and_nothing_else(two_clients: dict) -> None:
    imports_key, _ = bucket_named(two_clients, "imports")
    (notification,) = [
        n
        for n in resources(two_clients, "aws_s3_bucket_notification").values()
        if n["bucket"] == ref("aws_s3_bucket", imports_key)
    ]
    assert sorted((t["filter_prefix"], t["filter_suffix"]) for t in notification["lambda_function"]) == [
        ("imports/default/", ".csv"),
        ("imports/partner/", ".csv"),
    ]
    role_policies = [
        json.loads(p["policy"])
        for lid, p in resources(two_clients, "aws_iam_role_policy").items()
        if "batch_import" in lid
    ]
    statements = [s for policy in role_policies for s in policy["Statement"] if str(s["Action"]).count("s3:")]
    assert statements
    object_arns = {
        (action, arn.split("}", 1)[1])
        for s in statements
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        for arn in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    }
    assert object_arns == {
        ("s3:GetObject", "/imports/default/*"),
        ("s3:GetObject", "/imports/partner/*"),
        ("s3:GetObjectVersion", "/imports/default/*"),
        ("s3:GetObjectVersion", "/imports/partner/*"),
        ("s3:PutObject", "/reports/default/*"),
        ("s3:PutObject", "/reports/partner/*"),
    }


def test_function_roles_stay_least_privilege_with_several_clients(two_clients: dict) -> None:
    assert function_role_problems(two_clients) == []


def test_each_key_is_in_one_usage_plan_of_the_stage(two_clients: dict) -> None:
    from tests.apply_rules.test_api_key_usage_plans import api_key_usage_plan_problems

    assert api_key_usage_plan_problems({"payment-dev": two_clients}) == []
