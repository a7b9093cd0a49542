"""``sweep`` function: on a schedule, re-sends ``pending`` transactions older than the sweep age to settlement.

The normal path from a write to settlement is the table's stream (EventBridge Pipes into the FIFO queue);
this is the second chance for a record whose event was lost (:mod:`payments.domain.sweep`). Each record found
is counted in the ``StalePendingTransactions`` metric, which the stack alarms on: a non-zero value means the
stream path missed a payment, even though the sweep has now re-driven it. A record the queue refuses is
retried by the next run; the invocation then fails (the function's error alarm) after sending the others.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from payments import functions as contract
from payments.adapters import aws
from payments.adapters.dynamodb import DynamoDBTransactionRepository
from payments.adapters.sqs import SqsTransactionQueue
from payments.domain.sweep import SweepService, SweepWindow
from payments.handlers.tracing import aws_calls_tracer
from payments.settings import SweepSettings

logger = Logger()
tracer = aws_calls_tracer()
metrics = Metrics()

#: The metric the stack's sweep alarm watches (``payment_infra.constructs.monitoring``).
STALE_PENDING_METRIC = contract.STALE_PENDING_METRIC


class Sweeper:
    def __init__(self, service: SweepService, clients: frozenset[str], window: SweepWindow) -> None:
        self._service, self._clients, self._window = service, clients, window

    def run(self) -> dict[str, Any]:
        result = self._service.sweep(self._clients, self._window)
        ids = [transaction.transaction_id for transaction in result.redriven]
        failed = [transaction.transaction_id for transaction in result.failed]
        metrics.add_metric(name=STALE_PENDING_METRIC, unit=MetricUnit.Count, value=len(result.found))
        if ids:
            logger.warning("stale pending transactions re-driven", extra={"count": len(ids), "transaction_ids": ids})
        if failed:
            raise SweepIncompleteError(f"{len(failed)} stale pending transaction(s) could not be re-sent: {failed}")
        return {"redriven": ids}


class SweepIncompleteError(RuntimeError):
    """Some stale records could not be sent to the queue (the others were); the next run tries them again."""


def build_sweeper(
    settings: SweepSettings, *, dynamodb: Any, sqs: Any, clock: Any = lambda: datetime.now(UTC)
) -> Sweeper:
    service = SweepService(
        DynamoDBTransactionRepository(dynamodb, settings.transactions_table),
        SqsTransactionQueue(sqs, settings.queue_url),
        clock,
    )
    window = SweepWindow(
        older_than=timedelta(seconds=settings.older_than_seconds), lookback=timedelta(seconds=settings.lookback_seconds)
    )
    return Sweeper(service, settings.clients.names, window)


@cache
def _sweeper() -> Sweeper:
    return build_sweeper(SweepSettings.from_env(), dynamodb=aws.client("dynamodb"), sqs=aws.client("sqs"))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _sweeper().run()
