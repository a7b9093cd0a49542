"""``payment_local.bench.run`` (what `make bench` measures the emulator with) on a few requests: every phase ran,
nothing failed, every created payment settled before the idle gets."""

from __future__ import annotations

import pytest

from payment_local import bench

pytestmark = pytest.mark.slow  # starts its own emulator and waits for settlement: make test-slow runs it


def test_the_load_bench_creates_gets_waits_for_settlement_and_gets_again() -> None:
    result = bench.run(12, concurrency=4, max_seconds=120)
    for phase in ("create", "get", "get_idle"):
        assert result[phase]["requests"] == 12 and result[phase]["errors"] == 0, result[phase]
        assert result[phase]["requests_per_second"] > 0 and result[phase]["p99_ms"] >= result[phase]["p50_ms"]
    assert result["settle"]["transactions"] == 12 and result["settle"]["unsettled"] == 0, result["settle"]
