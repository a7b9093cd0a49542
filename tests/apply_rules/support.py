"""Readers shared by the apply-time rules: every resource of a stack, references, deliberately broken copies."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

# "${aws_sqs_queue.payment_api_messaging_queue_08783C0B.arn}" and "${data.aws_caller_identity.x.account_id}"
REFERENCE = re.compile(r"\$\{[^}]*?\b(?P<address>(?:data\.)?aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)")

Stacks = Mapping[str, dict]


def each_resource(stack: dict) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(resource type, logical id, body) of every managed resource in ``stack``."""
    for rtype, by_id in stack.get("resource", {}).items():
        for logical_id, body in by_id.items():
            yield rtype, logical_id, body


def of_type(stack: dict, rtype: str) -> dict[str, dict[str, Any]]:
    return stack.get("resource", {}).get(rtype, {})


def strings(value: Any) -> Iterator[str]:
    """Every string nested anywhere in ``value`` (dict values, list items)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def broken(stacks: Stacks, stack_id: str, mutate: Callable[[dict], None]) -> dict[str, dict]:
    """A deep copy of ``stacks`` with ``mutate`` applied to the copy of ``stack_id`` (the originals stay intact)."""
    copies = copy.deepcopy(dict(stacks))
    mutate(copies[stack_id])
    return copies


def stack_region(stack: dict) -> str:
    """The region of the stack's default provider (the one without an alias)."""
    (default,) = [p for p in stack.get("provider", {}).get("aws", []) if "alias" not in p]
    return default["region"]


def region_of(stack: dict, body: dict[str, Any]) -> str:
    """The region a resource or data source is managed in: its provider alias's, else the stack's."""
    provider = body.get("provider")
    if not provider:
        return stack_region(stack)
    alias = provider.split(".", 1)[1]
    (aliased,) = [p for p in stack["provider"]["aws"] if p.get("alias") == alias]
    return aliased["region"]
