"""Disaster recovery (issue 29) as synthesized: prod's replicas and standby, and nothing of it anywhere else.

The apply-time rules of these resources are in tests/apply_rules/test_disaster_recovery.py; here the product's
choices: which stacks exist, what replicates where, with which keys, names and switches, and the settings' rules.
"""

from __future__ import annotations

import json

import pytest

from payment_infra.config import ConfigError, check_deployments, load_account_config, load_config, with_overrides
from payment_infra.config.dr import RTO_TARGET_SECONDS, DrSettings
from payment_infra.config.standby import standby_config
from tests.conftest import DNS_FAILOVER_ENV, DR_ACCOUNT_STACK, PREVIEWS
from tests.infra.synth_helpers import FALLBACK_PROVIDER, in_fallback_region, policy, resources

# What only a deployment with a standby has (none of it in dev, staging or a preview).
DR_TYPES = {
    "aws_kms_replica_key", "aws_s3_bucket_replication_configuration", "aws_secretsmanager_secret",
    "aws_secretsmanager_secret_version", "aws_route53_record", "aws_route53_health_check", "aws_acm_certificate",
    "aws_api_gateway_domain_name",
}  # fmt: skip
ACCOUNT = "${data.aws_caller_identity.payment_api_current_account_9732D2D0.account_id}"


def _only(stack: dict, rtype: str) -> dict:
    (body,) = resources(stack, rtype).values()
    return body


def _no_dr(stack: dict) -> None:
    assert not DR_TYPES & set(stack["resource"])
    assert [p for p in stack["provider"]["aws"] if "alias" in p] == []
    for table in resources(stack, "aws_dynamodb_table").values():
        assert "replica" not in table
        assert table.get("stream_view_type") in (None, "NEW_IMAGE")  # unchanged: no stream replaced
    assert len(resources(stack, "aws_kms_key")) == 4 and not any(
        k.get("multi_region") for k in resources(stack, "aws_kms_key").values()
    )
    pipe = _only(stack, "aws_pipes_pipe")
    assert "desired_state" not in pipe and "lifecycle" not in pipe


def test_defaults_synthesize_prods_standby_and_its_regions_baseline(synth_dir) -> None:
    names = sorted(p.name for p in (synth_dir / "stacks").iterdir())
    assert "payment-prod-dr" in names and DR_ACCOUNT_STACK in names
    assert not [n for n in names if n.endswith("-dr") and n not in ("payment-prod-dr", DR_ACCOUNT_STACK)]


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_dev_and_staging_synthesize_no_dr_resource(stacks: dict, env: str) -> None:
    _no_dr(stacks[env])


def test_previews_synthesize_no_dr_resource(side_by_side: dict) -> None:
    for name in PREVIEWS:
        _no_dr(side_by_side[f"payment-{name}"])


def test_a_prod_sized_preview_has_no_standby() -> None:
    config = load_config("pr-9", {"PAYMENT_DEPLOYMENT_PROFILE": "prod"})
    assert config.dr.enabled is False and config.lambda_.memory_mb == 2048  # the sizing, not the standby


def test_a_preview_refuses_a_standby() -> None:
    with pytest.raises(ConfigError, match=r"dr.enabled = True: allowed false: a preview has no standby"):
        load_config("pr-9", {"PAYMENT_DR_ENABLED": "true"})


def test_disabling_dr_removes_the_standby_stacks(tmp_path) -> None:
    from payment_infra.app import build_app

    build_app(environments=("prod",), outdir=str(tmp_path), environ={"PAYMENT_DR_ENABLED": "false"}).synth()
    assert sorted(p.name for p in (tmp_path / "stacks").iterdir()) == ["payment-account", "payment-prod"]
    _no_dr(json.loads((tmp_path / "stacks" / "payment-prod" / "cdk.tf.json").read_text()))


# ---- the primary: replicas, keys, receipts ---------------------------------------------------------------


def test_tables_replicate_to_the_fallback_region_with_pitr_and_the_replica_key(stacks: dict) -> None:
    prod = stacks["prod"]
    (replica_key_id,) = resources(prod, "aws_kms_replica_key")
    for table in resources(prod, "aws_dynamodb_table").values():
        assert table["stream_enabled"] is True and table["stream_view_type"] == "NEW_AND_OLD_IMAGES"
        assert table["replica"] == [{
            "region_name": "ap-northeast-1", "kms_key_arn": "${aws_kms_replica_key." + replica_key_id + ".arn}",
            "point_in_time_recovery": True, "propagate_tags": True, "deletion_protection_enabled": False,
        }]  # fmt: skip


def test_the_data_key_is_a_new_multi_region_key_beside_the_single_region_one(stacks: dict) -> None:
    prod = stacks["prod"]
    keys = resources(prod, "aws_kms_key")
    (single,) = [
        lid for lid, k in keys.items() if lid.startswith("payment_api_kms_data_") and not k.get("multi_region")
    ]
    (multi,) = [lid for lid, k in keys.items() if k.get("multi_region")]
    # the single-region key keeps the address it has in every existing state: nothing replaces it
    assert single == next(
        lid for lid in resources(stacks["dev"], "aws_kms_key") if lid.startswith("payment_api_kms_data_")
    )
    assert keys[multi]["enable_key_rotation"] is True
    aliases = {a["name"]: a["target_key_id"] for a in resources(prod, "aws_kms_alias").values() if "provider" not in a}
    assert aliases["alias/payment-data-prod"] == "${aws_kms_key." + multi + ".key_id}"
    assert aliases["alias/payment-data-single-region-prod"] == "${aws_kms_key." + single + ".key_id}"
    replica = _only(prod, "aws_kms_replica_key")
    assert replica["primary_key_arn"] == "${aws_kms_key." + multi + ".arn}" and replica["provider"] == FALLBACK_PROVIDER
    # every user of the data key moved to the multi-region one
    for function in resources(prod, "aws_lambda_function").values():
        assert function["kms_key_arn"] == "${aws_kms_key." + multi + ".arn}"


def test_the_replica_key_policy_delegates_to_iam_and_allows_the_standbys_log_delivery(stacks: dict) -> None:
    statements = policy(_only(stacks["prod"], "aws_kms_replica_key"))["Statement"]
    assert [s["Sid"] for s in statements] == ["EnableIamPoliciesOfThisAccount", "AllowStepFunctionsLogDelivery"]
    assert statements[0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    delivery = statements[1]
    assert delivery["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert delivery["Condition"]["ArnLike"]["aws:SourceArn"] == f"arn:aws:logs:ap-northeast-1:{ACCOUNT}:*"


def test_receipts_replicate_into_a_versioned_bucket_of_the_fallback_region(stacks: dict) -> None:
    prod = stacks["prod"]
    ((replica_id, replica),) = in_fallback_region(prod, "aws_s3_bucket").items()
    assert replica["bucket"] == f"payment-receipts-prod-dr-{ACCOUNT}"
    for rtype in (
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_lifecycle_configuration",
    ):
        parts = [
            r
            for r in in_fallback_region(prod, rtype).values()
            if r["bucket"] == "${aws_s3_bucket." + replica_id + ".id}"
        ]
        assert len(parts) == 1, rtype  # every control of SecureBucket, in the replica's region
    (rule,) = _only(prod, "aws_s3_bucket_replication_configuration")["rule"]
    (replica_key,) = resources(prod, "aws_kms_replica_key")
    assert rule["destination"]["encryption_configuration"] == {
        "replica_kms_key_id": "${aws_kms_replica_key." + replica_key + ".arn}"
    }
    assert rule["destination"]["bucket"] == "${aws_s3_bucket." + replica_id + ".arn}"
    imports = [b for b in resources(prod, "aws_s3_bucket").values() if b["bucket"].startswith("payment-imports-")]
    assert len(imports) == 1  # batch uploads are not replicated (re-sent after a failover)


def test_the_replication_role_is_least_privilege(stacks: dict) -> None:
    prod = stacks["prod"]
    (role_id,) = [
        lid
        for lid, r in resources(prod, "aws_iam_role").items()
        if r["name"] == "payment-receipts-replication-prod-role"
    ]
    trust = json.loads(resources(prod, "aws_iam_role")[role_id]["assume_role_policy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "s3.amazonaws.com"}
    assert set(trust["Condition"]) == {"StringEquals", "ArnLike"}  # this account, this bucket only
    (document,) = [policy(p) for p in resources(prod, "aws_iam_role_policy").values() if role_id in p["role"]]
    grants = {s["Sid"]: (s["Action"], s.get("Condition", {})) for s in document["Statement"]}
    assert set(grants) == {
        "ReadReplicationConfiguration",
        "ReadSourceVersions",
        "ReplicateIntoDestination",
        "DecryptSource",
        "EncryptReplica",
    }
    assert all(
        "*" not in a for actions, _ in grants.values() for a in actions if not a.startswith("kms:GenerateDataKey")
    )
    assert grants["DecryptSource"][1]["StringEquals"] == {"kms:ViaService": "s3.ap-northeast-2.amazonaws.com"}
    assert grants["EncryptReplica"][1]["StringEquals"] == {"kms:ViaService": "s3.ap-northeast-1.amazonaws.com"}


def test_api_key_values_replicate_in_a_secret_with_a_replica(stacks: dict, dr_stacks: dict) -> None:
    prod = stacks["prod"]
    secret = _only(prod, "aws_secretsmanager_secret")
    (replica_key,) = resources(prod, "aws_kms_replica_key")
    assert secret["replica"] == [
        {"region": "ap-northeast-1", "kms_key_id": "${aws_kms_replica_key." + replica_key + ".arn}"}
    ]
    (key_id,) = resources(prod, "aws_api_gateway_api_key")
    stored = json.loads(_only(prod, "aws_secretsmanager_secret_version")["secret_string"])
    assert stored == {"default/v1": "${aws_api_gateway_api_key." + key_id + ".value}"}
    standby = dr_stacks["payment-prod-dr"]
    (read,) = standby["data"]["aws_secretsmanager_secret_version"].values()
    assert read["secret_id"] == secret["name"] == "payment-api-keys-prod"
    assert '["default/v1"]' in _only(standby, "aws_api_gateway_api_key")["value"]


# ---- the standby ---------------------------------------------------------------------------------------------


def test_the_standby_runs_in_the_fallback_region_with_its_own_state(dr_stacks: dict) -> None:
    for stack_id in ("payment-prod-dr", DR_ACCOUNT_STACK):
        stack = dr_stacks[stack_id]
        (provider,) = stack["provider"]["aws"]
        assert provider["region"] == "ap-northeast-1"
        assert stack["terraform"]["backend"] == {"local": {"path": f"terraform.{stack_id}.tfstate"}}
    tags = dr_stacks["payment-prod-dr"]["provider"]["aws"][0]["default_tags"][0]["tags"]
    assert (tags["Environment"], tags["Deployment"]) == ("prod", "prod-dr")


def test_the_standby_state_lives_in_the_fallback_regions_bucket() -> None:
    from payment_infra.app import build_app

    environ = {"PAYMENT_STATE_BUCKET": "state-seoul", "PAYMENT_ALERT_EMAIL": "ops@payments.io"}
    with pytest.raises(ConfigError, match=r"PAYMENT_DR_STATE_BUCKET = '': allowed a state bucket in ap-northeast-1"):
        build_app(environments=("prod",), environ=environ)
    app = build_app(environments=("prod",), environ={**environ, "PAYMENT_DR_STATE_BUCKET": "state-tokyo"})
    backends = {s.node.id: json.loads(_synth(s))["terraform"]["backend"]["s3"] for s in app.node.children
                if s.node.id.endswith("-dr")}  # fmt: skip
    assert {k: (b["bucket"], b["region"], b["key"]) for k, b in backends.items()} == {
        "payment-prod-dr": ("state-tokyo", "ap-northeast-1", "payment-api/prod-dr/terraform.tfstate"),
        "payment-account-dr": ("state-tokyo", "ap-northeast-1", "payment-api/account-dr/terraform.tfstate"),
    }


def _synth(stack) -> str:
    from payment_infra.framework import Testing

    return Testing.synth(stack)


def test_the_standby_reads_the_replicas_by_name_in_its_region(dr_stacks: dict, stacks: dict) -> None:
    standby = dr_stacks["payment-prod-dr"]
    assert sorted(t["name"] for t in standby["data"]["aws_dynamodb_table"].values()) == sorted(
        t["name"] for t in resources(stacks["prod"], "aws_dynamodb_table").values()
    )
    # the data key's replica: for the tables and functions, and for the receipts' replica (its default encryption)
    assert [k["key_id"] for k in standby["data"]["aws_kms_key"].values()] == ["alias/payment-data-prod-dr"] * 2
    assert "aws_dynamodb_table" not in standby["resource"] and "aws_kms_replica_key" not in standby["resource"]
    # the receipts replica: logged into the standby's logs bucket and announced to EventBridge by the standby
    logged = [r["bucket"] for r in resources(standby, "aws_s3_bucket_logging").values()]
    assert f"payment-receipts-prod-dr-{ACCOUNT}" in logged


def test_the_standbys_settlement_path_starts_paused_and_the_operator_owns_it(dr_stacks: dict, stacks: dict) -> None:
    for stack, (pipe_state, rule_state) in ((dr_stacks["payment-prod-dr"], ("STOPPED", "DISABLED")),
                                            (stacks["prod"], ("RUNNING", "ENABLED"))):  # fmt: skip
        pipe, rule = _only(stack, "aws_pipes_pipe"), _only(stack, "aws_cloudwatch_event_rule")
        assert (pipe["desired_state"], rule["state"]) == (pipe_state, rule_state)
        assert pipe["lifecycle"] == {"ignore_changes": ["desired_state"]}
        assert rule["lifecycle"] == {"ignore_changes": ["state"]}


def test_both_stacks_output_the_switches_make_failover_needs(dr_stacks: dict, stacks: dict) -> None:
    for stack in (dr_stacks["payment-prod-dr"], stacks["prod"], stacks["dev"]):
        outputs = stack["output"]
        assert outputs["pipes_settlement_pipe_name"]["value"] == _only(stack, "aws_pipes_pipe")["name"]
        assert outputs["events_sweep_rule_name"]["value"] == _only(stack, "aws_cloudwatch_event_rule")["name"]
    assert set(dr_stacks["payment-prod-dr"]["output"]) == set(stacks["prod"]["output"])


def test_the_standby_has_the_same_clients_api_queue_workflow_alarms_and_dashboard(
    dr_stacks: dict, stacks: dict
) -> None:
    standby, prod = dr_stacks["payment-prod-dr"], stacks["prod"]
    for rtype in (
        "aws_lambda_function",
        "aws_api_gateway_api_key",
        "aws_api_gateway_usage_plan",
        "aws_sqs_queue",
        "aws_sfn_state_machine",
        "aws_cloudwatch_dashboard",
        "aws_vpc",
        "aws_wafv2_web_acl",
    ):
        assert len(resources(standby, rtype)) == len(resources(prod, rtype)), rtype
    # the primary's alarms plus the reverse replication latency (writes made here after a failover)
    assert len(resources(standby, "aws_cloudwatch_metric_alarm")) == len(resources(prod, "aws_cloudwatch_metric_alarm"))
    assert _only(standby, "aws_vpc")["cidr_block"] == "10.52.0.0/16"
    latency = [
        a
        for a in resources(prod, "aws_cloudwatch_metric_alarm").values()
        if a.get("metric_name") == "ReplicationLatency"
    ]
    assert sorted(a["dimensions"]["ReceivingRegion"] for a in latency) == ["ap-northeast-1", "ap-northeast-1"]
    assert {a["threshold"] for a in latency} == {60_000}


def test_dr_names_never_collide_with_the_primarys(stacks: dict, dr_stacks: dict, account_stack: dict) -> None:
    """IAM roles and S3 buckets are global; everything else is unique per region (the primary's fallback-region
    resources, the standby's and the baseline's share ap-northeast-1)."""
    from tests.apply_rules.support import region_of

    every = {"payment-account": account_stack, **{f"payment-{e}": s for e, s in stacks.items()}, **dr_stacks}
    name_fields = {"aws_iam_role": "name", "aws_s3_bucket": "bucket", "aws_lambda_function": "function_name",
                   "aws_sqs_queue": "name", "aws_sns_topic": "name", "aws_cloudwatch_log_group": "name",
                   "aws_cloudwatch_metric_alarm": "alarm_name", "aws_kms_alias": "name", "aws_sfn_state_machine": "name",
                   "aws_pipes_pipe": "name", "aws_cloudwatch_event_rule": "name", "aws_api_gateway_rest_api": "name",
                   "aws_wafv2_web_acl": "name", "aws_security_group": "name", "aws_secretsmanager_secret": "name"}  # fmt: skip
    seen: dict[tuple, str] = {}
    for stack_id, stack in every.items():
        for rtype, field in name_fields.items():
            for body in resources(stack, rtype).values():
                scope = "global" if rtype in ("aws_iam_role", "aws_s3_bucket") else region_of(stack, body)
                if rtype == "aws_cloudwatch_log_group" and body[field] == "/aws/apigateway/welcome":
                    continue  # each region's baseline makes its own (the same name in another region)
                key = (rtype, scope, body[field])
                assert key not in seen, f"{key} in {stack_id} and {seen[key]}"
                seen[key] = stack_id
    assert ("aws_iam_role", "global", "payment-apigateway-cloudwatch-ap-northeast-1") in seen


# ---- DNS failover --------------------------------------------------------------------------------------------


def test_dns_failover_gives_each_region_a_custom_domain_and_a_failover_record(dns_stacks: dict) -> None:
    primary, standby = dns_stacks["payment-prod"], dns_stacks["payment-prod-dr"]
    for stack, kind in ((primary, "PRIMARY"), (standby, "SECONDARY")):
        domain = _only(stack, "aws_api_gateway_domain_name")
        assert domain["domain_name"] == "api.payments.example.org" and domain["endpoint_configuration"] == {
            "types": ["REGIONAL"]
        }
        assert domain["security_policy"] == "TLS_1_2"
        (record,) = [r for r in resources(stack, "aws_route53_record").values() if r.get("failover_routing_policy")]
        assert record["failover_routing_policy"] == {"type": kind} and record["ttl"] == 60
        assert stack["output"]["apigateway_custom_domain_url"]["value"] == "https://api.payments.example.org/"
    check = _only(primary, "aws_route53_health_check")
    assert (check["type"], check["resource_path"], check["request_interval"], check["failure_threshold"]) == (
        "HTTPS",
        "/prod/health",
        10,
        3,
    )
    assert check["fqdn"].endswith(".execute-api.ap-northeast-2.amazonaws.com")
    # the certificate validation record belongs to the primary only (shared by both certificates)
    assert len(resources(primary, "aws_route53_record")) == 2 and len(resources(standby, "aws_route53_record")) == 1


def test_manual_failover_synthesizes_no_dns(stacks: dict, dr_stacks: dict) -> None:
    for stack in (stacks["prod"], dr_stacks["payment-prod-dr"]):
        assert not {"aws_route53_record", "aws_route53_health_check", "aws_acm_certificate"} & set(stack["resource"])


# ---- settings ------------------------------------------------------------------------------------------------


def test_dns_failover_needs_a_domain_and_a_zone() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config("prod", {"PAYMENT_DR_FAILOVER_MODE": "dns"})
    assert [p[0] for p in raised.value.problems] == ["dr.domain_name", "dr.hosted_zone_id"]
    assert load_config("prod", DNS_FAILOVER_ENV).dr.dns_rto_seconds <= RTO_TARGET_SECONDS


def test_dns_settings_must_fit_the_rto() -> None:
    base = load_config("prod", DNS_FAILOVER_ENV)
    from dataclasses import replace

    with pytest.raises(ConfigError, match=r"dr.dns_ttl_seconds = 300: allowed small enough .* \(now 450 s\)"):
        with_overrides(base, dr=replace(base.dr, dns_ttl_seconds=300, health_check_interval_seconds=30))
    with pytest.raises(ConfigError, match=r"dr.health_check_interval_seconds = 60: allowed 10 or 30"):
        with_overrides(base, dr=replace(base.dr, health_check_interval_seconds=60))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"failover_mode": "carrier-pigeon"}, "dr.failover_mode"),
        ({"domain_name": "api.example.org"}, "dr.domain_name"),  # a domain without dns mode
        ({"standby_reserved_concurrency": 0}, "dr.standby_reserved_concurrency"),
        ({"standby_endpoint_az_count": 3}, "dr.standby_endpoint_az_count"),
        ({"standby_vpc_cidr": "10.42.128.0/17"}, "dr.standby_vpc_cidr"),  # inside prod's own range
        ({"standby_vpc_cidr": "8.8.0.0/16"}, "dr.standby_vpc_cidr"),
        ({"replication_latency_alarm_seconds": 0}, "dr.replication_latency_alarm_seconds"),
        ({"enabled": "yes"}, "dr.enabled"),
    ],
)
def test_dr_settings_are_validated(changes: dict, field: str) -> None:
    from dataclasses import replace

    base = load_config("prod", {})
    with pytest.raises(ConfigError) as raised:
        with_overrides(base, dr=replace(base.dr, **changes))
    assert field in [p[0] for p in raised.value.problems]


def test_standbys_share_one_region_and_fit_its_quota() -> None:
    account = load_account_config({})
    prod = load_config("prod", {})
    staging = with_overrides(load_config("staging", {}), dr=DrSettings(enabled=True, standby_vpc_cidr="10.51.0.0/16"))
    check_deployments([prod, staging], account)
    moved = with_overrides(staging, fallback_region="eu-central-1")
    with pytest.raises(ConfigError, match="one region for every standby"):
        check_deployments([prod, moved], account)
    overlapping = with_overrides(staging, dr=DrSettings(enabled=True, standby_vpc_cidr="10.52.0.0/16"))
    with pytest.raises(
        ConfigError,
        match=r"staging.dr.standby_vpc_cidr = '10.52.0.0/16': allowed a range not overlapping prod's standby",
    ):
        check_deployments([prod, overlapping], account)
    big = with_overrides(
        staging, dr=DrSettings(enabled=True, standby_vpc_cidr="10.51.0.0/16", standby_reserved_concurrency=300)
    )
    with pytest.raises(ConfigError, match=r"reserved concurrency of the standbys .* at most 900 in ap-northeast-1"):
        check_deployments([prod, big], account)


def test_the_standby_is_sized_by_dr_and_throttles_at_what_it_serves() -> None:
    prod = load_config("prod", {})
    full = standby_config(prod)
    assert (full.region, full.fallback_region, full.name) == ("ap-northeast-1", "ap-northeast-2", "prod")
    assert full.api.throttle_rate_limit == prod.api.throttle_rate_limit  # as large as prod by default
    small = standby_config(with_overrides(prod, dr=DrSettings(enabled=True, standby_vpc_cidr="10.52.0.0/16",
                                                             standby_reserved_concurrency=50)))  # fmt: skip
    assert small.lambda_.reserved_concurrency == 50
    assert small.api.throttle_rate_limit == 100  # 50 executions at 500 ms
    assert small.api.throttle_burst_limit == prod.api.throttle_burst_limit * 100 // 400
    with pytest.raises(ValueError, match="dev has no standby"):
        standby_config(load_config("dev", {}))
