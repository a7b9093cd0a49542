"""Settlement consumer on moto: transitions, receipts, notifications, partial batch failures."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from payments.adapters.dynamodb import DynamoDBTransactionRepository
from payments.domain.errors import ConcurrentModificationError, InvalidTransitionError
from payments.domain.money import Money, parse_currency
from payments.domain.services import receipt_key
from payments.domain.transaction import Status, Transaction, new_pending, new_transaction_id
from payments.handlers import settlement
from payments.settings import SettlementSettings

from tests.lambdas.events import LambdaContext, sqs_event
from tests.lambdas.moto_resources import Aws


def pending(aws: Aws, customer_id: str, amount: int = 700, currency: str = "KWD") -> Transaction:
    transaction = new_pending(
        transaction_id=new_transaction_id(),
        customer_id=customer_id,
        money=Money(amount, parse_currency(currency)),
        description="secret description",
        created_at=datetime.now(UTC),
        source="api",
        client_id="checkout",
    )
    DynamoDBTransactionRepository(aws.dynamodb, aws.transactions_table).put_new(transaction)
    return transaction


def message(transaction: Transaction) -> tuple[str, str]:
    body = json.dumps({"transaction_id": transaction.transaction_id, "customer_id": transaction.customer_id})
    return body, transaction.customer_id


def run(event: dict[str, Any]) -> dict[str, Any]:
    return settlement.handler(event, LambdaContext(function_name="payment-settlement-test"))


def stored(aws: Aws, transaction_id: str) -> Transaction:
    found = DynamoDBTransactionRepository(aws.dynamodb, aws.transactions_table).get(transaction_id, consistent=True)
    assert found is not None
    return found


def notifications_for(aws: Aws, transaction_id: str) -> list[dict[str, Any]]:
    return [n for n in aws.notifications() if n["transaction_id"] == transaction_id]


def test_settles_writes_receipt_and_notifies(function_env: Aws, customer_id: str):
    transaction = pending(function_env, customer_id)

    assert run(sqs_event([message(transaction)])) == {"batchItemFailures": []}

    settled = stored(function_env, transaction.transaction_id)
    assert settled.status is Status.SUCCEEDED and settled.settled_at is not None
    day = settled.settled_at[:10].replace("-", "/")
    assert settled.receipt_key == f"receipts/{day}/{transaction.transaction_id}.json"
    receipt = json.loads(
        function_env.s3.get_object(Bucket=function_env.receipts_bucket, Key=settled.receipt_key)["Body"].read()
    )
    assert receipt["status"] == "succeeded" and receipt["amount"] == 700 and receipt["amount_display"] == "0.700 KWD"
    assert "description" not in receipt
    [notification] = notifications_for(function_env, transaction.transaction_id)
    assert notification["status"] == "succeeded" and notification["currency"] == "KWD"
    assert "secret" not in json.dumps(notification)


def test_redelivery_of_a_settled_transaction_does_nothing_twice(function_env: Aws, customer_id: str):
    transaction = pending(function_env, customer_id)
    run(sqs_event([message(transaction)]))
    first = stored(function_env, transaction.transaction_id)
    versions_before = function_env.s3.list_object_versions(
        Bucket=function_env.receipts_bucket, Prefix=first.receipt_key
    ).get("Versions", [])

    assert run(sqs_event([message(transaction)])) == {"batchItemFailures": []}

    assert stored(function_env, transaction.transaction_id) == first
    versions_after = function_env.s3.list_object_versions(
        Bucket=function_env.receipts_bucket, Prefix=first.receipt_key
    ).get("Versions", [])
    assert len(versions_after) == len(versions_before) == 1
    assert len(notifications_for(function_env, transaction.transaction_id)) == 1


@pytest.mark.parametrize("poison", ["not json", '{"transaction_id": 5}', '{"transaction_id": "txn_' + "0" * 32 + '"}'])
def test_poisoned_message_is_the_only_failure(function_env: Aws, poison: str):
    good = [pending(function_env, f"cust_{uuid.uuid4().hex[:8]}") for _ in range(3)]
    event = sqs_event([message(good[0]), (poison, "poison-group"), message(good[1]), message(good[2])])

    result = run(event)

    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    for transaction in good:
        assert stored(function_env, transaction.transaction_id).status is Status.SUCCEEDED


def test_failure_holds_back_later_messages_of_the_same_customer_only(function_env: Aws, customer_id: str):
    later_same_customer = pending(function_env, customer_id)
    other_customer = pending(function_env, f"cust_{uuid.uuid4().hex[:8]}")
    event = sqs_event([("not json", customer_id), message(later_same_customer), message(other_customer)])

    result = run(event)

    failed = {item["itemIdentifier"] for item in result["batchItemFailures"]}
    assert failed == {event["Records"][0]["messageId"], event["Records"][1]["messageId"]}
    assert stored(function_env, later_same_customer.transaction_id).status is Status.PENDING
    assert stored(function_env, other_customer.transaction_id).status is Status.SUCCEEDED


class Decline:
    def decide(self, transaction: Transaction) -> tuple[Status, str | None]:
        return (Status.FAILED, "insufficient_funds")


def test_declined_transaction_ends_failed_with_receipt_and_notification(function_env: Aws, customer_id: str):
    consumer = settlement.build_consumer(
        SettlementSettings.from_env(),
        dynamodb=function_env.dynamodb,
        s3=function_env.s3,
        sns=function_env.sns,
        policy=Decline(),
    )
    transaction = pending(function_env, customer_id, amount=1, currency="BHD")

    assert consumer.handle(sqs_event([message(transaction)]), None) == {"batchItemFailures": []}

    failed = stored(function_env, transaction.transaction_id)
    assert failed.status is Status.FAILED and failed.failure_reason == "insufficient_funds"
    assert failed.receipt_key == receipt_key(failed)
    [notification] = notifications_for(function_env, transaction.transaction_id)
    assert notification["status"] == "failed"


def test_resumes_side_effects_after_a_crash(function_env: Aws, customer_id: str):
    """Crash after the final transition but before the receipt: redelivery finishes the job once."""
    repository = DynamoDBTransactionRepository(function_env.dynamodb, function_env.transactions_table)
    transaction = pending(function_env, customer_id)
    processing = repository.save_transition(transaction, transaction.transition(Status.PROCESSING, datetime.now(UTC)))
    repository.save_transition(processing, processing.transition(Status.SUCCEEDED, datetime.now(UTC)))

    run(sqs_event([message(transaction)]))
    run(sqs_event([message(transaction)]))

    done = stored(function_env, transaction.transaction_id)
    assert done.receipt_key is not None and done.notified_at is not None
    assert len(notifications_for(function_env, transaction.transaction_id)) == 1


def test_status_never_moves_backwards_or_twice(function_env: Aws, customer_id: str):
    repository = DynamoDBTransactionRepository(function_env.dynamodb, function_env.transactions_table)
    transaction = pending(function_env, customer_id)
    now = datetime.now(UTC)
    processing = repository.save_transition(transaction, transaction.transition(Status.PROCESSING, now))
    succeeded = repository.save_transition(processing, processing.transition(Status.SUCCEEDED, now))

    # A stale writer that still believes the transaction is processing loses.
    with pytest.raises(ConcurrentModificationError):
        repository.save_transition(processing, processing.transition(Status.FAILED, now))
    # A stale writer that still believes it is pending loses too.
    with pytest.raises(ConcurrentModificationError):
        repository.save_transition(transaction, transaction.transition(Status.PROCESSING, now))
    # The domain refuses backwards and repeated moves before any write.
    for target in (Status.PENDING, Status.PROCESSING, Status.SUCCEEDED, Status.FAILED):
        with pytest.raises(InvalidTransitionError):
            succeeded.transition(target, now)
    assert stored(function_env, transaction.transaction_id).status is Status.SUCCEEDED


def test_unavailable_bucket_fails_the_message_for_retry(function_env: Aws, customer_id: str, monkeypatch):
    monkeypatch.setenv("RECEIPTS_BUCKET", "no-such-bucket")
    settlement._consumer.cache_clear()
    first, second = pending(function_env, customer_id), pending(function_env, f"cust_{uuid.uuid4().hex[:8]}")
    event = sqs_event([message(first), message(second)])

    # Every record failed: Powertools fails the invocation so Lambda retries the whole batch.
    with pytest.raises(BatchProcessingError):
        run(event)

    # The transition happened; the retry will resume at the receipt.
    assert stored(function_env, first.transaction_id).status is Status.SUCCEEDED
    assert stored(function_env, first.transaction_id).receipt_key is None
