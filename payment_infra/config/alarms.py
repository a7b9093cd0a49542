"""Thresholds of the CloudWatch alarms (``alarms``); the p99 latency one is ``api.p99_latency_alarm_ms``."""

from __future__ import annotations

from dataclasses import dataclass

from payment_infra.config.problems import Problem, Problems, int_in, is_int


@dataclass(frozen=True)
class AlarmSettings:
    """Thresholds of the CloudWatch alarms (each over one 5-minute period); the p99 latency one is in ``api``."""

    api_5xx_rate_percent: int = 1  # alarm when more than this share of API requests fail with 5xx
    queue_age_seconds: int = 300  # alarm when the oldest settlement message waited longer than this

    def problems(self, prefix: str = "") -> list[Problem]:
        """A share that is a percentage, and a queue age of at least a minute."""
        found = Problems()
        found.check(
            int_in(self.api_5xx_rate_percent, (1, 100)),
            f"{prefix}api_5xx_rate_percent",
            self.api_5xx_rate_percent,
            "an integer from 1 to 100 (percent)",
        )
        found.check(
            is_int(self.queue_age_seconds) and self.queue_age_seconds >= 60,
            f"{prefix}queue_age_seconds",
            self.queue_age_seconds,
            "an integer >= 60 (seconds)",
        )
        return found
