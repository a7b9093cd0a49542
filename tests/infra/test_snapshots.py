"""One snapshot per environment of the whole synthesized stack (update with ``pytest --snapshot-update``)."""

from __future__ import annotations

import pytest
from syrupy.extensions.json import JSONSnapshotExtension


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def test_stack_snapshot(stack: dict, env: str, snapshot_json) -> None:
    assert stack == snapshot_json(name=f"payment-{env}")


def test_account_stack_snapshot(account_stack: dict, snapshot_json) -> None:
    assert account_stack == snapshot_json(name="payment-account")
