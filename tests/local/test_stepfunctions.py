"""The emulator's Step Functions: the stack's own definition, and Standard StartExecution name semantics."""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from payment_infra.application import workflow_module
from payment_local.asl import UnsupportedDefinitionError
from payment_local.stack import Stack, load_stack
from payment_local.stepfunctions import ServiceError, StepFunctions, state_machines

REGION, ACCOUNT = "ap-northeast-2", "123456789012"


def _register(stack: Stack) -> None:
    """The attributes provisioning would register (ARNs of functions, topics and the state machine)."""
    for rtype, name_field, arn in (
        ("aws_lambda_function", "function_name", "arn:aws:lambda:{r}:{a}:function:{n}"),
        ("aws_sns_topic", "name", "arn:aws:sns:{r}:{a}:{n}"),
        ("aws_sfn_state_machine", "name", "arn:aws:states:{r}:{a}:stateMachine:{n}"),
    ):
        for logical_id, spec in stack.resources(rtype).items():
            value = arn.format(r=REGION, a=ACCOUNT, n=spec[name_field])
            stack.attributes[(rtype, logical_id)] = {"arn": value, "name": spec[name_field]}


@pytest.fixture
def dev_stack(synth_dir: Path) -> Stack:
    stack = load_stack("dev", path=synth_dir / "stacks" / "payment-dev" / "cdk.tf.json", synth_if_missing=False)
    _register(stack)
    return stack


def test_definition_comes_from_the_synthesized_stack_with_references_resolved(dev_stack: Stack):
    (machine,) = state_machines(dev_stack).values()
    functions = {
        spec["function_name"]: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{spec['function_name']}"
        for spec in dev_stack.resources("aws_lambda_function").values()
    }
    (topic,) = [t["name"] for t in dev_stack.resources("aws_sns_topic").values() if "notifications" in t["name"]]
    expected = workflow_module().build_state_machine_definition(
        functions["payment-workflow-validate-dev"],
        functions["payment-workflow-process-dev"],
        f"arn:aws:sns:{REGION}:{ACCOUNT}:{topic}",
    )
    assert machine.definition == json.loads(json.dumps(expected))
    assert machine.arn == f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:payment-processing-dev"


def test_a_definition_the_interpreter_cannot_run_fails_the_emulator_start(dev_stack: Stack):
    broken = copy.deepcopy(dev_stack.document)
    (spec,) = broken["resource"]["aws_sfn_state_machine"].values()
    definition = json.loads(spec["definition"])
    definition["States"]["Validate"]["Type"] = "Parallel"
    spec["definition"] = json.dumps(definition)
    stack = Stack(env="dev", path=dev_stack.path, document=broken, region=REGION, attributes=dev_stack.attributes)
    with pytest.raises(UnsupportedDefinitionError, match=r"state 'Validate': Type 'Parallel'"):
        state_machines(stack)


class Gate:
    """A Lambda stand-in that holds every execution in its first task until released."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def __call__(self, function_arn: str, event: Any) -> Any:
        self.release.wait(10)
        raise RuntimeError("stop here")


class NoSns:
    def publish(self, **_: Any) -> dict[str, str]:
        return {"MessageId": "m"}


def test_start_execution_name_semantics_of_standard_workflows(dev_stack: Stack):
    gate = Gate()
    service = StepFunctions(dev_stack, invoke=gate, sns=NoSns(), time_scale=0.0)
    (arn,) = service.state_machine_arns
    same = {"stateMachineArn": arn, "name": "txn_1", "input": '{"transaction_id":"txn_1"}'}

    first = service.start_execution(same)
    # Running, same name and input: the original execution, no error.
    assert service.start_execution(same) == first
    # Running, other input: ExecutionAlreadyExists.
    with pytest.raises(ServiceError) as other:
        service.start_execution({**same, "input": '{"transaction_id":"txn_2"}'})
    assert other.value.code == "ExecutionAlreadyExists"

    gate.release.set()
    service.wait_idle()
    assert service.describe_execution({"executionArn": first["executionArn"]})["status"] == "FAILED"
    # Closed: even the same input is refused.
    with pytest.raises(ServiceError) as closed:
        service.start_execution(same)
    assert closed.value.code == "ExecutionAlreadyExists"
    assert [e["name"] for e in service.list_executions({"stateMachineArn": arn})["executions"]] == ["txn_1"]


@pytest.mark.parametrize("name", ["", "x" * 81, "has space", "a/b", "a:b", "a{b}"])
def test_invalid_names_and_unknown_state_machines_are_refused(dev_stack: Stack, name: str):
    service = StepFunctions(dev_stack, invoke=Gate(), sns=NoSns())
    (arn,) = service.state_machine_arns
    if name:
        with pytest.raises(ServiceError, match="Invalid Name") as invalid:
            service.start_execution({"stateMachineArn": arn, "name": name, "input": "{}"})
        assert invalid.value.code == "InvalidName"
    with pytest.raises(ServiceError) as missing:
        service.start_execution({"stateMachineArn": arn + "-nope", "name": "n", "input": "{}"})
    assert missing.value.code == "StateMachineDoesNotExist"
