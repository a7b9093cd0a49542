"""The emulator's GIL switch interval: set by install, the previous one back after withdraw, however often."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from payment_local import speedups
from payment_local.speedups import gil_switch


@pytest.fixture
def interval() -> Iterator[float]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.004)
    yield 0.004
    gil_switch.withdraw()
    sys.setswitchinterval(before)


def test_install_shortens_the_interval_and_withdraw_restores_the_previous_one(interval: float) -> None:
    gil_switch.install()
    gil_switch.install()  # idempotent: the second call must not record 1 ms as "the previous interval"
    assert sys.getswitchinterval() == pytest.approx(gil_switch.SWITCH_INTERVAL_SECONDS)
    gil_switch.withdraw()
    assert sys.getswitchinterval() == pytest.approx(interval)
    gil_switch.withdraw()  # not installed: nothing to restore
    assert sys.getswitchinterval() == pytest.approx(interval)


def test_the_emulators_install_and_withdraw_include_it(interval: float) -> None:
    speedups.install({})
    assert sys.getswitchinterval() == pytest.approx(gil_switch.SWITCH_INTERVAL_SECONDS)
    speedups.withdraw({})
    assert sys.getswitchinterval() == pytest.approx(interval)
