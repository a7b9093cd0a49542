"""What a stack with disaster recovery adds to provisioning: resources of the other region and the data it reads.

- A primary stack creates some resources with an aliased provider in the fallback region (``provider =
  "aws.fallback"``): the receipts' replica bucket and its versioning are created there (keys are not emulated).
- Its ``aws_s3_bucket_replication_configuration`` becomes the bucket's replication configuration in moto (rule ids,
  status, priority, prefix filter, destination bucket, delete-marker setting: what copying depends on), which
  :mod:`payment_local.s3_replication` carries out.
- A standby stack reads the global tables' replicas with ``data "aws_dynamodb_table"``: their name, ARN and stream
  ARN become the data source's attributes (``${data.aws_dynamodb_table.x.stream_arn}``). The replicas must exist:
  the primary's ``replica`` blocks create them (:meth:`payment_local.global_tables.GlobalTables.create_replicas`).

:func:`provision_cross_region` is idempotent in effect for a stack without any of these (it does nothing).
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config

from payment_local.moto_server import local_session
from payment_local.stack import Stack, StackError
from payment_local.switches import role_arn


def _client(service: str, region: str, endpoint_url: str) -> Any:
    return local_session(region).client(service, endpoint_url=endpoint_url, config=Config(retries={"max_attempts": 2}))


def _read_tables(stack: Stack, endpoint_url: str) -> None:
    dynamodb = _client("dynamodb", stack.region, endpoint_url)
    for logical_id, spec in stack.document.get("data", {}).get("aws_dynamodb_table", {}).items():
        try:
            table = dynamodb.describe_table(TableName=spec["name"])["Table"]
        except dynamodb.exceptions.ResourceNotFoundException:
            raise StackError(
                f"data aws_dynamodb_table {spec['name']}: no such table in {stack.region} (the "
                "primary's replica blocks create it: start the primary first)"
            ) from None
        stack.attributes[("data.aws_dynamodb_table", logical_id)] = {
            "name": table["TableName"],
            "id": table["TableName"],
            "arn": table["TableArn"],
            "stream_arn": table.get("LatestStreamArn", ""),
        }


def _other_region_buckets(stack: Stack, endpoint_url: str) -> None:
    for logical_id, spec in stack.resources("aws_s3_bucket").items():
        region = stack.region_of(spec)
        if region == stack.region:
            continue
        bucket = stack.substitute_account(spec["bucket"])
        _client("s3", region, endpoint_url).create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region}
        )
        stack.attributes[("aws_s3_bucket", logical_id)] = {
            "bucket": bucket,
            "id": bucket,
            "arn": f"arn:aws:s3:::{bucket}",
        }
    for spec in stack.resources("aws_s3_bucket_versioning").values():
        region = stack.region_of(spec)
        status = (spec.get("versioning_configuration") or {}).get("status")
        if region != stack.region and status in ("Enabled", "Suspended"):
            _client("s3", region, endpoint_url).put_bucket_versioning(
                Bucket=stack.resolve(spec["bucket"]), VersioningConfiguration={"Status": status}
            )


def _rule(stack: Stack, rule: dict[str, Any]) -> dict[str, Any]:
    selector = rule.get("filter") or {}
    converted: dict[str, Any] = {
        "ID": rule.get("id", "rule"),
        "Status": rule["status"],
        "Priority": int(rule.get("priority", 1)),
        "Filter": {"Prefix": selector.get("prefix", "")},
        "DeleteMarkerReplication": {"Status": (rule.get("delete_marker_replication") or {}).get("status", "Disabled")},
        "Destination": {"Bucket": stack.resolve(rule["destination"]["bucket"])},
    }
    return converted


def _replication(stack: Stack, endpoint_url: str) -> None:
    s3 = _client("s3", stack.region, endpoint_url)
    for spec in stack.local_resources("aws_s3_bucket_replication_configuration").values():
        rules = spec["rule"] if isinstance(spec["rule"], list) else [spec["rule"]]
        s3.put_bucket_replication(
            Bucket=stack.resolve(spec["bucket"]),
            ReplicationConfiguration={
                "Role": role_arn(stack, spec.get("role", "")),
                "Rules": [_rule(stack, rule) for rule in rules],
            },
        )


def provision_cross_region(stack: Stack, endpoint_url: str) -> None:
    """Read the data sources, create the other region's resources, set replication (after :func:`provision`)."""
    _read_tables(stack, endpoint_url)
    _other_region_buckets(stack, endpoint_url)
    _replication(stack, endpoint_url)
