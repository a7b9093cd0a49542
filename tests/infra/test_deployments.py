"""Deployments = name + profile: previews (PAYMENT_DEPLOYMENT) beside the environments, sharing no unique name."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from payment_infra.backend import state_key
from payment_infra.config import (
    ENVIRONMENT_NAMES,
    MAX_DEPLOYMENT_NAME_LENGTH,
    PREVIEW_NETWORK_CIDR,
    ConfigError,
    check_deployments,
    deployment_name_problems,
    deployment_names,
    load_account_config,
    load_config,
)
from tests.conftest import PREVIEWS

# Attributes that carry a resource's name where AWS wants it unique (in the account, the region or globally).
NAME_ATTRIBUTES = (
    "name", "bucket", "function_name", "alarm_name", "dashboard_name", "table_name", "state_machine_name",
    "name_prefix",
)  # fmt: skip
# Names scoped to a parent resource (a policy inside its role, a stage inside its API): unique per parent only.
PARENT_SCOPED = frozenset({"aws_iam_role_policy", "aws_api_gateway_stage", "aws_wafv2_web_acl_logging_configuration"})
# AWS limits on the names a deployment's name ends up in (`.fifo` included for SQS).
NAME_LIMITS = {
    "aws_s3_bucket": 63, "aws_iam_role": 64, "aws_lambda_function": 64, "aws_sqs_queue": 80,
    "aws_sfn_state_machine": 80, "aws_wafv2_web_acl": 128, "aws_cloudwatch_log_group": 512,
    "aws_cloudwatch_metric_alarm": 255, "aws_cloudwatch_dashboard": 255, "aws_dynamodb_table": 255,
    "aws_sns_topic": 256, "aws_kms_alias": 256, "aws_security_group": 255, "aws_api_gateway_rest_api": 1024,
}  # fmt: skip
ACCOUNT_ID_TOKEN = re.compile(r"\$\{data\.aws_caller_identity\.[^}]+\}")
ACCOUNT_ID_LENGTH = 12
REFERENCE = re.compile(r"^\$\{[^}]*\}$")  # a reference to another resource of the same stack, not a name


def unique_names(stack: dict) -> dict[tuple[str, str], set[str]]:
    """``{(resource type, attribute): names}`` over every resource of every type of ``stack``."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for resource_type, resources in stack.get("resource", {}).items():
        if resource_type in PARENT_SCOPED:
            continue
        for resource in resources.values():
            for attribute in NAME_ATTRIBUTES:
                value = resource.get(attribute)
                if isinstance(value, str) and not REFERENCE.match(value):
                    found[(resource_type, attribute)].add(value)
    return found


def test_no_unique_name_is_shared_between_deployments(side_by_side: dict[str, dict]) -> None:
    owners: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for stack_id, stack in side_by_side.items():
        for (resource_type, attribute), names in unique_names(stack).items():
            for name in names:
                owners[(resource_type, attribute, name)].append(stack_id)
    shared = {key: ids for key, ids in owners.items() if len(ids) > 1}
    assert not shared, f"names used by more than one deployment: {shared}"
    kinds = {resource_type for resource_type, _, _ in owners}
    expected = {
        "aws_s3_bucket", "aws_dynamodb_table", "aws_sqs_queue", "aws_sns_topic", "aws_lambda_function",
        "aws_iam_role", "aws_cloudwatch_log_group", "aws_cloudwatch_metric_alarm", "aws_api_gateway_rest_api",
        "aws_wafv2_web_acl", "aws_sfn_state_machine", "aws_kms_alias", "aws_cloudwatch_dashboard",
        "aws_api_gateway_usage_plan", "aws_security_group", "aws_api_gateway_api_key",
    }  # fmt: skip
    assert expected <= kinds, f"kinds the proof did not see: {expected - kinds}"


def test_the_proof_catches_a_shared_name(side_by_side: dict[str, dict]) -> None:
    dev, preview = side_by_side["payment-dev"], side_by_side[f"payment-{PREVIEWS[0]}"]
    dev_tables = unique_names(dev)[("aws_dynamodb_table", "name")]
    assert dev_tables & unique_names(preview)[("aws_dynamodb_table", "name")] == set()
    broken = {"resource": {"aws_dynamodb_table": {"t": {"name": sorted(dev_tables)[0]}}}}
    assert dev_tables & unique_names(broken)[("aws_dynamodb_table", "name")]


def test_every_derived_name_fits_aws_limits_at_the_longest_deployment_name(side_by_side: dict[str, dict]) -> None:
    """Measured on the synthesized preview: its name replaced by one of the maximum length."""
    preview = PREVIEWS[0]
    longest = "a" * MAX_DEPLOYMENT_NAME_LENGTH
    tightest = {}
    for (resource_type, _), names in unique_names(side_by_side[f"payment-{preview}"]).items():
        if resource_type not in NAME_LIMITS:
            continue
        for name in names:
            assert preview in name, f"{resource_type} {name!r} does not carry the deployment's name"
            derived = ACCOUNT_ID_TOKEN.sub("1" * ACCOUNT_ID_LENGTH, name).replace(preview, longest)
            room = NAME_LIMITS[resource_type] - len(derived)
            assert room >= 0, f"{resource_type} {derived!r}: {len(derived)} > {NAME_LIMITS[resource_type]}"
            tightest[resource_type] = min(room, tightest.get(resource_type, room))
    # The limit is as long as AWS allows: one more character breaks at least one name.
    assert min(tightest.values()) == 0, tightest
    assert set(NAME_LIMITS) <= set(tightest)


@pytest.mark.parametrize("name", ["pr-123", "a", "alice-ledger-2", "x" * MAX_DEPLOYMENT_NAME_LENGTH])
def test_good_deployment_names_add_one_stack(name: str) -> None:
    assert deployment_names({"PAYMENT_DEPLOYMENT": name}) == (*ENVIRONMENT_NAMES, name)
    assert load_config(name, {}).stack_id == f"payment-{name}"


@pytest.mark.parametrize(
    "name",
    ["PR-123", "123-pr", "pr_123", "pr.123", "pr-", "pr--1", "-pr", "x" * (MAX_DEPLOYMENT_NAME_LENGTH + 1), "account",
     "pr 1"],
)  # fmt: skip
def test_bad_deployment_names_fail_with_field_value_and_allowed(name: str) -> None:
    with pytest.raises(ConfigError) as raised:
        deployment_names({"PAYMENT_DEPLOYMENT": name})
    message = str(raised.value)
    assert "PAYMENT_DEPLOYMENT" in message and repr(name) in message
    assert f"1-{MAX_DEPLOYMENT_NAME_LENGTH} characters of lowercase letters" in message and "account" in message
    assert "as a hyphen-separated word" in message
    with pytest.raises(ConfigError):
        load_config(name, {})


def test_environment_names_are_not_previews() -> None:
    assert deployment_names({"PAYMENT_DEPLOYMENT": "dev"}) == ENVIRONMENT_NAMES
    assert deployment_names({}) == ENVIRONMENT_NAMES


def test_bad_profile_and_protected_preview_are_refused() -> None:
    with pytest.raises(ConfigError, match="PAYMENT_DEPLOYMENT_PROFILE = 'qa'"):
        load_config("pr-1", {"PAYMENT_DEPLOYMENT_PROFILE": "qa"})
    with pytest.raises(ConfigError, match="PAYMENT_DESTROYABLE = 'false'"):
        load_config("pr-1", {"PAYMENT_DESTROYABLE": "false"})


def test_profile_sets_the_sizing() -> None:
    staging_sized = load_config("pr-9", {"PAYMENT_DEPLOYMENT_PROFILE": "staging"})
    assert staging_sized.lambda_ == load_config("staging", {}).lambda_
    assert staging_sized.dynamodb == load_config("staging", {}).dynamodb
    assert staging_sized.destroyable and staging_sized.reserved_concurrency_total == 0


def test_previews_share_the_accounts_preview_network_outside_the_environments() -> None:
    import ipaddress

    account = load_account_config({})
    assert {load_config(f"pr-{n}", {}).vpc_cidr for n in range(5)} == {account.preview_network_cidr}
    assert account.preview_network_cidr == PREVIEW_NETWORK_CIDR
    for env in ENVIRONMENT_NAMES:
        assert not ipaddress.ip_network(PREVIEW_NETWORK_CIDR).overlaps(
            ipaddress.ip_network(load_config(env, {}).vpc_cidr)
        )


def test_any_number_of_previews_fits_the_account() -> None:
    previews = [load_config(f"pr-{n}", {}) for n in (1, 2, 3)]
    check_deployments([*(load_config(env, {}) for env in ENVIRONMENT_NAMES), *previews], load_account_config({}))
    assert all(p.reserved_concurrency_total == 0 for p in previews)


def test_an_environment_overlapping_the_preview_network_is_refused() -> None:
    from dataclasses import replace

    clash = replace(load_config("dev", {}), vpc_cidr=PREVIEW_NETWORK_CIDR)
    with pytest.raises(
        ConfigError, match=r"dev\.vpc_cidr = '10\.128\.0\.0/16': allowed a range not overlapping the shared"
    ):
        check_deployments([clash], load_account_config({}))


def test_a_preview_outside_the_preview_network_is_refused() -> None:
    from dataclasses import replace

    stray = replace(load_config("pr-2", {}), vpc_cidr="10.129.0.0/16")
    with pytest.raises(
        ConfigError, match=r"pr-2\.vpc_cidr = '10\.129\.0\.0/16': allowed the account's preview network"
    ):
        check_deployments([stray], load_account_config({}))


def test_state_key_and_stack_derive_from_the_name() -> None:
    assert state_key("pr-123", {}) == "payment-api/pr-123/terraform.tfstate"
    assert load_config("pr-123", {}).stack_id == "payment-pr-123"


@pytest.mark.parametrize("preview", PREVIEWS)
def test_preview_stack_sizing_and_tags(side_by_side: dict[str, dict], preview: str) -> None:
    stack = side_by_side[f"payment-{preview}"]
    dev = load_config("dev", {})
    functions = stack["resource"]["aws_lambda_function"].values()
    assert functions
    for function in functions:
        assert function["memory_size"] == dev.lambda_.memory_mb
        assert "reserved_concurrent_executions" not in function, function["function_name"]
    for bucket in stack["resource"]["aws_s3_bucket"].values():
        assert bucket["force_destroy"] is True
    for table in stack["resource"]["aws_dynamodb_table"].values():
        assert not table.get("deletion_protection_enabled", False)
        assert table["billing_mode"] == "PAY_PER_REQUEST"
    (provider,) = stack["provider"]["aws"]
    tags = provider["default_tags"][0]["tags"]
    assert tags["Deployment"] == preview and tags["Environment"] == "preview"
    assert f"terraform.payment-{preview}.tfstate" in str(stack["terraform"]["backend"])


def test_environment_stacks_carry_the_deployment_tag(side_by_side: dict[str, dict]) -> None:
    (provider,) = side_by_side["payment-dev"]["provider"]["aws"]
    assert provider["default_tags"][0]["tags"]["Deployment"] == "dev"
    dev_functions = side_by_side["payment-dev"]["resource"]["aws_lambda_function"].values()
    assert all("reserved_concurrent_executions" in function for function in dev_functions)


def _name_templates(stack: dict, deployment: str) -> set[tuple[str, str]]:
    """(prefix, suffix) around the deployment's name in every unique name of its stack."""
    templates = set()
    for names in unique_names(stack).values():
        for name in names:
            if deployment in name:
                prefix, _, suffix = name.partition(deployment)
                templates.add((prefix, suffix))
    return templates


def test_no_preview_name_makes_a_resource_name_equal_to_an_environments(
    side_by_side: dict[str, dict], stacks: dict[str, dict]
) -> None:
    """The whole family: every preview name that some naming pattern would turn into an environment's name."""
    templates = _name_templates(side_by_side[f"payment-{PREVIEWS[0]}"], PREVIEWS[0])
    assert len(templates) > 20
    # the invariant deployment_name_problems relies on: no type or suffix carries an environment's word
    for prefix, suffix in templates:
        words = set(re.split(r"[-./:]", prefix + suffix))
        assert not words & set(ENVIRONMENT_NAMES), (prefix, suffix)
    colliding = set()
    for env_stack in stacks.values():
        for names in unique_names(env_stack).values():
            for name in names:
                for prefix, suffix in templates:
                    middle = name[len(prefix) : len(name) - len(suffix)] if suffix else name[len(prefix) :]
                    if (
                        name.startswith(prefix)
                        and name.endswith(suffix)
                        and middle
                        and prefix + middle + suffix == name
                    ):
                        colliding.add(middle)
    candidates = {n for n in colliding if re.fullmatch(r"[a-z][a-z0-9-]*", n) and n not in ENVIRONMENT_NAMES}
    assert {"dlq-dev", "dlq-prod", "dev-role"} <= candidates, sorted(candidates)
    accepted = sorted(n for n in candidates if not deployment_name_problems(n))
    assert not accepted, f"preview names that would reuse an environment's resource name: {accepted}"


def test_reserve_nothing_leaves_every_function_in_the_unreserved_pool_and_reads_no_quota(tmp_path) -> None:
    """PAYMENT_RESERVE_CONCURRENCY=false: for an account whose quota is too small (the plan's message says so)."""
    import json

    from payment_infra.app import build_app

    environ = {"PAYMENT_RESERVE_CONCURRENCY": "false"}
    assert all(load_config(env, environ).reserved_concurrency_total == 0 for env in ENVIRONMENT_NAMES)
    build_app(environments=("dev",), outdir=str(tmp_path), environ=environ).synth()
    dev = json.loads((tmp_path / "stacks" / "payment-dev" / "cdk.tf.json").read_text())
    assert all("reserved_concurrent_executions" not in f for f in dev["resource"]["aws_lambda_function"].values())
    assert "aws_servicequotas_service_quota" not in dev.get("data", {})
    with pytest.raises(ConfigError, match="PAYMENT_RESERVE_CONCURRENCY = 'maybe'"):
        load_config("dev", {"PAYMENT_RESERVE_CONCURRENCY": "maybe"})
