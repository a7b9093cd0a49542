"""What the use cases need from the outside world, as structural types.

Adapters in :mod:`payments.adapters` implement these with boto3; unit tests can
implement them in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from payments.domain.requests import ListTransactionsQuery
from payments.domain.transaction import Status, Transaction

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Page:
    items: Sequence[Transaction]
    next_cursor: str | None


class TransactionRepository(Protocol):
    def put_new(self, transaction: Transaction) -> None:
        """Store a new item; ``AlreadyExistsError`` if that exact key exists."""

    def get(self, transaction_id: str, *, consistent: bool = True) -> Transaction | None:
        """The transaction or ``None``. Strongly consistent unless ``consistent=False``.

        A read by id usually follows a write (a client's GET right after its 201, a worker
        started from the write's stream event): an eventually consistent read could miss that write.
        """

    def save_transition(self, before: Transaction, after: Transaction) -> Transaction:
        """Persist ``after`` only if the stored status is still ``before.status``.

        Raises ``ConcurrentModificationError`` when another writer got there first.
        """

    def mark_receipt(self, transaction: Transaction, receipt_key: str) -> Transaction: ...

    def list(self, query: ListTransactionsQuery) -> Page:
        """Newest first, at most ``query.limit`` items, resuming after ``query.cursor``."""

    def pending_between(self, client_id: str, day: str, since: str, until: str) -> list[Transaction]:
        """``client_id``'s ``pending`` transactions of ``day`` created from ``since`` to ``until`` (ISO-8601)."""


class TransactionQueue(Protocol):
    def publish(self, transactions: Sequence[Transaction]) -> None:
        """Enqueue for settlement; FIFO group = customer, dedup id = transaction id."""


class ReceiptStore(Protocol):
    def put_receipt(self, transaction: Transaction, receipt: dict[str, object]) -> str:
        """Write the JSON receipt and return its object key."""


class ReportStore(Protocol):
    def read_import(self, key: str, version_id: str | None) -> bytes: ...

    def put_report(self, key: str, report: dict[str, object]) -> None: ...


class SettlementPolicy(Protocol):
    def decide(self, transaction: Transaction) -> tuple[Status, str | None]:
        """Return ``(SUCCEEDED, None)`` or ``(FAILED, reason)`` for a processing transaction."""
