"""Run the real Lambda handlers in this process, as one warm container per function.

The environment of every function is resolved from the stack and put into
``os.environ`` *before* a handler module is imported: the handlers read their settings
and build their boto3 clients on the first invocation (cold start) and cache both. All
functions share one process, so a variable that two functions set must have the same
value in both (it does, for one stack).

Concurrency is Lambda's: each function serves up to its reserved concurrency of invocations at once (each
on its own thread, one thread being one container: :mod:`payment_local.containers` keeps Powertools'
per-invocation state per thread), and an invocation beyond it fails at once with
``TooManyRequestsException``, the throttle error (429) Lambda returns; API Gateway turns it into its
``INTEGRATION_FAILURE`` response, Step Functions into ``Lambda.TooManyRequestsException``. A function
without reserved concurrency (a preview) draws on ``UNRESERVED_CONCURRENCY``.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from payment_local import containers
from payment_local.iam import Enforcer
from payment_local.stack import REPO_ROOT, Stack, StackError

LAMBDA_ROOT = REPO_ROOT / "lambdas"
#: What a function without reserved concurrency may use locally: the 100 an account must keep unreserved.
UNRESERVED_CONCURRENCY = 100


class TooManyRequestsException(RuntimeError):  # noqa: N818 - named as Lambda names its throttle error
    """The function is already serving its reserved concurrency of invocations (Lambda's 429)."""


@dataclass
class LambdaContext:
    """The parts of the Lambda context object that Powertools reads."""

    function_name: str
    invoked_function_arn: str
    timeout_ms: int
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_stream_name: str = "local"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_ms


def function_environment(
    stack: Stack,
    *,
    endpoint_url: str,
    sfn_endpoint_url: str | None = None,
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The union of every function's resolved variables plus the local AWS settings.

    Step Functions is served by the emulator, not moto: ``AWS_ENDPOINT_URL_SFN`` (botocore's
    service-specific endpoint variable) points the handlers' ``stepfunctions`` clients there.
    """
    merged: dict[str, str] = {}
    conflicts = []
    for handler in stack.functions:
        for name, value in stack.resolved_environment(handler).items():
            if merged.setdefault(name, value) != value:
                conflicts.append(f"{name} ({merged[name]!r} vs {value!r})")
    if conflicts:
        raise StackError("functions disagree on shared variables: " + ", ".join(conflicts))
    merged.update(
        {
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",  # nosec B105 - moto accepts any credentials
            "AWS_SESSION_TOKEN": "local",
            "AWS_DEFAULT_REGION": stack.region,
            "AWS_REGION": stack.region,
            "POWERTOOLS_TRACE_DISABLED": "1",
            "POWERTOOLS_DEV": "0",
        }
    )
    if sfn_endpoint_url:
        merged["AWS_ENDPOINT_URL_SFN"] = sfn_endpoint_url
    merged.setdefault("POWERTOOLS_METRICS_NAMESPACE", "PaymentApiLocal")
    merged.update(overrides or {})
    return merged


class Runtime:
    """Loads handlers by their handler string and invokes them with a Lambda context.

    With an ``enforcer``, every AWS call a handler makes during an invocation is checked against the
    function's role (:mod:`payment_local.iam`), as on AWS.
    """

    def __init__(self, stack: Stack, enforcer: Enforcer | None = None) -> None:
        self._stack = stack
        self._enforcer = enforcer
        self._handlers: dict[str, Callable[[dict[str, Any], Any], Any]] = {}
        self._functions = stack.functions  # Stack.functions builds them anew on every read
        self._arns: dict[str, str] = {}
        self._slots = {handler: threading.BoundedSemaphore(self.concurrency_of(handler)) for handler in stack.functions}
        self._load_lock = threading.Lock()
        self._active: dict[str, int] = dict.fromkeys(stack.functions, 0)
        self.peak: dict[str, int] = dict.fromkeys(stack.functions, 0)
        """The most invocations each function served at once (tests read it)."""
        self.throttled: dict[str, int] = dict.fromkeys(stack.functions, 0)
        self._count_lock = threading.Lock()

    def concurrency_of(self, handler: str) -> int:
        reserved = self._functions[handler].reserved_concurrency
        return UNRESERVED_CONCURRENCY if reserved is None else reserved

    @staticmethod
    def install_environment(environment: Mapping[str, str]) -> None:
        containers.install()
        os.environ.update(environment)
        if str(LAMBDA_ROOT) not in sys.path:
            sys.path.insert(0, str(LAMBDA_ROOT))

    def handler(self, handler: str) -> Callable[[dict[str, Any], Any], Any]:
        with self._load_lock:
            if handler not in self._handlers:
                module_name, _, attribute = handler.rpartition(".")
                module = importlib.import_module(module_name)
                self._handlers[handler] = getattr(module, attribute)
            return self._handlers[handler]

    def warm_up(self) -> None:
        for handler in self._stack.functions:
            self.handler(handler)

    def invoke_arn(self, function_arn: str, event: Any) -> Any:
        """Invoke the function an ARN (optionally with ``:qualifier``) names; ``KeyError`` if none."""
        base = function_arn.split(":function:", 1)[-1].split(":", 1)[0]
        for handler, function in self._functions.items():
            if function.function_name == base:
                return self.invoke(handler, event)
        raise KeyError(function_arn)

    def _arn(self, handler: str) -> str:
        """The function's ARN, resolved once (the stack's resources are created before the first invocation)."""
        arn = self._arns.get(handler)
        if arn is None:
            logical_id = self._functions[handler].logical_id
            arn = self._arns[handler] = self._stack.resolve(f"${{aws_lambda_function.{logical_id}.arn}}")
        return arn

    def invoke(self, handler: str, event: dict[str, Any]) -> Any:
        function = self._functions[handler]
        context = LambdaContext(
            function_name=function.function_name,
            invoked_function_arn=self._arn(handler),
            timeout_ms=function.timeout_seconds * 1000,
        )
        entry = self.handler(handler)
        acting = self._enforcer.acting_as(handler) if self._enforcer else nullcontext()
        slot = self._slots[handler]
        if not slot.acquire(blocking=False):
            with self._count_lock:
                self.throttled[handler] += 1
            raise TooManyRequestsException(
                f"Rate Exceeded: {function.function_name} is serving its reserved concurrency "
                f"({self.concurrency_of(handler)})"
            )
        try:
            with self._count_lock:
                self._active[handler] += 1
                self.peak[handler] = max(self.peak[handler], self._active[handler])
            with acting:
                return entry(event, context)
        finally:
            with self._count_lock:
                self._active[handler] -= 1
            slot.release()
