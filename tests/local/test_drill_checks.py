"""The failover drill's judgement: which region changed a transaction's status, and the lag figures."""

from __future__ import annotations

import json

import pytest

from payment_local.drill_checks import lag_summary, same_transactions, settled_twice, settling_regions

KEY = json.dumps({"transaction_id": {"S": "txn_1"}, "timestamp": {"S": "2026-12-03T00:00:00.000000Z"}})


def write(region: str, old: str | None, new: str | None, key: str = KEY) -> dict:
    return {
        "region": region,
        "key": key,
        "old": {"status": {"S": old}} if old else None,
        "new": {"status": {"S": new}} if new else None,
    }


def test_one_region_settling_is_one_settlement() -> None:
    writes = [
        write("a", None, "pending"),
        write("a", "pending", "processing"),
        write("a", "processing", "succeeded"),
        write("a", "succeeded", "succeeded"),
    ]  # the receipt marker: no status change
    assert settling_regions(writes) == {"txn_1": ["a pending->processing", "a processing->succeeded"]}
    assert settled_twice(writes) == {}


@pytest.mark.parametrize("second", [("pending", "processing"), ("processing", "succeeded"), ("processing", "failed")])
def test_a_status_change_in_a_second_region_is_a_second_settlement(second: tuple[str, str]) -> None:
    writes = [write("a", "pending", "processing"), write("a", "processing", "succeeded"), write("b", *second)]
    assert list(settled_twice(writes)) == ["txn_1"]


def test_lag_summary() -> None:
    summary = lag_summary([0.5, 0.7, 0.6, 2.0])
    assert (summary.count, summary.median, summary.maximum) == (4, pytest.approx(0.65), 2.0)
    assert lag_summary([]).text() == "no change replicated"


def test_same_transactions_names_missing_and_changed_ones() -> None:
    expected = {
        "t1": {"status": "succeeded", "amount": 1},
        "t2": {"status": "succeeded", "amount": 2},
        "t3": {"status": "succeeded", "amount": 3},
    }
    read = {"t1": {"status": "succeeded", "amount": 1}, "t2": {"status": "pending", "amount": 2}, "t3": None}
    assert same_transactions(expected, read, ("status", "amount")) == ["t2", "t3"]
