"""The environment matrix and every validation rule of ``payment_infra.config``."""

from __future__ import annotations

import dataclasses

import pytest

from payment_infra.config import (
    BillingMode,
    Capacity,
    ClientSettings,
    ConfigError,
    EnvironmentConfig,
    check_deployments,
    describe,
    load_account_config,
    load_config,
    with_overrides,
)

MATRIX = {
    # env: memory, concurrency, billing, s3 days, log days, rate, burst, quota
    "dev": (512, 10, BillingMode.PAY_PER_REQUEST, 7, 7, 10, 200, 10_000),
    "staging": (1024, 50, BillingMode.PROVISIONED, 30, 14, 50, 2_000, 100_000),
    "prod": (2048, 200, BillingMode.PROVISIONED, 90, 30, 400, 5_000, 10_000_000),
}


@pytest.mark.parametrize("name", MATRIX)
def test_matrix_values_per_environment(name: str) -> None:
    config = load_config(name, environ={})
    memory, concurrency, billing, s3_days, log_days, rate, burst, quota = MATRIX[name]
    assert config.lambda_.memory_mb == memory
    assert config.lambda_.reserved_concurrency == concurrency
    assert config.dynamodb.billing_mode is billing
    assert config.dynamodb.point_in_time_recovery is True
    assert config.retention.s3_expiration_days == s3_days
    assert config.retention.log_retention_days == log_days
    assert (config.api.throttle_rate_limit, config.api.throttle_burst_limit, config.api.quota_per_day) == (
        rate,
        burst,
        quota,
    )
    assert config.destroyable is True
    assert config.region == "ap-northeast-2"
    assert config.alert_email == "admin@example.com"
    assert config.stack_id == f"payment-{name}"
    assert config.lambda_.architecture == "arm64" and config.lambda_.runtime.startswith("python3.1")


@pytest.mark.parametrize("name", ["staging", "prod"])
def test_provisioned_environments_have_autoscaling_bounds(name: str) -> None:
    db = load_config(name, environ={}).dynamodb
    assert db.read and db.write and db.read.minimum <= db.read.maximum and db.write.minimum <= db.write.maximum


def test_config_is_frozen() -> None:
    config = load_config("dev", environ={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.region = "us-east-1"  # type: ignore[misc]


def test_tags_cover_the_required_keys() -> None:
    assert load_config("prod", environ={}).tags == {
        "Environment": "prod",
        "Deployment": "prod",
        "Project": "payment-api",
        "Owner": "payments-team",
        "CostCenter": "payments",
        "ManagedBy": "cdktf",
    }


def test_region_override_from_environment() -> None:
    config = load_config("prod", environ={"PAYMENT_AWS_REGION": "us-east-1", "PAYMENT_FALLBACK_REGION": "eu-central-1"})
    assert (config.region, config.fallback_region) == ("us-east-1", "eu-central-1")


def test_destroyable_toggle_from_environment() -> None:
    assert load_config("prod", environ={"PAYMENT_DESTROYABLE": "false"}).destroyable is False
    assert load_config("prod", environ={"PAYMENT_DESTROYABLE": "true"}).destroyable is True


def _error(callable_, *args, **kwargs) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        callable_(*args, **kwargs)
    return caught.value


def test_unknown_environment_is_rejected_with_allowed_names() -> None:
    # Any other valid name is a preview (tests/infra/test_deployments.py); an invalid one names what is allowed.
    message = str(_error(load_config, "QA", environ={}))
    assert "PAYMENT_DEPLOYMENT = 'QA'" in message and "dev, staging, account" not in message
    assert "lowercase letters" in message and "dev, staging, prod" in message


def test_unknown_region_names_field_value_and_allowed() -> None:
    message = str(_error(load_config, "dev", environ={"PAYMENT_AWS_REGION": "ap-northeast-9"}))
    assert "region = 'ap-northeast-9'" in message and "ap-northeast-2" in message


def test_fallback_region_must_differ_from_region() -> None:
    message = str(_error(load_config, "dev", environ={"PAYMENT_FALLBACK_REGION": "ap-northeast-2"}))
    assert "fallback_region = 'ap-northeast-2'" in message and "other than region" in message


def test_bad_email_is_rejected() -> None:
    message = str(_error(load_config, "dev", environ={"PAYMENT_ALERT_EMAIL": "not-an-email"}))
    assert "alert_email = 'not-an-email'" in message and "email address" in message


def test_bad_boolean_is_rejected() -> None:
    message = str(_error(load_config, "dev", environ={"PAYMENT_DESTROYABLE": "maybe"}))
    assert "PAYMENT_DESTROYABLE = 'maybe'" in message and "true" in message


@pytest.mark.parametrize("memory", [64, 10241, 512.0, True])
def test_lambda_memory_out_of_range(memory) -> None:
    config = load_config("dev", environ={})
    message = str(_error(with_overrides, config, lambda_=dataclasses.replace(config.lambda_, memory_mb=memory)))
    assert f"lambda_.memory_mb = {memory!r}" in message and "128 to 10240" in message


@pytest.mark.parametrize("days", [0, 8, 400.5, 10000])
def test_log_retention_must_be_a_cloudwatch_value(days) -> None:
    config = load_config("dev", environ={})
    message = str(
        _error(with_overrides, config, retention=dataclasses.replace(config.retention, log_retention_days=days))
    )
    assert f"retention.log_retention_days = {days!r}" in message and "1, 3, 5, 7, 14" in message


@pytest.mark.parametrize("field", ["throttle_rate_limit", "throttle_burst_limit", "quota_per_day"])
@pytest.mark.parametrize("value", [0, -1])
def test_non_positive_throttles_are_rejected(field: str, value: int) -> None:
    config = load_config("dev", environ={})
    message = str(_error(with_overrides, config, api=dataclasses.replace(config.api, **{field: value})))
    assert f"api.{field} = {value}" in message and "positive integer" in message


def test_point_in_time_recovery_cannot_be_turned_off() -> None:
    config = load_config("prod", environ={})
    message = str(
        _error(with_overrides, config, dynamodb=dataclasses.replace(config.dynamodb, point_in_time_recovery=False))
    )
    assert "dynamodb.point_in_time_recovery = False" in message


def test_provisioned_billing_needs_sane_bounds() -> None:
    config = load_config("staging", environ={})
    bad = dataclasses.replace(config.dynamodb, read=Capacity(10, 5), write=None)
    error = _error(with_overrides, config, dynamodb=bad)
    fields = [name for name, _, _ in error.problems]
    assert fields == ["dynamodb.read.maximum", "dynamodb.write"]


def test_on_demand_billing_rejects_capacity() -> None:
    config = load_config("dev", environ={})
    message = str(_error(with_overrides, config, dynamodb=dataclasses.replace(config.dynamodb, read=Capacity(1, 2))))
    assert "dynamodb.read" in message and "PAY_PER_REQUEST" in message


def test_every_problem_is_reported_at_once() -> None:
    error = _error(
        load_config,
        "dev",
        environ={"PAYMENT_AWS_REGION": "mars-1", "PAYMENT_ALERT_EMAIL": "x", "PAYMENT_OWNER": "bad\ttag"},
    )
    assert {name for name, _, _ in error.problems} >= {"region", "alert_email", "tags.Owner"}
    assert str(error).count("\n  - ") == len(error.problems)


def test_direct_construction_is_validated_too() -> None:
    defaults = load_config("dev", environ={})
    with pytest.raises(ConfigError, match="name = 'Test'"):
        EnvironmentConfig(
            **{**{f.name: getattr(defaults, f.name) for f in dataclasses.fields(defaults)}, "name": "Test"}
        )


def test_describe_flattens_every_setting() -> None:
    flat = describe(load_config("prod", environ={}))
    assert flat["lambda_.memory_mb"] == 2048 and flat["dynamodb.billing_mode"] == "PROVISIONED"
    assert flat["api.quota_per_day"] == 10_000_000


# --- settings moved into the config (issue 18) -----------------------------------------------------------------


def test_moved_settings_defaults() -> None:
    for name in ("dev", "staging", "prod"):
        config = load_config(name, environ={})
        assert config.lambda_.log_level == "INFO"
        assert config.api.idempotency_ttl_seconds == 86_400  # the spec's 24 hours
        assert (config.messaging.settlement_batch_size, config.messaging.max_receive_count) == (10, 3)
        assert (config.alarms.api_5xx_rate_percent, config.alarms.queue_age_seconds) == (1, 300)
        assert config.kms_deletion_window_days == 7
    assert load_config("prod", environ={"PAYMENT_DESTROYABLE": "false"}).kms_deletion_window_days == 30


def test_lambda_settings_have_no_dead_timeout() -> None:
    """The real timeouts are per function (lambdas/payments/functions.py); a shared one was read by nothing."""
    assert "timeout_seconds" not in {f.name for f in dataclasses.fields(load_config("dev", environ={}).lambda_)}


@pytest.mark.parametrize(
    ("group", "field", "value", "allowed"),
    [
        ("lambda_", "log_level", "VERBOSE", "DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("api", "idempotency_ttl_seconds", 59, "60 to 604800"),
        ("api", "idempotency_ttl_seconds", 604_801, "60 to 604800"),
        ("messaging", "settlement_batch_size", 11, "1 to 10"),
        ("messaging", "settlement_batch_size", 0, "1 to 10"),
        ("messaging", "max_receive_count", 1001, "1 to 1000"),
        ("messaging", "max_receive_count", True, "1 to 1000"),
        ("alarms", "api_5xx_rate_percent", 0, "1 to 100"),
        ("alarms", "queue_age_seconds", 30, ">= 60"),
    ],
)
def test_moved_settings_are_validated(group: str, field: str, value, allowed: str) -> None:
    config = load_config("dev", environ={})
    changed = dataclasses.replace(getattr(config, group), **{field: value})
    message = str(_error(with_overrides, config, **{group: changed}))
    assert f"{group}.{field} = {value!r}" in message and allowed in message


def test_idempotency_ttl_bounds_are_the_functions_own() -> None:
    from payment_infra.application import functions_module

    low, high = functions_module().IDEMPOTENCY_TTL_RANGE_SECONDS
    config = load_config("dev", environ={})
    for good in (low, high):
        assert with_overrides(config, api=dataclasses.replace(config.api, idempotency_ttl_seconds=good))


# --- clients ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", MATRIX)
def test_one_default_client_with_the_environments_tier_unless_configured(name: str) -> None:
    config = load_config(name, environ={})
    (client,) = config.clients
    assert client.name == "default" and client.api_key_versions == (1,)
    tier = config.tier(client)
    assert (tier.throttle_rate_limit, tier.throttle_burst_limit, tier.quota_per_day) == MATRIX[name][5:]


def test_a_clients_own_tier_overrides_the_environments() -> None:
    config = with_overrides(
        load_config("dev", environ={}),
        clients=(ClientSettings("default"), ClientSettings("partner", throttle_rate_limit=5, quota_per_day=50)),
    )
    tier = config.tier(config.clients[1])
    assert (tier.throttle_rate_limit, tier.throttle_burst_limit, tier.quota_per_day) == (5, 200, 50)
    assert describe(config)["clients[1].name"] == "partner"


@pytest.mark.parametrize(
    ("clients", "field", "allowed"),
    [
        ((), "clients", "1 to 20 clients"),
        (tuple(ClientSettings(f"c{i}") for i in range(21)), "clients", "1 to 20 clients"),
        ((ClientSettings("Checkout"),), "clients[0].name", "a-z, 0-9 and -"),
        ((ClientSettings("check/out"),), "clients[0].name", "a-z, 0-9 and -"),
        ((ClientSettings("a"), ClientSettings("a")), "clients[1].name", "no other client"),
        ((ClientSettings("a", throttle_rate_limit=0),), "clients[0].throttle_rate_limit", "positive integer up to"),
        ((ClientSettings("a", throttle_rate_limit=11),), "clients[0].throttle_rate_limit", "(10)"),
        ((ClientSettings("a", throttle_burst_limit=True),), "clients[0].throttle_burst_limit", "positive integer"),
        ((ClientSettings("a", quota_per_day=-1),), "clients[0].quota_per_day", "positive integer"),
        ((ClientSettings("a", api_key_versions=()),), "clients[0].api_key_versions", "1 to 2 distinct"),
        ((ClientSettings("a", api_key_versions=(1, 2, 3)),), "clients[0].api_key_versions", "1 to 2 distinct"),
        ((ClientSettings("a", api_key_versions=(2, 2)),), "clients[0].api_key_versions", "1 to 2 distinct"),
        ((ClientSettings("a", api_key_versions=(0,)),), "clients[0].api_key_versions", "1 to 2 distinct"),
        (("a",), "clients", "ClientSettings"),
        ((ClientSettings("no-api-key"),), "clients[0].name", "reserved"),
    ],
)
def test_bad_clients_name_field_value_and_allowed(clients, field: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as raised:
        with_overrides(load_config("dev", environ={}), clients=clients)
    message = str(raised.value)
    assert f"{field} = " in message and allowed in message, message


def test_reserved_client_names_match_the_functions() -> None:
    from payments.domain.clients import CLIENT_NAME_PATTERN, NO_API_KEY_CLIENT

    from payment_infra import config

    assert config.RESERVED_CLIENT_NAMES == (NO_API_KEY_CLIENT,)
    assert config.CLIENT_NAME_PATTERN.pattern == CLIENT_NAME_PATTERN.pattern


# ---- what the deployments of one account must respect together --------------------------------------------


def _all(environ: dict[str, str] | None = None) -> list[EnvironmentConfig]:
    return [load_config(name, environ={} if environ is None else environ) for name in ("dev", "staging", "prod")]


def test_reserved_concurrency_is_sized_by_need_and_leaves_room_in_the_default_quota() -> None:
    totals = {config.name: config.reserved_concurrency_total for config in _all()}
    # 8 functions: transactions + status from the matrix, health, 5 workers (consumer, import, sweep, 2 steps).
    assert totals == {"dev": 2 * 10 + 1 + 5 * 2, "staging": 2 * 50 + 2 + 5 * 5, "prod": 2 * 200 + 5 + 5 * 20}
    account = load_account_config({})
    assert account.lambda_concurrency_quota == 1000 and account.reservable_concurrency == 900
    assert sum(totals.values()) <= account.reservable_concurrency - 200  # room to spare for the next function
    check_deployments(_all(), account)


def test_reservations_beyond_the_account_quota_fail_with_one_clear_message() -> None:
    configs = _all()
    prod = configs[2]
    configs[2] = with_overrides(prod, lambda_=dataclasses.replace(prod.lambda_, worker_reserved_concurrency=100))
    error = _error(check_deployments, configs, load_account_config({}))
    assert len(error.problems) == 1
    message = str(error)
    assert "invalid configuration for account 'account'" in message
    assert "reserved concurrency of all deployments" in message and "1063 (dev 31 + staging 127 + prod 905)" in message
    assert "at most 900" in message and "lambda_concurrency_quota (1000" in message


def test_a_smaller_account_quota_is_a_documented_setting() -> None:
    account = load_account_config({"PAYMENT_LAMBDA_CONCURRENCY_QUOTA": "500"})
    assert account.reservable_concurrency == 400
    assert "at most 400" in str(_error(check_deployments, _all(), account))
    assert "PAYMENT_LAMBDA_CONCURRENCY_QUOTA = 'lots'" in str(
        _error(load_account_config, {"PAYMENT_LAMBDA_CONCURRENCY_QUOTA": "lots"})
    )
    assert "lambda_concurrency_quota = 100" in str(
        _error(load_account_config, {"PAYMENT_LAMBDA_CONCURRENCY_QUOTA": "100"})
    )


def test_vpc_cidrs_are_distinct_per_environment() -> None:
    cidrs = [config.vpc_cidr for config in _all()]
    assert cidrs == ["10.40.0.0/16", "10.41.0.0/16", "10.42.0.0/16"]
    configs = _all()
    configs[1] = with_overrides(configs[1], vpc_cidr="10.40.128.0/17")
    message = str(_error(check_deployments, configs, load_account_config({})))
    assert "staging.vpc_cidr = '10.40.128.0/17': allowed a range not overlapping dev's 10.40.0.0/16" in message


@pytest.mark.parametrize(
    ("cidr", "allowed"),
    [
        ("8.8.0.0/16", "private (RFC 1918)"),
        ("10.40.0.0/24", "a prefix from /16 to /19"),
        ("10.0.0.0/8", "a prefix from /16 to /19"),
        ("10.40.0.1/16", "no host bits set"),
        ("not-a-cidr", "an IPv4 network"),
    ],
)
def test_bad_vpc_cidr_is_rejected(cidr: str, allowed: str) -> None:
    config = load_config("dev", environ={})
    message = str(_error(with_overrides, config, vpc_cidr=cidr))
    assert f"vpc_cidr = {cidr!r}" in message and allowed in message


def test_deployments_must_share_the_account_stack_region() -> None:
    configs = _all()
    configs[0] = with_overrides(configs[0], region="us-east-1", fallback_region="us-west-2")
    assert "dev.region = 'us-east-1': allowed the account baseline's region (ap-northeast-2)" in str(
        _error(check_deployments, configs, load_account_config({}))
    )


@pytest.mark.parametrize("name", ["dev", "staging", "prod"])
def test_waf_rate_limit_covers_one_clients_usage_plan(name: str) -> None:
    api = load_config(name, environ={}).api
    assert api.waf_evaluation_window_seconds == 300
    assert api.waf_rate_limit_per_ip >= api.throttle_rate_limit * 300 + api.throttle_burst_limit


def test_waf_rate_limit_below_the_usage_plan_is_rejected() -> None:
    config = load_config("prod", environ={})
    message = str(_error(with_overrides, config, api=dataclasses.replace(config.api, waf_rate_limit_per_ip=2_000)))
    assert "api.waf_rate_limit_per_ip = 2000: allowed an integer from 125,000 to 2,000,000,000" in message
    assert "400/s x 300 s + burst 5,000" in message
    window = str(_error(with_overrides, config, api=dataclasses.replace(config.api, waf_evaluation_window_seconds=30)))
    assert "api.waf_evaluation_window_seconds = 30: allowed one of WAF's windows 60, 120, 300, 600" in window


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_a_real_accounts_staging_and_prod_refuse_an_example_alert_address(env: str) -> None:
    """With a state bucket (deploy, plan, destroy in CI) the alarms must reach a person (issue 25)."""
    with pytest.raises(ConfigError) as raised:
        load_config(env, {"PAYMENT_STATE_BUCKET": "state"})
    message = str(raised.value)
    assert "alert_email (PAYMENT_ALERT_EMAIL) = 'admin@example.com'" in message and "repository variable" in message
    assert load_config(env, {"PAYMENT_STATE_BUCKET": "state", "PAYMENT_ALERT_EMAIL": "oncall@payments.io"})
    assert load_config(env, {}).alert_email == "admin@example.com"  # local synth and tests keep the default


def test_dev_and_previews_may_keep_the_example_alert_address() -> None:
    assert load_config("dev", {"PAYMENT_STATE_BUCKET": "state"}).alert_email == "admin@example.com"
    assert load_config("pr-7", {"PAYMENT_STATE_BUCKET": "state"}).alert_email == "admin@example.com"


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_the_stage_rate_is_what_the_reserved_concurrency_serves_at_the_latency_budget(env: str) -> None:
    config = load_config(env, {})
    served = config.lambda_.reserved_concurrency * 1000 // config.api.p99_latency_alarm_ms
    assert config.api.throttle_rate_limit <= served
    assert config.health_throttle_rate_limit == max(
        1, config.lambda_.health_reserved_concurrency * 1000 // config.api.p99_latency_alarm_ms
    )


def test_a_stage_rate_above_what_the_functions_serve_is_refused() -> None:
    from dataclasses import replace

    prod = load_config("prod", {})
    with pytest.raises(ConfigError) as raised:
        replace(prod, api=replace(prod.api, throttle_rate_limit=10_000))
    message = str(raised.value)
    assert "api.throttle_rate_limit = 10000: allowed at most 400/s" in message
    assert (
        "lambda_.reserved_concurrency (200 per function)" in message and "api.p99_latency_alarm_ms (500 ms)" in message
    )
    assert "raise lambda_.reserved_concurrency to 5000" in message
