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
    provider, *fallback = stack["provider"]["aws"]  # the first is the default (no alias)
    assert "alias" not in provider and provider["region"] == "ap-northeast-2"
    # dr.enabled (prod): the replicas' region, same tags (payment_infra/regional.py)
    assert [(p["alias"], p["region"], p["default_tags"]) for p in fallback] == (
        [("fallback", "ap-northeast-1", provider["default_tags"])] if env == "prod" else []
    )
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
    synthesized = _synth_one("staging", {"PAYMENT_STATE_BUCKET": "acme-tfstate", "PAYMENT_ALERT_EMAIL": "ops@acme.io"})
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
            "PAYMENT_ALERT_EMAIL": "ops@acme.io",
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


def test_account_baseline_stack_is_synthesized_beside_the_environments(synth_dir, account_stack: dict) -> None:
    """payment-account: its own provider, default tags and state; environments never own its singletons."""
    from payment_infra.stack_ids import stack_ids
    from tests.conftest import ACCOUNT_STACK, ENVIRONMENTS

    # stack_ids (what the Makefile, the cost script and the workflows list) is what the app synthesizes
    assert sorted(p.name for p in (synth_dir / "stacks").iterdir()) == sorted(stack_ids({}))
    expected = [ACCOUNT_STACK, *(f"payment-{env}" for env in ENVIRONMENTS)]  # deploy order
    assert [stack for stack in stack_ids({}) if stack in expected] == expected
    assert stack_ids({"PAYMENT_DEPLOYMENT": "pr-7"}) == (*stack_ids({}), "payment-pr-7")
    # prod's standby and its region's baseline (tests/infra/test_disaster_recovery.py), each after what it needs
    assert stack_ids({}) == (ACCOUNT_STACK, "payment-account-dr", "payment-dev", "payment-staging", "payment-prod",
                             "payment-prod-dr")  # fmt: skip
    (provider,) = account_stack["provider"]["aws"]
    assert provider["region"] == "ap-northeast-2"
    assert set(provider["default_tags"][0]["tags"]) >= REQUIRED_TAGS
    assert account_stack["terraform"]["backend"] == {"local": {"path": "terraform.payment-account.tfstate"}}
    singletons = {
        "aws_api_gateway_account",
        "aws_iam_role",
        "aws_iam_role_policy_attachment",
        "aws_cloudwatch_log_group",
    }
    logs_key = {"aws_kms_key", "aws_kms_alias"}
    preview_network = {
        "aws_vpc", "aws_default_security_group", "aws_subnet", "aws_route_table", "aws_route_table_association",
        "aws_vpc_endpoint", "aws_security_group", "aws_vpc_security_group_ingress_rule", "aws_flow_log",
        "aws_iam_role_policy",
    }  # fmt: skip
    assert set(account_stack["resource"]) == singletons | logs_key | preview_network


def test_account_stack_state_key_with_the_s3_backend() -> None:
    from payment_infra.account_stack import AccountBaselineStack
    from payment_infra.config import load_account_config

    environ = {"PAYMENT_STATE_BUCKET": "state-bucket"}
    app = CdktfTesting.app()
    stack = json.loads(CdktfTesting.synth(AccountBaselineStack(app, load_account_config(environ), environ)))
    assert stack["terraform"]["backend"]["s3"]["key"] == "payment-api/account/terraform.tfstate"
