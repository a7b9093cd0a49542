"""``all_stacks``: every synthesized stack of the session, keyed by stack id."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def all_stacks(stacks: dict[str, dict]) -> dict[str, dict]:
    """``{"payment-dev": <parsed cdk.tf.json>, ...}`` for every stack the app synthesizes."""
    return {f"payment-{env}": stack for env, stack in stacks.items()}
