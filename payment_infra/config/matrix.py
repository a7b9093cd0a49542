"""The environment matrix: each environment's sizing, one row per setting and one column per environment.

This is the product specification's matrix, and every default that differs between environments: a reviewer
reads one row to compare dev, staging and prod. A cell ``...`` keeps the field's own default (declared, with its
rule, in the field's class). ``ENVIRONMENT_DEFAULTS`` (``EnvironmentConfig`` keyword arguments per environment)
is built from the rows, and ``ENVIRONMENT_NAMES`` from its keys: adding an environment is adding a column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from payment_infra.config.api import ApiSettings
from payment_infra.config.dr import DrSettings
from payment_infra.config.dynamodb import BillingMode, Capacity, DynamoDbSettings
from payment_infra.config.lambda_settings import LambdaSettings
from payment_infra.config.retention import RetentionSettings

PAY_PER_REQUEST, PROVISIONED = BillingMode.PAY_PER_REQUEST, BillingMode.PROVISIONED

# fmt: off
MATRIX: tuple[tuple[Any, ...], ...] = (
    ("setting",                             "dev",            "staging",        "prod"),
    ("lambda_.memory_mb",                   512,              1_024,            2_048),
    ("lambda_.reserved_concurrency",        10,               50,               200),
    ("lambda_.health_reserved_concurrency", ...,              2,                5),
    ("lambda_.worker_reserved_concurrency", ...,              5,                20),
    ("dynamodb.billing_mode",               PAY_PER_REQUEST,  PROVISIONED,      PROVISIONED),
    ("dynamodb.read",                       ...,              Capacity(5, 100), Capacity(25, 2_000)),
    ("dynamodb.write",                      ...,              Capacity(5, 100), Capacity(25, 2_000)),
    ("api.throttle_rate_limit",             10,               50,               400),
    ("api.throttle_burst_limit",            200,              2_000,            5_000),
    ("api.quota_per_day",                   10_000,           100_000,          10_000_000),
    ("api.waf_rate_limit_per_ip",           50_000,           500_000,          5_000_000),
    ("api.p99_latency_alarm_ms",            ...,              ...,              500),
    ("retention.s3_expiration_days",        7,                30,               90),
    ("retention.log_retention_days",        7,                14,               30),
    ("vpc_cidr",                            "10.40.0.0/16",   "10.41.0.0/16",   "10.42.0.0/16"),
    ("endpoint_az_count",                   1,                ...,              ...),
    # the product asks for destroyable prod by default; PAYMENT_DESTROYABLE=false protects it
    ("destroyable",                         True,             True,             True),
    # a warm standby in fallback_region as large as prod (reserved concurrency costs nothing while idle)
    ("dr.enabled",                          False,            False,            True),
    ("dr.standby_reserved_concurrency",     ...,              50,               200),
    ("dr.standby_worker_reserved_concurrency", ...,           5,                20),
    ("dr.standby_vpc_cidr",                 "10.50.0.0/16",   "10.51.0.0/16",   "10.52.0.0/16"),
    ("dr.standby_endpoint_az_count",        1,                ...,              ...),
)
# fmt: on

# The settings groups a dotted row (``lambda_.memory_mb``) fills: EnvironmentConfig's field -> its class.
_GROUPS: Mapping[str, type] = {
    "lambda_": LambdaSettings,
    "dynamodb": DynamoDbSettings,
    "api": ApiSettings,
    "retention": RetentionSettings,
    "dr": DrSettings,
}


def _column(index: int) -> dict[str, Any]:
    """The ``EnvironmentConfig`` keyword arguments of one column, groups built from their dotted rows."""
    top: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {}
    for setting, *cells in MATRIX[1:]:
        group, _, name = setting.rpartition(".")
        kwargs = groups.setdefault(group, {}) if group else top
        if cells[index] is not ...:
            kwargs[name] = cells[index]
    return {**{group: _GROUPS[group](**kwargs) for group, kwargs in groups.items()}, **top}


ENVIRONMENT_DEFAULTS: Mapping[str, dict[str, Any]] = {
    environment: _column(index) for index, environment in enumerate(MATRIX[0][1:])
}
ENVIRONMENT_NAMES: tuple[str, ...] = tuple(ENVIRONMENT_DEFAULTS)
# Environments whose alarms must reach a person once they are deployed to a real account (see load_config).
ALERTED_ENVIRONMENTS = ("staging", "prod")
