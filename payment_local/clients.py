"""The emulator's clients: each ``--api-key`` is its own client, as one API key per client is in the stack.

The i-th key takes the name of the stack's i-th configured client (so one key behaves exactly like the default
configuration), further keys are ``client-<n>``; every key gets the usage plan of the stack's first client
(the default tier). API Gateway passes the key's id as ``requestContext.identity.apiKeyId``, and the
functions map it to the client through ``API_CLIENTS``: the emulator writes that variable for its own keys.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from payment_local.stack import Stack, StackError

CLIENTS_VARIABLE = "API_CLIENTS"


@dataclass(frozen=True)
class LocalClient:
    name: str
    api_key: str
    api_key_id: str


def api_key_id(api_key: str) -> str:
    """A stable id per key value, shaped like API Gateway's (letters and digits)."""
    return "local" + uuid.uuid5(uuid.NAMESPACE_OID, api_key).hex[:10]


def stack_client_names(stack: Stack) -> list[str]:
    """The client names of the stack's ``API_CLIENTS`` (in config order)."""
    for function in stack.functions.values():
        raw = function.environment.get(CLIENTS_VARIABLE)
        if raw:
            return list(json.loads(raw))
    raise StackError(f"no function of {stack.path} sets {CLIENTS_VARIABLE}")


def assign_clients(stack: Stack, api_keys: Sequence[str]) -> list[LocalClient]:
    if not api_keys:
        raise ValueError("at least one API key is needed")
    if len(set(api_keys)) != len(api_keys):
        raise ValueError("each --api-key must be different: one key is one client")
    names = stack_client_names(stack)
    return [
        LocalClient(
            name=names[index] if index < len(names) else f"client-{index + 1}", api_key=key, api_key_id=api_key_id(key)
        )
        for index, key in enumerate(api_keys)
    ]


def directory(clients: Sequence[LocalClient]) -> str:
    """The ``API_CLIENTS`` value for these clients (same shape as the stack's)."""
    return json.dumps({client.name: [client.api_key_id] for client in clients}, separators=(",", ":"))
