"""Create the stack's tables, queues, buckets and topics in the moto server.

Only what behaviour depends on is carried over: keys, indexes, TTL, streams, FIFO and
deduplication settings, the redrive policy, bucket versioning. Encryption, logging,
policies and tags have no local effect and are skipped. After provisioning,
``stack.attributes`` holds the runtime attributes that Terraform references resolve to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from payment_local.clients import api_key_id, stack_client_names
from payment_local.stack import Stack, StackError

#: Local-only plumbing, not part of the stack: S3 -> import trigger, SNS -> test tap.
IMPORT_EVENTS_QUEUE = "payment-local-import-events"
NOTIFICATIONS_TAP_QUEUE = "payment-local-notifications-tap"


@dataclass(frozen=True)
class Provisioned:
    settlement_queue_url: str
    settlement_batch_size: int
    dlq_url: str | None
    max_receive_count: int | None
    import_bucket: str | None
    import_events_queue_url: str | None
    import_handler: str | None
    settlement_handler: str
    notifications_tap_url: str | None
    resources: dict[str, Any]
    """Names and URLs for the ready file (tables, buckets, queues, topics)."""


def _table_request(spec: dict[str, Any]) -> dict[str, Any]:
    def key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
        schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
        if range_key:
            schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
        return schema

    request: dict[str, Any] = {
        "TableName": spec["name"],
        "BillingMode": spec.get("billing_mode", "PAY_PER_REQUEST"),
        "AttributeDefinitions": [{"AttributeName": a["name"], "AttributeType": a["type"]} for a in spec["attribute"]],
        "KeySchema": key_schema(spec["hash_key"], spec.get("range_key")),
    }
    if request["BillingMode"] == "PROVISIONED":
        request["ProvisionedThroughput"] = {
            "ReadCapacityUnits": int(spec.get("read_capacity", 5)),
            "WriteCapacityUnits": int(spec.get("write_capacity", 5)),
        }
    indexes = []
    for gsi in spec.get("global_secondary_index", []):
        index: dict[str, Any] = {
            "IndexName": gsi["name"],
            "KeySchema": key_schema(gsi["hash_key"], gsi.get("range_key")),
            "Projection": {"ProjectionType": gsi.get("projection_type", "ALL")},
        }
        if gsi.get("non_key_attributes"):
            index["Projection"]["NonKeyAttributes"] = gsi["non_key_attributes"]
        indexes.append(index)
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    if spec.get("stream_enabled"):
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec["stream_view_type"]}
    return request


def _queue_attributes(spec: dict[str, Any]) -> dict[str, str]:
    attributes = {}
    if spec.get("fifo_queue"):
        attributes["FifoQueue"] = "true"
    for tf_name, sqs_name in (
        ("content_based_deduplication", "ContentBasedDeduplication"),
        ("deduplication_scope", "DeduplicationScope"),
        ("fifo_throughput_limit", "FifoThroughputLimit"),
        ("message_retention_seconds", "MessageRetentionPeriod"),
        ("visibility_timeout_seconds", "VisibilityTimeout"),
        ("delay_seconds", "DelaySeconds"),
    ):
        if tf_name in spec:
            value = spec[tf_name]
            attributes[sqs_name] = str(value).lower() if isinstance(value, bool) else str(value)
    return attributes


def _per_client_targets(
    targets: list[dict[str, Any]], stack_clients: list[str], import_clients: Sequence[str] | None
) -> list[dict[str, Any]]:
    """The stack's notification targets, with the per-client folder rules rewritten for ``import_clients``."""
    if import_clients is None:
        return targets
    folder = {f"imports/{name}/": name for name in stack_clients}
    templates = [t for t in targets if t.get("filter_prefix") in folder]
    others = [t for t in targets if t.get("filter_prefix") not in folder]
    if not templates:
        return targets
    template = templates[0]  # every client's rule is the same but for the folder
    return others + [{**template, "filter_prefix": f"imports/{name}/"} for name in import_clients]


def provision(stack: Stack, clients: dict[str, Any], *, import_clients: Sequence[str] | None = None) -> Provisioned:
    """Create every resource; ``clients`` are boto3 clients bound to the moto endpoint.

    ``import_clients`` are the emulator's clients: the import bucket's per-client folder rules of the stack
    (``imports/<client>/``) are applied to each of them instead of the stack's configured clients.
    """
    dynamodb, sqs, s3, sns = clients["dynamodb"], clients["sqs"], clients["s3"], clients["sns"]
    names: dict[str, Any] = {
        "tables": _create_tables(stack, dynamodb),
        "queues": _create_queues(stack, sqs),
        "buckets": _create_buckets(stack, s3),
        "topics": _create_topics(stack, sns),
    }
    _resolve_emulated(stack)
    settlement = _settlement_source(stack, sqs)
    import_bucket, import_queue_url, import_handler = _import_notifications(stack, s3, sqs, import_clients)
    tap_url = _notifications_tap(stack, sqs, sns, names["topics"].values())
    return Provisioned(
        settlement_queue_url=settlement.queue_url,
        settlement_batch_size=settlement.batch_size,
        dlq_url=settlement.dlq_url,
        max_receive_count=settlement.max_receive_count,
        import_bucket=import_bucket,
        import_events_queue_url=import_queue_url,
        import_handler=import_handler,
        settlement_handler=settlement.handler,
        notifications_tap_url=tap_url,
        resources=names,
    )


def _create_tables(stack: Stack, dynamodb: Any) -> dict[str, str]:
    """Every table (keys, indexes, stream, TTL); returns their names by logical id."""
    region, account = stack.region, stack.account_id
    names: dict[str, str] = {}
    for logical_id, spec in stack.resources("aws_dynamodb_table").items():
        created = dynamodb.create_table(**_table_request(spec))["TableDescription"]
        ttl = spec.get("ttl") or {}
        if ttl.get("enabled"):
            dynamodb.update_time_to_live(
                TableName=spec["name"],
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attribute_name"]},
            )
        arn = f"arn:aws:dynamodb:{region}:{account}:table/{spec['name']}"
        stack.attributes[("aws_dynamodb_table", logical_id)] = {"name": spec["name"], "id": spec["name"], "arn": arn}
        if created.get("LatestStreamArn"):
            stack.attributes[("aws_dynamodb_table", logical_id)]["stream_arn"] = created["LatestStreamArn"]
        names[logical_id] = spec["name"]
    return names


def _create_queues(stack: Stack, sqs: Any) -> dict[str, str]:
    """Every queue (FIFO, deduplication, redrive); returns their URLs by logical id."""
    region, account = stack.region, stack.account_id
    names: dict[str, str] = {}
    # Queues without a redrive policy first, so every dead-letter target exists.
    queues = sorted(stack.resources("aws_sqs_queue").items(), key=lambda item: "redrive_policy" in item[1])
    for logical_id, spec in queues:
        attributes = _queue_attributes(spec)
        if spec.get("redrive_policy"):
            attributes["RedrivePolicy"] = stack.resolve(spec["redrive_policy"])
        url = sqs.create_queue(QueueName=spec["name"], Attributes=attributes)["QueueUrl"]
        arn = f"arn:aws:sqs:{region}:{account}:{spec['name']}"
        stack.attributes[("aws_sqs_queue", logical_id)] = {"url": url, "id": url, "arn": arn, "name": spec["name"]}
        names[logical_id] = url
    return names


def _create_buckets(stack: Stack, s3: Any) -> dict[str, str]:
    """Every bucket and its versioning; returns their names by logical id."""
    region = stack.region
    names: dict[str, str] = {}
    for logical_id, spec in stack.local_resources("aws_s3_bucket").items():
        bucket = stack.substitute_account(spec["bucket"])
        if region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        stack.attributes[("aws_s3_bucket", logical_id)] = {
            "bucket": bucket,
            "id": bucket,
            "arn": f"arn:aws:s3:::{bucket}",
        }
        names[logical_id] = bucket
    for spec in stack.local_resources("aws_s3_bucket_versioning").values():
        status = (spec.get("versioning_configuration") or {}).get("status")
        if status in ("Enabled", "Suspended"):
            s3.put_bucket_versioning(Bucket=stack.resolve(spec["bucket"]), VersioningConfiguration={"Status": status})
    return names


def _create_topics(stack: Stack, sns: Any) -> dict[str, str]:
    """Every topic; returns their ARNs by logical id."""
    names: dict[str, str] = {}
    for logical_id, spec in stack.resources("aws_sns_topic").items():
        arn = sns.create_topic(Name=spec["name"])["TopicArn"]
        stack.attributes[("aws_sns_topic", logical_id)] = {"arn": arn, "id": arn, "name": spec["name"]}
        names[logical_id] = arn
    return names


def _resolve_emulated(stack: Stack) -> None:
    """The attributes of what the emulator itself plays (API keys, functions, state machines): no moto resource."""
    region, account = stack.region, stack.account_id
    # API keys exist only in the gateway emulation; their ids resolve so the stack's API_CLIENTS does.
    for logical_id, spec in stack.resources("aws_api_gateway_api_key").items():
        stack.attributes[("aws_api_gateway_api_key", logical_id)] = {"id": api_key_id(spec["name"])}

    for logical_id, spec in stack.resources("aws_lambda_function").items():
        arn = f"arn:aws:lambda:{region}:{account}:function:{spec['function_name']}"
        stack.attributes[("aws_lambda_function", logical_id)] = {
            "arn": arn,
            "invoke_arn": arn,
            "function_name": spec["function_name"],
            "id": spec["function_name"],
        }

    # Step Functions runs in the emulator itself (payment_local.stepfunctions); only the ARNs are known here.
    for logical_id, spec in stack.resources("aws_sfn_state_machine").items():
        arn = f"arn:aws:states:{region}:{account}:stateMachine:{spec['name']}"
        stack.attributes[("aws_sfn_state_machine", logical_id)] = {"arn": arn, "id": arn, "name": spec["name"]}


@dataclass(frozen=True)
class _Settlement:
    queue_url: str
    batch_size: int
    handler: str
    dlq_url: str | None
    max_receive_count: int | None


def _settlement_source(stack: Stack, sqs: Any) -> _Settlement:
    """The stack's one SQS event source mapping: its queue, handler, batch size and the queue's DLQ."""
    mappings = list(stack.resources("aws_lambda_event_source_mapping").values())
    if len(mappings) != 1:
        raise StackError(f"expected one aws_lambda_event_source_mapping, found {len(mappings)}")
    mapping = mappings[0]
    settlement_queue_arn = stack.resolve(mapping["event_source_arn"])
    settlement_queue_url = next(
        a["url"]
        for (kind, _), a in stack.attributes.items()
        if kind == "aws_sqs_queue" and a["arn"] == settlement_queue_arn
    )
    settlement_handler = stack.handler_for_arn_ref(mapping["function_name"])
    redrive = json.loads(
        sqs.get_queue_attributes(QueueUrl=settlement_queue_url, AttributeNames=["RedrivePolicy"])
        .get("Attributes", {})
        .get("RedrivePolicy", "null")
    )
    dlq_url = None
    if redrive:
        dlq_name = redrive["deadLetterTargetArn"].rsplit(":", 1)[-1]
        dlq_url = sqs.get_queue_url(QueueName=dlq_name)["QueueUrl"]
    return _Settlement(
        queue_url=settlement_queue_url,
        batch_size=int(mapping.get("batch_size", 10)),
        handler=settlement_handler,
        dlq_url=dlq_url,
        max_receive_count=int(redrive["maxReceiveCount"]) if redrive else None,
    )


def _import_notifications(
    stack: Stack, s3: Any, sqs: Any, import_clients: Sequence[str] | None
) -> tuple[str | None, str | None, str | None]:
    """``(import bucket, import events queue URL, import handler)``, each ``None`` without a notification."""
    region, account = stack.region, stack.account_id
    # Batch import: the bucket's Lambda notification becomes an S3 -> SQS notification on a
    # local queue, which the import trigger polls (moto cannot run Lambda functions itself).
    import_bucket = import_queue_url = import_handler = None
    stack_clients = stack_client_names(stack)
    for spec in stack.resources("aws_s3_bucket_notification").values():
        configurations = []
        for target in _per_client_targets(spec.get("lambda_function", []), stack_clients, import_clients):
            import_bucket = stack.resolve(spec["bucket"])
            import_handler = stack.handler_for_arn_ref(target["lambda_function_arn"])
            import_queue_url = sqs.create_queue(QueueName=IMPORT_EVENTS_QUEUE)["QueueUrl"]
            rules = []
            if target.get("filter_prefix"):
                rules.append({"Name": "prefix", "Value": target["filter_prefix"]})
            if target.get("filter_suffix"):
                rules.append({"Name": "suffix", "Value": target["filter_suffix"]})
            configuration: dict[str, Any] = {
                "QueueArn": f"arn:aws:sqs:{region}:{account}:{IMPORT_EVENTS_QUEUE}",
                "Events": target["events"],
            }
            if rules:
                configuration["Filter"] = {"Key": {"FilterRules": rules}}
            configurations.append(configuration)
        if configurations:
            s3.put_bucket_notification_configuration(
                Bucket=import_bucket, NotificationConfiguration={"QueueConfigurations": configurations}
            )
    return import_bucket, import_queue_url, import_handler


def _notifications_tap(stack: Stack, sqs: Any, sns: Any, topic_arns: Iterable[str]) -> str:
    """A queue subscribed to every topic; returns its URL."""
    region, account = stack.region, stack.account_id
    # A raw-delivery SQS subscription on every topic lets tests count notifications.
    tap_url = sqs.create_queue(QueueName=NOTIFICATIONS_TAP_QUEUE)["QueueUrl"]
    for topic_arn in topic_arns:
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=f"arn:aws:sqs:{region}:{account}:{NOTIFICATIONS_TAP_QUEUE}",
            Attributes={"RawMessageDelivery": "true"},
        )
    return tap_url
