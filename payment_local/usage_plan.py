"""The usage plan of a client's API key: its throttle (rate, burst) and quota, as API Gateway enforces them."""

from __future__ import annotations

import threading
import time

from payment_local.stack import UsagePlan


class TokenBucket:
    """The usage plan: a token bucket (rate, burst) and a request quota per period."""

    _PERIODS = {"DAY": 86_400, "WEEK": 7 * 86_400, "MONTH": 30 * 86_400}

    def __init__(self, plan: UsagePlan) -> None:
        self._plan = plan
        self._tokens = float(plan.burst_limit)
        self._updated = time.monotonic()
        self._quota_used = 0
        self._quota_start = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> str | None:
        """``None`` if the request may pass, else the gateway response type."""
        with self._lock:
            now = time.monotonic()
            plan = self._plan
            if plan.quota_limit is not None:
                if now - self._quota_start >= self._PERIODS.get(plan.quota_period or "DAY", 86_400):
                    self._quota_start, self._quota_used = now, 0
                if self._quota_used >= plan.quota_limit:
                    return "QUOTA_EXCEEDED"
            self._tokens = min(float(plan.burst_limit), self._tokens + (now - self._updated) * plan.rate_limit)
            self._updated = now
            if self._tokens < 1:
                return "THROTTLED"
            self._tokens -= 1
            self._quota_used += 1
            return None
