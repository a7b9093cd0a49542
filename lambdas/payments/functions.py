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

# Function names (``FunctionSpec.name``): every other module refers to a function by these constants.
TRANSACTIONS = "transactions"
STATUS = "status"
HEALTH = "health"
SETTLEMENT = "settlement"
BATCH_IMPORT = "batch-import"
WORKFLOW_VALIDATE = "workflow-validate"
WORKFLOW_PROCESS = "workflow-process"
SWEEP = "sweep"

# Environment variables, each named once here; ``settings.py`` parses them, the infrastructure sets them.
ENVIRONMENT_NAME = "ENVIRONMENT"
#: Read by Powertools itself.
POWERTOOLS_ENVIRONMENT: tuple[str, ...] = (
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
)
SERVICE_NAME, METRICS_NAMESPACE, LOG_LEVEL = POWERTOOLS_ENVIRONMENT
COMMON_ENVIRONMENT: tuple[str, ...] = (ENVIRONMENT_NAME, *POWERTOOLS_ENVIRONMENT)
"""Set on every function."""

TRANSACTIONS_TABLE = "TRANSACTIONS_TABLE"
IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE"
QUEUE_URL = "QUEUE_URL"
RECEIPTS_BUCKET = "RECEIPTS_BUCKET"
IMPORT_BUCKET = "IMPORT_BUCKET"
STATE_MACHINE_ARN = "STATE_MACHINE_ARN"
IDEMPOTENCY_TTL_SECONDS = "IDEMPOTENCY_TTL_SECONDS"
API_CLIENTS = "API_CLIENTS"
"""JSON ``{client name: [API key id, ...]}``: who owns which key (set by the stack from the config's clients)."""
SWEEP_OLDER_THAN_SECONDS = "SWEEP_OLDER_THAN_SECONDS"
#: The sweep's metric of stale pending transactions it found (the stack alarms on it, in the metrics namespace).
STALE_PENDING_METRIC = "StalePendingTransactions"
SWEEP_LOOKBACK_SECONDS = "SWEEP_LOOKBACK_SECONDS"
#: The transaction item's attribute naming the region whose write created it. A global table's replica emits stream
#: records for the writes replicated into it; each region's settlement pipe carries only the payments created in its
#: own region (the stack filters on this attribute), so a payment is settled where it was made, never again by the
#: other region's pipe (docs/disaster-recovery.md).
ORIGIN_REGION_ATTRIBUTE = "created_region"

RESOURCE_KINDS: Mapping[str, str] = MappingProxyType(
    {
        TRANSACTIONS_TABLE: "table",
        IDEMPOTENCY_TABLE: "table",
        QUEUE_URL: "queue",
        RECEIPTS_BUCKET: "bucket",
        IMPORT_BUCKET: "bucket",
        STATE_MACHINE_ARN: "state_machine",
    }
)
"""Variables that name a resource, and its kind: the infrastructure sets them and grants on that resource."""
SETTING_VARIABLES: frozenset[str] = frozenset(
    {IDEMPOTENCY_TTL_SECONDS, API_CLIENTS, SWEEP_OLDER_THAN_SECONDS, SWEEP_LOOKBACK_SECONDS}
)
"""Variables that configure behaviour and name no resource (values from the environment config)."""
IDEMPOTENCY_TTL_RANGE_SECONDS = (60, 7 * 86_400)
"""The idempotency TTLs the transactions function accepts (inclusive)."""


FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        name=TRANSACTIONS,
        handler="payments.handlers.transactions.handler",
        description="Payment API: create (idempotent), get and list transactions",
        environment=(TRANSACTIONS_TABLE, IDEMPOTENCY_TABLE, IDEMPOTENCY_TTL_SECONDS, API_CLIENTS),
        timeout_seconds=15,
        aws_services=("dynamodb",),
    ),
    FunctionSpec(
        name=STATUS,
        handler="payments.handlers.status.handler",
        description="Payment API: settlement status of one transaction",
        environment=(TRANSACTIONS_TABLE, API_CLIENTS),
        timeout_seconds=10,
        aws_services=("dynamodb",),
    ),
    FunctionSpec(
        name=HEALTH,
        handler="payments.handlers.health.handler",
        description="Payment API: liveness check (no dependencies, no API key)",
        environment=(),
        timeout_seconds=5,
    ),
    FunctionSpec(
        name=SETTLEMENT,
        handler="payments.handlers.settlement.handler",
        description="SQS FIFO consumer: starts one workflow execution per transaction (named after its id)",
        environment=(STATE_MACHINE_ARN,),
        timeout_seconds=60,
        aws_services=("stepfunctions",),
    ),
    FunctionSpec(
        name=BATCH_IMPORT,
        handler="payments.handlers.batch_import.handler",
        description="S3 imports/<client>/*.csv: one transaction per valid row, report under reports/<client>/",
        environment=(TRANSACTIONS_TABLE, IMPORT_BUCKET, API_CLIENTS),
        timeout_seconds=300,
        aws_services=("dynamodb", "s3"),
    ),
    FunctionSpec(
        name=SWEEP,
        handler="payments.handlers.sweep.handler",
        description="Scheduled: re-sends pending transactions older than the sweep age to the settlement queue",
        environment=(TRANSACTIONS_TABLE, QUEUE_URL, API_CLIENTS, SWEEP_OLDER_THAN_SECONDS, SWEEP_LOOKBACK_SECONDS),
        timeout_seconds=120,
        aws_services=("dynamodb", "sqs"),
    ),
    FunctionSpec(
        name=WORKFLOW_VALIDATE,
        handler="payments.handlers.workflow.validate_handler",
        description="Step Functions: check a transaction can be processed",
        environment=(TRANSACTIONS_TABLE,),
        timeout_seconds=10,
        aws_services=("dynamodb",),
    ),
    FunctionSpec(
        name=WORKFLOW_PROCESS,
        handler="payments.handlers.workflow.process_handler",
        description="Step Functions: settle a transaction and write its receipt, or mark it failed",
        environment=(TRANSACTIONS_TABLE, RECEIPTS_BUCKET),
        timeout_seconds=30,
        aws_services=("dynamodb", "s3"),
    ),
)

ROUTES: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        ("POST", "/transactions"): TRANSACTIONS,
        ("GET", "/transactions"): TRANSACTIONS,
        ("GET", "/transactions/{transaction_id}"): TRANSACTIONS,
        ("GET", "/status/{transaction_id}"): STATUS,
        ("GET", "/health"): HEALTH,
    }
)


def function(name: str) -> FunctionSpec:
    """The spec called ``name``; ``KeyError`` if there is none."""
    for spec in FUNCTIONS:
        if spec.name == name:
            return spec
    raise KeyError(name)
