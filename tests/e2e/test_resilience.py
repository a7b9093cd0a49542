"""Concurrency and failure handling, end to end: idempotency, redrive to the DLQ, retried faults.

Faults are injected in the emulator process on the wire (botocore hooks, ``--test-hooks``),
scoped to one customer, so the real handlers, botocore's retries, the workflow's Retry and
the queue's redelivery all take part.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from boto3.dynamodb.conditions import Key

from tests.e2e.conftest import Emulator


def _items_of(emulator: Emulator, customer_id: str) -> list[dict]:
    import boto3

    table = (
        boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=emulator.info["region"]
        )
        .resource("dynamodb", endpoint_url=emulator.info["aws_endpoint_url"])
        .Table(emulator.info["transactions_table"])
    )
    return table.query(
        IndexName="client_customer-index",
        KeyConditionExpression=Key("client_customer").eq(f"{emulator.client_name}#{customer_id}"),
    )["Items"]


TRANSACTIONS_HANDLER = "payments.handlers.transactions.handler"


def _one_key_at_once(emulator: Emulator, body: dict, key: str, count: int) -> list:
    barrier = threading.Barrier(count)

    def post(_: int):
        barrier.wait()
        return emulator.post(body, key=key)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(post, range(count)))


def test_concurrent_posts_with_one_key_meet_the_in_progress_record_and_make_one_transaction(
    emulator: Emulator, customer_id: str
) -> None:
    """Within the function's reserved concurrency the posts run at once, as on Lambda: one writes, the others find
    its idempotency record in progress (409, retry later) or, once it completed, replay its response (201). The
    write is slowed (``write_delay``, 0.5 s) so that the others arrive while it is in progress, however fast the
    emulator answers."""
    reserved = emulator.concurrency()["reserved"][TRANSACTIONS_HANDLER]
    count = min(8, reserved)
    body = {"customer_id": customer_id, "amount": 4200, "currency": "EUR"}
    emulator.fault("write_delay", customer_id, times=None)
    responses = _one_key_at_once(emulator, body, f"idem-{customer_id}", count)
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409}, statuses
    assert 409 in statuses, f"no post met the in-progress record: {statuses}"
    ids = {r.json()["transaction_id"] for r in responses if r.status_code == 201}
    assert len(ids) == 1, ids
    for conflict in (r for r in responses if r.status_code == 409):
        assert conflict.json()["error"]["code"] == "idempotency_key_in_use"
    assert emulator.concurrency()["peak"][TRANSACTIONS_HANDLER] >= 2  # they really ran at once
    (transaction_id,) = ids
    assert emulator.wait_settled(transaction_id) == "succeeded"
    assert len(_items_of(emulator, customer_id)) == 1  # one transaction for the key, none twice
    assert len({d["message_id"] for d in emulator.deliveries(transaction_id)}) == 1
    assert len(emulator.executions(transaction_id)) == 1
    assert len(emulator.receipt_versions(transaction_id)) == 1


def test_50_concurrent_posts_beyond_reserved_concurrency_are_throttled_and_make_one_transaction(
    emulator: Emulator, customer_id: str
) -> None:
    """More posts at once than the function's reserved concurrency: Lambda throttles the rest (429), which API
    Gateway answers with its INTEGRATION_FAILURE response; still exactly one transaction."""
    body = {"customer_id": customer_id, "amount": 4200, "currency": "EUR"}
    responses = _one_key_at_once(emulator, body, f"idem-{customer_id}", 50)
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409, 502}, statuses
    ids = {r.json()["transaction_id"] for r in responses if r.status_code == 201}
    assert len(ids) == 1
    concurrency = emulator.concurrency()
    assert concurrency["peak"][TRANSACTIONS_HANDLER] <= concurrency["reserved"][TRANSACTIONS_HANDLER]
    if 502 in statuses:
        assert concurrency["throttled"][TRANSACTIONS_HANDLER] >= statuses.count(502)
    (transaction_id,) = ids
    assert emulator.wait_settled(transaction_id) == "succeeded"
    assert len(_items_of(emulator, customer_id)) == 1
    assert len(emulator.executions(transaction_id)) == 1


def test_message_failing_three_times_goes_to_dlq_others_settle(emulator: Emulator, customer_id: str) -> None:
    # The consumer cannot start the workflow for this customer: the message fails on every receive.
    emulator.fault("start_error", customer_id, times=None)
    poisoned = emulator.post({"customer_id": customer_id, "amount": 100, "currency": "USD"}).json()["transaction_id"]
    others = [
        emulator.post({"customer_id": f"{customer_id}_ok{i}", "amount": 100 + i, "currency": "USD"}).json()
        for i in range(3)
    ]
    for other in others:
        assert emulator.wait_settled(other["transaction_id"]) == "succeeded"

    sqs = emulator.client("sqs")
    max_receives = emulator.info["max_receive_count"]
    assert max_receives == 3

    def in_dlq() -> bool:
        messages = sqs.receive_message(
            QueueUrl=emulator.info["dlq_url"], MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
        ).get("Messages", [])
        return any(json.loads(m["Body"]).get("transaction_id") == poisoned for m in messages)

    emulator.wait_for(in_dlq, 20, "the failing message in the DLQ")
    attempts = emulator.deliveries(poisoned, settled=False)
    assert [d["outcome"] for d in attempts] == ["failed"] * max_receives
    # Not lost: the record is still there, unsettled, for the redrive tool.
    assert emulator.get(f"/transactions/{poisoned}").json()["status"] == "pending"
    assert emulator.executions(poisoned) == []
    assert emulator.receipt_versions(poisoned) == []


def test_dynamodb_throttle_during_settlement_is_retried(emulator: Emulator, customer_id: str) -> None:
    # 1 throttle: botocore's own retries absorb it. 4: the handler's client makes 4 attempts (1 + max_attempts=3
    # retries), so one process invocation fails and the workflow retries it (the message is delivered once).
    results = {}
    for times in (1, 4):
        customer = f"{customer_id}_t{times}"
        emulator.fault("dynamodb_throttle", customer, times=times)
        transaction_id = emulator.post({"customer_id": customer, "amount": 7, "currency": "JPY"}).json()[
            "transaction_id"
        ]
        results[times] = transaction_id
    for times, transaction_id in results.items():
        assert emulator.wait_settled(transaction_id, timeout=30) == "succeeded"
        assert len(emulator.receipt_versions(transaction_id)) == 1
        assert [d["outcome"] for d in emulator.deliveries(transaction_id)] == ["succeeded"]
        execution = emulator.wait_execution(transaction_id)
        failures = emulator.task_failures(execution["executionArn"])
        assert failures == ([("Process", "RetryableProcessingError")] if times == 4 else [])
        notified = emulator.wait_for(lambda t=transaction_id: emulator.notifications(t), 10, "the notification")
        assert len(notified) == 1


def test_s3_failure_writing_the_receipt_is_retried_without_double_receipt(emulator: Emulator, customer_id: str) -> None:
    emulator.fault("s3_error", customer_id, times=4)
    transaction_id = emulator.post({"customer_id": customer_id, "amount": 999, "currency": "KWD"}).json()[
        "transaction_id"
    ]
    assert emulator.wait_settled(transaction_id, timeout=30) == "succeeded"
    emulator.wait_for(lambda: emulator.receipt_versions(transaction_id), 20, "the receipt")
    execution = emulator.wait_execution(transaction_id)
    # The first process attempt settled but could not write the receipt; the retry resumed at the receipt.
    assert emulator.task_failures(execution["executionArn"]) == [("Process", "RetryableProcessingError")]
    assert [d["outcome"] for d in emulator.deliveries(transaction_id)] == ["succeeded"]
    assert len(emulator.receipt_versions(transaction_id)) == 1
    assert len(emulator.wait_for(lambda: emulator.notifications(transaction_id), 10, "the notification")) == 1
    assert len(_items_of(emulator, customer_id)) == 1
