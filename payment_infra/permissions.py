"""Least-privilege IAM for each function, derived from the resources its environment variables name.

A function's ``FunctionSpec.environment`` (in ``lambdas/payments/functions.py``) says which resources it
uses; ``GRANTS`` says which actions each function may take on each of them, and ``CALLER_KMS_ACTIONS`` which
key permissions those actions need. Tests check the pair (every variable a function reads is granted, and
nothing else is) and hold each role to the calls its code makes in the emulator, no fewer and no more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from payment_infra import policies
from payment_infra.application import functions_module

_app = functions_module()
# Per function and environment variable (the application's names): the actions it may take on that resource,
# exactly the calls its code makes (tests/apply_rules/test_iam_covers_calls.py records them in the emulator).
# A read by id is a Query on the table's own key (strongly consistent), so no function reads with GetItem;
# Powertools idempotency writes its record (PutItem, UpdateItem), deletes it when the create fails
# (DeleteItem) and reads it (GetItem) only when a conditional write returns no old item.
GRANTS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    _app.TRANSACTIONS: {
        _app.TRANSACTIONS_TABLE: ("dynamodb:PutItem", "dynamodb:Query"),
        _app.IDEMPOTENCY_TABLE: ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
    },
    _app.STATUS: {_app.TRANSACTIONS_TABLE: ("dynamodb:Query",)},
    _app.HEALTH: {},
    _app.SETTLEMENT: {_app.STATE_MACHINE_ARN: ("states:StartExecution",)},
    _app.BATCH_IMPORT: {
        _app.TRANSACTIONS_TABLE: ("dynamodb:PutItem",),  # a row already imported is a failed conditional put
        # The event's version (GetObjectVersion); GetObject for an event without one (an object written before
        # versioning took effect: the bucket's versioning is a resource of its own, applied beside the trigger).
        _app.IMPORT_BUCKET: ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"),
    },
    # The sweep reads only the date index (INDEX_GRANTS) and re-sends what it finds.
    _app.SWEEP: {_app.TRANSACTIONS_TABLE: (), _app.QUEUE_URL: ("sqs:SendMessage",)},
    _app.WORKFLOW_VALIDATE: {_app.TRANSACTIONS_TABLE: ("dynamodb:Query",)},
    _app.WORKFLOW_PROCESS: {
        _app.TRANSACTIONS_TABLE: ("dynamodb:Query", "dynamodb:UpdateItem"),
        _app.RECEIPTS_BUCKET: ("s3:PutObject",),
    },
}
# Actions on a table's global secondary indexes (``<table arn>/index/*``): the list endpoints and the sweep query them.
INDEX_GRANTS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    _app.TRANSACTIONS: {_app.TRANSACTIONS_TABLE: ("dynamodb:Query",)},
    _app.SWEEP: {_app.TRANSACTIONS_TABLE: ("dynamodb:Query",)},
}

# The KMS actions the caller of an AWS action needs on the customer managed key of the resource it acts on:
# DynamoDB decrypts the table key as the caller on every read and write (KMS developer guide, "How Amazon
# DynamoDB uses AWS KMS"); an SQS producer needs GenerateDataKey and Decrypt, a consumer Decrypt (SQS developer
# guide, "Key management"); S3 needs GenerateDataKey for a single-part upload and Decrypt for a read (S3 user
# guide, "Using SSE-KMS"). StartExecution: the Step Functions guide ("Data at rest encryption") lists no caller
# permission, yet the execution input is encrypted with the state machine's key when the execution starts and
# AWS's samples grant the caller GenerateDataKey; it is kept, through Step Functions only (kms:ViaService),
# because a missing one would stop every settlement while this one can only make data keys via states. An
# action missing here is a KeyError, never a silent "needs nothing".
DYNAMODB_CALLER_KMS = ("kms:Decrypt",)
CALLER_KMS_ACTIONS: Mapping[str, tuple[str, ...]] = {
    "dynamodb:DeleteItem": DYNAMODB_CALLER_KMS,
    "dynamodb:GetItem": DYNAMODB_CALLER_KMS,
    "dynamodb:PutItem": DYNAMODB_CALLER_KMS,
    "dynamodb:Query": DYNAMODB_CALLER_KMS,
    "dynamodb:UpdateItem": DYNAMODB_CALLER_KMS,
    "sqs:SendMessage": ("kms:Decrypt", "kms:GenerateDataKey"),
    "sqs:ReceiveMessage": ("kms:Decrypt",),
    "sqs:DeleteMessage": (),
    "sqs:GetQueueAttributes": (),
    "s3:PutObject": ("kms:GenerateDataKey",),
    "s3:GetObject": ("kms:Decrypt",),
    "s3:GetObjectVersion": ("kms:Decrypt",),
    "states:StartExecution": ("kms:GenerateDataKey",),
}
# The service whose requests to KMS a caller's key permission is limited to (kms:ViaService), per resource kind.
KMS_VIA_SERVICE: Mapping[str, str] = {"table": "dynamodb", "state_machine": "states"}


def caller_kms_actions(actions: Sequence[str]) -> list[str]:
    """The KMS actions (sorted, once each) that calling ``actions`` on a CMK-protected resource needs."""
    return sorted({kms for action in actions for kms in CALLER_KMS_ACTIONS[action]})


# Object prefixes a function may touch in a bucket (never the whole bucket); ``{client}`` stands for each
# configured client, so a file outside every client's folder can be neither read nor reported on.
OBJECT_PREFIXES: Mapping[tuple[str, str], tuple[str, ...]] = {
    (_app.RECEIPTS_BUCKET, "s3:PutObject"): ("receipts/",),
    (_app.IMPORT_BUCKET, "s3:GetObject"): ("imports/{client}/",),
    (_app.IMPORT_BUCKET, "s3:GetObjectVersion"): ("imports/{client}/",),
    (_app.IMPORT_BUCKET, "s3:PutObject"): ("reports/{client}/",),
}


def object_prefixes(variable: str, action: str, clients: Sequence[str]) -> list[str]:
    """The concrete prefixes of ``OBJECT_PREFIXES[(variable, action)]`` for these clients."""
    prefixes: list[str] = []
    for prefix in OBJECT_PREFIXES[(variable, action)]:
        if "{client}" in prefix:
            prefixes += [prefix.format(client=client) for client in clients]
        else:
            prefixes.append(prefix)
    return prefixes


ENI_ACTIONS = (
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",  # in the current AWSLambdaVPCAccessExecutionRole: Lambda reads the subnets of its ENIs
    "ec2:UnassignPrivateIpAddresses",
)
XRAY_ACTIONS = ("xray:PutTelemetryRecords", "xray:PutTraceSegments")


@dataclass(frozen=True)
class Resource:
    """What a variable points at: the value to set, the ARN to grant on, and the CMK that protects it."""

    value: str
    arn: str
    key_arn: str
    kind: str  # "table", "queue", "bucket", "topic", "state_machine" (the application's RESOURCE_KINDS)


def function_statements(
    function: str,
    resources: Mapping[str, Resource],
    *,
    log_group_arn: str,
    failure_queue: Resource,
    environment_key_arn: str,
    region: str,
    clients: Sequence[str],
) -> list[policies.Statement]:
    """Every statement the role of ``function`` needs, on exact ARNs."""
    statements = [
        policies.allow(["logs:CreateLogStream", "logs:PutLogEvents"], [f"{log_group_arn}:*"], sid="WriteOwnLogs"),
        # X-Ray accepts no resource-level permissions: "*" is the only valid resource.
        policies.allow(list(XRAY_ACTIONS), ["*"], sid="XRayTracing"),
        # ENI management for VPC functions: EC2 offers no narrower resource for Describe*, and Lambda
        # creates the interfaces itself; these are the actions of AWSLambdaVPCAccessExecutionRole.
        policies.allow(list(ENI_ACTIONS), ["*"], sid="VpcNetworkInterfaces"),
        policies.allow(["kms:Decrypt"], [environment_key_arn], sid="DecryptEnvironment"),
        policies.allow(["sqs:SendMessage"], [failure_queue.arn], sid="AsyncFailureDestination"),
        policies.allow(caller_kms_actions(["sqs:SendMessage"]), [failure_queue.key_arn], sid="EncryptFailureMessages"),
    ]
    for variable, actions in sorted(GRANTS[function].items()):
        resource = resources[variable]
        sid = "".join(part.title() for part in variable.lower().split("_"))
        index_actions = INDEX_GRANTS.get(function, {}).get(variable, ())
        kms_actions = caller_kms_actions([*actions, *index_actions])
        if resource.kind in KMS_VIA_SERVICE:
            if actions:
                statements.append(policies.allow(list(actions), [resource.arn], sid=sid))
            if index_actions:
                statements.append(policies.allow(list(index_actions), [f"{resource.arn}/index/*"], sid=f"{sid}Indexes"))
            service = KMS_VIA_SERVICE[resource.kind]
            statements.append(
                policies.allow(
                    kms_actions,
                    [resource.key_arn],
                    sid=f"{sid}Kms",
                    conditions={"StringEquals": {"kms:ViaService": f"{service}.{region}.amazonaws.com"}},
                )
            )
        elif resource.kind == "bucket":
            for action in actions:
                prefixes = object_prefixes(variable, action, clients)
                statements.append(
                    policies.allow(
                        [action],
                        [f"{resource.arn}/{prefix}*" for prefix in prefixes],
                        sid=f"{sid}{action.split(':')[1]}",
                    )
                )
            statements.append(policies.allow(kms_actions, [resource.key_arn], sid=f"{sid}Kms"))
        else:
            statements.append(policies.allow(list(actions), [resource.arn], sid=sid))
            if kms_actions:
                statements.append(policies.allow(kms_actions, [resource.key_arn], sid=f"{sid}Kms"))
    return statements
