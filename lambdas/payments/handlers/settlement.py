"""``settlement`` function: consumes the transactions FIFO queue.

Each message settles one transaction (``pending -> processing -> succeeded |
failed``), writes its receipt and publishes to SNS. Failures are reported per
message (``ReportBatchItemFailures``); because the queue is FIFO with one group
per customer, a failed message also holds back the later messages of the same
customer in that batch (``skip_group_on_error``), and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from payments.adapters import aws
from payments.adapters.dynamodb import DynamoDBTransactionRepository
from payments.adapters.s3 import S3ReceiptStore
from payments.adapters.sns import SnsNotifier
from payments.domain.errors import ValidationError
from payments.domain.ports import SettlementPolicy
from payments.domain.services import AcceptAllPolicy, SettlementService
from payments.domain.transaction import TRANSACTION_ID_PATTERN
from payments.settings import SettlementSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()


def parse_message(body: str) -> str:
    """Return the transaction id of a settlement message (see ``adapters.sqs.message_body``)."""
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise ValidationError("settlement message is not JSON", code="malformed_message") from exc
    transaction_id = payload.get("transaction_id") if isinstance(payload, dict) else None
    if not isinstance(transaction_id, str) or not TRANSACTION_ID_PATTERN.match(transaction_id):
        raise ValidationError("settlement message has no valid transaction_id", code="malformed_message")
    return transaction_id


class SettlementConsumer:
    def __init__(self, service: SettlementService) -> None:
        self._service = service

    @tracer.capture_method
    def process_record(self, record: SQSRecord) -> None:
        try:
            transaction_id = parse_message(record.body)
        except ValidationError:
            logger.error("poison settlement message", extra={"message_id": record.message_id})
            metrics.add_metric(name="SettlementPoisonMessage", unit=MetricUnit.Count, value=1)
            raise
        result = self._service.settle(transaction_id)
        logger.info(
            "settlement processed",
            extra={
                "transaction_id": transaction_id,
                "status": result.transaction.status.value,
                "action": result.action,
                "message_id": record.message_id,
            },
        )
        if result.action == "settled":
            metrics.add_metric(
                name=f"Transaction{result.transaction.status.value.capitalize()}", unit=MetricUnit.Count, value=1
            )
        elif result.action == "skipped":
            metrics.add_metric(name="SettlementDuplicateSkipped", unit=MetricUnit.Count, value=1)

    def handle(self, event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
        processor = SqsFifoPartialProcessor(skip_group_on_error=True)
        return process_partial_response(
            event=event, record_handler=self.process_record, processor=processor, context=context
        )


def build_consumer(
    settings: SettlementSettings,
    *,
    dynamodb: Any,
    s3: Any,
    sns: Any,
    policy: SettlementPolicy | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SettlementConsumer:
    return SettlementConsumer(
        SettlementService(
            repository=DynamoDBTransactionRepository(dynamodb, settings.transactions_table),
            receipts=S3ReceiptStore(s3, settings.receipts_bucket),
            notifier=SnsNotifier(sns, settings.notifications_topic_arn),
            policy=policy or AcceptAllPolicy(),
            clock=clock,
        )
    )


@cache
def _consumer() -> SettlementConsumer:
    return build_consumer(
        SettlementSettings.from_env(), dynamodb=aws.client("dynamodb"), s3=aws.client("s3"), sns=aws.client("sns")
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _consumer().handle(event, context)
