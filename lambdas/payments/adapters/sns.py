"""SNS notifier for settled transactions."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from payments.adapters.aws import dependency_error
from payments.domain.transaction import Transaction


def settlement_message(transaction: Transaction) -> dict[str, object]:
    """Ids, outcome and amount only: the topic has an email subscriber."""
    return {
        "event": "transaction.settled",
        "transaction_id": transaction.transaction_id,
        "status": transaction.status.value,
        "amount": transaction.money.amount,
        "currency": transaction.money.currency.code,
        "amount_display": transaction.money.format(),
        "settled_at": transaction.settled_at,
        "failure_reason": transaction.failure_reason,
    }


class SnsNotifier:
    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def transaction_settled(self, transaction: Transaction) -> None:
        try:
            self._client.publish(
                TopicArn=self._topic_arn,
                Subject=f"Payment {transaction.status.value}",
                Message=json.dumps(settlement_message(transaction), sort_keys=True),
                MessageAttributes={"status": {"DataType": "String", "StringValue": transaction.status.value}},
            )
        except (ClientError, BotoCoreError) as exc:
            raise dependency_error("sns", "Publish", exc) from exc
