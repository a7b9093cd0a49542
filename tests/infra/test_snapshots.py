"""One snapshot per environment of the whole synthesized stack (update with ``pytest --snapshot-update``)."""

from __future__ import annotations

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from payment_infra.engine import DEFAULT_ENGINE, ENGINE


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def test_stack_snapshot(stack: dict, env: str, snapshot_json) -> None:
    if ENGINE.name != DEFAULT_ENGINE:
        pytest.skip("the snapshots are cdktf's; tests/engines/test_cdktn_output.py compares cdktn's output with it")
    assert stack == snapshot_json(name=f"payment-{env}")


def test_account_stack_snapshot(account_stack: dict, snapshot_json) -> None:
    assert account_stack == snapshot_json(name="payment-account")
