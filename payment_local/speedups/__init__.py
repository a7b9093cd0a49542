"""Speed-ups of the emulator that change how fast it answers, never what it answers.

Each module patches one thing behind an explicit, idempotent ``install()``; :func:`install` is the one call the
emulator makes (``Emulator.start``, unless ``Options.speedups`` is off). Nothing happens at import. Removing the
call (or this package and that call) leaves a slower emulator with the same behaviour; the tests in
``tests/local/test_speedups_*.py`` hold each module's answers equal to the unpatched path's.
"""

from __future__ import annotations

from payment_local.speedups import dynamodb_query, sqs_counts


def install() -> None:
    """Every speed-up, process-wide."""
    dynamodb_query.install()
    sqs_counts.install()
