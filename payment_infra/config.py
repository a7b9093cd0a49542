"""Per-environment settings of the payment API: one frozen, validated object per environment.

Every default of the product lives in ``ENVIRONMENT_DEFAULTS`` below (the matrix of the product
specification), so a reviewer sees all of them in one place. ``load_config`` applies the documented
environment-variable overrides and validates everything at once: a bad value raises one ``ConfigError``
that lists each problem with its field, value and what is allowed. ``clients`` (one ``ClientSettings`` per
integrating application: its API keys and usage-plan tier) defaults to one client, ``default``.

Environment variables (all optional):
    PAYMENT_AWS_REGION        primary region (default ap-northeast-2)
    PAYMENT_FALLBACK_REGION   fallback/DR region (default ap-northeast-1)
    PAYMENT_ALERT_EMAIL       address subscribed to the notifications topic (default admin@example.com)
    PAYMENT_DESTROYABLE       true/false: allow `cdktf destroy` (force_destroy, no deletion protection)
    PAYMENT_OWNER, PAYMENT_COST_CENTER   tag values
    PAYMENT_LAMBDA_CONCURRENCY_QUOTA     the account's Lambda concurrency quota in the region (default 1000); the
                              plan reads the real one (Service Quotas) and stops when the reservations do not fit
    PAYMENT_RESERVE_CONCURRENCY  false: no function reserves concurrency (a small quota, e.g. a new account)
    PAYMENT_DEPLOYMENT        name of one more deployment (a preview), e.g. pr-123: adds the stack payment-<name>
                              beside dev, staging and prod. Lowercase letters, digits and -, starting with a
                              letter, at most MAX_DEPLOYMENT_NAME_LENGTH characters, not dev/staging/prod/account.
    PAYMENT_DEPLOYMENT_PROFILE  sizing of that preview: dev (default), staging or prod
    PAYMENT_DR_*              the warm standby (dr.*): ENABLED, FAILOVER_MODE, DOMAIN_NAME, HOSTED_ZONE_ID
                              (payment_infra/dr_settings.py)

A preview is always destroyable, reserves no Lambda concurrency (it draws from the unreserved pool, so any number
fits the quota), creates nothing account-wide, and runs in the network the account baseline owns for all previews
(``AccountConfig.preview_network_cidr``): a region allows 5 VPCs by default, the default VPC and the three
environments take four, so each preview creating its own would stop at the second one (``VpcLimitExceeded``).

Account-wide settings (``AccountConfig``) belong to the account baseline stack ``payment-account``; what all
deployments of one account must respect together (reserved concurrency within the quota, distinct CIDRs, one
region) is checked by ``check_deployments`` before anything is synthesized.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from enum import Enum, StrEnum
from typing import Any

from payment_infra.application import functions_module
from payment_infra.dr_settings import (
    DrSettings,
    deployment_problems,
    environment_problems,
    for_preview,
    load_dr,
)

ENVIRONMENT_NAMES: tuple[str, ...] = ("dev", "staging", "prod")
# Deployment names no preview may take: the environments and the account baseline (payment-account).
# "previews" names the account's shared preview network (payment-vpc-previews, ...).
RESERVED_DEPLOYMENT_NAMES: tuple[str, ...] = (*ENVIRONMENT_NAMES, "account", "previews")
PREVIEW_NETWORK_NAME = "previews"
# The longest derived names bound it (tests/infra/test_deployments.py measures them on the synthesized stack):
# the bucket payment-receipts-<name>-<12-digit account id> (S3: 63) and the role
# payment-workflow-validate-<name>-role (IAM: 64) both leave exactly 33 characters for the name.
MAX_DEPLOYMENT_NAME_LENGTH = 33
DEPLOYMENT_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]*$")
# The shared preview network of the account baseline: outside the environments' 10.40-10.42/16.
PREVIEW_NETWORK_CIDR = "10.128.0.0/16"

# Commercial AWS regions (2026). A region outside this list is almost always a typo.
AWS_REGIONS: tuple[str, ...] = (
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
    "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
    "us-west-1", "us-west-2",
)  # fmt: skip

# The values CloudWatch Logs accepts for retention_in_days (terraform-provider-aws internal/service/logs/group.go,
# validation.IntInSlice), without 0 (kept forever): every log group expires.
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

LAMBDA_MEMORY_RANGE_MB = (128, 10240)
LAMBDA_ARCHITECTURES = ("arm64", "x86_64")
LAMBDA_RUNTIMES = ("python3.12", "python3.13")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")  # Powertools Logger (Python logging) levels
# Lambda's application_log_level for each: with JSON logging Lambda sets AWS_LAMBDA_LOG_LEVEL (INFO when unset),
# which Powertools prefers over POWERTOOLS_LOG_LEVEL, and drops lines below it (Lambda accepts TRACE, DEBUG, INFO,
# WARN, ERROR, FATAL; Powertools maps WARN and FATAL back to WARNING and CRITICAL).
LAMBDA_APPLICATION_LOG_LEVELS = {
    "DEBUG": "DEBUG", "INFO": "INFO", "WARNING": "WARN", "ERROR": "ERROR", "CRITICAL": "FATAL",
}  # fmt: skip
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
# Environments whose alarms must reach a person once they are deployed to a real account (see load_config), and
# the domains RFC 2606 reserves for examples (mail to them goes nowhere).
ALERTED_ENVIRONMENTS = ("staging", "prod")
RESERVED_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
# EventBridge Pipes, DynamoDB stream source (provider validation, terraform-provider-aws pipes/source_parameters.go).
PIPE_BATCH_SIZE_RANGE = (1, 10_000)
PIPE_RETRY_ATTEMPTS_RANGE = (0, 10_000)
# The sweep: at least a minute old (the stream path normally takes seconds); it looks back at most 14 days (the
# settlement queue's retention: a record older than that cannot still be waiting in the queue).
SWEEP_OLDER_THAN_RANGE_SECONDS = (60, 86_400)
SWEEP_LOOKBACK_RANGE_SECONDS = (3_600, 14 * 86_400)
SWEEP_INTERVAL_RANGE_MINUTES = (1, 60)
_POWERTOOLS_V3_RELEASE = re.compile(r"^3\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_TAG_VALUE = re.compile(r"^[\w .:/=+\-@]{1,256}$")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")

# Lambda keeps this much of the account's concurrency quota unreserved; a reservation that would leave less fails.
UNRESERVED_CONCURRENCY_MINIMUM = 100
DEFAULT_LAMBDA_CONCURRENCY_QUOTA = 1_000  # a new account's quota per region; raise it after a quota increase
# Functions sized by the product matrix (lambda_.reserved_concurrency); health and workers have their own knobs.
MATRIX_SIZED_FUNCTIONS = frozenset({"transactions", "status"})
HEALTH_FUNCTION = "health"
# WAFv2 rate-based statements: evaluation windows AWS accepts, and the limit's range (AWS WAF developer guide,
# "Rate-based rule high-level settings", and the provider's validation of rate_based_statement.limit).
WAF_EVALUATION_WINDOWS_SECONDS = (60, 120, 300, 600)
WAF_RATE_LIMIT_RANGE = (10, 2_000_000_000)
# The VPC plan: AZ_COUNT private subnets of /SUBNET_PREFIX each, carved from the deployment's vpc_cidr. Two AZs
# is the spec's minimum and what Lambda needs for AZ resilience; each extra AZ adds one ENI (and its hourly
# charge) per interface endpoint.
VPC_AZ_COUNT = 2
# Interface endpoints may sit in fewer AZs than the subnets (``endpoint_az_count``): a function in the other AZ
# reaches them across AZs (same private DNS name), so a lost AZ costs that endpoint, not the service.
VPC_SUBNET_PREFIX = 20
VPC_PREFIX_RANGE = (16, 28)  # what AWS allows for a VPC's primary CIDR block
PRIVATE_RANGES = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


class ConfigError(ValueError):
    """Raised once per invalid configuration; ``problems`` lists every (field, value, allowed) found.

    ``scope`` says what was invalid: ``environment`` (one deployment's settings) or ``account`` (what the
    deployments of one account must respect together).
    """

    def __init__(self, environment: str, problems: list[tuple[str, Any, str]], scope: str = "environment"):
        self.environment = environment
        self.problems = problems
        lines = [f"  - {name} = {value!r}: allowed {allowed}" for name, value, allowed in problems]
        subject = f"environment {environment!r}" if scope == "environment" else f"{scope} {environment!r}"
        super().__init__(f"invalid configuration for {subject}:\n" + "\n".join(lines))


def standard_tags(environment: str, deployment: str, project: str, owner: str, cost_center: str) -> dict[str, str]:
    """The tags every stack puts on every taggable resource (provider ``default_tags``)."""
    return {
        "Environment": environment,
        "Deployment": deployment,
        "Project": project,
        "Owner": owner,
        "CostCenter": cost_center,
        "ManagedBy": "cdktf",
    }


class BillingMode(StrEnum):
    PAY_PER_REQUEST = "PAY_PER_REQUEST"
    PROVISIONED = "PROVISIONED"


@dataclass(frozen=True)
class LambdaSettings:
    """Sizing of the functions (memory, reserved concurrency) and the runtime they share.

    Reserved concurrency is per function: ``reserved_concurrency`` for the transactions and status functions
    (the product matrix), ``health_reserved_concurrency`` for the health check, ``worker_reserved_concurrency``
    for each of settlement, batch import and the workflow steps. Together, over every deployment in the
    account, they must leave ``UNRESERVED_CONCURRENCY_MINIMUM`` of the account quota free (``check_deployments``).
    """

    memory_mb: int
    """Memory of every function (MB); Lambda scales CPU with it."""
    reserved_concurrency: int
    """Reserved concurrency of each matrix-sized function (transactions, status)."""
    health_reserved_concurrency: int = 1  # a liveness probe: one at a time is plenty
    worker_reserved_concurrency: int = 2  # the queue consumer and the workflow steps run at the queue's pace
    # false: reserve nothing, every function draws from the unreserved pool (an account whose quota is too small,
    # e.g. a new one, for dev; PAYMENT_RESERVE_CONCURRENCY=false)
    reserve_concurrency: bool = True
    runtime: str = "python3.12"
    """Python runtime of every function and of the Powertools layer."""
    architecture: str = "arm64"
    """CPU architecture of every function and of the Powertools layer."""
    # Powertools release every function loads, as its public layer (found at plan time from the release's SSM public
    # parameter); the tests run the same release (Pipfile.lock)
    powertools_version: str = "3.37.0"
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

    # Stage and usage-plan steady rate (requests per second). At most lambda_.reserved_concurrency x 1000 /
    # p99_latency_alarm_ms: above it Lambda's throttles reach clients as 5xx (the spec's 100/1,000/10,000 would
    # need 100/1,000/5,000 executions per function).
    throttle_rate_limit: int
    throttle_burst_limit: int
    """Stage and usage-plan burst (requests)."""
    quota_per_day: int
    """Usage-plan quota of the API key (requests per day)."""
    # WAF per-IP rate limit, requests per evaluation window. Never below what one client may send under its
    # usage plan in that window (rate x window + burst): one merchant backend behind one IP is not blocked.
    waf_rate_limit_per_ip: int
    waf_evaluation_window_seconds: int = 300  # the WAF rate rule's evaluation window (seconds)
    p99_latency_alarm_ms: int = 1000  # alarm when the stage's p99 latency exceeds this
    # How long a create's Idempotency-Key is remembered (IDEMPOTENCY_TTL_SECONDS of the transactions function).
    idempotency_ttl_seconds: int = 86_400

    @property
    def usage_plan_requests_per_window(self) -> int:
        """The most one API key may send in one WAF evaluation window: the token bucket's rate and burst."""
        return self.throttle_rate_limit * self.waf_evaluation_window_seconds + self.throttle_burst_limit


@dataclass(frozen=True)
class MessagingSettings:
    """The settlement queue and its consumer."""

    settlement_batch_size: int = 10  # messages per settlement invocation (event source batch size)
    max_receive_count: int = 3  # deliveries of a settlement message before it moves to the DLQ
    pipe_batch_size: int = 10  # stream records per pipe execution (DynamoDB stream -> settlement queue)
    pipe_maximum_retry_attempts: int = 10  # retries of a failed pipe batch before it goes to the pipe DLQ
    sweep_interval_minutes: int = 5  # how often the sweep looks for pending transactions whose event was lost
    sweep_older_than_seconds: int = 600  # a pending transaction older than this is re-sent to settlement
    sweep_lookback_seconds: int = 172_800  # how far back the sweep looks (the alarm fires on every one it finds)


@dataclass(frozen=True)
class AlarmSettings:
    """Thresholds of the CloudWatch alarms (each over one 5-minute period); the p99 latency one is in ``api``."""

    api_5xx_rate_percent: int = 1  # alarm when more than this share of API requests fail with 5xx
    queue_age_seconds: int = 300  # alarm when the oldest settlement message waited longer than this


CLIENT_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
MAX_CLIENTS = 20  # every client's key ids travel in one Lambda environment variable (4 KB for all variables)
MAX_KEY_VERSIONS = 2  # the current key and its successor while callers switch over
# The scope of invocations without an API key (lambdas/payments/domain/clients.py NO_API_KEY_CLIENT; a test
# keeps the two equal): a client of that name would share it.
RESERVED_CLIENT_NAMES = ("no-api-key",)


@dataclass(frozen=True)
class ClientSettings:
    """One integrating application (a checkout, a back office, a partner): its API keys and usage-plan tier.

    A tier setting left ``None`` takes the environment's value from ``ApiSettings``. ``api_key_versions`` names
    the keys the client holds: rotate by adding the next version, deploying, switching the caller over, then
    removing the old version (README, "Clients"). ``name`` is the stable owner of the client's transactions:
    renaming a client hides everything it created.
    """

    name: str
    throttle_rate_limit: int | None = None
    throttle_burst_limit: int | None = None
    quota_per_day: int | None = None
    api_key_versions: tuple[int, ...] = (1,)


@dataclass(frozen=True)
class UsageTier:
    """A client's usage plan with the environment's defaults filled in."""

    throttle_rate_limit: int
    throttle_burst_limit: int
    quota_per_day: int


DEFAULT_CLIENTS: tuple[ClientSettings, ...] = (ClientSettings(name="default"),)


@dataclass(frozen=True)
class RetentionSettings:
    """How long objects (current and noncurrent versions) and log events are kept."""

    s3_expiration_days: int
    """Days before objects (current and noncurrent versions) expire in every bucket."""
    log_retention_days: int
    """Days CloudWatch keeps log events (functions, API, WAF, workflow, VPC flow logs)."""


@dataclass(frozen=True)
class EnvironmentConfig:
    """Everything that differs between deployments (dev, staging, prod, previews). Build it with ``load_config``."""

    name: str
    """Deployment name (dev, staging, prod, or a preview's PAYMENT_DEPLOYMENT): suffix of every resource name."""
    lambda_: LambdaSettings
    dynamodb: DynamoDbSettings
    api: ApiSettings
    retention: RetentionSettings
    # One per environment, distinct within the account (peering, transit gateway): changing it replaces the VPC.
    # Previews run in the account's shared preview network (AccountConfig.preview_network_cidr).
    vpc_cidr: str
    # AZs (of the subnets) holding an ENI of each interface endpoint, 0.013 USD per AZ-hour each: 1 keeps dev
    # cheap (losing that AZ cuts every function off the interface-endpoint services); 2 survives an AZ.
    endpoint_az_count: int = VPC_AZ_COUNT
    messaging: MessagingSettings = field(default_factory=MessagingSettings)
    alarms: AlarmSettings = field(default_factory=AlarmSettings)
    destroyable: bool = True
    """`cdktf destroy` works: `force_destroy` on buckets, no deletion protection (PAYMENT_DESTROYABLE)."""
    region: str = "ap-northeast-2"
    """Region of the stack (PAYMENT_AWS_REGION)."""
    fallback_region: str = "ap-northeast-1"
    """Region of the warm standby and the replicas when dr.enabled (PAYMENT_FALLBACK_REGION)."""
    alert_email: str = "admin@example.com"
    """Email subscribed to the notification and alarm topics (PAYMENT_ALERT_EMAIL)."""
    project: str = "payment-api"
    """`Project` tag."""
    owner: str = "payments-team"
    """`Owner` tag (PAYMENT_OWNER)."""
    cost_center: str = "payments"
    """`CostCenter` tag (PAYMENT_COST_CENTER)."""
    extra_tags: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    """More (key, value) tags on every taggable resource."""
    # Who may call the API: one API key (per version) and usage plan each; each sees only its own transactions.
    clients: tuple[ClientSettings, ...] = DEFAULT_CLIENTS
    profile: str = ""
    """Sizing this deployment copies (dev, staging, prod); empty for an environment (its own name)."""
    dr: DrSettings = field(default_factory=DrSettings)  # disaster recovery: the warm standby (dr_settings.py)

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ConfigError(self.name, problems)

    @property
    def tags(self) -> dict[str, str]:
        """Tags for the provider's ``default_tags``: on every taggable resource of the stack."""
        environment = "preview" if self.is_preview else self.name
        tags = standard_tags(environment, self.name, self.project, self.owner, self.cost_center)
        return {**tags, **dict(self.extra_tags)}

    @property
    def is_preview(self) -> bool:
        """A deployment beside the environments (PAYMENT_DEPLOYMENT): destroyable, reserving no concurrency."""
        return self.name not in ENVIRONMENT_NAMES

    def tier(self, client: ClientSettings) -> UsageTier:
        """The usage plan of ``client``: its own settings, else the environment's (``api``)."""
        return UsageTier(
            throttle_rate_limit=self.api.throttle_rate_limit
            if client.throttle_rate_limit is None
            else client.throttle_rate_limit,
            throttle_burst_limit=self.api.throttle_burst_limit
            if client.throttle_burst_limit is None
            else client.throttle_burst_limit,
            quota_per_day=self.api.quota_per_day if client.quota_per_day is None else client.quota_per_day,
        )

    @property
    def stack_id(self) -> str:
        return f"payment-{self.name}"

    @property
    def kms_deletion_window_days(self) -> int:
        """Days a scheduled KMS key deletion waits: short while destroyable, the KMS maximum once protected."""
        return KMS_DELETION_WINDOW_DAYS_DESTROYABLE if self.destroyable else KMS_DELETION_WINDOW_DAYS_PROTECTED

    def reserved_concurrency_of(self, function_name: str) -> int | None:
        """The reserved concurrency of one function of this deployment; None (unreserved pool) for a preview, or
        when ``lambda_.reserve_concurrency`` is off."""
        if self.is_preview or not self.lambda_.reserve_concurrency:
            return None
        if function_name in MATRIX_SIZED_FUNCTIONS:
            return self.lambda_.reserved_concurrency
        if function_name == HEALTH_FUNCTION:
            return self.lambda_.health_reserved_concurrency
        return self.lambda_.worker_reserved_concurrency

    @property
    def health_throttle_rate_limit(self) -> int:
        """The /health method's rate: what its reserved concurrency serves at the latency budget (at least 1)."""
        return max(1, servable_rate(self.lambda_.health_reserved_concurrency, self.api.p99_latency_alarm_ms))

    @property
    def reserved_concurrency_total(self) -> int:
        """What this deployment reserves of the account's concurrency quota, over every function it deploys."""
        from payment_infra.application import functions_module  # pure data from lambdas/ (no AWS, no jsii)

        return sum(self.reserved_concurrency_of(spec.name) or 0 for spec in functions_module().FUNCTIONS)


@dataclass(frozen=True)
class AccountConfig:
    """The account baseline: what exists once per AWS account and region, whatever the deployments.

    Build it with ``load_account_config``. Its stack ``payment-account`` is applied before any environment and
    never destroyed by the pipeline.
    """

    region: str = "ap-northeast-2"
    lambda_concurrency_quota: int = DEFAULT_LAMBDA_CONCURRENCY_QUOTA
    # The network every preview runs in (VPC, subnets, endpoints): one VPC for any number of previews.
    preview_network_cidr: str = PREVIEW_NETWORK_CIDR
    preview_endpoint_az_count: int = 1  # previews are for trying things: one AZ of interface endpoints
    log_retention_days: int = 30  # the account's log groups (API Gateway's welcome group, preview flow logs)
    project: str = "payment-api"
    owner: str = "payments-team"
    cost_center: str = "payments"
    name: str = "account"

    def __post_init__(self) -> None:
        problems: list[tuple[str, Any, str]] = []
        if self.region not in AWS_REGIONS:
            problems.append(("region", self.region, "an AWS region, one of " + ", ".join(AWS_REGIONS)))
        quota = self.lambda_concurrency_quota
        if not (_is_int(quota) and quota > UNRESERVED_CONCURRENCY_MINIMUM):
            problems.append(
                (
                    "lambda_concurrency_quota",
                    quota,
                    f"an integer above {UNRESERVED_CONCURRENCY_MINIMUM} (the account's Lambda concurrency quota)",
                )
            )
        for tag, value in self.tags.items():
            if not (isinstance(value, str) and _TAG_VALUE.match(value)):
                problems.append((f"tags.{tag}", value, "1-256 characters of letters, digits, spaces and _.:/=+-@"))
        problems += [("preview_network_cidr", v, a) for _, v, a in _vpc_cidr_problems(self.preview_network_cidr)]
        if not (_is_int(self.preview_endpoint_az_count) and 1 <= self.preview_endpoint_az_count <= VPC_AZ_COUNT):
            problems.append(("preview_endpoint_az_count", self.preview_endpoint_az_count, f"1 to {VPC_AZ_COUNT}"))
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            problems.append(("log_retention_days", self.log_retention_days, "one of CloudWatch's values"))
        if problems:
            raise ConfigError(self.name, problems, scope="account")

    @property
    def stack_id(self) -> str:
        return f"payment-{self.name}"

    @property
    def reservable_concurrency(self) -> int:
        """The most all deployments together may reserve: the quota minus what Lambda keeps unreserved."""
        return self.lambda_concurrency_quota - UNRESERVED_CONCURRENCY_MINIMUM

    @property
    def tags(self) -> dict[str, str]:
        return standard_tags(self.name, self.name, self.project, self.owner, self.cost_center)


ENVIRONMENT_DEFAULTS: Mapping[str, dict[str, Any]] = {
    "dev": dict(
        lambda_=LambdaSettings(memory_mb=512, reserved_concurrency=10),
        dynamodb=DynamoDbSettings(billing_mode=BillingMode.PAY_PER_REQUEST),
        api=ApiSettings(
            throttle_rate_limit=10, throttle_burst_limit=200, quota_per_day=10_000, waf_rate_limit_per_ip=50_000
        ),
        retention=RetentionSettings(s3_expiration_days=7, log_retention_days=7),
        vpc_cidr="10.40.0.0/16",
        endpoint_az_count=1,
        destroyable=True,
        dr=DrSettings(standby_vpc_cidr="10.50.0.0/16", standby_endpoint_az_count=1),
    ),
    "staging": dict(
        lambda_=LambdaSettings(
            memory_mb=1024, reserved_concurrency=50, health_reserved_concurrency=2, worker_reserved_concurrency=5
        ),
        dynamodb=DynamoDbSettings(billing_mode=BillingMode.PROVISIONED, read=Capacity(5, 100), write=Capacity(5, 100)),
        api=ApiSettings(
            throttle_rate_limit=50, throttle_burst_limit=2_000, quota_per_day=100_000, waf_rate_limit_per_ip=500_000
        ),
        retention=RetentionSettings(s3_expiration_days=30, log_retention_days=14),
        vpc_cidr="10.41.0.0/16",
        destroyable=True,
        dr=DrSettings(
            standby_vpc_cidr="10.51.0.0/16", standby_reserved_concurrency=50, standby_worker_reserved_concurrency=5
        ),
    ),
    "prod": dict(
        lambda_=LambdaSettings(
            memory_mb=2048, reserved_concurrency=200, health_reserved_concurrency=5, worker_reserved_concurrency=20
        ),
        dynamodb=DynamoDbSettings(
            billing_mode=BillingMode.PROVISIONED, read=Capacity(25, 2_000), write=Capacity(25, 2_000)
        ),
        api=ApiSettings(
            throttle_rate_limit=400,
            throttle_burst_limit=5_000,
            quota_per_day=10_000_000,
            waf_rate_limit_per_ip=5_000_000,
            p99_latency_alarm_ms=500,
        ),
        retention=RetentionSettings(s3_expiration_days=90, log_retention_days=30),
        vpc_cidr="10.42.0.0/16",
        destroyable=True,  # the product asks for destroyable prod by default; PAYMENT_DESTROYABLE=false protects it
        # A warm standby in fallback_region as large as prod (reserved concurrency costs nothing while idle).
        dr=DrSettings(
            enabled=True,
            standby_reserved_concurrency=200,
            standby_worker_reserved_concurrency=20,
            standby_vpc_cidr="10.52.0.0/16",
        ),
    ),
}


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError("environment", [(name, raw, "one of " + ", ".join(_TRUE + _FALSE))])


def deployment_name_problems(name: Any, field_name: str = "PAYMENT_DEPLOYMENT") -> list[tuple[str, Any, str]]:
    """Why ``name`` cannot be a preview's name (empty when it can).

    Every resource name is ``<type>-<deployment>`` (plus a suffix such as ``.fifo``, ``-role`` or the account
    id), and some types extend others (``transaction-queue`` / ``transaction-queue-dlq``, ``payment-workflow`` /
    ``payment-workflow-validate``): a preview ``dlq-dev`` would name its queue ``transaction-queue-dlq-dev.fifo``,
    dev's DLQ. No type or suffix holds an environment's name as a hyphen-separated word (tests/infra/
    test_deployments.py checks it), so a name equal to an environment's can only come from a deployment name with
    that word: refusing those words refuses the whole family.
    """
    allowed = (
        f"1-{MAX_DEPLOYMENT_NAME_LENGTH} characters of lowercase letters, digits and single hyphens, starting with "
        "a letter and not ending with a hyphen, with none of " + ", ".join(RESERVED_DEPLOYMENT_NAMES)
        + " as a hyphen-separated word (dlq-dev would name its queue transaction-queue-dlq-dev.fifo, dev's DLQ)"
    )
    ok = (
        isinstance(name, str)
        and bool(DEPLOYMENT_NAME_PATTERN.match(name))
        and not name.endswith("-")
        and "--" not in name
        and len(name) <= MAX_DEPLOYMENT_NAME_LENGTH
        and not set(name.split("-")) & set(RESERVED_DEPLOYMENT_NAMES)
    )
    return [] if ok else [(field_name, name, allowed)]


def deployment_names(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The environments, plus the preview named by PAYMENT_DEPLOYMENT when it is set (validated)."""
    environ = os.environ if environ is None else environ
    name = environ.get("PAYMENT_DEPLOYMENT", "").strip()
    if not name or name in ENVIRONMENT_NAMES:  # PAYMENT_DEPLOYMENT=dev asks for what is already there
        return ENVIRONMENT_NAMES
    problems = deployment_name_problems(name)
    if problems:
        raise ConfigError(name, problems, scope="deployment")
    return (*ENVIRONMENT_NAMES, name)


def load_config(environment: str, environ: Mapping[str, str] | None = None) -> EnvironmentConfig:
    """The validated settings of ``environment`` with overrides from ``environ`` (default ``os.environ``).

    A name other than dev, staging, prod is a preview: sized like PAYMENT_DEPLOYMENT_PROFILE (default dev),
    always destroyable, in the account's shared preview network (``PREVIEW_NETWORK_CIDR``).
    """
    environ = os.environ if environ is None else environ
    if environment not in ENVIRONMENT_DEFAULTS:
        return _load_preview(environment, environ)
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
    if environ.get("PAYMENT_DESTROYABLE"):
        overrides["destroyable"] = _parse_bool("PAYMENT_DESTROYABLE", environ["PAYMENT_DESTROYABLE"])
    if environ.get("PAYMENT_RESERVE_CONCURRENCY"):
        reserve = _parse_bool("PAYMENT_RESERVE_CONCURRENCY", environ["PAYMENT_RESERVE_CONCURRENCY"])
        overrides["lambda_"] = replace(ENVIRONMENT_DEFAULTS[environment]["lambda_"], reserve_concurrency=reserve)
    overrides["dr"] = load_dr(ENVIRONMENT_DEFAULTS[environment]["dr"], environ)
    config = EnvironmentConfig(name=environment, **{**ENVIRONMENT_DEFAULTS[environment], **overrides})
    if environ.get("PAYMENT_STATE_BUCKET") and environment in ALERTED_ENVIRONMENTS:
        domain = config.alert_email.rsplit("@", 1)[-1].lower()
        if domain in RESERVED_EMAIL_DOMAINS:
            allowed = (
                f"a mailbox someone reads: with a state bucket (PAYMENT_STATE_BUCKET, a real account) {environment}'s "
                "alarms must reach a person; set PAYMENT_ALERT_EMAIL (the repository variable in the workflows)"
            )
            raise ConfigError(environment, [("alert_email (PAYMENT_ALERT_EMAIL)", config.alert_email, allowed)])
    return config


def _load_preview(name: str, environ: Mapping[str, str]) -> EnvironmentConfig:
    problems = deployment_name_problems(name)
    profile = environ.get("PAYMENT_DEPLOYMENT_PROFILE", "").strip() or "dev"
    if profile not in ENVIRONMENT_NAMES:
        problems.append(("PAYMENT_DEPLOYMENT_PROFILE", profile, "one of " + ", ".join(ENVIRONMENT_NAMES)))
    raw_destroyable = environ.get("PAYMENT_DESTROYABLE", "").strip()
    if raw_destroyable and raw_destroyable.lower() not in _TRUE:
        problems.append(("PAYMENT_DESTROYABLE", raw_destroyable, "true or unset: a preview is always destroyable"))
    if problems:
        raise ConfigError(name, problems, scope="deployment")
    base = load_config(profile, {k: v for k, v in environ.items() if k != "PAYMENT_DESTROYABLE"})
    dr = for_preview(base.dr, environ)
    return replace(base, name=name, profile=profile, vpc_cidr=PREVIEW_NETWORK_CIDR, destroyable=True, dr=dr)


def load_account_config(environ: Mapping[str, str] | None = None) -> AccountConfig:
    """The account baseline's settings, from the same variables as the environments (region, tag values)."""
    environ = os.environ if environ is None else environ
    overrides: dict[str, Any] = {}
    for variable, attribute in (
        ("PAYMENT_AWS_REGION", "region"),
        ("PAYMENT_OWNER", "owner"),
        ("PAYMENT_COST_CENTER", "cost_center"),
    ):
        if environ.get(variable):
            overrides[attribute] = environ[variable].strip()
    raw_quota = environ.get("PAYMENT_LAMBDA_CONCURRENCY_QUOTA", "").strip()
    if raw_quota:
        if not raw_quota.isdigit():
            raise ConfigError(
                "account", [("PAYMENT_LAMBDA_CONCURRENCY_QUOTA", raw_quota, "a whole number")], scope="account"
            )
        overrides["lambda_concurrency_quota"] = int(raw_quota)
    return AccountConfig(**overrides)


def check_deployments(configs: Sequence[EnvironmentConfig], account: AccountConfig) -> None:
    """What the deployments of one account must respect together; one ``ConfigError`` lists every problem.

    - their reserved concurrency, summed, leaves ``UNRESERVED_CONCURRENCY_MINIMUM`` of the account quota free
      (Lambda refuses the reservation that would not: the last deploy would fail);
    - the environments' VPC CIDRs and the shared preview network's do not overlap (peering and transit gateways
      need distinct ranges); previews run in that shared network;
    - they are in the account baseline's region (its API Gateway CloudWatch role is per region);
    - their standbys (``dr.enabled``) share one fallback region, fit its quota and overlap no range
      (``dr_settings.deployment_problems``).
    """
    problems: list[tuple[str, Any, str]] = []
    reserved = {config.name: config.reserved_concurrency_total for config in configs}
    total = sum(reserved.values())
    if total > account.reservable_concurrency:
        parts = " + ".join(f"{name} {count}" for name, count in reserved.items())
        problems.append(
            (
                "reserved concurrency of all deployments (lambda_.*reserved_concurrency)",
                f"{total} ({parts})",
                f"at most {account.reservable_concurrency}: the account quota lambda_concurrency_quota "
                f"({account.lambda_concurrency_quota}, PAYMENT_LAMBDA_CONCURRENCY_QUOTA) minus the "
                f"{UNRESERVED_CONCURRENCY_MINIMUM} Lambda keeps unreserved",
            )
        )
    seen: list[tuple[str, Any]] = [("the shared preview network", ipaddress.ip_network(account.preview_network_cidr))]
    for config in configs:
        if config.is_preview:  # runs in the account's preview network, owns no VPC
            if config.vpc_cidr != account.preview_network_cidr:
                allowed = f"the account's preview network {account.preview_network_cidr}"
                problems.append((f"{config.name}.vpc_cidr", config.vpc_cidr, allowed))
            if config.region != account.region:
                problems.append(
                    (f"{config.name}.region", config.region, f"the account baseline's region ({account.region})")
                )
            continue
        network = ipaddress.ip_network(config.vpc_cidr)
        for other, other_network in seen:
            if network.overlaps(other_network):
                problems.append(
                    (f"{config.name}.vpc_cidr", config.vpc_cidr, f"a range not overlapping {other}'s {other_network}")
                )
        seen.append((config.name, network))
        if config.region != account.region:
            problems.append(
                (f"{config.name}.region", config.region, f"the account baseline's region ({account.region})")
            )
    problems.extend(deployment_problems(configs, account))
    if problems:
        raise ConfigError(account.name, problems, scope="account")


def with_overrides(config: EnvironmentConfig, **changes: Any) -> EnvironmentConfig:
    """A copy of ``config`` with ``changes`` applied and validated again (for tests and tooling)."""
    return replace(config, **changes)


def _problems(config: EnvironmentConfig) -> list[tuple[str, Any, str]]:
    """Every rule violated by ``config``, as (field, value, allowed)."""
    problems: list[tuple[str, Any, str]] = []

    def check(ok: bool, name: str, value: Any, allowed: str) -> None:
        if not ok:
            problems.append((name, value, allowed))

    is_int = _is_int

    if config.name in ENVIRONMENT_NAMES:
        check(config.profile in ("", config.name), "profile", config.profile, f"empty or {config.name!r}")
    else:
        problems.extend(deployment_name_problems(config.name, "name"))
        check(config.profile in ENVIRONMENT_NAMES, "profile", config.profile, "one of " + ", ".join(ENVIRONMENT_NAMES))
        check(config.destroyable is True, "destroyable", config.destroyable, "true: a preview is always destroyable")
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
    problems.extend(_vpc_cidr_problems(config.vpc_cidr))
    check(
        _is_int(config.endpoint_az_count) and 1 <= config.endpoint_az_count <= VPC_AZ_COUNT,
        "endpoint_az_count",
        config.endpoint_az_count,
        f"an integer from 1 to {VPC_AZ_COUNT} (the subnets' AZs)",
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
    for name in ("reserved_concurrency", "health_reserved_concurrency", "worker_reserved_concurrency"):
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
        isinstance(lam.powertools_version, str) and _POWERTOOLS_V3_RELEASE.match(lam.powertools_version) is not None,
        "lambda_.powertools_version",
        lam.powertools_version,
        "a Powertools v3 release, MAJOR.MINOR.PATCH with MAJOR 3 (its layer is AWSLambdaPowertoolsPythonV3)",
    )
    check(lam.log_level in LOG_LEVELS, "lambda_.log_level", lam.log_level, "one of " + ", ".join(LOG_LEVELS))
    reserve = lam.reserve_concurrency
    check(isinstance(reserve, bool), "lambda_.reserve_concurrency", reserve, "true or false")

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
    window = api.waf_evaluation_window_seconds
    check(
        window in WAF_EVALUATION_WINDOWS_SECONDS and is_int(window),
        "api.waf_evaluation_window_seconds",
        window,
        "one of WAF's windows " + ", ".join(map(str, WAF_EVALUATION_WINDOWS_SECONDS)) + " (seconds)",
    )
    if all(is_int(v) and v > 0 for v in (api.throttle_rate_limit, api.throttle_burst_limit, window)):
        low, high = max(WAF_RATE_LIMIT_RANGE[0], api.usage_plan_requests_per_window), WAF_RATE_LIMIT_RANGE[1]
        check(
            is_int(api.waf_rate_limit_per_ip) and low <= api.waf_rate_limit_per_ip <= high,
            "api.waf_rate_limit_per_ip",
            api.waf_rate_limit_per_ip,
            f"an integer from {low:,} to {high:,}: at least what one client may send in {window} s under its usage "
            f"plan ({api.throttle_rate_limit:,}/s x {window} s + burst {api.throttle_burst_limit:,})",
        )

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
        ("pipe_batch_size", PIPE_BATCH_SIZE_RANGE, "EventBridge Pipes DynamoDB stream batch size"),
        ("pipe_maximum_retry_attempts", PIPE_RETRY_ATTEMPTS_RANGE, "finite, so a failing batch reaches the pipe DLQ"),
        ("sweep_interval_minutes", SWEEP_INTERVAL_RANGE_MINUTES, "minutes between sweeps"),
        ("sweep_older_than_seconds", SWEEP_OLDER_THAN_RANGE_SECONDS, "seconds"),
        ("sweep_lookback_seconds", SWEEP_LOOKBACK_RANGE_SECONDS, "seconds; at most the queue's 14-day retention"),
    ):
        value = getattr(msg, name)
        allowed = f"an integer from {low} to {high} ({why})"
        check(is_int(value) and low <= value <= high, f"messaging.{name}", value, allowed)
    if is_int(msg.sweep_older_than_seconds) and is_int(msg.sweep_lookback_seconds):
        check(
            msg.sweep_older_than_seconds < msg.sweep_lookback_seconds,
            "messaging.sweep_older_than_seconds",
            msg.sweep_older_than_seconds,
            f"below messaging.sweep_lookback_seconds ({msg.sweep_lookback_seconds})",
        )

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

    problems.extend(_throttle_problems(config))
    _client_problems(config, check, is_int)
    problems.extend(environment_problems(config))

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


def _client_problems(config: EnvironmentConfig, check: Any, is_int: Any) -> None:
    clients = config.clients
    if not isinstance(clients, tuple) or not all(isinstance(c, ClientSettings) for c in clients):
        check(False, "clients", clients, "a tuple of ClientSettings")
        return
    check(
        1 <= len(clients) <= MAX_CLIENTS,
        "clients",
        tuple(c.name for c in clients),
        f"1 to {MAX_CLIENTS} clients (the default is one client named 'default')",
    )
    names = [c.name for c in clients]
    for index, client in enumerate(clients):
        where = f"clients[{index}]"
        check(
            isinstance(client.name, str) and bool(CLIENT_NAME_PATTERN.match(client.name)),
            f"{where}.name",
            client.name,
            "1-20 characters of a-z, 0-9 and -, starting with a letter",
        )
        check(names.count(client.name) == 1, f"{where}.name", client.name, "a name no other client has")
        check(
            client.name not in RESERVED_CLIENT_NAMES,
            f"{where}.name",
            client.name,
            "any name but " + ", ".join(RESERVED_CLIENT_NAMES) + " (reserved)",
        )
        for name, ceiling in (
            ("throttle_rate_limit", config.api.throttle_rate_limit),
            ("throttle_burst_limit", config.api.throttle_burst_limit),
            ("quota_per_day", None),
        ):
            value = getattr(client, name)
            if value is None:
                continue
            if ceiling is None:
                check(is_int(value) and value > 0, f"{where}.{name}", value, "a positive integer or None")
            else:
                check(
                    is_int(value) and 0 < value <= ceiling,
                    f"{where}.{name}",
                    value,
                    f"a positive integer up to the stage's api.{name} ({ceiling}), or None for that value",
                )
        versions = client.api_key_versions
        check(
            isinstance(versions, tuple)
            and 1 <= len(versions) <= MAX_KEY_VERSIONS
            and all(is_int(v) and v >= 1 for v in versions)
            and len(set(versions)) == len(versions),
            f"{where}.api_key_versions",
            versions,
            f"1 to {MAX_KEY_VERSIONS} distinct positive integers, e.g. (1,) or (1, 2) while rotating",
        )


def servable_rate(concurrency: int, latency_ms: int) -> int:
    """Requests per second ``concurrency`` executions serve when each takes ``latency_ms`` (Little's law)."""
    return concurrency * 1000 // latency_ms


def _throttle_problems(config: EnvironmentConfig) -> list[tuple[str, Any, str]]:
    """The stage's rate must not exceed what each API function's reserved concurrency serves at the latency budget.

    Above it Lambda throttles (429 TooManyRequestsException), which API Gateway returns to clients as a 5xx and
    which trips the 5xx alarm; the stage's throttle answers 429 itself instead. /health has its own method throttle
    (``health_throttle_rate_limit``).
    """
    api, lam = config.api, config.lambda_
    values = (api.throttle_rate_limit, api.p99_latency_alarm_ms, lam.reserved_concurrency)
    if not all(_is_int(v) and v > 0 for v in values):
        return []  # reported by the field checks
    servable = servable_rate(lam.reserved_concurrency, api.p99_latency_alarm_ms)
    if api.throttle_rate_limit <= servable:
        return []
    return [
        (
            "api.throttle_rate_limit",
            api.throttle_rate_limit,
            f"at most {servable:,}/s: what lambda_.reserved_concurrency ({lam.reserved_concurrency} per function) "
            f"serves at api.p99_latency_alarm_ms ({api.p99_latency_alarm_ms} ms), rate = concurrency / latency; or "
            f"raise lambda_.reserved_concurrency to {-(-api.throttle_rate_limit * api.p99_latency_alarm_ms // 1000)}",
        )
    ]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _vpc_cidr_problems(cidr: Any) -> list[tuple[str, Any, str]]:
    """A VPC range AWS accepts (/16-/28), private (RFC 1918), with room for the subnet plan."""
    try:
        network = ipaddress.ip_network(cidr, strict=True) if isinstance(cidr, str) else None
    except ValueError:
        network = None
    if network is None or network.version != 4:
        return [("vpc_cidr", cidr, "an IPv4 network like 10.40.0.0/16 (no host bits set)")]
    low, high = VPC_PREFIX_RANGE
    largest = VPC_SUBNET_PREFIX - (VPC_AZ_COUNT - 1).bit_length()  # the smallest VPC holding the subnets
    problems = []
    if not any(network.subnet_of(private) for private in PRIVATE_RANGES):
        private = "a private (RFC 1918) range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
        problems.append(("vpc_cidr", cidr, private))
    if not low <= network.prefixlen <= min(high, largest):
        problems.append(
            (
                "vpc_cidr",
                cidr,
                f"a prefix from /{low} to /{min(high, largest)}: AWS allows /{low}-/{high} and the network needs "
                f"{VPC_AZ_COUNT} /{VPC_SUBNET_PREFIX} subnets",
            )
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
        elif isinstance(value, tuple) and value and all(is_dataclass(item) for item in value):
            for index, item in enumerate(value):
                out.update(describe(item, f"{key}[{index}]."))
        else:
            out[key] = value.value if isinstance(value, Enum) else value
    return out
