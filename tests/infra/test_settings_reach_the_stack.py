"""Each setting that used to be a constant in a construct is read from the config: change it, the stack follows."""

from __future__ import annotations

import dataclasses
import json

import pytest

from payment_infra.application import functions_module
from payment_infra.config import AlarmSettings, MessagingSettings, load_config, with_overrides
from payment_infra.framework import Testing as CdktfTesting
from payment_infra.stack import PaymentStack
from tests.infra.synth_helpers import resources

APP = functions_module()


@pytest.fixture(scope="module")
def changed() -> dict:
    """dev, protected, with every moved setting away from its default (one synth for the module)."""
    environ = {"PAYMENT_DESTROYABLE": "false"}
    base = load_config("dev", environ)
    config = with_overrides(
        base,
        lambda_=dataclasses.replace(base.lambda_, log_level="DEBUG"),
        api=dataclasses.replace(base.api, idempotency_ttl_seconds=3_600),
        messaging=MessagingSettings(settlement_batch_size=4, max_receive_count=7),
        alarms=AlarmSettings(api_5xx_rate_percent=5, queue_age_seconds=90),
    )
    stack = PaymentStack(CdktfTesting.app(), config, environ)
    return json.loads(CdktfTesting.synth(stack))


def _function(stack: dict, name: str) -> dict:
    return next(
        f for f in resources(stack, "aws_lambda_function").values() if f["function_name"] == f"payment-{name}-dev"
    )


def test_log_level_and_idempotency_ttl_reach_the_functions(changed: dict) -> None:
    for spec in APP.FUNCTIONS:
        assert _function(changed, spec.name)["environment"]["variables"][APP.LOG_LEVEL] == "DEBUG"
    variables = _function(changed, APP.TRANSACTIONS)["environment"]["variables"]
    assert variables[APP.IDEMPOTENCY_TTL_SECONDS] == "3600"


def test_batch_size_and_max_receive_count_reach_the_queue_wiring(changed: dict) -> None:
    (mapping,) = resources(changed, "aws_lambda_event_source_mapping").values()
    assert mapping["batch_size"] == 4
    policies = [
        json.loads(q["redrive_policy"]) for q in resources(changed, "aws_sqs_queue").values() if "redrive_policy" in q
    ]
    assert [p["maxReceiveCount"] for p in policies] == [7]


def test_alarm_thresholds_follow_the_config(changed: dict) -> None:
    alarms = {a["alarm_name"]: a for a in resources(changed, "aws_cloudwatch_metric_alarm").values()}
    assert alarms["payment-api-5xx-rate-dev"]["threshold"] == 5
    assert "More than 5 %" in alarms["payment-api-5xx-rate-dev"]["alarm_description"]
    assert alarms["payment-queue-age-dev"]["threshold"] == 90
    assert alarms["payment-queue-age-dev"]["alarm_description"].endswith("more than 90 seconds")


def test_protected_environment_gets_the_longest_kms_deletion_window(changed: dict) -> None:
    windows = {k["deletion_window_in_days"] for k in resources(changed, "aws_kms_key").values()}
    assert windows == {30}


def test_defaults_reach_the_default_stacks(stack: dict, env: str) -> None:
    config = load_config(env, environ={})
    (mapping,) = resources(stack, "aws_lambda_event_source_mapping").values()
    assert mapping["batch_size"] == config.messaging.settlement_batch_size
    for spec in APP.FUNCTIONS:
        fn = next(
            f
            for f in resources(stack, "aws_lambda_function").values()
            if f["function_name"] == f"payment-{spec.name}-{env}"
        )
        assert fn["environment"]["variables"][APP.LOG_LEVEL] == config.lambda_.log_level
        if APP.IDEMPOTENCY_TTL_SECONDS in spec.environment:
            assert fn["environment"]["variables"][APP.IDEMPOTENCY_TTL_SECONDS] == str(
                config.api.idempotency_ttl_seconds
            )
