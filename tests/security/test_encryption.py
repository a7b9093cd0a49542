"""Every data store, queue, topic, log group and Lambda environment is encrypted with a customer-managed key
that our KMS construct creates in the same stack — never an AWS-managed alias (``alias/aws/...``) or an
AWS-owned default.
"""

from __future__ import annotations

import copy

import pytest

from tests.security.support import REF, encryption_key, resources_of

ENCRYPTED_TYPES = (
    "aws_dynamodb_table",
    "aws_s3_bucket",
    "aws_sqs_queue",
    "aws_sns_topic",
    "aws_cloudwatch_log_group",
    "aws_lambda_function",
    "aws_secretsmanager_secret",
)
# Types that hold data and that this test does not know how to check: adding one must extend the test.
UNCHECKED_DATA_TYPES = (
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_efs_file_system",
    "aws_elasticache_replication_group",
    "aws_kinesis_stream",
    "aws_kinesis_firehose_delivery_stream",
    "aws_ssm_parameter",
    "aws_ecr_repository",
    "aws_opensearch_domain",
    "aws_docdb_cluster",
    "aws_cloudwatch_event_bus",
    "aws_s3_object",
    "aws_timestream_database",
)
KMS_CONSTRUCT_PATH_PART = "/kms/"


def our_keys(stack: dict) -> set[str]:
    """Logical ids of the CMKs created by the KMS construct of this stack, and of the data key's replica (a
    deployment with a standby encrypts its replicas in the fallback region with it)."""
    return {
        lid
        for lid, key in resources_of(stack, "aws_kms_key").items()
        if KMS_CONSTRUCT_PATH_PART in key.get("//", {}).get("metadata", {}).get("path", "")
    } | set(resources_of(stack, "aws_kms_replica_key"))


KEY_TYPES = ("aws_kms_key", "aws_kms_replica_key")


def encryption_problems(stack: dict) -> list[str]:
    keys = our_keys(stack)
    problems = []
    for rtype in ENCRYPTED_TYPES:
        for lid in resources_of(stack, rtype):
            setting = encryption_key(stack, rtype, lid)
            match = REF.fullmatch(setting or "")
            if setting is None:
                problems.append(f"{rtype}.{lid}: no customer-managed key")
            elif "alias/aws/" in setting:
                problems.append(f"{rtype}.{lid}: AWS-managed key {setting}")
            elif not (match and match["rtype"] in KEY_TYPES and match["attr"] == "arn" and match["lid"] in keys):
                problems.append(f"{rtype}.{lid}: {setting} is not the ARN of a key of our KMS construct")
    for lid, secret in resources_of(stack, "aws_secretsmanager_secret").items():
        for replica in secret.get("replica", []):
            match = REF.fullmatch(replica.get("kms_key_id") or "")
            if not (match and match["rtype"] in KEY_TYPES and match["lid"] in keys):
                problems.append(
                    f"aws_secretsmanager_secret.{lid}: its replica in {replica.get('region')} has no key of ours"
                )
    return problems


def test_every_data_resource_uses_our_cmk(stack: dict) -> None:
    problems = encryption_problems(stack)
    assert not problems, "\n".join(problems)


# Only a deployment with a standby (prod) replicates its API keys' values in a secret.
DR_ONLY_TYPES = ("aws_secretsmanager_secret",)


def test_there_is_something_to_check(stack: dict, env: str) -> None:
    for rtype in ENCRYPTED_TYPES:
        if rtype in DR_ONLY_TYPES and env != "prod":
            continue
        assert resources_of(stack, rtype), f"no {rtype}: the stack changed shape, review this test"
    keys = set(resources_of(stack, "aws_kms_key")) | set(resources_of(stack, "aws_kms_replica_key"))
    assert our_keys(stack) == keys, "a KMS key outside the KMS construct"


def test_no_data_resource_type_escapes_this_test(stack: dict) -> None:
    unchecked = sorted(set(UNCHECKED_DATA_TYPES) & set(stack.get("resource", {})))
    assert not unchecked, f"extend ENCRYPTED_TYPES / encryption_key() to cover {unchecked}"


def test_our_keys_rotate(stack: dict) -> None:
    for lid, key in resources_of(stack, "aws_kms_key").items():
        assert key.get("enable_key_rotation") is True, lid


def _first(stack: dict, rtype: str) -> dict:
    return next(iter(resources_of(stack, rtype).values()))


@pytest.mark.parametrize(
    ("rtype", "break_it"),
    [
        ("aws_dynamodb_table", lambda s, r: r.update(server_side_encryption={"enabled": False})),
        ("aws_sqs_queue", lambda s, r: r.update(kms_master_key_id="alias/aws/sqs")),
        ("aws_sns_topic", lambda s, r: r.pop("kms_master_key_id")),
        ("aws_cloudwatch_log_group", lambda s, r: r.update(kms_key_id="arn:aws:kms:ap-northeast-2:111122223333:key/x")),
        ("aws_lambda_function", lambda s, r: r.pop("kms_key_arn")),
        (
            "aws_s3_bucket",
            lambda s, r: [
                c["rule"][0]["apply_server_side_encryption_by_default"].update(sse_algorithm="AES256")
                for c in resources_of(s, "aws_s3_bucket_server_side_encryption_configuration").values()
            ],
        ),
    ],
)
def test_a_missing_or_aws_managed_key_is_rejected(stacks: dict[str, dict], rtype: str, break_it) -> None:
    stack = copy.deepcopy(stacks["dev"])
    break_it(stack, _first(stack, rtype))
    assert any(p.startswith(rtype) for p in encryption_problems(stack))
