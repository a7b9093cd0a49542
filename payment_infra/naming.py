"""Resource names: ``{resource-type}-{environment}``, one rule for the whole stack.

Globally unique names (S3 buckets) also carry the AWS account id, which is only known at deploy time,
so they are built from a Terraform token.
"""

from __future__ import annotations

import re

_TYPE = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
# The settlement FIFO queue and its DLQ, named here once: messaging.py creates them, payment_ops' redrive finds them.
SETTLEMENT_QUEUE = "transaction-queue"
SETTLEMENT_DLQ = "transaction-queue-dlq"


class Naming:
    """Names for one environment, e.g. ``Naming("dev").name("payment-transactions") == "payment-transactions-dev"``."""

    def __init__(self, environment: str, account_id: str | None = None):
        self.environment = environment
        self._account_id = account_id

    def name(self, resource_type: str) -> str:
        if not _TYPE.match(resource_type):
            raise ValueError(
                f"resource_type {resource_type!r}: allowed lowercase letters, digits and '-', starting with a letter"
            )
        return f"{resource_type}-{self.environment}"

    def fifo(self, resource_type: str) -> str:
        """SQS FIFO queues and SNS FIFO topics must end in ``.fifo``."""
        return f"{self.name(resource_type)}.fifo"

    def settlement_queue(self) -> str:
        return self.fifo(SETTLEMENT_QUEUE)

    def settlement_dlq(self) -> str:
        return self.fifo(SETTLEMENT_DLQ)

    def bucket(self, purpose: str) -> str:
        """``payment-{purpose}-{env}-{account id}``: S3 names are global, the account id keeps them unique."""
        if self._account_id is None:
            raise ValueError("bucket names need the account id: construct Naming with account_id")
        return f"{self.name(f'payment-{purpose}')}-{self._account_id}"
