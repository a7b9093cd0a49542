"""Asynchronous cross-region replication for the emulator: changes shipped in write order, after a lag.

DynamoDB global tables and S3 replication both copy a change made in one region to another region some time
later, in the order of the writes, and only while both regions are reachable: a change made just before its
region fails stays there (that is the recovery point) and arrives once the region is back. :class:`Replicator`
does exactly that for the changes :mod:`payment_local.global_tables` and :mod:`payment_local.s3_replication`
submit: one FIFO per (source region, target region), each change applied no earlier than ``lag`` seconds after it
was written, a link paused while either end is down. It measures what it does: the lag of every applied change
(:meth:`Replicator.lags`) and what is still waiting (:meth:`Replicator.backlog`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger("payment_local")


class Reachability(Protocol):
    def is_down(self, region: str) -> bool: ...


@dataclass(frozen=True)
class Change:
    """One write to copy: ``apply`` performs it in ``target`` (and may decide it is superseded)."""

    source: str
    target: str
    kind: str
    """``dynamodb`` or ``s3``: what the lag statistics are kept by."""
    what: str
    written_at: float
    apply: Callable[[], Any]


@dataclass
class Backlog:
    """Changes written in ``source`` that ``target`` does not have yet."""

    source: str
    target: str
    count: int
    oldest_written_at: float | None


@dataclass
class _Link:
    queue: deque[Change] = field(default_factory=deque)


class Replicator(threading.Thread):
    """Ships submitted changes; ``lag`` seconds is the earliest a change reaches its target."""

    def __init__(
        self,
        regions: Reachability,
        *,
        lag: float = 0.5,
        clock: Callable[[], float] = time.time,
        poll_interval: float = 0.02,
    ) -> None:
        super().__init__(name="replication", daemon=True)
        if lag < 0:
            raise ValueError(f"replication lag must be >= 0 seconds, got {lag}")
        self._regions, self.lag, self._clock, self._poll = regions, lag, clock, poll_interval
        self._links: dict[tuple[str, str], _Link] = {}
        self._lock = threading.Lock()
        self._applied: dict[str, list[float]] = {}
        self.stop_event = threading.Event()

    def submit(self, change: Change) -> None:
        with self._lock:
            self._links.setdefault((change.source, change.target), _Link()).queue.append(change)

    def now(self) -> float:
        return self._clock()

    def run(self) -> None:
        while not self.stop_event.is_set():
            if not self.ship_due():
                self.stop_event.wait(self._poll)

    def ship_due(self) -> int:
        """Apply every change that is due on a link whose regions are both up; the number applied."""
        shipped = 0
        with self._lock:
            links = list(self._links.items())
        for (source, target), link in links:
            while link.queue:
                if self._regions.is_down(source) or self._regions.is_down(target):
                    break
                change = link.queue[0]
                if self._clock() < change.written_at + self.lag:
                    break
                try:
                    change.apply()
                except Exception:  # a bug here must not stop every other link: log it, keep the order
                    log.exception("replication of %s %s -> %s failed; retrying", change.what, source, target)
                    break
                with self._lock:
                    link.queue.popleft()
                    self._applied.setdefault(change.kind, []).append(self._clock() - change.written_at)
                shipped += 1
        return shipped

    def lags(self, kind: str) -> list[float]:
        """Seconds from write to applied, for every change of ``kind`` applied so far (in order)."""
        with self._lock:
            return list(self._applied.get(kind, []))

    def backlog(self) -> list[Backlog]:
        with self._lock:
            return [
                Backlog(source, target, len(link.queue), link.queue[0].written_at if link.queue else None)
                for (source, target), link in sorted(self._links.items())
            ]

    def wait_caught_up(self, timeout: float) -> bool:
        """True once no link holds a change (False after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(entry.count == 0 for entry in self.backlog()):
                return True
            time.sleep(self._poll)
        return False

    def stop(self) -> None:
        self.stop_event.set()
        if self.is_alive():
            self.join(timeout=10)
