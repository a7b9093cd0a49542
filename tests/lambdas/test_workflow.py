"""The Step Functions definition and its two task handlers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from payments.adapters.dynamodb import DynamoDBTransactionRepository
from payments.domain.errors import RetryableProcessingError
from payments.domain.money import Money, parse_currency
from payments.domain.transaction import Status, new_pending, new_transaction_id
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
    assert process["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyFailure"}]
    assert definition["States"]["Validate"]["Parameters"]["FunctionName"] == VALIDATE


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


def _pending(aws: Aws, customer_id: str) -> str:
    transaction = new_pending(
        transaction_id=new_transaction_id(),
        customer_id=customer_id,
        money=Money(999, parse_currency("JPY")),
        description=None,
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
        "transaction_id": transaction_id, "customer_id": customer_id, "amount": 999, "currency": "JPY",
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
        dynamodb=function_env.dynamodb, transactions_table="missing", s3=function_env.s3,
        receipts_bucket=function_env.receipts_bucket,
    )
    with pytest.raises(RetryableProcessingError):
        steps.process({"transaction_id": "txn_" + "0" * 32, "customer_id": customer_id, "amount": 1,
                       "currency": "USD", "status": "pending"})
    assert RetryableProcessingError.__name__ == RETRYABLE_ERROR


def test_process_is_idempotent(function_env: Aws, customer_id: str):
    transaction_id = _pending(function_env, customer_id)
    event = workflow.validate_handler({"transaction_id": transaction_id}, LambdaContext())
    first = workflow.process_handler(event, LambdaContext())
    again = workflow.process_handler(event, LambdaContext())
    assert first == again
    stored = DynamoDBTransactionRepository(function_env.dynamodb, function_env.transactions_table).get(transaction_id)
    assert stored is not None and stored.status is Status.SUCCEEDED
