"""The config package's shape: each settings class checks its own fields, the matrix is a table of environments."""

from __future__ import annotations

import dataclasses

import pytest

from payment_infra.config import (
    ENVIRONMENT_DEFAULTS,
    ENVIRONMENT_NAMES,
    VPC_AZ_COUNT,
    AccountConfig,
    AlarmSettings,
    ApiSettings,
    BillingMode,
    Capacity,
    ClientSettings,
    ConfigError,
    DynamoDbSettings,
    LambdaSettings,
    MessagingSettings,
    RetentionSettings,
    load_config,
    with_overrides,
)
from payment_infra.config.matrix import MATRIX

GROUPS = ("lambda_", "dynamodb", "api", "messaging", "alarms", "retention")


def test_the_matrix_columns_are_the_environments() -> None:
    header, *rows = MATRIX
    assert header[1:] == ENVIRONMENT_NAMES == tuple(ENVIRONMENT_DEFAULTS) == ("dev", "staging", "prod")
    assert all(len(row) == len(header) for row in rows)
    assert len({row[0] for row in rows}) == len(rows)  # one row per setting


def test_an_ellipsis_cell_keeps_the_fields_own_default() -> None:
    dev, staging = load_config("dev", {}), load_config("staging", {})
    default = {f.name: f.default for f in dataclasses.fields(LambdaSettings)}["health_reserved_concurrency"]
    assert dev.lambda_.health_reserved_concurrency == default == 1
    assert staging.lambda_.health_reserved_concurrency == 2
    assert (dev.endpoint_az_count, staging.endpoint_az_count) == (1, VPC_AZ_COUNT)
    assert "endpoint_az_count" not in ENVIRONMENT_DEFAULTS["staging"] and dev.dynamodb.read is None


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_every_group_of_the_matrix_is_valid_on_its_own(environment: str) -> None:
    config = load_config(environment, {})
    for group in GROUPS:
        assert getattr(config, group).problems(f"{group}.") == [], group
    assert config.problems() == []


@pytest.mark.parametrize(
    ("settings", "fields"),
    [
        (LambdaSettings(memory_mb=64, reserved_concurrency=0, log_level="LOUD"),
         ["x.memory_mb", "x.reserved_concurrency", "x.log_level"]),
        (Capacity(0, -1), ["x.minimum", "x.maximum"]),
        (DynamoDbSettings(BillingMode.PROVISIONED, target_utilization_percent=95), ["x.read", "x.write",
                                                                                    "x.target_utilization_percent"]),
        (DynamoDbSettings(BillingMode.PROVISIONED, read=Capacity(2, 1), write=Capacity(1, 1)), ["x.read.maximum"]),
        (ApiSettings(10, 200, 0, waf_rate_limit_per_ip=5), ["x.quota_per_day", "x.waf_rate_limit_per_ip"]),
        (MessagingSettings(max_receive_count=0, sweep_older_than_seconds=7200, sweep_lookback_seconds=3600),
         ["x.max_receive_count", "x.sweep_older_than_seconds"]),
        (AlarmSettings(api_5xx_rate_percent=0, queue_age_seconds=30), ["x.api_5xx_rate_percent", "x.queue_age_seconds"]),
        (RetentionSettings(s3_expiration_days=0, log_retention_days=2),
         ["x.s3_expiration_days", "x.log_retention_days"]),
    ],
)  # fmt: skip
def test_each_settings_class_checks_its_own_fields(settings, fields: list[str]) -> None:
    assert [name for name, _, _ in settings.problems("x.")] == fields


def test_a_client_checks_its_name_keys_and_tier_against_the_ceilings_it_is_given() -> None:
    client = ClientSettings("Partner", throttle_rate_limit=11, quota_per_day=0, api_key_versions=(1, 1))
    problems = client.problems(
        "c.", other_names=["Partner"], ceilings={"throttle_rate_limit": 10, "quota_per_day": None}
    )
    assert [name for name, _, _ in problems] == [
        "c.name",
        "c.name",
        "c.throttle_rate_limit",
        "c.quota_per_day",
        "c.api_key_versions",
    ]
    assert "up to the stage's api.throttle_rate_limit (10)" in problems[2][2]


def test_the_environment_reports_each_groups_problems_under_the_groups_name() -> None:
    config = load_config("dev", {})
    bad = dataclasses.replace(config.messaging, pipe_batch_size=0, sweep_interval_minutes=61)
    with pytest.raises(ConfigError) as raised:
        with_overrides(config, messaging=bad)
    assert raised.value.problems == bad.problems("messaging.")
    assert [name for name, _, _ in raised.value.problems] == [
        "messaging.pipe_batch_size",
        "messaging.sweep_interval_minutes",
    ]


def test_a_rule_across_two_groups_belongs_to_the_environment_that_holds_both() -> None:
    prod = load_config("prod", {})
    fast = dataclasses.replace(prod.api, throttle_rate_limit=10_000, waf_rate_limit_per_ip=100_000_000)
    assert fast.problems("api.") == []  # the API settings alone cannot know the functions' concurrency
    with pytest.raises(ConfigError) as raised:
        with_overrides(prod, api=fast)
    assert [name for name, _, _ in raised.value.problems] == ["api.throttle_rate_limit"]


def test_the_account_checks_its_own_fields_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        AccountConfig(region="mars-1", preview_network_cidr="10.128.0.0/24", log_retention_days=2)
    assert [name for name, _, _ in raised.value.problems] == ["region", "preview_network_cidr", "log_retention_days"]
    assert "invalid configuration for account 'account'" in str(raised.value)
