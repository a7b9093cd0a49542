"""Load benchmark of the local API: ``run(requests=1000)`` -> requests/s and latency percentiles.

Starts its own emulator subprocess (throttling off) unless ``base_url`` and ``api_key``
are given. Bounded in count and in time (``max_seconds``). Used by ``scripts/bench.py``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from payment_local.process import child_environment, running_emulator


@contextmanager
def _emulator(env: str, timeout: float = 90) -> Any:
    with tempfile.TemporaryDirectory() as directory:
        environment = child_environment()
        args = ["--env", env, "--no-throttle", "--log-level", "ERROR"]
        with running_emulator(args, env=environment, workdir=Path(directory), timeout=timeout) as info:
            yield info


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _phase(name: str, calls: list[Any], concurrency: int, deadline: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0

    def one(call: Any) -> tuple[float, int]:
        if time.monotonic() > deadline:
            return -1.0, 0
        started = time.perf_counter()
        status = call()
        return (time.perf_counter() - started) * 1000, status

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for elapsed, status in pool.map(one, calls):
            if elapsed < 0:
                continue
            latencies.append(elapsed)
            errors += status >= 400
    wall = time.perf_counter() - started
    return {
        "operation": name,
        "requests": len(latencies),
        "errors": errors,
        "requests_per_second": round(len(latencies) / wall, 1) if wall else 0.0,
        "p50_ms": round(_percentile(latencies, 0.50), 2),
        "p99_ms": round(_percentile(latencies, 0.99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else 0.0,
    }


def _settle(session: Any, base_url: str, created: list[str], deadline: float) -> dict[str, Any]:
    """Wait until every created transaction is settled (``succeeded`` or ``failed``), oldest first: settlement
    runs roughly in creation order, so one status request per poll is enough."""
    started = time.perf_counter()
    pending = list(created)
    while pending and time.monotonic() < deadline:
        status = session.get(f"{base_url}/status/{pending[0]}", timeout=15).json().get("status")
        if status in ("succeeded", "failed"):
            pending.pop(0)
        else:
            time.sleep(0.1)
    return {
        "operation": "settle",
        "transactions": len(created),
        "unsettled": len(pending),
        "seconds": round(time.perf_counter() - started, 2),
    }


def run(
    requests: int = 1000,
    *,
    concurrency: int = 8,
    env: str = "dev",
    base_url: str | None = None,
    api_key: str | None = None,
    max_seconds: float = 120,
) -> dict[str, Any]:
    """Create ``requests`` transactions, get each, wait until all are settled, get each again.

    ``{"create": {...}, "get": {...}, "get_idle": {...}}`` each with ``requests``, ``errors``,
    ``requests_per_second``, ``p50_ms``, ``p99_ms``, ``mean_ms``: the first gets share the emulator's one core with
    the settlement of the creates (each ~14 AWS calls and 4 invocations), the second have it to themselves.
    ``"settle"``: how long after the first gets the last transaction left ``pending``, and how many never did.
    """
    if requests < 1 or requests > 100_000:
        raise ValueError("requests must be between 1 and 100000")
    if base_url is None or api_key is None:
        with _emulator(env) as info:
            return run(
                requests,
                concurrency=concurrency,
                env=env,
                base_url=info["base_url"],
                api_key=info["api_key"],
                max_seconds=max_seconds,
            )
    import requests as http

    session = http.Session()
    session.headers["x-api-key"] = api_key
    adapter = http.adapters.HTTPAdapter(pool_connections=concurrency, pool_maxsize=concurrency)
    session.mount("http://", adapter)
    deadline = time.monotonic() + max_seconds
    run_id = uuid.uuid4().hex[:8]
    created: list[str] = []

    def create(index: int) -> Any:
        def call() -> int:
            response = session.post(
                f"{base_url}/transactions",
                timeout=15,
                headers={"Idempotency-Key": f"bench-{run_id}-{index}"},
                json={"customer_id": f"bench_{run_id}_{index % 50}", "amount": 100 + index, "currency": "USD"},
            )
            if response.status_code == 201:
                created.append(response.json()["transaction_id"])
            return response.status_code

        return call

    def get(transaction_id: str) -> Any:
        return lambda: session.get(f"{base_url}/transactions/{transaction_id}", timeout=15).status_code

    result = {"create": _phase("create", [create(i) for i in range(requests)], concurrency, deadline)}
    result["get"] = _phase("get", [get(t) for t in list(created)], concurrency, deadline)
    result["settle"] = _settle(session, base_url, list(created), deadline)
    result["get_idle"] = _phase("get", [get(t) for t in list(created)], concurrency, deadline)
    result["concurrency"] = concurrency
    session.close()
    return result


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print(json.dumps(run(count), indent=2))
