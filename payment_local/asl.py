"""An interpreter for the subset of Amazon States Language the payment workflow uses.

moto (>= 5.0.4, ``execute_state_machine``) runs definitions with LocalStack's ASL parser, but its Lambda tasks
need Docker to run function code, and it cannot be hooked per call the way the emulator needs (IAM enforcement,
fault injection, time scaling). So the emulator runs the definition from the synthesized stack with this small
interpreter, and ``tests/local/test_asl_crosscheck.py`` holds it to moto's execution of our definition (success,
transient failure then success, permanent failure, duplicate start); ``asl-validator`` (npm) checks the
definition itself (``tests/local/test_asl_validator.py``). It supports exactly:

- states ``Task`` (resources given by the caller: ``arn:aws:states:::lambda:invoke`` and
  ``arn:aws:states:::sns:publish`` in the emulator), ``Choice``, ``Pass``, ``Succeed``, ``Fail``;
- ``InputPath``, ``Parameters`` (``key.$`` paths, nested objects), ``ResultSelector``,
  ``ResultPath`` (including ``null``), ``OutputPath``; reference paths ``$`` and ``$.a.b``;
- ``Retry`` (``ErrorEquals``, ``IntervalSeconds``, ``MaxAttempts``, ``BackoffRate``,
  ``MaxDelaySeconds``, ``JitterStrategy`` ``FULL``/``NONE``) and ``Catch`` (``ErrorEquals``,
  ``ResultPath``, ``Next``), with ``States.ALL`` and ``States.TaskFailed``;
- Choice rules ``Variable`` with ``StringEquals``, ``NumericEquals``, ``BooleanEquals``,
  ``IsPresent``, ``IsNull``, and ``And``/``Or``/``Not``;
- ``TimeoutSeconds`` of a Task, checked when the task returns (``States.Timeout``).

:func:`check_definition` rejects anything else before an execution starts, naming the state and
the field, so a change to the definition that this interpreter cannot run fails loudly.
"""

from __future__ import annotations

import copy
import json
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

COMMON_FIELDS = {"Type", "Comment", "Next", "End", "InputPath", "OutputPath"}
STATE_FIELDS: Mapping[str, set[str]] = {
    "Task": COMMON_FIELDS
    | {"Resource", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "TimeoutSeconds"},
    "Pass": COMMON_FIELDS | {"Parameters", "Result", "ResultPath"},
    "Choice": {"Type", "Comment", "Choices", "Default", "InputPath", "OutputPath"},
    "Succeed": {"Type", "Comment", "InputPath", "OutputPath"},
    "Fail": {"Type", "Comment", "Error", "Cause"},
}
TOP_FIELDS = {"StartAt", "States", "Comment", "TimeoutSeconds", "Version"}
RETRY_FIELDS = {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy"}
CATCH_FIELDS = {"ErrorEquals", "ResultPath", "Next"}
COMPARISONS = {"StringEquals", "NumericEquals", "BooleanEquals", "IsPresent", "IsNull"}
_PATH = re.compile(r"\$(\.[A-Za-z_][A-Za-z0-9_]*)*")


class UnsupportedDefinitionError(ValueError):
    """The definition uses a state type, field or value this interpreter does not implement."""


class TaskError(Exception):
    """A task failed with an ASL error name (``Error``) and a ``Cause``."""

    def __init__(self, error: str, cause: str = "") -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


class ExecutionFailedError(Exception):
    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


# -- checking -------------------------------------------------------------------------------------------------


def _unsupported(state: str, what: str) -> UnsupportedDefinitionError:
    return UnsupportedDefinitionError(f"state {state!r}: {what} is not supported by the local interpreter")


def _check_path(state: str, name: str, value: Any, *, nullable: bool = False) -> None:
    if value is None and nullable:
        return
    if not isinstance(value, str) or not _PATH.fullmatch(value):
        raise _unsupported(state, f"{name} {value!r} (only '$' and '$.field.field' paths)")


def _check_template(state: str, name: str, template: Any) -> None:
    if isinstance(template, dict):
        for key, value in template.items():
            if key.endswith(".$"):
                if isinstance(value, str) and value.startswith("States."):
                    raise _unsupported(state, f"{name}.{key}: intrinsic function {value.split('(')[0]}")
                _check_path(state, f"{name}.{key}", value)
            else:
                _check_template(state, f"{name}.{key}", value)
    elif isinstance(template, list):
        for index, value in enumerate(template):
            _check_template(state, f"{name}[{index}]", value)


def _check_rule(state: str, rule: Any, *, top: bool) -> None:
    if not isinstance(rule, dict):
        raise _unsupported(state, f"choice rule {rule!r}")
    keys = set(rule) - ({"Next"} if top else set())
    if top and "Next" not in rule:
        raise _unsupported(state, "a choice rule without Next")
    if keys & {"And", "Or"}:
        (combinator,) = keys
        for sub in rule[combinator]:
            _check_rule(state, sub, top=False)
        return
    if keys == {"Not"}:
        _check_rule(state, rule["Not"], top=False)
        return
    operators = keys - {"Variable"}
    if "Variable" not in keys or len(operators) != 1 or not operators <= COMPARISONS:
        raise _unsupported(
            state,
            f"choice rule with fields {sorted(keys)} (supported: Variable with one of "
            f"{', '.join(sorted(COMPARISONS))}; And, Or, Not)",
        )
    _check_path(state, "Variable", rule["Variable"])


def check_definition(definition: Mapping[str, Any], resources: set[str]) -> None:
    """Raise ``UnsupportedDefinitionError`` for anything outside the supported subset."""
    extra = set(definition) - TOP_FIELDS
    if extra:
        raise UnsupportedDefinitionError(f"definition: top-level field(s) {sorted(extra)} are not supported")
    states = definition.get("States")
    if not isinstance(states, dict) or definition.get("StartAt") not in states:
        raise UnsupportedDefinitionError("definition: StartAt must name one of States")
    for name, state in states.items():
        kind = state.get("Type")
        if kind not in STATE_FIELDS:
            raise _unsupported(name, f"Type {kind!r} (supported: {', '.join(sorted(STATE_FIELDS))})")
        extra = set(state) - STATE_FIELDS[kind]
        if extra:
            raise _unsupported(name, f"field(s) {sorted(extra)} of a {kind} state")
        for target in (
            [state.get("Next"), state.get("Default")]
            + [c.get("Next") for c in state.get("Choices", [])]
            + [c.get("Next") for c in state.get("Catch", [])]
        ):
            if target is not None and target not in states:
                raise UnsupportedDefinitionError(f"state {name!r}: transition to unknown state {target!r}")
        if kind not in ("Choice", "Succeed", "Fail") and not (state.get("End") is True) ^ ("Next" in state):
            raise UnsupportedDefinitionError(f"state {name!r}: exactly one of Next and End: true is required")
        for path_field in ("InputPath", "OutputPath"):
            if path_field in state:
                _check_path(name, path_field, state[path_field], nullable=True)
        if "ResultPath" in state:
            _check_path(name, "ResultPath", state["ResultPath"], nullable=True)
        for template_field in ("Parameters", "ResultSelector"):
            if template_field in state:
                _check_template(name, template_field, state[template_field])
        if kind == "Task":
            if state.get("Resource") not in resources:
                supported = ", ".join(sorted(resources))
                raise _unsupported(name, f"Resource {state.get('Resource')!r} (supported: {supported})")
            for retrier in state.get("Retry", []):
                extra = set(retrier) - RETRY_FIELDS
                if extra:
                    raise _unsupported(name, f"Retry field(s) {sorted(extra)}")
                if retrier.get("JitterStrategy", "NONE") not in ("FULL", "NONE"):
                    raise _unsupported(name, f"JitterStrategy {retrier['JitterStrategy']!r}")
            for catcher in state.get("Catch", []):
                extra = set(catcher) - CATCH_FIELDS
                if extra:
                    raise _unsupported(name, f"Catch field(s) {sorted(extra)}")
                if "ResultPath" in catcher:
                    _check_path(name, "Catch.ResultPath", catcher["ResultPath"], nullable=True)
        if kind == "Choice":
            if not state.get("Choices"):
                raise _unsupported(name, "a Choice state without Choices")
            for rule in state["Choices"]:
                _check_rule(name, rule, top=True)


# -- paths ----------------------------------------------------------------------------------------------------

_MISSING = object()


def _get(document: Any, path: str) -> Any:
    value = document
    for part in path.split(".")[1:]:
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def read_path(document: Any, path: str, state: str) -> Any:
    value = _get(document, path)
    if value is _MISSING:
        raise TaskError("States.Runtime", f"state {state!r}: path {path!r} matches nothing in the input")
    return value


def apply_template(template: Any, document: Any, state: str) -> Any:
    if isinstance(template, dict):
        result = {}
        for key, value in template.items():
            if key.endswith(".$"):
                result[key[:-2]] = copy.deepcopy(read_path(document, value, state))
            else:
                result[key] = apply_template(value, document, state)
        return result
    if isinstance(template, list):
        return [apply_template(value, document, state) for value in template]
    return copy.deepcopy(template)


def apply_result_path(document: Any, result: Any, result_path: Any) -> Any:
    if result_path is None:
        return document
    if result_path == "$":
        return result
    output = copy.deepcopy(document) if isinstance(document, dict) else {}
    target = output
    parts = result_path.split(".")[1:]
    for part in parts[:-1]:
        if not isinstance(target.get(part), dict):
            target[part] = {}
        target = target[part]
    target[parts[-1]] = result
    return output


# -- choice ---------------------------------------------------------------------------------------------------


def _matches(rule: Mapping[str, Any], document: Any) -> bool:
    if "And" in rule:
        return all(_matches(sub, document) for sub in rule["And"])
    if "Or" in rule:
        return any(_matches(sub, document) for sub in rule["Or"])
    if "Not" in rule:
        return not _matches(rule["Not"], document)
    value = _get(document, rule["Variable"])
    if "IsPresent" in rule:
        return (value is not _MISSING) == rule["IsPresent"]
    if value is _MISSING:
        return False
    if "IsNull" in rule:
        return (value is None) == rule["IsNull"]
    if "StringEquals" in rule:
        return isinstance(value, str) and value == rule["StringEquals"]
    if "NumericEquals" in rule:
        return isinstance(value, int | float) and not isinstance(value, bool) and value == rule["NumericEquals"]
    return isinstance(value, bool) and value == rule["BooleanEquals"]


# -- running --------------------------------------------------------------------------------------------------


def _error_matches(names: list[str], error: str) -> bool:
    if "States.ALL" in names:
        return True
    if "States.TaskFailed" in names and error != "States.Timeout":
        return True
    return error in names


def retry_delay(retrier: Mapping[str, Any], retry_number: int, rng: Callable[[], float]) -> float:
    """Seconds before retry ``retry_number`` (1-based): interval x backoff^(n-1), capped, jittered."""
    delay = float(retrier.get("IntervalSeconds", 1)) * float(retrier.get("BackoffRate", 2.0)) ** (retry_number - 1)
    if "MaxDelaySeconds" in retrier:
        delay = min(delay, float(retrier["MaxDelaySeconds"]))
    if retrier.get("JitterStrategy") == "FULL":
        delay *= rng()
    return delay


Integration = Callable[[Any], Any]


@dataclass
class Interpreter:
    """Runs one definition; ``integrations`` maps a Task ``Resource`` to a callable (``TaskError`` on failure)."""

    definition: Mapping[str, Any]
    integrations: Mapping[str, Integration]
    sleep: Callable[[float], None] = time.sleep
    rng: Callable[[], float] = random.random  # nosec B311 - retry jitter, not security
    clock: Callable[[], float] = time.monotonic
    history: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_definition(self.definition, set(self.integrations))

    def _event(self, kind: str, **details: Any) -> None:
        self.history.append({"id": len(self.history) + 1, "type": kind, **details})

    def run(self, execution_input: Any) -> Any:
        """The execution's output; ``ExecutionFailedError`` for a Fail state or an uncaught error."""
        self._event("ExecutionStarted", input=execution_input)
        states = self.definition["States"]
        name, document = self.definition["StartAt"], execution_input
        try:
            while True:
                state = states[name]
                self._event(f"{state['Type']}StateEntered", state=name, input=document)
                if state["Type"] == "Fail":
                    raise ExecutionFailedError(state.get("Error", "States.Fail"), state.get("Cause", ""))
                effective = (
                    document
                    if state.get("InputPath", "$") == "$"
                    else ({} if state.get("InputPath", "$") is None else read_path(document, state["InputPath"], name))
                )
                if state["Type"] == "Choice":
                    rule = next((r for r in state["Choices"] if _matches(r, effective)), None)
                    if rule is None and "Default" not in state:
                        raise TaskError("States.NoChoiceMatched", f"state {name!r}: no choice rule matched")
                    self._event("ChoiceStateExited", state=name)
                    name = rule["Next"] if rule else state["Default"]
                    document = self._output(state, effective, name)
                    continue
                if state["Type"] == "Succeed":
                    output = self._output(state, effective, name)
                    self._event("ExecutionSucceeded", output=output)
                    return output
                try:
                    document = self._run_state(name, state, document, effective)
                except TaskError as error:
                    catcher = next(
                        (c for c in state.get("Catch", []) if _error_matches(c["ErrorEquals"], error.error)), None
                    )
                    if catcher is None:
                        raise
                    self._event("CatchMatched", state=name, error=error.error, next=catcher["Next"])
                    document = apply_result_path(
                        document, {"Error": error.error, "Cause": error.cause}, catcher.get("ResultPath", "$")
                    )
                    name = catcher["Next"]
                    continue
                if state.get("End"):
                    self._event("ExecutionSucceeded", output=document)
                    return document
                name = state["Next"]
        except TaskError as error:
            self._event("ExecutionFailed", error=error.error, cause=error.cause)
            raise ExecutionFailedError(error.error, error.cause) from error
        except ExecutionFailedError as failed:
            self._event("ExecutionFailed", error=failed.error, cause=failed.cause)
            raise

    def _output(self, state: Mapping[str, Any], document: Any, name: str) -> Any:
        path = state.get("OutputPath", "$")
        if path is None:
            return {}
        return document if path == "$" else read_path(document, path, name)

    def _run_state(self, name: str, state: Mapping[str, Any], raw: Any, effective: Any) -> Any:
        if "Parameters" in state:
            effective = apply_template(state["Parameters"], effective, name)
        if state["Type"] == "Pass":
            result = copy.deepcopy(state["Result"]) if "Result" in state else effective
        else:
            result = self._invoke_with_retry(name, state, effective)
            if "ResultSelector" in state:
                result = apply_template(state["ResultSelector"], result, name)
        document = apply_result_path(raw, result, state.get("ResultPath", "$"))
        output = self._output(state, document, name)
        self._event(f"{state['Type']}StateExited", state=name, output=output)
        return output

    def _invoke_with_retry(self, name: str, state: Mapping[str, Any], parameters: Any) -> Any:
        retries: dict[int, int] = {}
        while True:
            self._event("TaskScheduled", state=name, resource=state["Resource"], parameters=parameters)
            started = self.clock()
            try:
                result = self.integrations[state["Resource"]](copy.deepcopy(parameters))
                timeout = state.get("TimeoutSeconds")
                if timeout is not None and self.clock() - started > float(timeout):
                    raise TaskError("States.Timeout", f"state {name!r} ran longer than {timeout} s")
                self._event("TaskSucceeded", state=name, resource=state["Resource"], output=result)
                return result
            except TaskError as error:
                self._event("TaskFailed", state=name, resource=state["Resource"], error=error.error, cause=error.cause)
                index = next(
                    (i for i, r in enumerate(state.get("Retry", [])) if _error_matches(r["ErrorEquals"], error.error)),
                    None,
                )
                if index is None:
                    raise
                retrier = state["Retry"][index]
                retries[index] = retries.get(index, 0) + 1
                if retries[index] > int(retrier.get("MaxAttempts", 3)):
                    raise
                self.sleep(retry_delay(retrier, retries[index], self.rng))


def lambda_error(exc: BaseException) -> TaskError:
    """How Step Functions reports an exception a Python function raised: its class name and a JSON cause."""
    cause = json.dumps({"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": []})
    return TaskError(type(exc).__name__, cause)
