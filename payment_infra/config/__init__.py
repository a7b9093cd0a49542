"""Per-environment settings of the payment API: one frozen, validated object per deployment.

Every default that differs between environments is one row of the matrix in ``matrix.py`` (the product
specification's matrix), so a reviewer compares dev, staging and prod on one line. Each settings class checks
its own fields beside their declaration (``problems(prefix)``), and a rule across two groups lives in the class
that owns both (``EnvironmentConfig``); a bad value raises one ``ConfigError`` listing every problem with its
field, value and what is allowed. ``clients`` (one ``ClientSettings`` per integrating application: its API keys
and usage-plan tier) defaults to one client, ``default``.

Modules, by concern: ``problems`` (``ConfigError`` and the checking vocabulary), one module per settings group
(``lambda_settings``, ``dynamodb``, ``api``, ``messaging``, ``alarms``, ``clients``, ``retention``), the facts
several groups share (``regions``, ``network``, ``tags``), ``environment`` and ``account`` (the two roots),
``matrix``, ``loading`` (environment variables), ``deployments`` (what all deployments respect together) and
``describe``. Importing the package only defines names: no AWS, no jsii, no environment read.

Plain dataclasses, not pydantic (installed through checkov), because ``make synth`` imports this package:
measured on the shared 2-core machine (2026-12), importing pydantic 2.14.4 takes 141-154 ms and defining 12
frozen models of 8 constrained fields 48-56 ms more, while this whole package imports in 39-41 ms (``python -X
importtime``, minimum of 15 runs; 34-37 ms when it was one config.py).

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
                              (config/dr.py)

A preview is always destroyable, reserves no Lambda concurrency (it draws from the unreserved pool, so any number
fits the quota), creates nothing account-wide, and runs in the network the account baseline owns for all previews
(``AccountConfig.preview_network_cidr``): a region allows 5 VPCs by default, the default VPC and the three
environments take four, so each preview creating its own would stop at the second one (``VpcLimitExceeded``).

Account-wide settings (``AccountConfig``) belong to the account baseline stack ``payment-account``; what all
deployments of one account must respect together (reserved concurrency within the quota, distinct CIDRs, one
region) is checked by ``check_deployments`` before anything is synthesized.
"""

from __future__ import annotations

from payment_infra.config.account import DEFAULT_LAMBDA_CONCURRENCY_QUOTA, AccountConfig
from payment_infra.config.alarms import AlarmSettings
from payment_infra.config.api import WAF_EVALUATION_WINDOWS_SECONDS, WAF_RATE_LIMIT_RANGE, ApiSettings
from payment_infra.config.clients import (
    CLIENT_NAME_PATTERN,
    DEFAULT_CLIENTS,
    MAX_CLIENTS,
    MAX_KEY_VERSIONS,
    RESERVED_CLIENT_NAMES,
    ClientSettings,
    UsageTier,
)
from payment_infra.config.deployments import (
    DEPLOYMENT_NAME_PATTERN,
    MAX_DEPLOYMENT_NAME_LENGTH,
    RESERVED_DEPLOYMENT_NAMES,
    check_deployments,
    deployment_name_problems,
    deployment_names,
)
from payment_infra.config.describe import describe
from payment_infra.config.dynamodb import BillingMode, Capacity, DynamoDbSettings
from payment_infra.config.environment import (
    KMS_DELETION_WINDOW_DAYS_DESTROYABLE,
    KMS_DELETION_WINDOW_DAYS_PROTECTED,
    EnvironmentConfig,
    with_overrides,
)
from payment_infra.config.lambda_settings import (
    HEALTH_FUNCTION,
    LAMBDA_APPLICATION_LOG_LEVELS,
    LAMBDA_ARCHITECTURES,
    LAMBDA_MEMORY_RANGE_MB,
    LAMBDA_RUNTIMES,
    LOG_LEVELS,
    MATRIX_SIZED_FUNCTIONS,
    METRICS_NAMESPACE,
    SERVICE_NAME,
    UNRESERVED_CONCURRENCY_MINIMUM,
    LambdaSettings,
    servable_rate,
)
from payment_infra.config.loading import RESERVED_EMAIL_DOMAINS, load_account_config, load_config
from payment_infra.config.matrix import ALERTED_ENVIRONMENTS, ENVIRONMENT_DEFAULTS, ENVIRONMENT_NAMES
from payment_infra.config.messaging import (
    FIFO_BATCH_SIZE_RANGE,
    MAX_RECEIVE_COUNT_RANGE,
    PIPE_BATCH_SIZE_RANGE,
    PIPE_RETRY_ATTEMPTS_RANGE,
    SWEEP_INTERVAL_RANGE_MINUTES,
    SWEEP_LOOKBACK_RANGE_SECONDS,
    SWEEP_OLDER_THAN_RANGE_SECONDS,
    MessagingSettings,
)
from payment_infra.config.network import (
    PREVIEW_NETWORK_CIDR,
    PREVIEW_NETWORK_NAME,
    PRIVATE_RANGES,
    VPC_AZ_COUNT,
    VPC_PREFIX_RANGE,
    VPC_SUBNET_PREFIX,
)
from payment_infra.config.problems import ConfigError
from payment_infra.config.regions import AWS_REGIONS
from payment_infra.config.retention import LOG_RETENTION_DAYS, RetentionSettings
from payment_infra.config.tags import standard_tags

__all__ = [
    "ALERTED_ENVIRONMENTS",
    "AWS_REGIONS",
    "CLIENT_NAME_PATTERN",
    "DEFAULT_CLIENTS",
    "DEFAULT_LAMBDA_CONCURRENCY_QUOTA",
    "DEPLOYMENT_NAME_PATTERN",
    "ENVIRONMENT_DEFAULTS",
    "ENVIRONMENT_NAMES",
    "FIFO_BATCH_SIZE_RANGE",
    "HEALTH_FUNCTION",
    "KMS_DELETION_WINDOW_DAYS_DESTROYABLE",
    "KMS_DELETION_WINDOW_DAYS_PROTECTED",
    "LAMBDA_APPLICATION_LOG_LEVELS",
    "LAMBDA_ARCHITECTURES",
    "LAMBDA_MEMORY_RANGE_MB",
    "LAMBDA_RUNTIMES",
    "LOG_LEVELS",
    "LOG_RETENTION_DAYS",
    "MATRIX_SIZED_FUNCTIONS",
    "MAX_CLIENTS",
    "MAX_DEPLOYMENT_NAME_LENGTH",
    "MAX_KEY_VERSIONS",
    "MAX_RECEIVE_COUNT_RANGE",
    "METRICS_NAMESPACE",
    "PIPE_BATCH_SIZE_RANGE",
    "PIPE_RETRY_ATTEMPTS_RANGE",
    "PREVIEW_NETWORK_CIDR",
    "PREVIEW_NETWORK_NAME",
    "PRIVATE_RANGES",
    "RESERVED_CLIENT_NAMES",
    "RESERVED_DEPLOYMENT_NAMES",
    "RESERVED_EMAIL_DOMAINS",
    "SERVICE_NAME",
    "SWEEP_INTERVAL_RANGE_MINUTES",
    "SWEEP_LOOKBACK_RANGE_SECONDS",
    "SWEEP_OLDER_THAN_RANGE_SECONDS",
    "UNRESERVED_CONCURRENCY_MINIMUM",
    "VPC_AZ_COUNT",
    "VPC_PREFIX_RANGE",
    "VPC_SUBNET_PREFIX",
    "WAF_EVALUATION_WINDOWS_SECONDS",
    "WAF_RATE_LIMIT_RANGE",
    "AccountConfig",
    "AlarmSettings",
    "ApiSettings",
    "BillingMode",
    "Capacity",
    "ClientSettings",
    "ConfigError",
    "DynamoDbSettings",
    "EnvironmentConfig",
    "LambdaSettings",
    "MessagingSettings",
    "RetentionSettings",
    "UsageTier",
    "check_deployments",
    "deployment_name_problems",
    "deployment_names",
    "describe",
    "load_account_config",
    "load_config",
    "servable_rate",
    "standard_tags",
    "with_overrides",
]
