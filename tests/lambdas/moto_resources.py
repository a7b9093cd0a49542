"""The moto account the Lambda tests run against, mirroring the infrastructure."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any

ACCOUNT_ID = "123456789012"
REGION = "ap-northeast-2"


@dataclass
class Aws:
    dynamodb: Any
    sqs: Any
    s3: Any
    sns: Any
    transactions_table: str
    idempotency_table: str
    receipts_bucket: str
    import_bucket: str
    topic_arn: str

    def new_queue(self) -> str:
        return self.sqs.create_queue(
            QueueName=f"transaction-queue-{uuid.uuid4().hex[:12]}.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "0"},
        )["QueueUrl"]

    def receive_all(self, queue_url: str) -> list[dict[str, Any]]:
        """Every message in the queue (deleted as they are read)."""
        messages: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                return messages
            messages.extend(batch)
            self.sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
            )

    def notifications(self) -> list[dict[str, Any]]:
        """Messages published to the notifications topic (read from moto's backend)."""
        from moto.sns.models import sns_backends

        topic = sns_backends[ACCOUNT_ID][REGION].topics[self.topic_arn]
        return [json.loads(message) for _, message, *_ in topic.sent_notifications]


def create_tables(dynamodb: Any, transactions: str, idempotency: str) -> None:
    def gsi(name: str, partition: str) -> dict[str, Any]:
        return {
            "IndexName": name,
            "KeySchema": [
                {"AttributeName": partition, "KeyType": "HASH"},
                {"AttributeName": "timestamp", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }

    dynamodb.create_table(
        TableName=transactions,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("transaction_id", "timestamp", "customer_id", "transaction_date")
        ],
        KeySchema=[
            {"AttributeName": "transaction_id", "KeyType": "HASH"},
            {"AttributeName": "timestamp", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[gsi("customer_id-index", "customer_id"), gsi("transaction_date-index", "transaction_date")],
    )
    dynamodb.create_table(
        TableName=idempotency,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    dynamodb.update_time_to_live(
        TableName=idempotency, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"}
    )


class AtomicRequests:
    """A client whose requests run one at a time, as DynamoDB applies each request atomically.

    moto runs a request in the calling thread, so two threads' conditional puts can interleave between the
    condition check and the write, and both succeed; real DynamoDB never lets that happen. Concurrency tests
    wrap their clients in this so the handlers race each other between requests, not moto against itself.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def one_at_a_time(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return one_at_a_time
