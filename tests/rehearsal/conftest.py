"""Start ``make rehearse`` as soon as the session knows it will run its test (see ``background.py``)."""

from __future__ import annotations

import os

import pytest

from scripts.tf_standin import terraform
from tests.rehearsal import background

FULL_REHEARSAL = "test_make_rehearse_deploys_outputs_replans_destroys_and_redeploys"


def pytest_collection_finish(session: pytest.Session) -> None:
    if os.environ.get(terraform.SKIP_SWITCH) == "1":
        return
    if any(item.name == FULL_REHEARSAL for item in session.items):
        background.start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    background.stop()
