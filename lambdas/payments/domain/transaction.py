"""The transaction record and its status state machine.

``pending -> processing -> succeeded | failed``: never backwards, never twice.
The repository enforces the same rule with conditional writes, so two workers
racing on one transaction cannot both win.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from payments.domain.errors import InvalidTransitionError, NotFoundError, ValidationError
from payments.domain.money import Money

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TRANSACTION_ID_PATTERN = re.compile(r"^txn_[0-9a-f]{32}$")
DESCRIPTION_MAX_LENGTH = 200

# Fixed namespace so derived transaction ids are stable across deployments.
_ID_NAMESPACE = uuid.UUID("6f1b2a4e-3c55-4f0e-9d4b-8a3e1c2f7d10")


class Status(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (Status.SUCCEEDED, Status.FAILED)


ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.PROCESSING}),
    Status.PROCESSING: frozenset({Status.SUCCEEDED, Status.FAILED}),
    Status.SUCCEEDED: frozenset(),
    Status.FAILED: frozenset(),
}


def check_transition(current: Status, target: Status) -> None:
    """Raise ``InvalidTransitionError`` unless ``current -> target`` is allowed."""
    if target not in ALLOWED_TRANSITIONS[current]:
        raise InvalidTransitionError(f"cannot move a transaction from {current.value} to {target.value}")


def format_timestamp(moment: datetime) -> str:
    """ISO-8601 UTC with microseconds and ``Z``: sorts lexicographically by time."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def new_transaction_id() -> str:
    return f"txn_{uuid.uuid4().hex}"


def derived_transaction_id(*parts: str) -> str:
    """A deterministic id for a request that may be replayed (e.g. a CSV row)."""
    return f"txn_{uuid.uuid5(_ID_NAMESPACE, '/'.join(parts)).hex}"


def validate_identifier(value: Any, param: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{param} must be a string", param=param, code="parameter_invalid_type")
    if not ID_PATTERN.match(value):
        raise ValidationError(f"{param} must be 1-64 characters of A-Z, a-z, 0-9, _ or -", param=param)
    return value


def lookup_transaction_id(value: Any, param: str = "transaction_id") -> str:
    """Check an id taken from a URL; a malformed id cannot exist, so it is a 404."""
    if not isinstance(value, str) or not TRANSACTION_ID_PATTERN.match(value):
        raise NotFoundError("no transaction with this id", param=param)
    return value


def validate_description(value: Any, param: str = "description") -> str:
    if not isinstance(value, str):
        raise ValidationError("description must be a string", param=param, code="parameter_invalid_type")
    if len(value) > DESCRIPTION_MAX_LENGTH or any(ord(ch) < 32 for ch in value):
        raise ValidationError(f"description must be at most {DESCRIPTION_MAX_LENGTH} printable characters", param=param)
    return value


@dataclass(frozen=True)
class Transaction:
    """One payment. ``timestamp`` is the creation time and the table's sort key."""

    transaction_id: str
    timestamp: str
    customer_id: str
    money: Money
    status: Status
    updated_at: str
    source: str
    description: str | None = None
    settled_at: str | None = None
    failure_reason: str | None = None
    receipt_key: str | None = None
    #: The client that created it (``payments.domain.clients``); ``None`` only on records written before
    #: clients existed, which no client can read.
    client_id: str | None = None

    @property
    def transaction_date(self) -> str:
        return self.timestamp[:10]

    @property
    def key(self) -> dict[str, str]:
        return {"transaction_id": self.transaction_id, "timestamp": self.timestamp}

    def transition(self, target: Status, at: datetime, failure_reason: str | None = None) -> Transaction:
        """Return a copy in ``target`` status; raises ``InvalidTransitionError`` if forbidden."""
        check_transition(self.status, target)
        stamp = format_timestamp(at)
        return replace(
            self,
            status=target,
            updated_at=stamp,
            settled_at=stamp if target.is_final else self.settled_at,
            failure_reason=failure_reason if target is Status.FAILED else None,
        )

    def to_public(self) -> dict[str, Any]:
        """The representation returned by the API (see ``Transaction`` in openapi.json)."""
        body: dict[str, Any] = {
            "transaction_id": self.transaction_id,
            "customer_id": self.customer_id,
            "amount": self.money.amount,
            "currency": self.money.currency.code,
            "amount_display": self.money.format(),
            "description": self.description,
            "status": self.status.value,
            "created_at": self.timestamp,
            "updated_at": self.updated_at,
            "settled_at": self.settled_at,
            "source": self.source,
        }
        if self.failure_reason is not None:
            body["failure_reason"] = self.failure_reason
        return body

    def to_status(self) -> dict[str, Any]:
        """The small representation returned by ``GET /status/{transaction_id}``."""
        return {
            "transaction_id": self.transaction_id,
            "status": self.status.value,
            "updated_at": self.updated_at,
            "settled_at": self.settled_at,
        }


def new_pending(
    *,
    transaction_id: str,
    customer_id: str,
    money: Money,
    description: str | None,
    created_at: datetime,
    source: str,
    client_id: str,
) -> Transaction:
    stamp = format_timestamp(created_at)
    return Transaction(
        transaction_id=transaction_id,
        timestamp=stamp,
        customer_id=customer_id,
        money=money,
        status=Status.PENDING,
        updated_at=stamp,
        source=source,
        description=description,
        client_id=client_id,
    )
