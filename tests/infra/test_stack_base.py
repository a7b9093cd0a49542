"""Provider, tags, naming and state backend of each stack."""

from __future__ import annotations

import json

import pytest

from payment_infra.config import load_config
from payment_infra.framework import Testing as CdktfTesting
from payment_infra.naming import Naming
from payment_infra.stack import PaymentStack

REQUIRED_TAGS = {"Environment", "Project", "Owner", "CostCenter", "ManagedBy"}


def test_provider_region_and_default_tags(stack: dict, env: str) -> None:
    (provider,) = stack["provider"]["aws"]
    assert provider["region"] == "ap-northeast-2"
    (default_tags,) = provider["default_tags"]
    assert default_tags["tags"]["Environment"] == env
    assert default_tags["tags"]["ManagedBy"] == "cdktf"
    assert set(default_tags["tags"]) >= REQUIRED_TAGS


def test_no_resource_replaces_the_default_tags(stack: dict) -> None:
    """Per-resource tags would merge with default_tags; none may blank out a required key."""
    for rtype, items in stack["resource"].items():
        for key, resource in items.items():
            tags = resource.get("tags", {})
            assert not (REQUIRED_TAGS & {k for k, v in tags.items() if not v}), f"{rtype}.{key}"


def test_local_backend_by_default(stack: dict, env: str) -> None:
    assert stack["terraform"]["backend"] == {"local": {"path": f"terraform.payment-{env}.tfstate"}}


def _synth_one(env: str, environ: dict[str, str]) -> dict:
    app = CdktfTesting.app()
    stack = PaymentStack(app, load_config(env, environ), environ)
    return json.loads(CdktfTesting.synth(stack))


def test_s3_backend_with_native_locking_when_bucket_is_set() -> None:
    synthesized = _synth_one("staging", {"PAYMENT_STATE_BUCKET": "acme-tfstate"})
    backend = synthesized["terraform"]["backend"]["s3"]
    assert backend["bucket"] == "acme-tfstate"
    assert backend["key"] == "payment-api/staging/terraform.tfstate"
    assert backend["region"] == "ap-northeast-2"
    assert backend["encrypt"] is True
    assert backend["use_lockfile"] is True
    assert "dynamodb_table" not in backend


def test_s3_backend_with_dynamodb_lock_table() -> None:
    synthesized = _synth_one(
        "prod",
        {
            "PAYMENT_STATE_BUCKET": "acme-tfstate",
            "PAYMENT_STATE_LOCK_TABLE": "tf-locks",
            "PAYMENT_STATE_REGION": "eu-west-1",
            "PAYMENT_STATE_KEY_PREFIX": "/teams/pay/",
        },
    )
    backend = synthesized["terraform"]["backend"]["s3"]
    assert backend["dynamodb_table"] == "tf-locks"
    assert backend["region"] == "eu-west-1"
    assert backend["key"] == "teams/pay/prod/terraform.tfstate"
    assert "use_lockfile" not in backend


def test_region_override_reaches_the_provider() -> None:
    synthesized = _synth_one("dev", {"PAYMENT_AWS_REGION": "us-east-1", "PAYMENT_FALLBACK_REGION": "eu-central-1"})
    assert synthesized["provider"]["aws"][0]["region"] == "us-east-1"


def test_naming_rule() -> None:
    naming = Naming("dev", account_id="123456789012")
    assert naming.name("payment-transactions") == "payment-transactions-dev"
    assert naming.fifo("transaction-queue") == "transaction-queue-dev.fifo"
    assert naming.bucket("receipts") == "payment-receipts-dev-123456789012"
    with pytest.raises(ValueError, match="resource_type 'Bad_Name'"):
        naming.name("Bad_Name")
    with pytest.raises(ValueError, match="account_id"):
        Naming("dev").bucket("logs")


def test_apigateway_account_setting_can_be_left_to_another_stack() -> None:
    """The account-wide API Gateway logging role: one stack per account manages it."""
    managed = _synth_one("dev", {})
    assert len(managed["resource"]["aws_api_gateway_account"]) == 1
    (stage,) = managed["resource"]["aws_api_gateway_stage"].values()
    assert any(d.startswith("aws_api_gateway_account.") for d in stage["depends_on"])
    unmanaged = _synth_one("staging", {"PAYMENT_MANAGE_APIGATEWAY_ACCOUNT": "false"})
    assert "aws_api_gateway_account" not in unmanaged["resource"]
    roles = [r["name"] for r in unmanaged["resource"]["aws_iam_role"].values()]
    assert "payment-apigateway-cloudwatch-staging" not in roles
