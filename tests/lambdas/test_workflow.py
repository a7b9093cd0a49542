"""The Step Functions definition and its two task handlers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from payments.adapters.dynamodb import DynamoDBTransactionRepository
from payments.domain.errors import ConcurrentModificationError, InvalidTransitionError, RetryableProcessingError
from payments.domain.money import Money, parse_currency
from payments.domain.services import receipt_key
from payments.domain.transaction import Status, Transaction, new_pending, new_transaction_id
from payments.handlers import workflow
from payments.workflow_definition import RETRYABLE_ERROR, build_state_machine_definition

from tests.lambdas.events import LambdaContext
from tests.lambdas.moto_resources import Aws

VALIDATE = "${TfToken[TOKEN.1]}"
PROCESS = "${TfToken[TOKEN.2]}"
TOPIC = "${TfToken[TOKEN.3]}"


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    return build_state_machine_definition(VALIDATE, PROCESS, TOPIC)


def test_flow_validate_process_notify(definition: dict[str, Any]):
    states = definition["States"]
    assert definition["StartAt"] == "Validate"
    assert states["Validate"]["Next"] == "Process"
    assert states["Process"]["Next"] == "CheckOutcome"
    assert states["CheckOutcome"]["Choices"][0]["Next"] == "NotifySuccess"
    assert states["NotifySuccess"]["End"] is True
    assert states["NotifyFailure"]["Next"] == "Failed"
    assert states["Failed"]["Type"] == "Fail"
    for name in ("NotifySuccess", "NotifyFailure"):
        assert states[name]["Resource"] == "arn:aws:states:::sns:publish"
        assert states[name]["Parameters"]["TopicArn"] == TOPIC


def test_process_retries_with_backoff_and_catches(definition: dict[str, Any]):
    process = definition["States"]["Process"]
    assert process["Resource"] == "arn:aws:states:::lambda:invoke"
    assert process["Parameters"]["FunctionName"] == PROCESS
    retried = {error for rule in process["Retry"] for error in rule["ErrorEquals"]}
    assert {"Lambda.ServiceException", "Lambda.TooManyRequestsException", RETRYABLE_ERROR} <= retried
    assert all(rule["BackoffRate"] > 1 and rule["MaxAttempts"] >= 2 for rule in process["Retry"])
    assert process["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "MarkFailed"}]
    assert definition["States"]["Validate"]["Parameters"]["FunctionName"] == VALIDATE
    assert definition["States"]["Validate"]["Catch"][0]["Next"] == "NotifyFailure"
    assert RETRYABLE_ERROR in {e for rule in definition["States"]["Validate"]["Retry"] for e in rule["ErrorEquals"]}


def test_permanent_failure_marks_failed_then_notifies(definition: dict[str, Any]):
    states = definition["States"]
    mark = states["MarkFailed"]
    assert mark["Parameters"]["FunctionName"] == PROCESS
    assert mark["Parameters"]["Payload"] == {
        "transaction_id.$": "$.transaction_id",
        "abandon": {"error.$": "$.error.Error"},
    }
    assert mark["ResultPath"] == "$.marked" and mark["Catch"][0]["Next"] == "Incomplete"
    assert states["CheckMarkedFailed"]["Choices"][0] == {
        "Variable": "$.marked.status",
        "StringEquals": "failed",
        "Next": "NotifyFailure",
    }
    assert states["CheckMarkedFailed"]["Default"] == "Incomplete" and states["Incomplete"]["Type"] == "Fail"


def test_every_transition_target_exists_and_tokens_are_verbatim(definition: dict[str, Any]):
    states = definition["States"]
    targets = {definition["StartAt"]}
    for state in states.values():
        targets.update(filter(None, [state.get("Next"), state.get("Default")]))
        targets.update(choice["Next"] for choice in state.get("Choices", []))
        targets.update(catch["Next"] for catch in state.get("Catch", []))
    assert targets <= set(states)
    assert set(states) - targets == set()
    text = json.dumps(definition)
    for token in (VALIDATE, PROCESS, TOPIC):
        assert text.count(token) >= 1


def _pending(aws: Aws, customer_id: str, description: str | None = None) -> str:
    transaction = new_pending(
        transaction_id=new_transaction_id(),
        customer_id=customer_id,
        money=Money(999, parse_currency("JPY")),
        description=description,
        created_at=datetime.now(UTC),
        source="api",
        client_id="checkout",
    )
    DynamoDBTransactionRepository(aws.dynamodb, aws.transactions_table).put_new(transaction)
    return transaction.transaction_id


def test_validate_then_process_settles_without_publishing(function_env: Aws, customer_id: str):
    transaction_id = _pending(function_env, customer_id)
    before = len(function_env.notifications())

    validated = workflow.validate_handler({"transaction_id": transaction_id}, LambdaContext())
    assert validated == {
        "transaction_id": transaction_id,
        "customer_id": customer_id,
        "amount": 999,
        "currency": "JPY",
        "status": "pending",
    }
    processed = workflow.process_handler(validated, LambdaContext())

    assert processed["status"] == "succeeded" and processed["receipt_key"].endswith(f"/{transaction_id}.json")
    assert len(function_env.notifications()) == before  # the state machine notifies
    with pytest.raises(workflow.TransactionNotProcessableError):
        workflow.validate_handler({"transaction_id": transaction_id}, LambdaContext())


@pytest.mark.parametrize("event", [{}, {"transaction_id": "nope"}, {"transaction_id": "txn_" + "0" * 32}])
def test_validate_rejects_bad_input(function_env: Aws, event: dict[str, Any]):
    with pytest.raises(workflow.TransactionNotProcessableError):
        workflow.validate_handler(event, LambdaContext())


def test_dependency_failures_are_retryable(function_env: Aws, customer_id: str):
    steps = workflow.build_steps(
        dynamodb=function_env.dynamodb,
        transactions_table="missing",
        s3=function_env.s3,
        receipts_bucket=function_env.receipts_bucket,
    )
    with pytest.raises(RetryableProcessingError):
        steps.process(
            {
                "transaction_id": "txn_" + "0" * 32,
                "customer_id": customer_id,
                "amount": 1,
                "currency": "USD",
                "status": "pending",
            }
        )
    assert RetryableProcessingError.__name__ == RETRYABLE_ERROR


def test_process_is_idempotent(function_env: Aws, customer_id: str):
    transaction_id = _pending(function_env, customer_id)
    event = workflow.validate_handler({"transaction_id": transaction_id}, LambdaContext())
    first = workflow.process_handler(event, LambdaContext())
    again = workflow.process_handler(event, LambdaContext())
    assert first == again
    stored = DynamoDBTransactionRepository(function_env.dynamodb, function_env.transactions_table).get(transaction_id)
    assert stored is not None and stored.status is Status.SUCCEEDED


def _repository(aws: Aws) -> DynamoDBTransactionRepository:
    return DynamoDBTransactionRepository(aws.dynamodb, aws.transactions_table)


def _stored(aws: Aws, transaction_id: str) -> Transaction:
    found = _repository(aws).get(transaction_id, consistent=True)
    assert found is not None
    return found


def _receipt_versions(aws: Aws, key: str) -> list[dict[str, Any]]:
    return aws.s3.list_object_versions(Bucket=aws.receipts_bucket, Prefix=key).get("Versions", [])


def test_process_writes_the_receipt_without_the_description(function_env: Aws, customer_id: str):
    transaction_id = _pending(function_env, customer_id, description="secret description")
    processed = workflow.process_handler({"transaction_id": transaction_id}, LambdaContext())
    settled = _stored(function_env, transaction_id)
    assert processed == {
        "transaction_id": transaction_id,
        "status": "succeeded",
        "amount": 999,
        "currency": "JPY",
        "settled_at": settled.settled_at,
        "failure_reason": None,
        "receipt_key": settled.receipt_key,
    }
    day = settled.settled_at[:10].replace("-", "/")
    assert settled.receipt_key == f"receipts/{day}/{transaction_id}.json"
    receipt = json.loads(
        function_env.s3.get_object(Bucket=function_env.receipts_bucket, Key=settled.receipt_key)["Body"].read()
    )
    assert receipt["status"] == "succeeded" and receipt["amount"] == 999 and receipt["amount_display"] == "999 JPY"
    assert "description" not in receipt and "secret" not in json.dumps(processed)
    assert len(_receipt_versions(function_env, settled.receipt_key)) == 1


class Decline:
    def decide(self, transaction: Transaction) -> tuple[Status, str | None]:
        return (Status.FAILED, "insufficient_funds")


def test_declined_transaction_ends_failed_with_receipt(function_env: Aws, customer_id: str):
    steps = workflow.build_steps(
        dynamodb=function_env.dynamodb,
        transactions_table=function_env.transactions_table,
        s3=function_env.s3,
        receipts_bucket=function_env.receipts_bucket,
        policy=Decline(),
    )
    transaction_id = _pending(function_env, customer_id)
    assert steps.process({"transaction_id": transaction_id})["status"] == "failed"
    failed = _stored(function_env, transaction_id)
    assert failed.status is Status.FAILED and failed.failure_reason == "insufficient_funds"
    assert failed.receipt_key == receipt_key(failed)


def test_process_resumes_the_receipt_after_a_crash(function_env: Aws, customer_id: str):
    """Crash after the final transition but before the receipt: a retry writes it once."""
    repository = _repository(function_env)
    transaction = _stored(function_env, _pending(function_env, customer_id))
    processing = repository.save_transition(transaction, transaction.transition(Status.PROCESSING, datetime.now(UTC)))
    repository.save_transition(processing, processing.transition(Status.SUCCEEDED, datetime.now(UTC)))

    for _ in range(2):
        workflow.process_handler({"transaction_id": transaction.transaction_id}, LambdaContext())

    done = _stored(function_env, transaction.transaction_id)
    assert done.status is Status.SUCCEEDED and done.receipt_key is not None
    assert len(_receipt_versions(function_env, done.receipt_key)) == 1


def test_status_never_moves_backwards_or_twice(function_env: Aws, customer_id: str):
    repository = _repository(function_env)
    transaction = _stored(function_env, _pending(function_env, customer_id))
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
    # Abandoning a settled transaction changes nothing.
    abandoned = workflow.process_handler(
        {"transaction_id": transaction.transaction_id, "abandon": {"error": "X"}}, LambdaContext()
    )
    assert abandoned["status"] == "succeeded"
    assert _stored(function_env, transaction.transaction_id).status is Status.SUCCEEDED


@pytest.mark.parametrize("start", ["pending", "processing"])
def test_abandon_marks_an_unsettled_transaction_failed_without_receipt(function_env: Aws, customer_id: str, start: str):
    repository = _repository(function_env)
    transaction = _stored(function_env, _pending(function_env, customer_id))
    if start == "processing":
        repository.save_transition(transaction, transaction.transition(Status.PROCESSING, datetime.now(UTC)))

    result = workflow.process_handler(
        {"transaction_id": transaction.transaction_id, "abandon": {"error": "RetryableProcessingError"}},
        LambdaContext(),
    )

    assert result["status"] == "failed" and result["receipt_key"] is None
    failed = _stored(function_env, transaction.transaction_id)
    assert failed.status is Status.FAILED and failed.failure_reason == workflow.ABANDONED_REASON
    assert failed.receipt_key is None
    keys = [v["Key"] for v in _receipt_versions(function_env, "receipts/")]
    assert not [key for key in keys if key.endswith(f"/{transaction.transaction_id}.json")]


def test_unavailable_bucket_is_retryable_and_resumes_at_the_receipt(function_env: Aws, customer_id: str):
    steps = workflow.build_steps(
        dynamodb=function_env.dynamodb,
        transactions_table=function_env.transactions_table,
        s3=function_env.s3,
        receipts_bucket="no-such-bucket",
    )
    transaction_id = _pending(function_env, customer_id)
    with pytest.raises(RetryableProcessingError):
        steps.process({"transaction_id": transaction_id})
    # The transition happened; the retry resumes at the receipt.
    assert _stored(function_env, transaction_id).status is Status.SUCCEEDED
    assert _stored(function_env, transaction_id).receipt_key is None
    workflow.process_handler({"transaction_id": transaction_id}, LambdaContext())
    assert _stored(function_env, transaction_id).receipt_key is not None


def test_a_new_transaction_names_the_region_that_created_it(aws: Aws, customer_id: str) -> None:
    from payments.functions import ORIGIN_REGION_ATTRIBUTE

    transaction_id = _pending(aws, customer_id)
    (item,) = aws.dynamodb.query(
        TableName=aws.transactions_table,
        KeyConditionExpression="transaction_id = :id",
        ExpressionAttributeValues={":id": {"S": transaction_id}},
    )["Items"]
    assert item[ORIGIN_REGION_ATTRIBUTE] == {"S": aws.dynamodb.meta.region_name}
    stored = _repository(aws).get(transaction_id)
    assert stored is not None and stored.transaction_id == transaction_id  # the attribute is not part of the model
