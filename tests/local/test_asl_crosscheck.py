"""Our ASL interpreter and moto's Step Functions execution (LocalStack's ASL parser) agree on our workflow.

The same definition (the stack's, built by ``build_state_machine_definition``) runs in both with the same scripted
Lambda steps: on success, on a transient failure then success, on a permanent failure, and for a duplicate start.
Compared: the execution's status, error and output, the states entered in order, the functions invoked and the
notifications published. moto cannot run Lambda code without Docker, so its function invoke is replaced by the
script (``LambdaFunction._invoke_lambda``); everything else is moto's own execution, including Retry and Catch.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.awslambda.models import LambdaFunction

from payment_infra.application import workflow_module
from payment_local.stack import Stack
from payment_local.stepfunctions import ServiceError, StepFunctions
from tests.local.test_stepfunctions import dev_stack  # noqa: F401 - the fixture

REGION = "ap-northeast-2"
INPUT = {"transaction_id": "txn_" + "a" * 32}


class Script:
    """What the two workflow functions do in a scenario; records every call as (function, event)."""

    def __init__(self, process_errors: list[str] | None = None, validate_error: str | None = None) -> None:
        self.process_errors = list(process_errors or [])
        self.validate_error = validate_error
        self.calls: list[tuple[str, Any]] = []

    def __call__(self, function: str, event: Any) -> tuple[bool, Any]:
        """``(errored, payload)``: payload is the result, or ``{"errorType", "errorMessage"}``."""
        self.calls.append((function, event))
        if function == "validate":
            if self.validate_error:
                return True, {"errorType": self.validate_error, "errorMessage": "scripted"}
            return False, {**event, "status": "pending"}
        if isinstance(event, dict) and "abandon" in event:
            return False, {"transaction_id": event["transaction_id"], "status": "failed"}
        if self.process_errors:
            return True, {"errorType": self.process_errors.pop(0), "errorMessage": "scripted"}
        return False, {
            **event,
            "status": "succeeded",
            "amount": 1999,
            "currency": "USD",
            "settled_at": "2026-12-03T00:00:00.000000Z",
            "receipt_key": "receipts/x.json",
        }


def _kind(function_name_or_arn: str) -> str:
    return "validate" if "validate" in function_name_or_arn else "process"


def _entered(events: list[dict[str, Any]]) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def _outcome(description: dict[str, Any], events: list[dict[str, Any]], script: Script, published: list[Any]):
    return {
        "status": description["status"],
        "error": description.get("error"),
        "output": json.loads(description["output"]) if description.get("output") else None,
        "states": _entered(events),
        "functions": [function for function, _ in script.calls],
        "notifications": [json.loads(message)["event"] for message in published],
    }


# --- ours --------------------------------------------------------------------------------------------------------


def _ours(stack: Stack, script: Script, starts: int = 1) -> tuple[dict[str, Any], list[str]]:
    published: list[str] = []

    class Sns:
        def publish(self, **request: Any) -> dict[str, str]:
            published.append(request["Message"])
            return {"MessageId": str(len(published))}

    def invoke(function_arn: str, event: Any) -> Any:
        errored, payload = script(_kind(function_arn), event)
        if errored:
            raise type(payload["errorType"], (Exception,), {})(payload["errorMessage"])
        return payload

    service = StepFunctions(stack, invoke=invoke, sns=Sns(), time_scale=0.0)
    (arn,) = service.state_machine_arns
    request = {"stateMachineArn": arn, "name": INPUT["transaction_id"], "input": json.dumps(INPUT)}
    execution = service.start_execution(request)["executionArn"]
    service.wait_idle()
    refusals = []
    for _ in range(starts - 1):
        try:
            service.start_execution(request)
        except ServiceError as error:
            refusals.append(error.code)
    description = service.describe_execution({"executionArn": execution})
    events = service.get_execution_history({"executionArn": execution})["events"]
    return _outcome(description, events, script, published), refusals


# --- moto --------------------------------------------------------------------------------------------------------


@pytest.fixture
def moto_scripted(monkeypatch: pytest.MonkeyPatch):
    """Runs a scenario in moto's own Step Functions execution; returns ``run(script, starts)``."""
    current: dict[str, Script] = {}

    def scripted_invoke(function: LambdaFunction, event: Any) -> tuple[str, bool, str]:
        errored, payload = current["script"](_kind(function.function_name), event)
        return json.dumps(payload), errored, ""

    monkeypatch.setattr(LambdaFunction, "_invoke_lambda", scripted_invoke)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        session = boto3.session.Session(region_name=REGION)
        role = session.client("iam").create_role(RoleName="workflow", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("noop.py", "def handler(event, context):\n    return event\n")
        lam = session.client("lambda")
        arns = {
            kind: lam.create_function(
                FunctionName=f"payment-workflow-{kind}",
                Runtime="python3.12",
                Role=role,
                Handler="noop.handler",
                Code={"ZipFile": code.getvalue()},
            )["FunctionArn"]
            for kind in ("validate", "process")
        }
        sns, sqs = session.client("sns"), session.client("sqs")
        topic = sns.create_topic(Name="notifications")["TopicArn"]
        tap = sqs.create_queue(QueueName="tap")["QueueUrl"]
        tap_arn = sqs.get_queue_attributes(QueueUrl=tap, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=tap_arn, Attributes={"RawMessageDelivery": "true"})
        definition = workflow_module().build_state_machine_definition(arns["validate"], arns["process"], topic)
        sfn = session.client("stepfunctions")
        machine = sfn.create_state_machine(name="payment-processing", definition=json.dumps(definition), roleArn=role)[
            "stateMachineArn"
        ]

        def run(script: Script, starts: int = 1) -> tuple[dict[str, Any], list[str]]:
            current["script"] = script
            name = f"{INPUT['transaction_id']}"
            sfn_input = json.dumps(INPUT)
            execution = sfn.start_execution(stateMachineArn=machine, name=name, input=sfn_input)["executionArn"]
            deadline = time.monotonic() + 60
            while (description := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
                assert time.monotonic() < deadline, "moto's execution did not finish in 60 s"
                time.sleep(0.05)
            refusals = []
            for _ in range(starts - 1):
                try:
                    sfn.start_execution(stateMachineArn=machine, name=name, input=sfn_input)
                except sfn.exceptions.ExecutionAlreadyExists:
                    refusals.append("ExecutionAlreadyExists")
            events = sfn.get_execution_history(executionArn=execution)["events"]
            published = [
                m["Body"] for m in sqs.receive_message(QueueUrl=tap, MaxNumberOfMessages=10).get("Messages", [])
            ]
            return _outcome(description, events, script, published), refusals

        yield run


@pytest.mark.parametrize(
    ("scenario", "script", "expected_status"),
    [
        ("success", lambda: Script(), "SUCCEEDED"),
        (
            "transient failure, then success",
            lambda: Script(process_errors=["RetryableProcessingError"] * 2),
            "SUCCEEDED",
        ),
        ("permanent failure", lambda: Script(validate_error="TransactionNotProcessableError"), "FAILED"),
    ],
)
def test_both_interpreters_agree_on_the_workflow(dev_stack: Stack, moto_scripted, scenario, script, expected_status):  # noqa: F811
    ours, _ = _ours(dev_stack, script())
    theirs, _ = moto_scripted(script())
    assert ours == theirs, scenario
    assert ours["status"] == expected_status


def test_both_refuse_a_duplicate_start_of_a_closed_execution(dev_stack: Stack, moto_scripted):  # noqa: F811
    ours, our_refusals = _ours(dev_stack, Script(), starts=2)
    theirs, their_refusals = moto_scripted(Script(), starts=2)
    assert ours == theirs
    assert our_refusals == their_refusals == ["ExecutionAlreadyExists"]
    assert ours["functions"] == ["validate", "process"]  # the second start ran nothing
