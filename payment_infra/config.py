"""Per-environment settings of the payment API: one frozen, validated object per environment.

Every default of the product lives in ``ENVIRONMENT_DEFAULTS`` below (the matrix of the product
specification), so a reviewer sees all of them in one place. ``load_config`` applies the documented
environment-variable overrides and validates everything at once: a bad value raises one ``ConfigError``
that lists each problem with its field, value and what is allowed.

Environment variables (all optional):
    PAYMENT_AWS_REGION        primary region (default ap-northeast-2)
    PAYMENT_FALLBACK_REGION   fallback/DR region (default ap-northeast-1)
    PAYMENT_ALERT_EMAIL       address subscribed to the notifications topic (default admin@example.com)
    PAYMENT_DESTROYABLE       true/false: allow `cdktf destroy` (force_destroy, no deletion protection)
    PAYMENT_MANAGE_APIGATEWAY_ACCOUNT  true/false (default true): this stack sets the account's API Gateway
                              CloudWatch role; set false on all but one stack of environments sharing an account
    PAYMENT_OWNER, PAYMENT_COST_CENTER   tag values
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from enum import Enum, StrEnum
from typing import Any

from payment_infra.application import functions_module

ENVIRONMENT_NAMES: tuple[str, ...] = ("dev", "staging", "prod")

# Commercial AWS regions (2026). A region outside this list is almost always a typo.
AWS_REGIONS: tuple[str, ...] = (
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
    "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
    "us-west-1", "us-west-2",
)  # fmt: skip

# The only values CloudWatch Logs accepts for retention_in_days.
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

LAMBDA_MEMORY_RANGE_MB = (128, 10240)
LAMBDA_ARCHITECTURES = ("arm64", "x86_64")
LAMBDA_RUNTIMES = ("python3.12", "python3.13")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")  # Powertools Logger (Python logging) levels
# Product constants, the same in every environment.
SERVICE_NAME = "payment-api"  # POWERTOOLS_SERVICE_NAME: the service dimension of logs, traces and metrics
METRICS_NAMESPACE = "PaymentApi"  # POWERTOOLS_METRICS_NAMESPACE
# Days a scheduled KMS key deletion waits (KMS allows 7-30): the shortest while the environment is destroyable,
# the longest once it is protected (PAYMENT_DESTROYABLE=false).
KMS_DELETION_WINDOW_DAYS_DESTROYABLE = 7
KMS_DELETION_WINDOW_DAYS_PROTECTED = 30
# SQS allows 1-1000 receives before the DLQ; a FIFO event source takes at most 10 records per batch.
MAX_RECEIVE_COUNT_RANGE = (1, 1000)
FIFO_BATCH_SIZE_RANGE = (1, 10)
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_TAG_VALUE = re.compile(r"^[\w .:/=+\-@]{1,256}$")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class ConfigError(ValueError):
    """Raised once per invalid configuration; ``problems`` lists every (field, value, allowed) found."""

    def __init__(self, environment: str, problems: list[tuple[str, Any, str]]):
        self.environment = environment
        self.problems = problems
        lines = [f"  - {name} = {value!r}: allowed {allowed}" for name, value, allowed in problems]
        super().__init__(f"invalid configuration for environment {environment!r}:\n" + "\n".join(lines))


class BillingMode(StrEnum):
    PAY_PER_REQUEST = "PAY_PER_REQUEST"
    PROVISIONED = "PROVISIONED"


@dataclass(frozen=True)
class LambdaSettings:
    """Sizing of the API functions (memory, reserved concurrency) and the runtime they share."""

    memory_mb: int
    """Memory of every function (MB); Lambda scales CPU with it."""
    reserved_concurrency: int
    """Reserved concurrency of each API function (transactions, status, health)."""
    worker_reserved_concurrency: int = 5  # settlement, batch import and workflow steps
    runtime: str = "python3.12"
    """Python runtime of every function and of the Powertools layer."""
    architecture: str = "arm64"
    """CPU architecture of every function and of the Powertools layer."""
    # Public Powertools layer version N of
    # arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:{N}
    powertools_layer_version: int = 27
    log_level: str = "INFO"  # POWERTOOLS_LOG_LEVEL of every function


@dataclass(frozen=True)
class Capacity:
    """Autoscaling bounds of one provisioned throughput dimension (table and every GSI)."""

    minimum: int
    """Lowest provisioned capacity units autoscaling may set."""
    maximum: int
    """Highest provisioned capacity units autoscaling may set."""


@dataclass(frozen=True)
class DynamoDbSettings:
    """Billing of the transactions table; provisioned tables get target-tracking autoscaling."""

    billing_mode: BillingMode
    """PAY_PER_REQUEST (on demand) or PROVISIONED (with autoscaling) for the transactions table."""
    read: Capacity | None = None
    write: Capacity | None = None
    target_utilization_percent: float = 70.0
    """Autoscaling target: consumed share of provisioned capacity (PROVISIONED only)."""
    point_in_time_recovery: bool = True
    """Continuous backups of both tables; cannot be turned off."""


@dataclass(frozen=True)
class ApiSettings:
    """Stage throttling and the usage plan of the environment's API key."""

    throttle_rate_limit: int
    """Stage and usage-plan steady rate (requests per second)."""
    throttle_burst_limit: int
    """Stage and usage-plan burst (requests)."""
    quota_per_day: int
    """Usage-plan quota of the API key (requests per day)."""
    p99_latency_alarm_ms: int = 1000  # alarm when the stage's p99 latency exceeds this
    # How long a create's Idempotency-Key is remembered (IDEMPOTENCY_TTL_SECONDS of the transactions function).
    idempotency_ttl_seconds: int = 86_400


@dataclass(frozen=True)
class MessagingSettings:
    """The settlement queue and its consumer."""

    settlement_batch_size: int = 10  # messages per settlement invocation (event source batch size)
    max_receive_count: int = 3  # deliveries of a settlement message before it moves to the DLQ


@dataclass(frozen=True)
class AlarmSettings:
    """Thresholds of the CloudWatch alarms (each over one 5-minute period); the p99 latency one is in ``api``."""

    api_5xx_rate_percent: int = 1  # alarm when more than this share of API requests fail with 5xx
    queue_age_seconds: int = 300  # alarm when the oldest settlement message waited longer than this


@dataclass(frozen=True)
class RetentionSettings:
    """How long objects (current and noncurrent versions) and log events are kept."""

    s3_expiration_days: int
    """Days before objects (current and noncurrent versions) expire in every bucket."""
    log_retention_days: int
    """Days CloudWatch keeps log events (functions, API, WAF, workflow, VPC flow logs)."""


@dataclass(frozen=True)
class EnvironmentConfig:
    """Everything that differs between dev, staging and prod. Build it with ``load_config``."""

    name: str
    """Environment name (dev, staging, prod): suffix of every resource name."""
    lambda_: LambdaSettings
    dynamodb: DynamoDbSettings
    api: ApiSettings
    retention: RetentionSettings
    messaging: MessagingSettings = field(default_factory=MessagingSettings)
    alarms: AlarmSettings = field(default_factory=AlarmSettings)
    destroyable: bool = True
    """`cdktf destroy` works: `force_destroy` on buckets, no deletion protection (PAYMENT_DESTROYABLE)."""
    region: str = "ap-northeast-2"
    """Region of the stack (PAYMENT_AWS_REGION)."""
    fallback_region: str = "ap-northeast-1"
    """Fallback/DR region, validated and kept for the DR work (PAYMENT_FALLBACK_REGION)."""
    alert_email: str = "admin@example.com"
    """Email subscribed to the notification and alarm topics (PAYMENT_ALERT_EMAIL)."""
    project: str = "payment-api"
    """`Project` tag."""
    owner: str = "payments-team"
    """`Owner` tag (PAYMENT_OWNER)."""
    cost_center: str = "payments"
    """`CostCenter` tag (PAYMENT_COST_CENTER)."""
    # The region-wide API Gateway logging role is one per account: manage it from one stack per account.
    manage_apigateway_account: bool = True
    extra_tags: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    """More (key, value) tags on every taggable resource."""

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ConfigError(self.name, problems)

    @property
    def tags(self) -> dict[str, str]:
        """Tags for the provider's ``default_tags``: on every taggable resource of the stack."""
        return {
            "Environment": self.name,
            "Project": self.project,
            "Owner": self.owner,
            "CostCenter": self.cost_center,
            "ManagedBy": "cdktf",
            **dict(self.extra_tags),
        }

    @property
    def stack_id(self) -> str:
        return f"payment-{self.name}"

    @property
    def kms_deletion_window_days(self) -> int:
        """Days a scheduled KMS key deletion waits: short while destroyable, the KMS maximum once protected."""
        return KMS_DELETION_WINDOW_DAYS_DESTROYABLE if self.destroyable else KMS_DELETION_WINDOW_DAYS_PROTECTED


ENVIRONMENT_DEFAULTS: Mapping[str, dict[str, Any]] = {
    "dev": dict(
        lambda_=LambdaSettings(memory_mb=512, reserved_concurrency=10),
        dynamodb=DynamoDbSettings(billing_mode=BillingMode.PAY_PER_REQUEST),
        api=ApiSettings(throttle_rate_limit=100, throttle_burst_limit=200, quota_per_day=10_000),
        retention=RetentionSettings(s3_expiration_days=7, log_retention_days=7),
        destroyable=True,
    ),
    "staging": dict(
        lambda_=LambdaSettings(memory_mb=1024, reserved_concurrency=50),
        dynamodb=DynamoDbSettings(billing_mode=BillingMode.PROVISIONED, read=Capacity(5, 100), write=Capacity(5, 100)),
        api=ApiSettings(throttle_rate_limit=1_000, throttle_burst_limit=2_000, quota_per_day=100_000),
        retention=RetentionSettings(s3_expiration_days=30, log_retention_days=14),
        destroyable=True,
    ),
    "prod": dict(
        lambda_=LambdaSettings(memory_mb=2048, reserved_concurrency=200, worker_reserved_concurrency=20),
        dynamodb=DynamoDbSettings(
            billing_mode=BillingMode.PROVISIONED, read=Capacity(25, 2_000), write=Capacity(25, 2_000)
        ),
        api=ApiSettings(
            throttle_rate_limit=10_000, throttle_burst_limit=5_000, quota_per_day=10_000_000, p99_latency_alarm_ms=500
        ),
        retention=RetentionSettings(s3_expiration_days=90, log_retention_days=30),
        destroyable=True,  # the product asks for destroyable prod by default; PAYMENT_DESTROYABLE=false protects it
    ),
}


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError("environment", [(name, raw, "one of " + ", ".join(_TRUE + _FALSE))])


def load_config(environment: str, environ: Mapping[str, str] | None = None) -> EnvironmentConfig:
    """The validated settings of ``environment`` with overrides from ``environ`` (default ``os.environ``)."""
    environ = os.environ if environ is None else environ
    if environment not in ENVIRONMENT_DEFAULTS:
        raise ConfigError(environment, [("environment", environment, "one of " + ", ".join(ENVIRONMENT_NAMES))])
    overrides: dict[str, Any] = {}
    for variable, attribute in (
        ("PAYMENT_AWS_REGION", "region"),
        ("PAYMENT_FALLBACK_REGION", "fallback_region"),
        ("PAYMENT_ALERT_EMAIL", "alert_email"),
        ("PAYMENT_OWNER", "owner"),
        ("PAYMENT_COST_CENTER", "cost_center"),
    ):
        if environ.get(variable):
            overrides[attribute] = environ[variable].strip()
    for variable, attribute in (
        ("PAYMENT_DESTROYABLE", "destroyable"),
        ("PAYMENT_MANAGE_APIGATEWAY_ACCOUNT", "manage_apigateway_account"),
    ):
        if environ.get(variable):
            overrides[attribute] = _parse_bool(variable, environ[variable])
    return EnvironmentConfig(name=environment, **{**ENVIRONMENT_DEFAULTS[environment], **overrides})


def with_overrides(config: EnvironmentConfig, **changes: Any) -> EnvironmentConfig:
    """A copy of ``config`` with ``changes`` applied and validated again (for tests and tooling)."""
    return replace(config, **changes)


def _problems(config: EnvironmentConfig) -> list[tuple[str, Any, str]]:
    """Every rule violated by ``config``, as (field, value, allowed)."""
    problems: list[tuple[str, Any, str]] = []

    def check(ok: bool, name: str, value: Any, allowed: str) -> None:
        if not ok:
            problems.append((name, value, allowed))

    def is_int(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    check(config.name in ENVIRONMENT_NAMES, "name", config.name, "one of " + ", ".join(ENVIRONMENT_NAMES))
    for name in ("region", "fallback_region"):
        value = getattr(config, name)
        check(value in AWS_REGIONS, name, value, "an AWS region, one of " + ", ".join(AWS_REGIONS))
    check(
        config.fallback_region != config.region,
        "fallback_region",
        config.fallback_region,
        f"a region other than region ({config.region})",
    )
    check(
        isinstance(config.alert_email, str) and bool(_EMAIL.match(config.alert_email)),
        "alert_email",
        config.alert_email,
        "an email address like ops@example.com",
    )
    check(isinstance(config.destroyable, bool), "destroyable", config.destroyable, "true or false")
    check(
        isinstance(config.manage_apigateway_account, bool),
        "manage_apigateway_account",
        config.manage_apigateway_account,
        "true or false",
    )
    for tag, value in config.tags.items():
        check(
            isinstance(value, str) and bool(_TAG_VALUE.match(value)),
            f"tags.{tag}",
            value,
            "1-256 characters of letters, digits, spaces and _.:/=+-@",
        )

    lam = config.lambda_
    low, high = LAMBDA_MEMORY_RANGE_MB
    check(
        is_int(lam.memory_mb) and low <= lam.memory_mb <= high,
        "lambda_.memory_mb",
        lam.memory_mb,
        f"an integer from {low} to {high} (MB)",
    )
    for name in ("reserved_concurrency", "worker_reserved_concurrency"):
        value = getattr(lam, name)
        check(is_int(value) and 1 <= value <= 1000, f"lambda_.{name}", value, "an integer from 1 to 1000")
    check(lam.runtime in LAMBDA_RUNTIMES, "lambda_.runtime", lam.runtime, "one of " + ", ".join(LAMBDA_RUNTIMES))
    check(
        lam.architecture in LAMBDA_ARCHITECTURES,
        "lambda_.architecture",
        lam.architecture,
        "one of " + ", ".join(LAMBDA_ARCHITECTURES),
    )
    check(
        is_int(lam.powertools_layer_version) and lam.powertools_layer_version >= 1,
        "lambda_.powertools_layer_version",
        lam.powertools_layer_version,
        "a positive integer",
    )
    check(lam.log_level in LOG_LEVELS, "lambda_.log_level", lam.log_level, "one of " + ", ".join(LOG_LEVELS))

    db = config.dynamodb
    check(
        isinstance(db.billing_mode, BillingMode),
        "dynamodb.billing_mode",
        db.billing_mode,
        "one of " + ", ".join(m.value for m in BillingMode),
    )
    check(
        db.point_in_time_recovery is True,
        "dynamodb.point_in_time_recovery",
        db.point_in_time_recovery,
        "true (payment records must be recoverable)",
    )
    if db.billing_mode is BillingMode.PROVISIONED:
        for name in ("read", "write"):
            capacity = getattr(db, name)
            if capacity is None:
                problems.append((f"dynamodb.{name}", None, "autoscaling bounds when billing_mode is PROVISIONED"))
                continue
            check(
                is_int(capacity.minimum) and capacity.minimum >= 1,
                f"dynamodb.{name}.minimum",
                capacity.minimum,
                "an integer >= 1",
            )
            check(
                is_int(capacity.maximum) and is_int(capacity.minimum) and capacity.maximum >= capacity.minimum,
                f"dynamodb.{name}.maximum",
                capacity.maximum,
                f"an integer >= minimum ({capacity.minimum})",
            )
        check(
            isinstance(db.target_utilization_percent, (int, float)) and 20 <= db.target_utilization_percent <= 90,
            "dynamodb.target_utilization_percent",
            db.target_utilization_percent,
            "a number from 20 to 90",
        )
    else:
        for name in ("read", "write"):
            check(
                getattr(db, name) is None,
                f"dynamodb.{name}",
                getattr(db, name),
                "None when billing_mode is PAY_PER_REQUEST",
            )

    api = config.api
    for name in ("throttle_rate_limit", "throttle_burst_limit", "quota_per_day", "p99_latency_alarm_ms"):
        value = getattr(api, name)
        check(is_int(value) and value > 0, f"api.{name}", value, "a positive integer")
    low, high = functions_module().IDEMPOTENCY_TTL_RANGE_SECONDS
    check(
        is_int(api.idempotency_ttl_seconds) and low <= api.idempotency_ttl_seconds <= high,
        "api.idempotency_ttl_seconds",
        api.idempotency_ttl_seconds,
        f"an integer from {low} to {high} (seconds; what the transactions function accepts)",
    )

    msg = config.messaging
    for name, (low, high), why in (
        ("settlement_batch_size", FIFO_BATCH_SIZE_RANGE, "the FIFO event source maximum"),
        ("max_receive_count", MAX_RECEIVE_COUNT_RANGE, "SQS redrive policy limits"),
    ):
        value = getattr(msg, name)
        allowed = f"an integer from {low} to {high} ({why})"
        check(is_int(value) and low <= value <= high, f"messaging.{name}", value, allowed)

    alarms = config.alarms
    check(
        is_int(alarms.api_5xx_rate_percent) and 1 <= alarms.api_5xx_rate_percent <= 100,
        "alarms.api_5xx_rate_percent",
        alarms.api_5xx_rate_percent,
        "an integer from 1 to 100 (percent)",
    )
    check(
        is_int(alarms.queue_age_seconds) and alarms.queue_age_seconds >= 60,
        "alarms.queue_age_seconds",
        alarms.queue_age_seconds,
        "an integer >= 60 (seconds)",
    )

    ret = config.retention
    check(
        is_int(ret.s3_expiration_days) and 1 <= ret.s3_expiration_days <= 3650,
        "retention.s3_expiration_days",
        ret.s3_expiration_days,
        "an integer from 1 to 3650",
    )
    check(
        ret.log_retention_days in LOG_RETENTION_DAYS and is_int(ret.log_retention_days),
        "retention.log_retention_days",
        ret.log_retention_days,
        "one of CloudWatch's values " + ", ".join(map(str, LOG_RETENTION_DAYS)),
    )
    return problems


def describe(config: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten a config into ``{"lambda_.memory_mb": 512, ...}`` (for docs and tests)."""
    out: dict[str, Any] = {}
    for f in fields(config):
        value = getattr(config, f.name)
        key = f"{prefix}{f.name}"
        if is_dataclass(value):
            out.update(describe(value, key + "."))
        else:
            out[key] = value.value if isinstance(value, Enum) else value
    return out
