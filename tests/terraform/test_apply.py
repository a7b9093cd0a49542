"""The stand-in's apply: computed values filled deterministically, with the shape AWS gives them."""

from __future__ import annotations

import functools
import re

import pytest

from scripts.tf_standin import apply, data_sources, terraform
from scripts.tf_standin import schema as schema_module
from scripts.tf_standin.values import UNKNOWN, Unknown, plan_create

pytestmark = pytest.mark.slow  # Terraform core: make test-slow runs it

REGION = "eu-west-1"
ACCOUNT = data_sources.ACCOUNT_ID


@functools.cache
def _blocks() -> dict:
    return schema_module.load(terraform.ensure_schema())["resource_schemas"]


def _applied(type_name: str, config: dict) -> dict:
    block = _blocks()[type_name]["block"]
    proposed = {name: config.get(name) for name in block.get("attributes", {})}
    proposed.update({name: config.get(name, []) for name in block.get("block_types", {})})
    return apply.apply(type_name, block, plan_create(block, proposed), REGION)


def _unknowns(value: object) -> list[object]:
    if isinstance(value, Unknown):
        return [value]
    if isinstance(value, dict):
        return [u for v in value.values() for u in _unknowns(v)]
    if isinstance(value, list):
        return [u for v in value for u in _unknowns(v)]
    return []


def test_a_queue_gets_its_url_as_id_and_an_sqs_arn() -> None:
    queue = _applied("aws_sqs_queue", {"name": "payments.fifo", "fifo_queue": True})

    assert queue["url"] == f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/payments.fifo"
    assert queue["id"] == queue["url"]
    assert queue["arn"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:payments.fifo"
    assert queue["fifo_queue"] is True  # configured values stay as planned
    assert _unknowns(queue) == []


@pytest.mark.parametrize(
    ("type_name", "config", "arn"),
    [
        ("aws_lambda_function", {"function_name": "pay", "role": "r"}, f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:pay"),
        ("aws_dynamodb_table", {"name": "txns"}, f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/txns"),
        ("aws_iam_role", {"name": "pay-role", "assume_role_policy": "{}"}, f"arn:aws:iam::{ACCOUNT}:role/pay-role"),
        ("aws_s3_bucket", {"bucket": "receipts"}, "arn:aws:s3:::receipts"),
        ("aws_sfn_state_machine", {"name": "flow", "definition": "{}", "role_arn": "r"},
         f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:flow"),
    ],
)  # fmt: skip
def test_arns_name_the_resources_service_region_and_account(type_name: str, config: dict, arn: str) -> None:
    assert _applied(type_name, config)["arn"] == arn


def test_a_stage_gets_the_api_gateway_invoke_url() -> None:
    stage = _applied("aws_api_gateway_stage", {"rest_api_id": "a1b2c3d4e5", "stage_name": "dev", "deployment_id": "d"})

    assert stage["invoke_url"] == f"https://a1b2c3d4e5.execute-api.{REGION}.amazonaws.com/dev"


def test_values_are_deterministic_and_differ_between_resources() -> None:
    first = _applied("aws_api_gateway_rest_api", {"name": "payments"})
    again = _applied("aws_api_gateway_rest_api", {"name": "payments"})
    other = _applied("aws_api_gateway_rest_api", {"name": "refunds"})

    assert first == again
    assert first["id"] != other["id"] and re.fullmatch(r"[0-9a-f]{10}", first["id"])


def test_destroy_returns_no_state_and_a_refused_type_fails_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    block = _blocks()["aws_sqs_queue"]["block"]
    assert apply.apply("aws_sqs_queue", block, None, REGION) is None

    monkeypatch.setenv(apply.REFUSE_ENV, "aws_sqs_queue")
    with pytest.raises(apply.ApplyRefusedError, match="refuses to apply aws_sqs_queue"):
        apply.apply("aws_sqs_queue", block, {"name": UNKNOWN}, REGION)
