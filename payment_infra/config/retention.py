"""How long data is kept (``retention``): S3 objects and CloudWatch log events, both always expiring."""

from __future__ import annotations

from dataclasses import dataclass

from payment_infra.config.problems import Problem, Problems, int_in, is_int

# The values CloudWatch Logs accepts for retention_in_days (terraform-provider-aws internal/service/logs/group.go,
# validation.IntInSlice), without 0 (kept forever): every log group expires.
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
S3_EXPIRATION_RANGE_DAYS = (1, 3650)  # at least a day, at most ten years


@dataclass(frozen=True)
class RetentionSettings:
    """How long objects (current and noncurrent versions) and log events are kept."""

    s3_expiration_days: int
    """Days before objects (current and noncurrent versions) expire in every bucket."""
    log_retention_days: int
    """Days CloudWatch keeps log events (functions, API, WAF, workflow, VPC flow logs)."""

    def problems(self, prefix: str = "") -> list[Problem]:
        """An expiry within ten years, and a log retention CloudWatch accepts."""
        found = Problems()
        low, high = S3_EXPIRATION_RANGE_DAYS
        found.check(
            int_in(self.s3_expiration_days, S3_EXPIRATION_RANGE_DAYS),
            f"{prefix}s3_expiration_days",
            self.s3_expiration_days,
            f"an integer from {low} to {high}",
        )
        found.check(
            self.log_retention_days in LOG_RETENTION_DAYS and is_int(self.log_retention_days),
            f"{prefix}log_retention_days",
            self.log_retention_days,
            "one of CloudWatch's values " + ", ".join(map(str, LOG_RETENTION_DAYS)),
        )
        return found
