"""The sweep: old ``pending`` records are re-sent to the settlement queue; nothing else is."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from payments.adapters.dynamodb import DynamoDBTransactionRepository
from payments.domain.money import Money, parse_currency
from payments.domain.sweep import SweepWindow, days_between
from payments.domain.transaction import Status, new_pending
from payments.handlers import sweep
from payments.settings import SettingsError, SweepSettings

from tests.lambdas.events import DEFAULT_CLIENT, LambdaContext
from tests.lambdas.moto_resources import Aws

NOW = datetime(2026, 12, 3, 0, 5, tzinfo=UTC)  # just after midnight: the window spans two day partitions


def _write(aws: Aws, customer: str, created: datetime, status: Status = Status.PENDING, client: str = DEFAULT_CLIENT):
    repository = DynamoDBTransactionRepository(aws.dynamodb, aws.transactions_table)
    transaction = new_pending(
        transaction_id=f"txn_{uuid.uuid4().hex}",
        customer_id=customer,
        money=Money(100, parse_currency("USD")),
        description=None,
        created_at=created,
        source="api",
        client_id=client,
    )
    repository.put_new(transaction)
    if status is not Status.PENDING:
        processing = repository.save_transition(transaction, transaction.transition(Status.PROCESSING, created))
        repository.save_transition(processing, processing.transition(status, created))
    return transaction


def test_old_pending_records_of_every_client_are_redriven_once_each(function_env: Aws, queue_url: str):
    customer = f"cust_{uuid.uuid4().hex[:12]}"
    stale_yesterday = _write(function_env, customer, NOW - timedelta(minutes=30))
    stale_today = _write(function_env, customer, NOW - timedelta(minutes=11))
    _write(function_env, customer, NOW - timedelta(minutes=2))  # recent: the stream path still has time
    _write(function_env, customer, NOW - timedelta(minutes=40), Status.SUCCEEDED)  # settled
    _write(function_env, customer, NOW - timedelta(days=3))  # beyond the lookback

    sweeper = sweep.build_sweeper(
        SweepSettings.from_env(), dynamodb=function_env.dynamodb, sqs=function_env.sqs, clock=lambda: NOW
    )
    result = sweeper.run()

    assert sorted(result["redriven"]) == sorted([stale_yesterday.transaction_id, stale_today.transaction_id])
    messages = function_env.receive_all(queue_url)
    assert len(messages) == 2
    for message in messages:
        body = json.loads(message["Body"])
        assert body["customer_id"] == customer and set(body) == {"transaction_id", "customer_id"}
        # The same group and deduplication id as the pipe uses, so a re-drive of a slow record is a duplicate.
        assert message["Attributes"]["MessageGroupId"] == customer
        assert message["Attributes"]["MessageDeduplicationId"] == body["transaction_id"]


def test_the_handler_counts_what_it_found(function_env: Aws, queue_url: str, capsys: pytest.CaptureFixture[str]):
    _write(function_env, f"cust_{uuid.uuid4().hex[:12]}", datetime.now(UTC) - timedelta(hours=1))
    sweep.metrics.clear_metrics()
    capsys.readouterr()
    result = sweep.handler({"source": "aws.events"}, LambdaContext())
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    counted = [m[sweep.STALE_PENDING_METRIC] for m in metrics if sweep.STALE_PENDING_METRIC in m]
    assert len(result["redriven"]) >= 1
    assert counted == [[float(len(result["redriven"]))]]


def test_a_send_the_queue_refuses_does_not_hold_back_the_others(function_env: Aws, queue_url: str):
    customer = f"cust_{uuid.uuid4().hex[:12]}"
    first = _write(function_env, customer, NOW - timedelta(minutes=30))
    second = _write(function_env, customer, NOW - timedelta(minutes=20))
    refused = first.transaction_id

    def refuse(params, **_):
        if any(entry["MessageDeduplicationId"] == refused for entry in params["Entries"]):
            raise ClientError({"Error": {"Code": "InternalError", "Message": "down"}}, "SendMessageBatch")

    function_env.sqs.meta.events.register("provide-client-params.sqs.SendMessageBatch", refuse)
    try:
        sweeper = sweep.build_sweeper(
            SweepSettings.from_env(), dynamodb=function_env.dynamodb, sqs=function_env.sqs, clock=lambda: NOW
        )
        with pytest.raises(sweep.SweepIncompleteError, match=refused):
            sweeper.run()
    finally:
        function_env.sqs.meta.events.unregister("provide-client-params.sqs.SendMessageBatch", refuse)
    bodies = [json.loads(m["Body"])["transaction_id"] for m in function_env.receive_all(queue_url)]
    assert second.transaction_id in bodies and refused not in bodies


def test_window_and_settings_refuse_an_age_beyond_the_lookback(monkeypatch: pytest.MonkeyPatch, function_env: Aws):
    with pytest.raises(ValueError, match="older_than"):
        SweepWindow(older_than=timedelta(hours=3), lookback=timedelta(hours=2))
    monkeypatch.setenv("SWEEP_OLDER_THAN_SECONDS", "900")
    monkeypatch.setenv("SWEEP_LOOKBACK_SECONDS", "600")
    with pytest.raises(SettingsError, match="SWEEP_OLDER_THAN_SECONDS"):
        SweepSettings.from_env()


def test_days_between_covers_both_ends():
    assert days_between(NOW - timedelta(days=1, minutes=10), NOW) == ["2026-12-01", "2026-12-02", "2026-12-03"]
