"""The functions' sizing and runtime (``lambda_``), the limits Lambda puts on them, and Powertools' constants."""

from __future__ import annotations

import re
from dataclasses import dataclass

from payment_infra.config.problems import Problem, Problems, int_in, one_of

LAMBDA_MEMORY_RANGE_MB = (128, 10240)
LAMBDA_ARCHITECTURES = ("arm64", "x86_64")
LAMBDA_RUNTIMES = ("python3.12", "python3.13")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")  # Powertools Logger (Python logging) levels
# Lambda's application_log_level for each: with JSON logging Lambda sets AWS_LAMBDA_LOG_LEVEL (INFO when unset),
# which Powertools prefers over POWERTOOLS_LOG_LEVEL, and drops lines below it (Lambda accepts TRACE, DEBUG, INFO,
# WARN, ERROR, FATAL; Powertools maps WARN and FATAL back to WARNING and CRITICAL).
LAMBDA_APPLICATION_LOG_LEVELS = {
    "DEBUG": "DEBUG", "INFO": "INFO", "WARNING": "WARN", "ERROR": "ERROR", "CRITICAL": "FATAL",
}  # fmt: skip
# Product constants, the same in every environment.
SERVICE_NAME = "payment-api"  # POWERTOOLS_SERVICE_NAME: the service dimension of logs, traces and metrics
METRICS_NAMESPACE = "PaymentApi"  # POWERTOOLS_METRICS_NAMESPACE
_POWERTOOLS_V3_RELEASE = re.compile(r"^3\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")

# Lambda keeps this much of the account's concurrency quota unreserved; a reservation that would leave less fails.
UNRESERVED_CONCURRENCY_MINIMUM = 100
RESERVED_CONCURRENCY_RANGE = (1, 1000)  # what one function of this product may reserve
# Functions sized by the product matrix (lambda_.reserved_concurrency); health and workers have their own knobs.
MATRIX_SIZED_FUNCTIONS = frozenset({"transactions", "status"})
HEALTH_FUNCTION = "health"


@dataclass(frozen=True)
class LambdaSettings:
    """Sizing of the functions (memory, reserved concurrency) and the runtime they share.

    Reserved concurrency is per function: ``reserved_concurrency`` for the transactions and status functions
    (the product matrix), ``health_reserved_concurrency`` for the health check, ``worker_reserved_concurrency``
    for each of settlement, batch import and the workflow steps. Together, over every deployment in the
    account, they must leave ``UNRESERVED_CONCURRENCY_MINIMUM`` of the account quota free (``check_deployments``).
    """

    memory_mb: int
    """Memory of every function (MB); Lambda scales CPU with it."""
    reserved_concurrency: int
    """Reserved concurrency of each matrix-sized function (transactions, status)."""
    health_reserved_concurrency: int = 1  # a liveness probe: one at a time is plenty
    worker_reserved_concurrency: int = 2  # the queue consumer and the workflow steps run at the queue's pace
    # false: reserve nothing, every function draws from the unreserved pool (an account whose quota is too small,
    # e.g. a new one, for dev; PAYMENT_RESERVE_CONCURRENCY=false)
    reserve_concurrency: bool = True
    runtime: str = "python3.12"
    """Python runtime of every function and of the Powertools layer."""
    architecture: str = "arm64"
    """CPU architecture of every function and of the Powertools layer."""
    # Powertools release every function loads, as its public layer (found at plan time from the release's SSM public
    # parameter); the tests run the same release (Pipfile.lock)
    powertools_version: str = "3.37.0"
    log_level: str = "INFO"  # POWERTOOLS_LOG_LEVEL of every function

    def problems(self, prefix: str = "") -> list[Problem]:
        """Every rule these fields break, named ``<prefix><field>``."""
        found = Problems()
        low, high = LAMBDA_MEMORY_RANGE_MB
        found.check(
            int_in(self.memory_mb, LAMBDA_MEMORY_RANGE_MB),
            f"{prefix}memory_mb",
            self.memory_mb,
            f"an integer from {low} to {high} (MB)",
        )
        low, high = RESERVED_CONCURRENCY_RANGE
        for name in ("reserved_concurrency", "health_reserved_concurrency", "worker_reserved_concurrency"):
            value = getattr(self, name)
            allowed = f"an integer from {low} to {high}"
            found.check(int_in(value, RESERVED_CONCURRENCY_RANGE), f"{prefix}{name}", value, allowed)
        found.check(self.runtime in LAMBDA_RUNTIMES, f"{prefix}runtime", self.runtime, one_of(LAMBDA_RUNTIMES))
        found.check(
            self.architecture in LAMBDA_ARCHITECTURES,
            f"{prefix}architecture",
            self.architecture,
            one_of(LAMBDA_ARCHITECTURES),
        )
        version = self.powertools_version
        found.check(
            isinstance(version, str) and _POWERTOOLS_V3_RELEASE.match(version) is not None,
            f"{prefix}powertools_version",
            version,
            "a Powertools v3 release, MAJOR.MINOR.PATCH with MAJOR 3 (its layer is AWSLambdaPowertoolsPythonV3)",
        )
        found.check(self.log_level in LOG_LEVELS, f"{prefix}log_level", self.log_level, one_of(LOG_LEVELS))
        reserve = self.reserve_concurrency
        found.check(isinstance(reserve, bool), f"{prefix}reserve_concurrency", reserve, "true or false")
        return found

    def reserved_concurrency_of(self, function_name: str) -> int:
        """What ``function_name`` reserves when reservations are on: matrix-sized, health, or a worker's."""
        if function_name in MATRIX_SIZED_FUNCTIONS:
            return self.reserved_concurrency
        if function_name == HEALTH_FUNCTION:
            return self.health_reserved_concurrency
        return self.worker_reserved_concurrency


def servable_rate(concurrency: int, latency_ms: int) -> int:
    """Requests per second ``concurrency`` executions serve when each takes ``latency_ms`` (Little's law)."""
    return concurrency * 1000 // latency_ms
