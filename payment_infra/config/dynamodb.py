"""The transactions table's billing (``dynamodb``): on demand, or provisioned with autoscaling bounds."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from payment_infra.config.problems import Problem, Problems, is_int, one_of

TARGET_UTILIZATION_RANGE_PERCENT = (20, 90)  # what DynamoDB auto scaling accepts as a target


class BillingMode(StrEnum):
    PAY_PER_REQUEST = "PAY_PER_REQUEST"
    PROVISIONED = "PROVISIONED"


@dataclass(frozen=True)
class Capacity:
    """Autoscaling bounds of one provisioned throughput dimension (table and every GSI)."""

    minimum: int
    """Lowest provisioned capacity units autoscaling may set."""
    maximum: int
    """Highest provisioned capacity units autoscaling may set."""

    def problems(self, prefix: str = "") -> list[Problem]:
        """At least one unit, and a maximum not below the minimum."""
        found = Problems()
        found.check(is_int(self.minimum) and self.minimum >= 1, f"{prefix}minimum", self.minimum, "an integer >= 1")
        found.check(
            is_int(self.maximum) and is_int(self.minimum) and self.maximum >= self.minimum,
            f"{prefix}maximum",
            self.maximum,
            f"an integer >= minimum ({self.minimum})",
        )
        return found


@dataclass(frozen=True)
class DynamoDbSettings:
    """Billing of the transactions table; provisioned tables get target-tracking autoscaling."""

    billing_mode: BillingMode
    """PAY_PER_REQUEST (on demand) or PROVISIONED (with autoscaling) for the transactions table."""
    read: Capacity | None = None
    write: Capacity | None = None
    target_utilization_percent: float = 70.0
    """Autoscaling target: consumed share of provisioned capacity (PROVISIONED only)."""
    point_in_time_recovery: bool = True
    """Continuous backups of both tables; cannot be turned off."""

    def problems(self, prefix: str = "") -> list[Problem]:
        """The billing mode decides which fields must be set: capacity bounds only when PROVISIONED."""
        found = Problems()
        found.check(
            isinstance(self.billing_mode, BillingMode),
            f"{prefix}billing_mode",
            self.billing_mode,
            one_of(tuple(m.value for m in BillingMode)),
        )
        found.check(
            self.point_in_time_recovery is True,
            f"{prefix}point_in_time_recovery",
            self.point_in_time_recovery,
            "true (payment records must be recoverable)",
        )
        if self.billing_mode is BillingMode.PROVISIONED:
            found += self._provisioned_problems(prefix)
        else:
            for name in ("read", "write"):
                value = getattr(self, name)
                found.check(value is None, f"{prefix}{name}", value, "None when billing_mode is PAY_PER_REQUEST")
        return found

    def _provisioned_problems(self, prefix: str) -> list[Problem]:
        found = Problems()
        for name in ("read", "write"):
            capacity = getattr(self, name)
            if capacity is None:
                found.append((f"{prefix}{name}", None, "autoscaling bounds when billing_mode is PROVISIONED"))
            else:
                found += capacity.problems(f"{prefix}{name}.")
        low, high = TARGET_UTILIZATION_RANGE_PERCENT
        target = self.target_utilization_percent
        found.check(
            isinstance(target, (int, float)) and low <= target <= high,
            f"{prefix}target_utilization_percent",
            target,
            f"a number from {low} to {high}",
        )
        return found
