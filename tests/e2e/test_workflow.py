"""Settlement through the Step Functions workflow of the synthesized stack, end to end.

The queue consumer starts one execution per transaction; the emulator runs the stack's own
definition (``payment_local.asl``) with the real task handlers, and publishes notifications
through the SNS integration to moto. Faults are injected on the wire (``payment_local.faults``).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import Emulator


def _create(emulator: Emulator, customer_id: str, amount: int = 1250, currency: str = "EUR") -> str:
    response = emulator.post({"customer_id": customer_id, "amount": amount, "currency": currency})
    assert response.status_code == 201, response.text
    return response.json()["transaction_id"]


def _definition(emulator: Emulator) -> dict:
    stack = json.loads(Path(emulator.info["stack_file"]).read_text(encoding="utf-8"))
    (machine,) = stack["resource"]["aws_sfn_state_machine"].values()
    return json.loads(machine["definition"])


def test_created_transaction_succeeds_through_the_workflow(emulator: Emulator, customer_id: str) -> None:
    transaction_id = _create(emulator, customer_id)

    execution = emulator.wait_execution(transaction_id)

    assert execution["status"] == "SUCCEEDED" and execution["name"] == transaction_id
    assert json.loads(execution["input"]) == {"transaction_id": transaction_id}
    assert emulator.status(transaction_id) == "succeeded"
    assert len(emulator.receipt_versions(transaction_id)) == 1
    [notification] = emulator.wait_for(lambda: emulator.notifications(transaction_id), 10, "the notification")
    assert notification == {
        "event": "transaction.settled",
        "transaction_id": transaction_id,
        "status": "succeeded",
        "amount": 1250,
        "currency": "EUR",
        "settled_at": notification["settled_at"],
        "receipt_key": notification["receipt_key"],
    }
    assert notification["receipt_key"].endswith(f"/{transaction_id}.json")
    assert len(emulator.executions(transaction_id)) == 1


def test_process_failing_transiently_twice_still_settles_once(emulator: Emulator, customer_id: str) -> None:
    # Each process invocation makes 4 UpdateItem attempts (1 + max_attempts=3 botocore retries): 8 throttles
    # fail exactly two invocations, which Step Functions retries with backoff; the third settles.
    emulator.fault("dynamodb_throttle", customer_id, times=8)
    transaction_id = _create(emulator, customer_id)

    execution = emulator.wait_execution(transaction_id)

    assert execution["status"] == "SUCCEEDED"
    assert emulator.task_failures(execution["executionArn"]) == [("Process", "RetryableProcessingError")] * 2
    assert emulator.status(transaction_id) == "succeeded"
    assert len(emulator.receipt_versions(transaction_id)) == 1
    notifications = emulator.wait_for(lambda: emulator.notifications(transaction_id), 10, "the notification")
    assert [n["event"] for n in notifications] == ["transaction.settled"]
    assert len(emulator.deliveries(transaction_id)) == 1  # retried inside the execution, not by the queue


def test_permanent_failure_marks_failed_notifies_and_writes_no_receipt(emulator: Emulator, customer_id: str) -> None:
    process_retry = next(
        r for r in _definition(emulator)["States"]["Process"]["Retry"] if "RetryableProcessingError" in r["ErrorEquals"]
    )
    attempts = 1 + process_retry["MaxAttempts"]
    # Every process attempt fails (AccessDenied on its first write); the fault is spent before MarkFailed.
    emulator.fault("settlement_error", customer_id, times=attempts)
    transaction_id = _create(emulator, customer_id)

    execution = emulator.wait_execution(transaction_id, timeout=60)

    assert (execution["status"], execution["error"]) == ("FAILED", "PaymentFailed")
    assert emulator.task_failures(execution["executionArn"]) == [("Process", "RetryableProcessingError")] * attempts
    record = emulator.get(f"/transactions/{transaction_id}").json()
    assert record["status"] == "failed"
    assert emulator.receipt_versions(transaction_id) == []
    notifications = emulator.wait_for(lambda: emulator.notifications(transaction_id), 10, "the notification")
    assert notifications == [
        {"event": "transaction.workflow_failed", "transaction_id": transaction_id, "error": "RetryableProcessingError"}
    ]


def test_duplicate_queue_message_starts_one_execution(emulator: Emulator, customer_id: str) -> None:
    transaction_id = _create(emulator, customer_id)
    emulator.wait_execution(transaction_id)
    sqs = emulator.client("sqs")
    body = json.dumps(
        {"customer_id": customer_id, "transaction_id": transaction_id}, separators=(",", ":"), sort_keys=True
    )
    for copy in ("a", "b"):  # distinct deduplication ids: the queue delivers both
        sqs.send_message(
            QueueUrl=emulator.info["settlement_queue_url"],
            MessageBody=body,
            MessageGroupId=customer_id,
            MessageDeduplicationId=f"{transaction_id}-duplicate-{copy}",
        )

    emulator.wait_for(lambda: len(emulator.deliveries(transaction_id, settled=False)) >= 3, 20, "three deliveries")

    assert all(d["outcome"] == "succeeded" for d in emulator.deliveries(transaction_id))
    assert len(emulator.executions(transaction_id)) == 1
    assert len(emulator.receipt_versions(transaction_id)) == 1
    assert len(emulator.notifications(transaction_id)) == 1
