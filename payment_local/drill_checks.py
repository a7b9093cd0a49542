"""What the failover drill (:mod:`payment_local.drill`) measures and judges, as pure functions of what it saw.

- **Settled where**: settling is every change of a transaction's status (``pending -> processing -> succeeded |
  failed``, the workflow's conditional writes in ``SettlementService``); the emulator's global tables journal every
  write a region made itself (not the ones replicated into it), so :func:`settling_regions` names, per transaction,
  every region that changed its status. More than one is a payment settled (or decided) in two regions.
- **RPO**: the replication lag, measured on every change the replication applied (:func:`lag_summary`).
- **RTO**: from the moment the outage was detected to the first successful create on the standby.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


def _status(image: Mapping[str, Any] | None) -> str | None:
    return ((image or {}).get("status") or {}).get("S")


def settling_regions(writes: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """``{transaction id: ["<region> pending->processing", ...]}``: each status change a region wrote itself."""
    found: dict[str, list[str]] = {}
    for write in writes:
        old, new = _status(write.get("old")), _status(write.get("new"))
        if old is not None and new is not None and old != new:
            transaction_id = json.loads(write["key"])["transaction_id"]["S"]
            found.setdefault(transaction_id, []).append(f"{write['region']} {old}->{new}")
    return found


def settled_twice(writes: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """The transactions whose status more than one region changed."""
    return {
        txn: changes
        for txn, changes in settling_regions(writes).items()
        if len({change.split(" ", 1)[0] for change in changes}) > 1
    }


@dataclass(frozen=True)
class LagSummary:
    count: int
    median: float | None
    p99: float | None
    maximum: float | None

    def text(self) -> str:
        if not self.count:
            return "no change replicated"
        return f"median {self.median:.2f} s, p99 {self.p99:.2f} s, max {self.maximum:.2f} s over {self.count} changes"


def lag_summary(lags: Sequence[float]) -> LagSummary:
    if not lags:
        return LagSummary(0, None, None, None)
    ordered = sorted(lags)
    p99 = ordered[min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))]
    return LagSummary(len(ordered), statistics.median(ordered), p99, ordered[-1])


@dataclass
class Check:
    what: str
    ok: bool
    detail: str = ""

    def line(self) -> str:
        return f"  [{'ok' if self.ok else 'FAILED'}] {self.what}" + (f": {self.detail}" if self.detail else "")


def same_transactions(
    expected: Mapping[str, Mapping[str, Any]],
    read: Mapping[str, Mapping[str, Any] | None],
    fields: Sequence[str] = ("customer_id", "amount", "currency", "status"),
) -> list[str]:
    """The ids whose read copy is missing or differs from the expected one in any of ``fields``."""
    return [
        txn
        for txn, want in expected.items()
        if read.get(txn) is None or any(read[txn].get(f) != want.get(f) for f in fields)
    ]  # type: ignore[union-attr]
