"""The deployed functions and API routes: the contract with the infrastructure.

Pure data (no AWS imports) so that the CDKTF code can import it. The
infrastructure creates one Lambda per ``FunctionSpec``, sets ``COMMON_ENVIRONMENT``
plus ``environment`` on it and grants IAM per variable, and routes API Gateway
methods by ``ROUTES``. Tests check this file against ``openapi.json``, against
the settings each handler reads and against the AWS clients each handler creates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    """Short id used in resource names, e.g. ``transactions``."""
    handler: str
    """Lambda handler string relative to the package root ``lambdas/``."""
    description: str
    environment: tuple[str, ...]
    """Variables this handler requires beyond ``COMMON_ENVIRONMENT``."""
    timeout_seconds: int
    aws_services: tuple[str, ...] = ()
    """AWS services this function's code calls (boto3 service names): the VPC gets an endpoint for each."""


# The largest request body the API accepts (413 above it); the WAF's body-size rule enforces the same limit.
MAX_REQUEST_BODY_BYTES = 16 * 1024

COMMON_ENVIRONMENT: tuple[str, ...] = (
    "ENVIRONMENT",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
)

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        name="transactions",
        handler="payments.handlers.transactions.handler",
        description="Payment API: create (idempotent), get and list transactions",
        environment=("TRANSACTIONS_TABLE", "IDEMPOTENCY_TABLE", "QUEUE_URL", "IDEMPOTENCY_TTL_SECONDS"),
        timeout_seconds=15,
        aws_services=("dynamodb", "sqs"),
    ),
    FunctionSpec(
        name="status",
        handler="payments.handlers.status.handler",
        description="Payment API: settlement status of one transaction",
        environment=("TRANSACTIONS_TABLE",),
        timeout_seconds=10,
        aws_services=("dynamodb",),
    ),
    FunctionSpec(
        name="health",
        handler="payments.handlers.health.handler",
        description="Payment API: liveness check (no dependencies, no API key)",
        environment=(),
        timeout_seconds=5,
    ),
    FunctionSpec(
        name="settlement",
        handler="payments.handlers.settlement.handler",
        description="SQS FIFO consumer: settles transactions, writes receipts, notifies",
        environment=("TRANSACTIONS_TABLE", "RECEIPTS_BUCKET", "NOTIFICATIONS_TOPIC_ARN"),
        timeout_seconds=60,
        aws_services=("dynamodb", "s3", "sns"),
    ),
    FunctionSpec(
        name="batch-import",
        handler="payments.handlers.batch_import.handler",
        description="S3 imports/*.csv: one transaction per valid row, report under reports/",
        environment=("TRANSACTIONS_TABLE", "QUEUE_URL", "IMPORT_BUCKET"),
        timeout_seconds=300,
        aws_services=("dynamodb", "sqs", "s3"),
    ),
    FunctionSpec(
        name="workflow-validate",
        handler="payments.handlers.workflow.validate_handler",
        description="Step Functions: check a transaction can be processed",
        environment=("TRANSACTIONS_TABLE",),
        timeout_seconds=10,
        aws_services=("dynamodb",),
    ),
    FunctionSpec(
        name="workflow-process",
        handler="payments.handlers.workflow.process_handler",
        description="Step Functions: settle a transaction and write its receipt",
        environment=("TRANSACTIONS_TABLE", "RECEIPTS_BUCKET"),
        timeout_seconds=30,
        aws_services=("dynamodb", "s3"),
    ),
)

ROUTES: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        ("POST", "/transactions"): "transactions",
        ("GET", "/transactions"): "transactions",
        ("GET", "/transactions/{transaction_id}"): "transactions",
        ("GET", "/status/{transaction_id}"): "status",
        ("GET", "/health"): "health",
    }
)


def function(name: str) -> FunctionSpec:
    """The spec called ``name``; ``KeyError`` if there is none."""
    for spec in FUNCTIONS:
        if spec.name == name:
            return spec
    raise KeyError(name)
