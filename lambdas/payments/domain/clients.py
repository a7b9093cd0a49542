"""Clients and ownership: which client a request comes from, and what that client may see.

Each API key belongs to one client (configured per environment). The stack passes the directory to the
functions as ``API_CLIENTS``: JSON ``{"<client>": ["<api key id>", ...]}``. A transaction records the client
name, not the key id, so rotating a client's key keeps its transactions, idempotency keys and cursors valid.

The rules: a transaction is visible only to the client that created it; another client's transaction is
answered exactly like an unknown id; lists read only the caller's index partitions (``<client>#<value>``),
so a customer id or day shared by two clients never mixes their data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from payments.domain.errors import ForbiddenError, NotFoundError
from payments.domain.transaction import Transaction

CLIENT_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
#: Joins the client and the customer id or day in the index keys. Neither ever contains it.
OWNER_SEPARATOR = "#"
#: The client of an invocation that carries no API key id: possible only when the function is invoked
#: directly (an operator with lambda:InvokeFunction), never through API Gateway, which requires a key.
NO_API_KEY_CLIENT = "no-api-key"


def owned_key(client_id: str, value: str) -> str:
    """The index partition of ``value`` (a customer id or a day) for one client."""
    return f"{client_id}{OWNER_SEPARATOR}{value}"


def require_owned(transaction: Transaction | None, client_id: str) -> Transaction:
    """``transaction`` if ``client_id`` created it; otherwise the very error of an unknown id."""
    if transaction is None or transaction.client_id != client_id:
        raise NotFoundError("no transaction with this id", param="transaction_id")
    return transaction


class ClientDirectoryError(ValueError):
    """``API_CLIENTS`` is not the JSON the stack writes (a deployment bug)."""


@dataclass(frozen=True)
class ClientDirectory:
    """API key id -> client name, from the stack's ``API_CLIENTS``."""

    by_key_id: Mapping[str, str]

    @classmethod
    def parse(cls, text: str) -> ClientDirectory:
        try:
            document: Any = json.loads(text)
        except ValueError as exc:
            raise ClientDirectoryError("API_CLIENTS is not JSON") from exc
        if not isinstance(document, dict) or not document:
            raise ClientDirectoryError("API_CLIENTS must map at least one client name to its API key ids")
        by_key_id: dict[str, str] = {}
        for name, key_ids in document.items():
            if not CLIENT_NAME_PATTERN.match(name):
                raise ClientDirectoryError(f"API_CLIENTS: {name!r} is not a client name")
            if not isinstance(key_ids, list) or not key_ids:
                raise ClientDirectoryError(f"API_CLIENTS: client {name!r} needs a list of API key ids")
            for key_id in key_ids:
                if not isinstance(key_id, str) or not key_id:
                    raise ClientDirectoryError(f"API_CLIENTS: client {name!r} has an empty API key id")
                if by_key_id.setdefault(key_id, name) != name:
                    raise ClientDirectoryError(
                        f"API_CLIENTS: one API key id belongs to {by_key_id[key_id]!r} and {name!r}"
                    )
        return cls(MappingProxyType(by_key_id))

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.by_key_id.values())

    def client_for(self, api_key_id: str | None) -> str:
        """The client owning ``api_key_id``; ``ForbiddenError`` for a key that belongs to no client."""
        if not api_key_id:
            return NO_API_KEY_CLIENT
        try:
            return self.by_key_id[api_key_id]
        except KeyError:
            raise ForbiddenError("this API key is not assigned to a client", code="client_unknown") from None

    def client_of_event(self, event: Mapping[str, Any]) -> str:
        """The client of an API Gateway proxy event (``requestContext.identity.apiKeyId``)."""
        identity = (event.get("requestContext") or {}).get("identity") or {}
        return self.client_for(identity.get("apiKeyId"))
