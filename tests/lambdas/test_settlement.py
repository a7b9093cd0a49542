"""Settlement consumer on moto: one workflow execution per transaction, partial batch failures.

The consumer only starts executions; what the workflow does with them is tested in
``test_workflow.py`` (steps) and ``tests/e2e`` (the state machine from the synthesized stack).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from payments.adapters.stepfunctions import (
    StepFunctionsSettlementStarter,
    execution_input,
    execution_name,
)
from payments.domain.errors import DependencyError, ValidationError
from payments.handlers import settlement

from tests.lambdas.events import LambdaContext, sqs_event
from tests.lambdas.moto_resources import ACCOUNT_ID, REGION, Aws

DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})


@pytest.fixture
def state_machine(function_env: Aws, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    sfn = boto3.session.Session(region_name=REGION).client("stepfunctions")
    arn = sfn.create_state_machine(
        name=f"payment-settlement-{uuid.uuid4().hex[:8]}",
        definition=DEFINITION,
        roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/payment-workflow-test",
        type="STANDARD",
    )["stateMachineArn"]
    monkeypatch.setenv("STATE_MACHINE_ARN", arn)
    settlement._consumer.cache_clear()
    return sfn, arn


def txn_id() -> str:
    return "txn_" + uuid.uuid4().hex


def message(transaction_id: str, customer_id: str) -> tuple[str, str]:
    return json.dumps({"transaction_id": transaction_id, "customer_id": customer_id}), customer_id


def run(event: dict[str, Any]) -> dict[str, Any]:
    return settlement.handler(event, LambdaContext(function_name="payment-settlement-test"))


def executions(sfn: Any, arn: str) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in sfn.list_executions(stateMachineArn=arn)["executions"]}


def test_each_message_starts_one_execution_named_after_the_transaction(state_machine, customer_id: str):
    sfn, arn = state_machine
    ids = [txn_id() for _ in range(3)]

    assert run(sqs_event([message(i, customer_id) for i in ids])) == {"batchItemFailures": []}

    started = executions(sfn, arn)
    assert set(started) == set(ids)
    for transaction_id in ids:
        described = sfn.describe_execution(executionArn=started[transaction_id]["executionArn"])
        assert json.loads(described["input"]) == {"transaction_id": transaction_id}


def test_redelivered_or_duplicated_message_starts_nothing_new(state_machine, customer_id: str):
    sfn, arn = state_machine
    transaction_id = txn_id()
    run(sqs_event([message(transaction_id, customer_id)]))

    # moto answers a repeated name with ExecutionAlreadyExists, as AWS does once the first has closed.
    duplicate = sqs_event([message(transaction_id, customer_id), message(transaction_id, customer_id)])
    assert run(duplicate) == {"batchItemFailures": []}

    assert list(executions(sfn, arn)) == [transaction_id]


@pytest.mark.parametrize("poison", ["not json", '{"transaction_id": 5}', '{"transaction_id": "txn_nothex"}'])
def test_poisoned_message_is_the_only_failure(state_machine, poison: str):
    sfn, arn = state_machine
    good = [(txn_id(), f"cust_{uuid.uuid4().hex[:8]}") for _ in range(3)]
    event = sqs_event([message(*good[0]), (poison, "poison-group"), message(*good[1]), message(*good[2])])

    result = run(event)

    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert set(executions(sfn, arn)) == {transaction_id for transaction_id, _ in good}


def test_failure_holds_back_later_messages_of_the_same_customer_only(state_machine, customer_id: str):
    sfn, arn = state_machine
    later_same_customer, other_customer = txn_id(), txn_id()
    event = sqs_event(
        [("not json", customer_id), message(later_same_customer, customer_id), message(other_customer, "cust_other")]
    )

    result = run(event)

    failed = {item["itemIdentifier"] for item in result["batchItemFailures"]}
    assert failed == {event["Records"][0]["messageId"], event["Records"][1]["messageId"]}
    assert set(executions(sfn, arn)) == {other_customer}


def test_unreachable_state_machine_fails_every_message_for_retry(state_machine, monkeypatch, customer_id: str):
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    monkeypatch.setenv("STATE_MACHINE_ARN", f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:missing")
    settlement._consumer.cache_clear()
    # Every record failed: Powertools fails the invocation so Lambda retries the whole batch.
    with pytest.raises(BatchProcessingError):
        run(sqs_event([message(txn_id(), customer_id), message(txn_id(), "cust_other")]))


# --- the starter's treatment of StartExecution answers (stubbed: exact AWS semantics) --------------------------


def _stubbed(arn: str = f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:payment") -> tuple[Any, Stubber]:
    client = boto3.session.Session(region_name=REGION).client("stepfunctions")
    return client, Stubber(client)


def _expected(transaction_id: str, arn: str) -> dict[str, str]:
    return {
        "stateMachineArn": arn,
        "name": transaction_id,
        "input": json.dumps({"transaction_id": transaction_id}, separators=(",", ":")),
    }


def test_running_execution_with_the_same_input_is_returned_and_counts_as_started_once():
    arn = f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:payment"
    client, stub = _stubbed(arn)
    transaction_id = txn_id()
    response = {"executionArn": f"{arn.replace('stateMachine', 'execution')}:{transaction_id}", "startDate": 0}
    # AWS returns the original execution (no error) for a repeat while it runs: idempotent by itself.
    stub.add_response("start_execution", response, _expected(transaction_id, arn))
    stub.add_response("start_execution", response, _expected(transaction_id, arn))
    with stub:
        starter = StepFunctionsSettlementStarter(client, arn)
        assert starter.start(transaction_id) == "started"
        assert starter.start(transaction_id) == "started"
    stub.assert_no_pending_responses()


def test_execution_already_exists_counts_as_success_other_errors_do_not():
    arn = f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:payment"
    client, stub = _stubbed(arn)
    transaction_id = txn_id()
    stub.add_client_error("start_execution", "ExecutionAlreadyExists", "Execution Already Exists", 400)
    stub.add_client_error("start_execution", "ThrottlingException", "Rate exceeded", 400)
    stub.add_client_error("start_execution", "StateMachineDoesNotExist", "no such state machine", 400)
    with stub:
        starter = StepFunctionsSettlementStarter(client, arn)
        assert starter.start(transaction_id) == "already_started"
        for code in ("ThrottlingException", "StateMachineDoesNotExist"):
            with pytest.raises(DependencyError, match=code) as raised:
                starter.start(transaction_id)
            assert isinstance(raised.value.__cause__, ClientError)


def test_execution_name_follows_the_api_rules():
    transaction_id = txn_id()
    assert execution_name(transaction_id) == transaction_id
    assert execution_input(transaction_id) == f'{{"transaction_id":"{transaction_id}"}}'
    for bad in ("", "a" * 81, "has space", "a/b", "a:b", "a#b", "a{b}", "tab\there", "x\x7f"):
        with pytest.raises(ValidationError, match="execution name"):
            execution_name(bad)
    assert execution_name("a" * 80) == "a" * 80
