"""The second chance for a written transaction whose stream event was lost: find old ``pending`` records and
send them to the settlement queue again.

A transaction reaches settlement through the table's stream (a pipe into the settlement queue). A record can
still stay ``pending`` if that event never arrived (a pipe stopped or mis-configured for longer than the
stream's 24 h, a record written while the pipe was being replaced). The sweep runs on a schedule, lists each
client's ``pending`` records created between ``lookback`` and ``older_than`` ago and re-sends them; the queue
deduplicates by transaction id and a duplicate start of the workflow is a no-op, so a re-drive of a record
that was only slow settles it once. Every record found is counted (metric and alarm): it means the normal
path failed for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from payments.domain.errors import DependencyError
from payments.domain.ports import Clock, TransactionQueue, TransactionRepository
from payments.domain.transaction import Transaction, format_timestamp


@dataclass(frozen=True)
class SweepWindow:
    """How old a ``pending`` record must be before the sweep re-drives it, and how far back it looks."""

    older_than: timedelta
    lookback: timedelta

    def __post_init__(self) -> None:
        if self.older_than <= timedelta(0) or self.lookback <= self.older_than:
            raise ValueError(
                f"sweep window: older_than ({self.older_than}) must be positive and below lookback ({self.lookback})"
            )


@dataclass(frozen=True)
class SweepResult:
    found: Sequence[Transaction]
    redriven: Sequence[Transaction]
    failed: Sequence[Transaction]
    """Found but not re-sent (the queue refused them): the next sweep tries again."""


def days_between(start: datetime, end: datetime) -> list[str]:
    """Every UTC day (``YYYY-MM-DD``) from ``start`` to ``end``, both included."""
    days, day = [], start.date()
    while day <= end.date():
        days.append(day.isoformat())
        day += timedelta(days=1)
    return days


class SweepService:
    def __init__(self, repository: TransactionRepository, queue: TransactionQueue, clock: Clock) -> None:
        self._repository = repository
        self._queue = queue
        self._clock = clock

    def sweep(self, clients: Iterable[str], window: SweepWindow) -> SweepResult:
        now = self._clock()
        since, until = now - window.lookback, now - window.older_than
        found: list[Transaction] = []
        for client_id in sorted(set(clients)):
            for day in days_between(since, until):
                found += self._repository.pending_between(
                    client_id, day, format_timestamp(since), format_timestamp(until)
                )
        redriven, failed = [], []
        for transaction in found:  # one at a time: a send that fails does not hold back the others
            try:
                self._queue.publish([transaction])
                redriven.append(transaction)
            except DependencyError:
                failed.append(transaction)
        return SweepResult(found, redriven, failed)
