"""One snapshot per environment of the whole synthesized stack (update with ``pytest --snapshot-update``)."""

from __future__ import annotations

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from payment_infra.engine import DEFAULT_ENGINE, ENGINE


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


CDKTF_ONLY = "the snapshots are cdktf's; tests/engines/test_cdktn_output.py compares cdktn's output with it"


def test_stack_snapshot(stack: dict, env: str, snapshot_json) -> None:
    if ENGINE.name != DEFAULT_ENGINE:
        pytest.skip(CDKTF_ONLY)
    assert stack == snapshot_json(name=f"payment-{env}")


def test_account_stack_snapshot(account_stack: dict, snapshot_json) -> None:
    if ENGINE.name != DEFAULT_ENGINE:
        pytest.skip(CDKTF_ONLY)
    assert account_stack == snapshot_json(name="payment-account")


@pytest.mark.parametrize("stack_id", ["payment-prod-dr", "payment-account-dr"])
def test_dr_stack_snapshot(dr_stacks: dict, stack_id: str, snapshot_json) -> None:
    """prod's warm standby and its region's account baseline (docs/disaster-recovery.md)."""
    if ENGINE.name != DEFAULT_ENGINE:
        pytest.skip(CDKTF_ONLY)
    assert dr_stacks[stack_id] == snapshot_json(name=stack_id)
