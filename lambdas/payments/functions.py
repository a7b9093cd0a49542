"""The deployed functions and API routes: the contract with the infrastructure.

Pure data (no AWS imports) so that the CDKTF code can import it. The
infrastructure creates one Lambda per ``FunctionSpec``, sets ``COMMON_ENVIRONMENT``
plus ``environment`` on it and grants IAM per variable, and routes API Gateway
methods by ``ROUTES``. Tests check this file against ``openapi.json`` and against
the settings each handler reads.
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
    ),
    FunctionSpec(
        name="status",
        handler="payments.handlers.status.handler",
        description="Payment API: settlement status of one transaction",
        environment=("TRANSACTIONS_TABLE",),
        timeout_seconds=10,
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
        description="SQS FIFO consumer: starts one workflow execution per transaction (named after its id)",
        environment=("STATE_MACHINE_ARN",),
        timeout_seconds=60,
    ),
    FunctionSpec(
        name="batch-import",
        handler="payments.handlers.batch_import.handler",
        description="S3 imports/*.csv: one transaction per valid row, report under reports/",
        environment=("TRANSACTIONS_TABLE", "QUEUE_URL", "IMPORT_BUCKET"),
        timeout_seconds=300,
    ),
    FunctionSpec(
        name="workflow-validate",
        handler="payments.handlers.workflow.validate_handler",
        description="Step Functions: check a transaction can be processed",
        environment=("TRANSACTIONS_TABLE",),
        timeout_seconds=10,
    ),
    FunctionSpec(
        name="workflow-process",
        handler="payments.handlers.workflow.process_handler",
        description="Step Functions: settle a transaction and write its receipt, or mark it failed",
        environment=("TRANSACTIONS_TABLE", "RECEIPTS_BUCKET"),
        timeout_seconds=30,
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
