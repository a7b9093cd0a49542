"""Step Functions for the emulator: the stack's state machines, run by :mod:`payment_local.asl`.

Served on its own loopback port with the AWS JSON 1.0 protocol, so the handlers' unchanged boto3
``stepfunctions`` client reaches it through ``AWS_ENDPOINT_URL_SFN``. Operations: StartExecution,
DescribeExecution, ListExecutions, GetExecutionHistory. The definition is the one in the
synthesized stack, with its Terraform references resolved; Task integrations are Lambda invoke
(the real handler, in this process) and SNS publish (moto).

StartExecution follows the Standard-type name rules of AWS: a name is 1-80 characters without
whitespace, brackets, wildcards, ``"#%\\^|~`$&,;:/`` or control characters; the name of an existing
execution returns that execution if it is still running and was started with the same input,
and fails with ``ExecutionAlreadyExists`` otherwise (closed, or other input).

One liberty: retry intervals are multiplied by ``time_scale`` (``--workflow-time-scale``) so that
backoff in tests takes a fraction of a second; ``make local`` keeps the real intervals.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from payment_local.asl import ExecutionFailedError, Interpreter, TaskError, check_definition, lambda_error
from payment_local.runtime import TooManyRequestsException
from payment_local.stack import Stack, StackError
from payment_local.stop_signal import SERVER_POLL_SECONDS

log = logging.getLogger("payment_local")
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
SNS_PUBLISH = "arn:aws:states:::sns:publish"
EXECUTION_NAME = re.compile(r"[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}")


class ServiceError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Execution:
    arn: str
    name: str
    state_machine_arn: str
    input: str
    start_date: float = field(default_factory=time.time)
    status: str = "RUNNING"
    stop_date: float | None = None
    output: str | None = None
    error: str | None = None
    cause: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "executionArn": self.arn,
            "stateMachineArn": self.state_machine_arn,
            "name": self.name,
            "status": self.status,
            "startDate": self.start_date,
            "input": self.input,
        }
        for key, value in (
            ("stopDate", self.stop_date),
            ("output", self.output),
            ("error", self.error),
            ("cause", self.cause),
        ):
            if value is not None:
                described[key] = value
        return described


@dataclass(frozen=True)
class StateMachine:
    arn: str
    name: str
    definition: dict[str, Any]


def state_machines(stack: Stack) -> dict[str, StateMachine]:
    """By ARN; provisioning must have registered their ARNs (``stack.attributes``) first."""
    machines = {}
    for logical_id, spec in stack.resources("aws_sfn_state_machine").items():
        if spec.get("type", "STANDARD") != "STANDARD":
            raise StackError(f"{logical_id}: only STANDARD state machines are emulated, not {spec.get('type')}")
        arn = stack.attributes[("aws_sfn_state_machine", logical_id)]["arn"]
        definition = json.loads(stack.resolve(spec["definition"]))
        check_definition(definition, {LAMBDA_INVOKE, SNS_PUBLISH})
        machines[arn] = StateMachine(arn=arn, name=spec["name"], definition=definition)
    return machines


class StepFunctions:
    """The service: executions run on threads; ``invoke(function_arn, event)`` runs a function."""

    def __init__(self, stack: Stack, *, invoke: Callable[[str, Any], Any], sns: Any, time_scale: float = 1.0) -> None:
        self._stack = stack
        self._machines = state_machines(stack)
        self._invoke = invoke
        self._sns = sns
        self._time_scale = time_scale
        self._executions: dict[str, Execution] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    @property
    def state_machine_arns(self) -> list[str]:
        return sorted(self._machines)

    # -- API ----------------------------------------------------------------------------------------------------

    def start_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        machine = self._machines.get(request.get("stateMachineArn", ""))
        if machine is None:
            arn = request.get("stateMachineArn")
            raise ServiceError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        name = request.get("name") or str(uuid.uuid4())
        if not EXECUTION_NAME.fullmatch(name):
            raise ServiceError("InvalidName", f"Invalid Name: '{name}'")
        execution_input = request.get("input", "{}")
        try:
            document = json.loads(execution_input)
        except ValueError:
            raise ServiceError("InvalidExecutionInput", "Invalid State Machine Execution Input: not JSON") from None
        arn = machine.arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"
        with self._lock:
            existing = self._executions.get(arn)
            if existing is not None:
                if existing.status == "RUNNING" and existing.input == execution_input:
                    return {"executionArn": existing.arn, "startDate": existing.start_date}
                raise ServiceError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
            execution = Execution(arn=arn, name=name, state_machine_arn=machine.arn, input=execution_input)
            self._executions[arn] = execution
        thread = threading.Thread(
            target=self._run, args=(machine, execution, document), name=f"sfn-{name}", daemon=True
        )
        self._threads.append(thread)
        thread.start()
        return {"executionArn": arn, "startDate": execution.start_date}

    def describe_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._execution(request).describe()

    def list_executions(self, request: dict[str, Any]) -> dict[str, Any]:
        arn = request.get("stateMachineArn", "")
        if arn not in self._machines:
            raise ServiceError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        with self._lock:
            found = [e for e in self._executions.values() if e.state_machine_arn == arn]
        if request.get("statusFilter"):
            found = [e for e in found if e.status == request["statusFilter"]]
        found.sort(key=lambda e: e.start_date, reverse=True)
        return {
            "executions": [
                {k: v for k, v in e.describe().items() if k not in ("input", "output", "error", "cause")} for e in found
            ]
        }

    def get_execution_history(self, request: dict[str, Any]) -> dict[str, Any]:
        execution = self._execution(request)
        events = [aws_event(event, execution.start_date) for event in list(execution.history)]
        if request.get("reverseOrder"):
            events.reverse()
        return {"events": events}

    def _execution(self, request: dict[str, Any]) -> Execution:
        with self._lock:
            execution = self._executions.get(request.get("executionArn", ""))
        if execution is None:
            raise ServiceError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{request.get('executionArn')}'")
        return execution

    def wait_idle(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))

    # -- running ------------------------------------------------------------------------------------------------

    def _run(self, machine: StateMachine, execution: Execution, document: Any) -> None:
        interpreter = Interpreter(
            machine.definition,
            {LAMBDA_INVOKE: self._lambda_invoke, SNS_PUBLISH: self._sns_publish},
            sleep=lambda seconds: time.sleep(seconds * self._time_scale),
            history=execution.history,
        )
        try:
            output = interpreter.run(document)
            execution.output, execution.status = json.dumps(output), "SUCCEEDED"
        except ExecutionFailedError as failed:
            execution.error, execution.cause, execution.status = failed.error, failed.cause, "FAILED"
            log.warning("execution %s failed: %s", execution.name, failed.error)
        except Exception as exc:  # an interpreter bug must not look like a running execution forever
            log.exception("execution %s crashed", execution.name)
            execution.error, execution.cause, execution.status = "States.Runtime", str(exc), "FAILED"
        execution.stop_date = time.time()

    def _lambda_invoke(self, parameters: Any) -> Any:
        if not isinstance(parameters, dict) or "FunctionName" not in parameters:
            raise TaskError("States.Runtime", "lambda:invoke needs Parameters.FunctionName")
        try:
            payload = self._invoke(parameters["FunctionName"], parameters.get("Payload"))
        except KeyError as exc:
            raise TaskError("Lambda.ResourceNotFoundException", f"Function not found: {exc}") from exc
        except TooManyRequestsException as exc:  # the invoke itself was throttled: a Lambda service error
            raise TaskError("Lambda.TooManyRequestsException", str(exc)) from exc
        except Exception as exc:
            raise lambda_error(exc) from exc
        return {
            "ExecutedVersion": "$LATEST",
            "Payload": payload,
            "StatusCode": 200,
            "SdkHttpMetadata": {"HttpStatusCode": 200},
        }

    def _sns_publish(self, parameters: Any) -> Any:
        message = parameters.get("Message")
        request = {
            "TopicArn": parameters.get("TopicArn"),
            "Message": message if isinstance(message, str) else json.dumps(message),
        }
        if "Subject" in parameters:
            request["Subject"] = parameters["Subject"]
        try:
            response = self._sns.publish(**request)
        except Exception as exc:
            raise TaskError("SNS.SnsException", str(exc)) from exc
        return {"MessageId": response["MessageId"], "SdkHttpMetadata": {"HttpStatusCode": 200}}


def aws_event(event: dict[str, Any], start: float) -> dict[str, Any]:
    """An interpreter history event in the shape of GetExecutionHistory (``...EventDetails``)."""
    kind = event["type"]
    result: dict[str, Any] = {"id": event["id"], "type": kind, "timestamp": start}
    state = event.get("state")
    resource = (event.get("resource") or "").removeprefix("arn:aws:states:::")
    resource_type, _, action = resource.partition(":")
    if kind.endswith("StateEntered"):
        result["stateEnteredEventDetails"] = {"name": state, "input": json.dumps(event.get("input"))}
    elif kind.endswith("StateExited"):
        result["stateExitedEventDetails"] = {"name": state, "output": json.dumps(event.get("output"))}
    elif kind == "TaskScheduled":
        result["taskScheduledEventDetails"] = {
            "resourceType": resource_type,
            "resource": action,
            "region": "local",
            "parameters": json.dumps(event.get("parameters")),
        }
    elif kind == "TaskSucceeded":
        result["taskSucceededEventDetails"] = {
            "resourceType": resource_type,
            "resource": action,
            "output": json.dumps(event.get("output")),
        }
    elif kind == "TaskFailed":
        result["taskFailedEventDetails"] = {
            "resourceType": resource_type,
            "resource": action,
            "error": event.get("error"),
            "cause": event.get("cause"),
        }
    elif kind == "ExecutionStarted":
        result["executionStartedEventDetails"] = {"input": json.dumps(event.get("input"))}
    elif kind == "ExecutionSucceeded":
        result["executionSucceededEventDetails"] = {"output": json.dumps(event.get("output"))}
    elif kind == "ExecutionFailed":
        result["executionFailedEventDetails"] = {"error": event.get("error"), "cause": event.get("cause")}
    return result


OPERATIONS = {
    "StartExecution": StepFunctions.start_execution,
    "DescribeExecution": StepFunctions.describe_execution,
    "ListExecutions": StepFunctions.list_executions,
    "GetExecutionHistory": StepFunctions.get_execution_history,
}


class StepFunctionsServer:
    """The AWS JSON 1.0 front of :class:`StepFunctions` on ``127.0.0.1``; ``endpoint_url`` after :meth:`start`."""

    def __init__(self) -> None:
        self.service: StepFunctions | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.endpoint_url = ""

    def start(self, host: str = "127.0.0.1") -> str:
        self._server = make_server(host, 0, self._app, threaded=True)
        self.endpoint_url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(SERVER_POLL_SECONDS,), name="sfn-http", daemon=True
        )
        self._thread.start()
        return self.endpoint_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    @property
    def application(self) -> Any:
        """The WSGI application the server serves (the in-process transport calls it directly)."""
        return self._app

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        target = request.headers.get("X-Amz-Target", "")
        operation = OPERATIONS.get(target.removeprefix("AWSStepFunctions."))
        try:
            if self.service is None:
                raise ServiceError("ServiceUnavailable", "the emulator is still starting")
            if operation is None:
                raise ServiceError("UnknownOperationException", f"{target!r} is not emulated")
            body = json.loads(request.get_data() or b"{}")
            response = Response(
                json.dumps(operation(self.service, body), default=_json_default),
                status=200,
                content_type="application/x-amz-json-1.0",
            )
        except ServiceError as error:
            response = Response(
                json.dumps({"__type": error.code, "message": error.message}),
                status=400,
                content_type="application/x-amz-json-1.0",
            )
        return response(environ, start_response)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).timestamp()
    raise TypeError(type(value).__name__)
