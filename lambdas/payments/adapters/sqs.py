"""SQS FIFO publisher of transactions awaiting settlement."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from payments.adapters.aws import dependency_error
from payments.domain.errors import DependencyError
from payments.domain.transaction import Transaction

_BATCH = 10  # SendMessageBatch maximum


def message_body(transaction: Transaction) -> str:
    """The settlement message: ids only, no amounts or descriptions."""
    return json.dumps(
        {"transaction_id": transaction.transaction_id, "customer_id": transaction.customer_id},
        separators=(",", ":"),
        sort_keys=True,
    )


class SqsTransactionQueue:
    """FIFO: group = customer (one customer's payments settle in order), dedup id = transaction id."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def publish(self, transactions: Sequence[Transaction]) -> None:
        for start in range(0, len(transactions), _BATCH):
            chunk = transactions[start : start + _BATCH]
            entries = [
                {
                    "Id": str(index),
                    "MessageBody": message_body(transaction),
                    "MessageGroupId": transaction.customer_id,
                    "MessageDeduplicationId": transaction.transaction_id,
                }
                for index, transaction in enumerate(chunk)
            ]
            try:
                response = self._client.send_message_batch(QueueUrl=self._queue_url, Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                raise dependency_error("sqs", "SendMessageBatch", exc) from exc
            failed = response.get("Failed") or []
            if failed:
                codes = sorted({str(entry.get("Code")) for entry in failed})
                raise DependencyError(
                    f"sqs SendMessageBatch rejected {len(failed)} message(s) ({', '.join(codes)})",
                    detail={"dependency": "sqs", "operation": "SendMessageBatch", "aws_error_code": ", ".join(codes)},
                )
