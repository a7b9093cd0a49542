"""``all_stacks``: every synthesized stack of the session, keyed by stack id."""

from __future__ import annotations

import pytest

from tests.conftest import ACCOUNT_STACK


@pytest.fixture(scope="session")
def all_stacks(stacks: dict[str, dict], account_stack: dict) -> dict[str, dict]:
    """``{"payment-account": ..., "payment-dev": <parsed cdk.tf.json>, ...}`` for every stack the app synthesizes."""
    return {ACCOUNT_STACK: account_stack, **{f"payment-{env}": stack for env, stack in stacks.items()}}
