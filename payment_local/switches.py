"""The settlement path's on/off switches, as AWS keeps them: a pipe's desired state and a schedule rule's state.

The stack's ``aws_pipes_pipe`` (``desired_state``, RUNNING by default) and scheduled ``aws_cloudwatch_event_rule``
(``state``, ENABLED by default) are created in moto, so the operator's calls work on them as on AWS (``StartPipe``,
``StopPipe``, ``EnableRule``, ``DisableRule``: ``make failover`` / ``make failback``), and the emulator's pipe and
schedule threads (:mod:`payment_local.pipes`) ask :class:`Switches` before each poll or run. A state read is
remembered for ``ttl`` seconds (AWS itself takes a while to stop a pipe: up to two minutes for stream sources).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from payment_local.stack import Stack

_ROLE_REF = re.compile(r"\$\{aws_iam_role\.([A-Za-z0-9_]+)\.arn\}")


def role_arn(stack: Stack, reference: str) -> str:
    """The role's ARN by its name in the stack (roles are not created locally; the pipe only needs the ARN)."""
    match = _ROLE_REF.fullmatch(reference or "")
    role = stack.resources("aws_iam_role").get(match.group(1), {}) if match else {}
    return f"arn:aws:iam::{stack.account_id}:role/{role.get('name', 'payment-local-pipe')}"


def rule_state(spec: dict[str, Any]) -> str:
    """``state`` of an ``aws_cloudwatch_event_rule`` (``is_enabled`` in older providers), ENABLED by default."""
    if "state" in spec:
        return str(spec["state"])
    return "DISABLED" if spec.get("is_enabled") is False else "ENABLED"


class Switches:
    """Reads of the switches' states in moto, each remembered for ``ttl`` seconds."""

    def __init__(self, pipes: Any, events: Any, ttl: float = 0.25) -> None:
        self._pipes, self._events, self._ttl = pipes, events, ttl
        self._seen: dict[tuple[str, str], tuple[float, bool]] = {}
        self._lock = threading.Lock()

    @classmethod
    def provision(cls, stack: Stack, pipes: Any, events: Any) -> Switches:
        """Create the stack's pipes and scheduled rules in moto with their initial states."""
        for logical_id, spec in stack.resources("aws_pipes_pipe").items():
            arn = pipes.create_pipe(
                Name=spec["name"],
                Source=stack.resolve(spec["source"]),
                Target=stack.resolve(spec["target"]),
                RoleArn=role_arn(stack, spec.get("role_arn", "")),
                DesiredState=spec.get("desired_state", "RUNNING"),
            )["Arn"]
            stack.attributes[("aws_pipes_pipe", logical_id)] = {"name": spec["name"], "id": spec["name"], "arn": arn}
        for logical_id, spec in stack.resources("aws_cloudwatch_event_rule").items():
            if "schedule_expression" in spec:
                arn = events.put_rule(
                    Name=spec["name"], ScheduleExpression=spec["schedule_expression"], State=rule_state(spec)
                )["RuleArn"]
                stack.attributes[("aws_cloudwatch_event_rule", logical_id)] = {
                    "name": spec["name"],
                    "id": spec["name"],
                    "arn": arn,
                }
        return cls(pipes, events)

    def _cached(self, key: tuple[str, str], read: Callable[[], bool]) -> bool:
        now = time.monotonic()
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None and now - seen[0] < self._ttl:
                return seen[1]
        value = read()
        with self._lock:
            self._seen[key] = (now, value)
        return value

    def pipe_running(self, name: str) -> Callable[[], bool]:
        """For :class:`payment_local.pipes.StreamPipe`: whether the pipe's desired state is RUNNING."""
        return lambda: self._cached(
            ("pipe", name), lambda: self._pipes.describe_pipe(Name=name)["DesiredState"] == "RUNNING"
        )

    def rule_enabled(self, name: str) -> Callable[[], bool]:
        """For :class:`payment_local.pipes.Schedule`: whether the rule is ENABLED."""
        return lambda: self._cached(("rule", name), lambda: self._events.describe_rule(Name=name)["State"] == "ENABLED")
