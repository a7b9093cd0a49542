"""A written transaction reaches settlement without any client action, whatever fails after the write.

The create is one write; the stack's stream and pipe carry it to the settlement queue; the sweep re-sends a record
whose event was lost. Every fault here is injected on the wire in the emulator (``--test-hooks``), and no test
retries the create: the client posts once and walks away.
"""

from __future__ import annotations

import json
import time

from payments.domain.transaction import derived_transaction_id

from tests.e2e.conftest import Emulator

SWEEP_OLDER_THAN = 2  # the session emulator's --sweep-older-than


def _create(emulator: Emulator, customer_id: str, key: str | None = None) -> str:
    response = emulator.post({"customer_id": customer_id, "amount": 1999, "currency": "USD"}, key=key)
    assert response.status_code == 201, response.text
    return response.json()["transaction_id"]


def _settled_once(emulator: Emulator, transaction_id: str, *, receipt_versions: int = 1) -> None:
    assert emulator.wait_settled(transaction_id) == "succeeded"
    assert emulator.wait_execution(transaction_id)["status"] == "SUCCEEDED"  # the receipt is written by then
    assert len(emulator.executions(transaction_id)) == 1
    assert len(emulator.receipt_keys(transaction_id)) == 1
    assert len(emulator.receipt_versions(transaction_id)) == receipt_versions
    notifications = emulator.wait_for(lambda: emulator.notifications(transaction_id), 10, "the notification")
    time.sleep(0.5)  # a second notification would arrive right after the first
    assert [n["event"] for n in emulator.notifications(transaction_id)] == ["transaction.settled"], notifications


def _wait_fired(emulator: Emulator, kind: str) -> None:
    emulator.wait_for(lambda: any(r["kind"] == kind and r["fired"] for r in emulator.faults()), 20, f"{kind} to fire")


def _pipe_dlq_bodies(emulator: Emulator) -> list[dict]:
    sqs = emulator.client("sqs")
    bodies = []
    for url in emulator.info["pipe_dlq_urls"]:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
        bodies += [json.loads(m["Body"]) for m in messages]
    return bodies


def test_the_client_walks_away_while_the_queue_is_down_and_the_payment_still_settles(
    emulator: Emulator, customer_id: str
) -> None:
    # Every send of this customer's settlement message fails: the pipe retries its batch, then dead-letters it.
    emulator.fault("enqueue_error", customer_id, times=None)
    transaction_id = _create(emulator, customer_id)  # 201: the write is all the request does
    emulator.wait_for(lambda: _pipe_dlq_bodies(emulator), 30, "the failed batch in the pipe's DLQ")
    assert emulator.status(transaction_id) == "pending"
    time.sleep(SWEEP_OLDER_THAN)
    assert transaction_id not in emulator.sweep()  # the queue is still down: the sweep's send fails too
    emulator.http.delete(f"{emulator.base_url}/__local/faults", timeout=5)
    time.sleep(SWEEP_OLDER_THAN)
    assert transaction_id in emulator.sweep()  # the second chance, without the client
    _settled_once(emulator, transaction_id)


def test_a_transient_queue_failure_is_retried_by_the_pipe(emulator: Emulator, customer_id: str) -> None:
    emulator.fault("enqueue_error", customer_id, times=3)
    transaction_id = _create(emulator, customer_id)
    _settled_once(emulator, transaction_id)
    assert len(emulator.deliveries(transaction_id)) == 1


def test_a_lost_stream_event_is_found_by_the_sweep(emulator: Emulator, customer_id: str) -> None:
    emulator.fault("stream_event_lost", customer_id, times=1)
    transaction_id = _create(emulator, customer_id)
    _wait_fired(emulator, "stream_event_lost")
    time.sleep(SWEEP_OLDER_THAN + 0.5)
    assert emulator.status(transaction_id) == "pending"
    assert transaction_id in emulator.sweep()
    _settled_once(emulator, transaction_id)
    time.sleep(SWEEP_OLDER_THAN)
    assert transaction_id not in emulator.sweep()  # settled: nothing left to find


def test_duplicate_events_settle_once(emulator: Emulator, customer_id: str) -> None:
    transaction_id = _create(emulator, customer_id)
    _settled_once(emulator, transaction_id)
    sqs = emulator.client("sqs")
    body = json.dumps({"customer_id": customer_id, "transaction_id": transaction_id}, separators=(",", ":"))
    queue = emulator.info["settlement_queue_url"]
    # The same event again within 5 minutes (a pipe retry, a replayed batch): SQS drops it, although the first
    # message was received and deleted long ago.
    sqs.send_message(
        QueueUrl=queue, MessageBody=body, MessageGroupId=customer_id, MessageDeduplicationId=transaction_id
    )
    # A re-drive that SQS does not deduplicate (another id, or after 5 minutes): delivered, and still a no-op.
    sqs.send_message(
        QueueUrl=queue, MessageBody=body, MessageGroupId=customer_id, MessageDeduplicationId=f"{transaction_id}-redrive"
    )
    emulator.wait_for(lambda: len(emulator.deliveries(transaction_id)) == 2, 20, "the re-drive to be consumed")
    time.sleep(1)
    assert len(emulator.deliveries(transaction_id)) == 2
    _settled_once(emulator, transaction_id)


def test_a_lost_response_of_the_create_write_is_one_transaction(emulator: Emulator, customer_id: str) -> None:
    emulator.fault("dynamodb_response_lost", customer_id, times=1)
    transaction_id = _create(emulator, customer_id)  # botocore retried; the retry found the item already written
    _wait_fired(emulator, "dynamodb_response_lost")
    _settled_once(emulator, transaction_id)


def test_a_lost_response_of_the_settlement_start_is_one_execution(emulator: Emulator, customer_id: str) -> None:
    emulator.fault("start_response_lost", customer_id, times=1)
    transaction_id = _create(emulator, customer_id)
    _settled_once(emulator, transaction_id)
    assert any(r["kind"] == "start_response_lost" and r["fired"] == 1 for r in emulator.faults())


def test_a_lost_response_of_the_receipt_marker_is_one_receipt(emulator: Emulator, customer_id: str) -> None:
    # The transaction's third update is its receipt marker (pending -> processing, -> succeeded, receipt_key).
    emulator.fault("dynamodb_response_lost", customer_id, times=1, skip=2)
    transaction_id = _create(emulator, customer_id)
    _settled_once(emulator, transaction_id)
    assert any(r["kind"] == "dynamodb_response_lost" and r["fired"] == 1 for r in emulator.faults())


def test_a_lost_response_of_the_receipt_write_rewrites_the_same_receipt(emulator: Emulator, customer_id: str) -> None:
    emulator.fault("s3_response_lost", customer_id, times=1)
    transaction_id = _create(emulator, customer_id)
    # The retried PutObject writes the same key again: a second version (the bucket is versioned), same content.
    _settled_once(emulator, transaction_id, receipt_versions=2)
    s3 = emulator.client("s3")
    (key,) = emulator.receipt_keys(transaction_id)
    versions = emulator.receipt_versions(transaction_id)
    bodies = {
        s3.get_object(Bucket=emulator.info["receipts_bucket"], Key=key, VersionId=v["VersionId"])["Body"].read()
        for v in versions
    }
    assert len(bodies) == 1


def test_a_lost_response_of_the_pipe_send_is_one_delivery(emulator: Emulator, customer_id: str) -> None:
    emulator.fault("enqueue_response_lost", customer_id, times=1)
    transaction_id = _create(emulator, customer_id)
    _settled_once(emulator, transaction_id)
    time.sleep(1)
    assert len(emulator.deliveries(transaction_id)) == 1  # the retried send had the same deduplication id


def test_sns_publish_errors_are_retried_by_the_notify_step(emulator: Emulator, customer_id: str) -> None:
    emulator.fault("sns_error", customer_id, times=2)
    transaction_id = _create(emulator, customer_id)
    _settled_once(emulator, transaction_id)
    assert any(r["kind"] == "sns_error" and r["fired"] == 2 for r in emulator.faults())


def test_a_fault_can_target_one_transaction_of_a_customer(emulator: Emulator, customer_id: str) -> None:
    key = f"target-{customer_id}"
    target = derived_transaction_id("api", emulator.client_name, key)
    # Every process attempt of that one transaction fails (1 + 4 retries); then MarkFailed marks it failed.
    emulator.fault("settlement_error", transaction_id=target, times=5)
    other = _create(emulator, customer_id)
    assert _create(emulator, customer_id, key=key) == target
    assert emulator.wait_settled(other) == "succeeded"
    assert emulator.wait_settled(target, timeout=30) == "failed"
