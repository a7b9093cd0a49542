"""The local ASL interpreter: each supported construct, the workflow definition itself, and loud refusals."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from payment_infra.application import workflow_module
from payment_local.asl import (
    ExecutionFailedError,
    Interpreter,
    TaskError,
    UnsupportedDefinitionError,
    check_definition,
    lambda_error,
    retry_delay,
)
from payment_local.stepfunctions import EXECUTION_NAME, LAMBDA_INVOKE, SNS_PUBLISH

TASK = "arn:aws:states:::lambda:invoke"


def machine(states: dict[str, Any], start: str = "A") -> dict[str, Any]:
    return {"StartAt": start, "States": states}


class Recorder:
    """A task integration that fails with the given errors first, then returns ``result(parameters)``."""

    def __init__(self, errors: list[str] | None = None, result=lambda p: {"Payload": p}) -> None:
        self.errors = list(errors or [])
        self.calls: list[Any] = []
        self.result = result

    def __call__(self, parameters: Any) -> Any:
        self.calls.append(parameters)
        if self.errors:
            raise TaskError(self.errors.pop(0), "injected")
        return self.result(parameters)


def run(definition: dict[str, Any], document: Any, task: Recorder | None = None, **kwargs: Any):
    sleeps: list[float] = []
    interpreter = Interpreter(definition, {TASK: task or Recorder()}, sleep=sleeps.append, **kwargs)
    return interpreter.run(document), sleeps, interpreter


# --- paths ------------------------------------------------------------------------------------------------------


def test_input_parameters_result_selector_result_path_output_path():
    definition = machine(
        {
            "A": {
                "Type": "Task",
                "Resource": TASK,
                "InputPath": "$.order",
                "Parameters": {"id.$": "$.id", "fixed": {"nested.$": "$.amount"}, "literal": [1, "x"]},
                "ResultSelector": {"echo.$": "$.Payload"},
                "ResultPath": "$.order.result",
                "OutputPath": "$.order",
                "End": True,
            }
        }
    )
    task = Recorder()
    output, _, _ = run(definition, {"order": {"id": "o1", "amount": 5}, "other": True}, task)
    assert task.calls == [{"id": "o1", "fixed": {"nested": 5}, "literal": [1, "x"]}]
    assert output == {
        "id": "o1",
        "amount": 5,
        "result": {"echo": {"id": "o1", "fixed": {"nested": 5}, "literal": [1, "x"]}},
    }


def test_result_path_null_keeps_the_input_and_dollar_replaces_it():
    keep = machine({"A": {"Type": "Task", "Resource": TASK, "ResultPath": None, "End": True}})
    assert run(keep, {"a": 1})[0] == {"a": 1}
    replace = machine({"A": {"Type": "Pass", "Result": {"b": 2}, "ResultPath": "$", "End": True}})
    assert run(replace, {"a": 1})[0] == {"b": 2}
    nested = machine({"A": {"Type": "Pass", "Result": 3, "ResultPath": "$.x.y", "End": True}})
    assert run(nested, {"a": 1})[0] == {"a": 1, "x": {"y": 3}}


def test_a_path_that_matches_nothing_fails_the_execution():
    definition = machine({"A": {"Type": "Pass", "Parameters": {"v.$": "$.missing"}, "End": True}})
    with pytest.raises(ExecutionFailedError) as failed:
        run(definition, {})
    assert failed.value.error == "States.Runtime" and "$.missing" in failed.value.cause


# --- choice, pass, succeed, fail -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"s": "ok"}, "Yes"),
        ({"s": "no"}, "No"),
        ({"n": 3, "s": "x"}, "Three"),
        ({"s": "x", "b": True}, "Bool"),
        ({"s": "x", "z": None}, "Null"),
        ({"s": "other"}, "NotNo"),
    ],
)
def test_choice_rules(document: dict, expected: str):
    definition = machine(
        {
            "A": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.s", "StringEquals": "ok", "Next": "Yes"},
                    {
                        "And": [{"Variable": "$.n", "IsPresent": True}, {"Variable": "$.n", "NumericEquals": 3}],
                        "Next": "Three",
                    },
                    {"Or": [{"Variable": "$.b", "BooleanEquals": True}], "Next": "Bool"},
                    {"Variable": "$.z", "IsNull": True, "Next": "Null"},
                    {"Not": {"Variable": "$.s", "StringEquals": "no"}, "Next": "NotNo"},
                ],
                "Default": "No",
            },
            **{
                name: {"Type": "Pass", "Result": name, "End": True}
                for name in ("Yes", "No", "Three", "Bool", "Null", "NotNo")
            },
        }
    )
    assert run(definition, document)[0] == expected


def test_choice_without_match_or_default_fails():
    definition = machine(
        {
            "A": {"Type": "Choice", "Choices": [{"Variable": "$.s", "StringEquals": "x", "Next": "B"}]},
            "B": {"Type": "Succeed"},
        }
    )
    with pytest.raises(ExecutionFailedError, match=r"States\.NoChoiceMatched"):
        run(definition, {"s": "y"})


def test_fail_state_ends_the_execution_with_its_error():
    definition = machine({"A": {"Type": "Fail", "Error": "Boom", "Cause": "because"}})
    with pytest.raises(ExecutionFailedError) as failed:
        run(definition, {})
    assert (failed.value.error, failed.value.cause) == ("Boom", "because")


# --- retry and catch ---------------------------------------------------------------------------------------------


def retrying(**retrier: Any) -> dict[str, Any]:
    return machine(
        {
            "A": {
                "Type": "Task",
                "Resource": TASK,
                "Retry": [{"ErrorEquals": ["Transient"], **retrier}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        }
    )


def test_retry_backs_off_exponentially_up_to_max_attempts_then_catches():
    task = Recorder(["Transient"] * 5)
    output, sleeps, _ = run(retrying(IntervalSeconds=1, MaxAttempts=3, BackoffRate=2.0), {"k": 1}, task)
    assert sleeps == [1.0, 2.0, 4.0] and len(task.calls) == 4
    assert output == {"k": 1, "error": {"Error": "Transient", "Cause": "injected"}}


def test_retry_succeeds_after_transient_failures_and_caps_the_delay():
    task = Recorder(["Transient"] * 2)
    output, sleeps, _ = run(retrying(IntervalSeconds=3, MaxAttempts=5, BackoffRate=4.0, MaxDelaySeconds=5), {}, task)
    assert sleeps == [3.0, 5.0] and output == {"Payload": {}}


def test_full_jitter_scales_each_delay_by_a_random_fraction():
    task = Recorder(["Transient"] * 2)
    _, sleeps, _ = run(retrying(IntervalSeconds=2, MaxAttempts=3, JitterStrategy="FULL"), {}, task, rng=lambda: 0.25)
    assert sleeps == [0.5, 1.0]
    assert retry_delay({"IntervalSeconds": 2, "JitterStrategy": "NONE"}, 3, lambda: 0.0) == 8.0


def test_errors_not_listed_are_not_retried_and_uncaught_errors_fail():
    task = Recorder(["Permanent"])
    _, sleeps, _ = run(retrying(MaxAttempts=3), {}, task)
    assert sleeps == [] and len(task.calls) == 1
    bare = machine({"A": {"Type": "Task", "Resource": TASK, "End": True}})
    with pytest.raises(ExecutionFailedError, match="Permanent"):
        run(bare, {}, Recorder(["Permanent"]))


def test_task_failed_matches_everything_but_timeouts():
    definition = machine(
        {
            "A": {
                "Type": "Task",
                "Resource": TASK,
                "TimeoutSeconds": 1,
                "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2}],
                "End": True,
            }
        }
    )
    ticks = iter([0.0, 5.0])
    with pytest.raises(ExecutionFailedError, match=r"States\.Timeout"):
        run(definition, {}, Recorder(), clock=lambda: next(ticks))
    _, sleeps, _ = run(definition, {}, Recorder(["Anything"]))
    assert len(sleeps) == 1


def test_lambda_errors_are_named_after_the_exception_class():
    class RetryableProcessingError(Exception):
        pass

    error = lambda_error(RetryableProcessingError("db down"))
    assert error.error == "RetryableProcessingError" and '"errorMessage": "db down"' in error.cause


# --- refusing what is not implemented ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("states", "message"),
    [
        ({"A": {"Type": "Map", "End": True}}, "state 'A': Type 'Map'"),
        ({"A": {"Type": "Wait", "Seconds": 1, "End": True}}, "state 'A': Type 'Wait'"),
        ({"A": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": True}}, "Resource"),
        ({"A": {"Type": "Task", "Resource": TASK, "HeartbeatSeconds": 5, "End": True}}, "['HeartbeatSeconds']"),
        ({"A": {"Type": "Pass", "Parameters": {"x.$": "States.Format('{}', $.a)"}, "End": True}}, "intrinsic"),
        ({"A": {"Type": "Pass", "InputPath": "$.items[0]", "End": True}}, "InputPath"),
        (
            {"A": {"Type": "Task", "Resource": TASK, "Retry": [{"ErrorEquals": ["X"], "MaxDelay": 3}], "End": True}},
            "Retry",
        ),
        (
            {
                "A": {
                    "Type": "Task",
                    "Resource": TASK,
                    "End": True,
                    "Retry": [{"ErrorEquals": ["X"], "JitterStrategy": "DECORRELATED"}],
                }
            },
            "JitterStrategy",
        ),
        (
            {"A": {"Type": "Choice", "Choices": [{"Variable": "$.a", "StringMatches": "x*", "Next": "A"}]}},
            "choice rule",
        ),
        ({"A": {"Type": "Pass", "Next": "Nowhere"}}, "unknown state 'Nowhere'"),
        ({"A": {"Type": "Pass"}}, "exactly one of Next and End"),
    ],
)
def test_unsupported_constructs_are_refused_naming_state_and_field(states: dict, message: str):
    with pytest.raises(UnsupportedDefinitionError, match=r"local interpreter|unknown state|exactly one") as raised:
        check_definition(machine(states), {TASK})
    assert message in str(raised.value)


def test_unsupported_top_level_fields_are_refused():
    with pytest.raises(UnsupportedDefinitionError, match="QueryLanguage"):
        check_definition({**machine({"A": {"Type": "Succeed"}}), "QueryLanguage": "JSONata"}, {TASK})


# --- the real workflow definition -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return workflow_module().build_state_machine_definition("validate-arn", "process-arn", "topic-arn")


class FakeAws:
    """Lambda and SNS for the workflow, with scripted process failures."""

    def __init__(self, process_errors: list[str] | None = None, status: str = "succeeded") -> None:
        self.process_errors = list(process_errors or [])
        self.status = status
        self.invocations: list[tuple[str, Any]] = []
        self.published: list[dict[str, Any]] = []

    def invoke(self, parameters: dict[str, Any]) -> dict[str, Any]:
        function, payload = parameters["FunctionName"], copy.deepcopy(parameters["Payload"])
        self.invocations.append((function, payload))
        if function == "validate-arn":
            return {"Payload": {**payload, "status": "pending"}}
        if "abandon" in payload:
            return {"Payload": {"transaction_id": payload["transaction_id"], "status": "failed"}}
        if self.process_errors:
            raise TaskError(self.process_errors.pop(0), "{}")
        return {
            "Payload": {
                "transaction_id": payload["transaction_id"],
                "status": self.status,
                "amount": 5,
                "currency": "EUR",
                "settled_at": "t",
                "receipt_key": "k",
            }
        }

    def publish(self, parameters: dict[str, Any]) -> dict[str, Any]:
        self.published.append(parameters)
        return {"MessageId": "m"}


def run_workflow(definition: dict[str, Any], fake: FakeAws) -> tuple[Any, list[float]]:
    sleeps: list[float] = []
    interpreter = Interpreter(definition, {LAMBDA_INVOKE: fake.invoke, SNS_PUBLISH: fake.publish}, sleep=sleeps.append)
    try:
        return interpreter.run({"transaction_id": "txn_1"}), sleeps
    except ExecutionFailedError as failed:
        return failed, sleeps


def test_workflow_success_publishes_one_settled_notification(workflow):
    fake = FakeAws()
    output, _ = run_workflow(workflow, fake)
    assert not isinstance(output, ExecutionFailedError)
    [published] = fake.published
    assert published["TopicArn"] == "topic-arn"
    assert published["Message"] == {
        "event": "transaction.settled",
        "transaction_id": "txn_1",
        "status": "succeeded",
        "amount": 5,
        "currency": "EUR",
        "settled_at": "t",
        "receipt_key": "k",
    }


def test_workflow_retries_transient_process_errors_with_backoff(workflow):
    fake = FakeAws(["RetryableProcessingError", "Lambda.ServiceException"])
    output, sleeps = run_workflow(workflow, fake)
    assert not isinstance(output, ExecutionFailedError) and len(sleeps) == 2
    assert [f for f, _ in fake.invocations] == ["validate-arn", "process-arn", "process-arn", "process-arn"]
    assert len(fake.published) == 1


def test_workflow_marks_failed_after_a_permanent_error_and_announces_it(workflow):
    fake = FakeAws(["SomethingPermanent"])
    failed, _ = run_workflow(workflow, fake)
    assert isinstance(failed, ExecutionFailedError) and failed.error == "PaymentFailed"
    assert fake.invocations[-1] == (
        "process-arn",
        {"transaction_id": "txn_1", "abandon": {"error": "SomethingPermanent"}},
    )
    assert [p["Message"] for p in fake.published] == [
        {"event": "transaction.workflow_failed", "transaction_id": "txn_1", "error": "SomethingPermanent"}
    ]


def test_workflow_declined_payment_is_announced_as_failed(workflow):
    fake = FakeAws(status="failed")
    failed, _ = run_workflow(workflow, fake)
    assert isinstance(failed, ExecutionFailedError)
    assert [p["Message"]["error"] for p in fake.published] == ["PaymentDeclined"]


def test_execution_names_follow_the_api_rules():
    assert EXECUTION_NAME.fullmatch("txn_" + "a" * 32)
    for bad in ("", "x" * 81, "a b", "a/b", "a:b", "a\x01"):
        assert not EXECUTION_NAME.fullmatch(bad)
