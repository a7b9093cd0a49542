"""``settlement`` function: consumes the transactions FIFO queue and starts the settlement workflow.

A thin starter, not a second settlement: each message starts one execution of the Standard
state machine, named after the transaction id (``adapters.stepfunctions``), and the workflow
validates, settles, writes the receipt and notifies. A redelivered or duplicated message finds
the execution already there and is done. Failures are reported per message
(``ReportBatchItemFailures``); because the queue is FIFO with one group per customer, a failed
message also holds back the later messages of the same customer in that batch
(``skip_group_on_error``), and nothing else. A message that keeps failing goes to the DLQ.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from payments.adapters import aws
from payments.adapters.stepfunctions import StepFunctionsSettlementStarter
from payments.domain.errors import ValidationError
from payments.domain.transaction import TRANSACTION_ID_PATTERN
from payments.handlers.tracing import aws_calls_tracer
from payments.settings import SettlementSettings

logger = Logger()
tracer = aws_calls_tracer()
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
    def __init__(self, starter: StepFunctionsSettlementStarter) -> None:
        self._starter = starter

    @tracer.capture_method
    def process_record(self, record: SQSRecord) -> None:
        try:
            transaction_id = parse_message(record.body)
        except ValidationError:
            logger.error("poison settlement message", extra={"message_id": record.message_id})
            metrics.add_metric(name="SettlementPoisonMessage", unit=MetricUnit.Count, value=1)
            raise
        outcome = self._starter.start(transaction_id)
        logger.info(
            "settlement workflow " + outcome.replace("_", " "),
            extra={"transaction_id": transaction_id, "message_id": record.message_id, "outcome": outcome},
        )
        metric = "SettlementWorkflowStarted" if outcome == "started" else "SettlementDuplicateSkipped"
        metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)

    def handle(self, event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
        processor = SqsFifoPartialProcessor(skip_group_on_error=True)
        return process_partial_response(
            event=event, record_handler=self.process_record, processor=processor, context=context
        )


def build_consumer(settings: SettlementSettings, *, sfn: Any) -> SettlementConsumer:
    return SettlementConsumer(StepFunctionsSettlementStarter(sfn, settings.state_machine_arn))


@cache
def _consumer() -> SettlementConsumer:
    return build_consumer(SettlementSettings.from_env(), sfn=aws.client("stepfunctions"))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _consumer().handle(event, context)
