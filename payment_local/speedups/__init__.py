"""Speed-ups of the emulator that change how fast it answers, never what it answers.

Each module patches one thing behind an explicit, idempotent ``install()``; :func:`install` is the one call the
emulator makes (``Emulator.start``, unless ``Options.speedups`` is off). Nothing happens at import. Removing the
call (or this package and that call) leaves a slower emulator with the same behaviour; the tests in
``tests/local/test_speedups_*.py`` hold each module's answers equal to the unpatched path's.
"""

from __future__ import annotations

from collections.abc import Mapping

from payment_local.speedups import (
    dynamodb_query,
    flask_debug,
    gil_switch,
    in_process,
    moto_responses,
    sqs_counts,
    unsigned,
)
from payment_local.speedups.in_process import WSGIApplication


def install(served: Mapping[str, WSGIApplication]) -> None:
    """Every speed-up; ``served`` maps the endpoint URL of each server of this process to its WSGI application."""
    dynamodb_query.install()
    sqs_counts.install()
    moto_responses.install()
    flask_debug.install()
    gil_switch.install()
    unsigned.install()
    for endpoint_url, application in served.items():
        in_process.serve(endpoint_url, application)


def withdraw(served: Mapping[str, WSGIApplication]) -> None:
    """The servers are stopping: their endpoints are no longer answered in process; the GIL interval is restored."""
    gil_switch.withdraw()
    for endpoint_url in served:
        in_process.withdraw(endpoint_url)
