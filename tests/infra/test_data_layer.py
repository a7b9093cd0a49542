"""KMS keys, S3 buckets and DynamoDB tables of every environment, read from the synthesized JSON."""

from __future__ import annotations

from payment_infra.config import load_config
from tests.infra.synth_helpers import bucket_named, home_region, policy, ref, resources

EXPIRY_DAYS = {"dev": 7, "staging": 30, "prod": 90}
# The one caller-identity data source of every stack (same construct path, so the same logical id).
ACCOUNT = "${data.aws_caller_identity.payment_api_current_account_9732D2D0.account_id}"


def test_account_reference_is_the_stacks_caller_identity(stack: dict) -> None:
    (logical_id,) = stack["data"]["aws_caller_identity"]
    assert "${data.aws_caller_identity." + logical_id + ".account_id}" == ACCOUNT


def _for_bucket(stack: dict, rtype: str, bucket_key: str) -> dict:
    matches = [r for r in resources(stack, rtype).values() if r["bucket"] == ref("aws_s3_bucket", bucket_key)]
    assert len(matches) == 1, f"{rtype} for {bucket_key}: {len(matches)}"
    return matches[0]


# ---- KMS -------------------------------------------------------------------------------------------------


def test_every_key_rotates_and_has_an_alias(stack: dict, env: str) -> None:
    replicated = load_config(env, {}).dr.enabled  # a multi-region data key beside the single-region one
    keys = resources(stack, "aws_kms_key")
    assert len(keys) == 4 + replicated
    for key in keys.values():
        assert key["enable_key_rotation"] is True
        assert key["deletion_window_in_days"] == 7  # destroyable by default
    aliases = sorted(a["name"] for a in home_region(stack, "aws_kms_alias").values())
    purposes = ("data", *(("data-single-region",) if replicated else ()), "logs", "messaging", "storage")
    assert aliases == [f"alias/payment-{p}-{env}" for p in purposes]


def test_key_policies_grant_only_root_and_named_services(stack: dict) -> None:
    for key in resources(stack, "aws_kms_key").values():
        statements = policy(key)["Statement"]
        root, *services = statements
        assert root["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
        for statement in services:
            assert set(statement["Principal"]) == {"Service"}
            assert "Condition" in statement, statement["Sid"]
            assert "kms:*" not in statement["Action"]


def test_logs_key_grants_cloudwatch_logs_scoped_by_encryption_context(stack: dict) -> None:
    (logs_key,) = [k for k in resources(stack, "aws_kms_key").values() if "CloudWatch Logs" in k["description"]]
    grant = policy(logs_key)["Statement"][1]
    assert grant["Principal"] == {"Service": "logs.ap-northeast-2.amazonaws.com"}
    assert grant["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == (
        f"arn:aws:logs:ap-northeast-2:{ACCOUNT}:log-group:*"
    )


# ---- S3 --------------------------------------------------------------------------------------------------


def test_three_buckets_named_with_env_and_account(stack: dict, env: str) -> None:
    names = sorted(b["bucket"] for b in home_region(stack, "aws_s3_bucket").values())
    assert names == [f"payment-{p}-{env}-{ACCOUNT}" for p in ("imports", "logs", "receipts")]
    for bucket in resources(stack, "aws_s3_bucket").values():
        assert bucket["force_destroy"] is True


def test_every_bucket_is_versioned_encrypted_private_and_owner_enforced(stack: dict) -> None:
    storage_key = next(k for k, v in resources(stack, "aws_kms_key").items() if "S3 buckets" in v["description"])
    for key in home_region(stack, "aws_s3_bucket"):  # the receipts' replica: tests/infra/test_disaster_recovery.py
        assert _for_bucket(stack, "aws_s3_bucket_versioning", key)["versioning_configuration"]["status"] == "Enabled"
        (rule,) = _for_bucket(stack, "aws_s3_bucket_server_side_encryption_configuration", key)["rule"]
        assert rule["apply_server_side_encryption_by_default"] == {
            "sse_algorithm": "aws:kms",
            "kms_master_key_id": ref("aws_kms_key", storage_key, "arn"),
        }
        assert rule["bucket_key_enabled"] is True
        block = _for_bucket(stack, "aws_s3_bucket_public_access_block", key)
        assert all(
            block[f] is True
            for f in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
        )
        ownership = _for_bucket(stack, "aws_s3_bucket_ownership_controls", key)
        assert ownership["rule"]["object_ownership"] == "BucketOwnerEnforced"


def test_every_bucket_policy_denies_insecure_transport(stack: dict) -> None:
    for key in resources(stack, "aws_s3_bucket"):
        statements = policy(_for_bucket(stack, "aws_s3_bucket_policy", key))["Statement"]
        tls = next(s for s in statements if s.get("Sid") == "DenyInsecureTransport")
        assert tls["Effect"] == "Deny" and tls["Action"] == ["s3:*"]
        assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        arn = ref("aws_s3_bucket", key, "arn")
        assert tls["Resource"] == [arn, f"{arn}/*"]


def test_lifecycle_expires_current_and_noncurrent_versions(stack: dict, env: str) -> None:
    for key in resources(stack, "aws_s3_bucket"):
        (rule,) = _for_bucket(stack, "aws_s3_bucket_lifecycle_configuration", key)["rule"]
        assert rule["status"] == "Enabled"
        assert rule["expiration"] == [{"days": EXPIRY_DAYS[env]}]
        assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": EXPIRY_DAYS[env]}]
        assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 1}]


def test_access_logging_goes_to_the_logs_bucket(stack: dict) -> None:
    logs_key, _ = bucket_named(stack, "logs")
    for purpose in ("receipts", "imports"):
        key, bucket = bucket_named(stack, purpose)
        logging = _for_bucket(stack, "aws_s3_bucket_logging", key)
        assert logging["target_bucket"] == ref("aws_s3_bucket", logs_key)
        assert logging["target_prefix"] == f"s3-access/{bucket['bucket']}/"
    assert not [
        r for r in resources(stack, "aws_s3_bucket_logging").values() if r["bucket"] == ref("aws_s3_bucket", logs_key)
    ]


def test_logs_bucket_accepts_access_logs_only_from_our_account(stack: dict) -> None:
    logs_key, _ = bucket_named(stack, "logs")
    statements = policy(_for_bucket(stack, "aws_s3_bucket_policy", logs_key))["Statement"]
    (delivery,) = [s for s in statements if s.get("Sid") == "AllowS3ServerAccessLogDelivery"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Action"] == ["s3:PutObject"]
    assert delivery["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}


# ---- DynamoDB --------------------------------------------------------------------------------------------


def _table(stack: dict, name: str) -> dict:
    (table,) = [t for t in resources(stack, "aws_dynamodb_table").values() if t["name"] == name]
    return table


def test_transactions_table_keys_indexes_and_protection(stack: dict, env: str) -> None:
    table = _table(stack, f"payment-transactions-{env}")
    assert (table["hash_key"], table["range_key"]) == ("transaction_id", "timestamp")
    assert {a["name"]: a["type"] for a in table["attribute"]} == {
        "transaction_id": "S", "timestamp": "S", "client_customer": "S", "client_date": "S",
    }  # fmt: skip
    indexes = {
        i["name"]: (i["hash_key"], i["range_key"], i["projection_type"]) for i in table["global_secondary_index"]
    }
    assert indexes == {
        # Client-scoped partitions (<client>#<customer id>, <client>#<day>): one client per query, newest first.
        "client_customer-index": ("client_customer", "timestamp", "ALL"),
        "client_date-index": ("client_date", "timestamp", "ALL"),
    }
    keys = resources(stack, "aws_kms_key")
    replicated = load_config(env, {}).dr.enabled  # the data key is then the multi-region one
    data_key = next(
        k for k, v in keys.items() if "DynamoDB" in v["description"] and v.get("multi_region") == (replicated or None)
    )
    assert table["server_side_encryption"] == {"enabled": True, "kms_key_arn": ref("aws_kms_key", data_key, "arn")}
    assert table["point_in_time_recovery"] == {"enabled": True}
    assert "ttl" not in table  # nothing expires payment records
    assert table["deletion_protection_enabled"] is False


def test_only_idempotency_records_expire(stack: dict, env: str) -> None:
    """The spec wants TTL on idempotency records only: a TTL elsewhere would let DynamoDB delete data."""
    expiring = {t["name"] for t in resources(stack, "aws_dynamodb_table").values() if t.get("ttl", {}).get("enabled")}
    assert expiring == {f"payment-idempotency-{env}"}


def test_idempotency_table_matches_powertools_defaults(stack: dict, env: str) -> None:
    table = _table(stack, f"payment-idempotency-{env}")
    assert table["hash_key"] == "id" and "range_key" not in table
    assert table["ttl"] == {"attribute_name": "expiration", "enabled": True}
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["point_in_time_recovery"] == {"enabled": True}
    assert table["server_side_encryption"]["enabled"] is True


def test_dev_is_on_demand_without_autoscaling(stacks: dict) -> None:
    table = _table(stacks["dev"], "payment-transactions-dev")
    assert table["billing_mode"] == "PAY_PER_REQUEST" and "read_capacity" not in table
    assert resources(stacks["dev"], "aws_appautoscaling_target") == {}


def test_provisioned_environments_autoscale_table_and_every_index(stacks: dict) -> None:
    for env, (low, high) in {"staging": (5, 100), "prod": (25, 2000)}.items():
        stack = stacks[env]
        table = _table(stack, f"payment-transactions-{env}")
        assert table["billing_mode"] == "PROVISIONED"
        assert (table["read_capacity"], table["write_capacity"]) == (low, low)
        # The GSIs' capacity is autoscaled too, and ignore_changes cannot target one attribute of a set element.
        assert table["lifecycle"]["ignore_changes"] == ["read_capacity", "write_capacity", "global_secondary_index"]
        targets = resources(stack, "aws_appautoscaling_target").values()
        dimensions = sorted(
            (t["resource_id"].split("/", 2)[-1] if "/index/" in t["resource_id"] else "table", t["scalable_dimension"])
            for t in targets
        )
        assert len(dimensions) == 6
        assert {(t["min_capacity"], t["max_capacity"]) for t in targets} == {(low, high)}
        assert {d for _, d in dimensions} == {
            "dynamodb:table:ReadCapacityUnits", "dynamodb:table:WriteCapacityUnits",
            "dynamodb:index:ReadCapacityUnits", "dynamodb:index:WriteCapacityUnits",
        }  # fmt: skip
        scaling = resources(stack, "aws_appautoscaling_policy").values()
        assert len(scaling) == 6
        for p in scaling:
            config = p["target_tracking_scaling_policy_configuration"]
            assert p["policy_type"] == "TargetTrackingScaling" and config["target_value"] == 70
