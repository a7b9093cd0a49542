"""A 1 ms GIL switch interval, so that the API's requests do not queue behind settlement.

Every function of the emulator shares one interpreter. A request thread gives the GIL up at each socket read and
write, and with CPython's default interval (5 ms) it may then wait that long behind a settlement thread running
Python code, several times per request; on AWS each function has its own sandbox and never waits on another.
Measured with ``payment_local.bench`` (2 CPUs, 1,000 creates): gets while settlement runs 125-168/s -> 204-211/s,
p50 44 -> 36 ms; the idle gets pay ~5% for the extra switches (363 -> 331-350/s); creates unchanged.
"""

from __future__ import annotations

import sys

SWITCH_INTERVAL_SECONDS = 0.001
_replaced: list[float] = []  # the interval before install(), while installed


def install() -> None:
    if not _replaced:
        _replaced.append(sys.getswitchinterval())
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)


def withdraw() -> None:
    """The interval from before :func:`install` again (nothing to do when not installed)."""
    if _replaced:
        sys.setswitchinterval(_replaced.pop())
