"""The API's stage throttling, usage plan, WAF rate rule and idempotency window (``api``)."""

from __future__ import annotations

from dataclasses import dataclass

from payment_infra.application import functions_module
from payment_infra.config.problems import Problem, Problems, int_in, is_int

# WAFv2 rate-based statements: evaluation windows AWS accepts, and the limit's range (AWS WAF developer guide,
# "Rate-based rule high-level settings", and the provider's validation of rate_based_statement.limit).
WAF_EVALUATION_WINDOWS_SECONDS = (60, 120, 300, 600)
WAF_RATE_LIMIT_RANGE = (10, 2_000_000_000)


@dataclass(frozen=True)
class ApiSettings:
    """Stage throttling and the usage plan of the environment's API key."""

    # Stage and usage-plan steady rate (requests per second). At most lambda_.reserved_concurrency x 1000 /
    # p99_latency_alarm_ms: above it Lambda's throttles reach clients as 5xx (the spec's 100/1,000/10,000 would
    # need 100/1,000/5,000 executions per function).
    throttle_rate_limit: int
    throttle_burst_limit: int
    """Stage and usage-plan burst (requests)."""
    quota_per_day: int
    """Usage-plan quota of the API key (requests per day)."""
    # WAF per-IP rate limit, requests per evaluation window. Never below what one client may send under its
    # usage plan in that window (rate x window + burst): one merchant backend behind one IP is not blocked.
    waf_rate_limit_per_ip: int
    waf_evaluation_window_seconds: int = 300  # the WAF rate rule's evaluation window (seconds)
    p99_latency_alarm_ms: int = 1000  # alarm when the stage's p99 latency exceeds this
    # How long a create's Idempotency-Key is remembered (IDEMPOTENCY_TTL_SECONDS of the transactions function).
    idempotency_ttl_seconds: int = 86_400

    @property
    def usage_plan_requests_per_window(self) -> int:
        """The most one API key may send in one WAF evaluation window: the token bucket's rate and burst."""
        return self.throttle_rate_limit * self.waf_evaluation_window_seconds + self.throttle_burst_limit

    def problems(self, prefix: str = "") -> list[Problem]:
        """Every rule these fields break; the WAF limit is checked against the usage plan it must let through."""
        found = Problems()
        for name in ("throttle_rate_limit", "throttle_burst_limit", "quota_per_day", "p99_latency_alarm_ms"):
            value = getattr(self, name)
            found.check(is_int(value) and value > 0, f"{prefix}{name}", value, "a positive integer")
        window = self.waf_evaluation_window_seconds
        found.check(
            window in WAF_EVALUATION_WINDOWS_SECONDS and is_int(window),
            f"{prefix}waf_evaluation_window_seconds",
            window,
            "one of WAF's windows " + ", ".join(map(str, WAF_EVALUATION_WINDOWS_SECONDS)) + " (seconds)",
        )
        found += self._waf_rate_limit_problems(prefix)
        low, high = functions_module().IDEMPOTENCY_TTL_RANGE_SECONDS  # the transactions function's own bounds
        found.check(
            int_in(self.idempotency_ttl_seconds, (low, high)),
            f"{prefix}idempotency_ttl_seconds",
            self.idempotency_ttl_seconds,
            f"an integer from {low} to {high} (seconds; what the transactions function accepts)",
        )
        return found

    def _waf_rate_limit_problems(self, prefix: str) -> list[Problem]:
        """The per-IP limit lets one client's whole usage plan through (one merchant backend is one IP)."""
        rate, burst, window = self.throttle_rate_limit, self.throttle_burst_limit, self.waf_evaluation_window_seconds
        if not all(is_int(v) and v > 0 for v in (rate, burst, window)):
            return []  # reported by the field checks
        low, high = max(WAF_RATE_LIMIT_RANGE[0], self.usage_plan_requests_per_window), WAF_RATE_LIMIT_RANGE[1]
        if int_in(self.waf_rate_limit_per_ip, (low, high)):
            return []
        return [
            (
                f"{prefix}waf_rate_limit_per_ip",
                self.waf_rate_limit_per_ip,
                f"an integer from {low:,} to {high:,}: at least what one client may send in {window} s under its "
                f"usage plan ({rate:,}/s x {window} s + burst {burst:,})",
            )
        ]
