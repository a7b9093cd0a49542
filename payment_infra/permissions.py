"""Least-privilege IAM for each function, derived from the resources its environment variables name.

A function's ``FunctionSpec.environment`` (in ``lambdas/payments/functions.py``) says which resources it
uses; ``GRANTS`` says which actions each function may take on each of them. The pair is checked by tests:
every variable a function reads is granted, and nothing else is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from payment_infra import policies
from payment_infra.application import functions_module

_app = functions_module()
TABLE_READ = ("dynamodb:GetItem", "dynamodb:Query")
# Per function and environment variable (the application's names): the actions it may take on that resource.
GRANTS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    _app.TRANSACTIONS: {
        _app.TRANSACTIONS_TABLE: (*TABLE_READ, "dynamodb:PutItem"),
        _app.IDEMPOTENCY_TABLE: ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
        _app.QUEUE_URL: ("sqs:SendMessage",),
    },
    _app.STATUS: {_app.TRANSACTIONS_TABLE: TABLE_READ},
    _app.HEALTH: {},
    _app.SETTLEMENT: {_app.STATE_MACHINE_ARN: ("states:StartExecution",)},
    _app.BATCH_IMPORT: {
        _app.TRANSACTIONS_TABLE: (*TABLE_READ, "dynamodb:PutItem"),
        _app.QUEUE_URL: ("sqs:SendMessage",),
        _app.IMPORT_BUCKET: ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"),  # reads the event's version
    },
    _app.WORKFLOW_VALIDATE: {_app.TRANSACTIONS_TABLE: TABLE_READ},
    _app.WORKFLOW_PROCESS: {
        _app.TRANSACTIONS_TABLE: (*TABLE_READ, "dynamodb:UpdateItem"),
        _app.RECEIPTS_BUCKET: ("s3:PutObject",),
    },
}

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

KMS_FOR_WRITE = ("kms:GenerateDataKey", "kms:Decrypt")
ENI_ACTIONS = (
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
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
        policies.allow(list(KMS_FOR_WRITE), [failure_queue.key_arn], sid="EncryptFailureMessages"),
    ]
    for variable, actions in sorted(GRANTS[function].items()):
        resource = resources[variable]
        sid = "".join(part.title() for part in variable.lower().split("_"))
        if resource.kind == "table":
            statements.append(policies.allow(list(actions), [resource.arn], sid=sid))
            if "dynamodb:Query" in actions:  # the list endpoints query the GSIs
                statements.append(policies.allow(["dynamodb:Query"], [f"{resource.arn}/index/*"], sid=f"{sid}Indexes"))
            statements.append(
                policies.allow(
                    ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                    [resource.key_arn],
                    sid=f"{sid}Kms",
                    conditions={"StringEquals": {"kms:ViaService": f"dynamodb.{region}.amazonaws.com"}},
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
            statements.append(policies.allow(list(KMS_FOR_WRITE), [resource.key_arn], sid=f"{sid}Kms"))
        elif resource.kind == "state_machine":
            statements.append(policies.allow(list(actions), [resource.arn], sid=sid))
            # StartExecution stores the input encrypted with the state machine's CMK: a data key, via states only.
            statements.append(
                policies.allow(
                    ["kms:GenerateDataKey"],
                    [resource.key_arn],
                    sid=f"{sid}Kms",
                    conditions={"StringEquals": {"kms:ViaService": f"states.{region}.amazonaws.com"}},
                )
            )
        else:
            statements.append(policies.allow(list(actions), [resource.arn], sid=sid))
            statements.append(policies.allow(list(KMS_FOR_WRITE), [resource.key_arn], sid=f"{sid}Kms"))
    return statements
