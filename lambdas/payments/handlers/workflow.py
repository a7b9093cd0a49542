"""Step Functions task handlers (see :mod:`payments.workflow_definition`).

``validate_handler``: ``ValidateInput -> ValidateOutput``; raises
``TransactionNotProcessableError`` (not retried) if the transaction is unknown
or already settled.
``process_handler``: ``ValidateOutput -> ProcessOutput``; settles the
transaction and writes its receipt (the state machine sends the notification).
Transient failures surface as ``RetryableProcessingError``, which the state
machine retries with backoff. With ``AbandonInput`` (``{"transaction_id", "abandon":
{"error": ...}}``, sent by the workflow once processing failed for good) it marks
the transaction ``failed`` instead, without a receipt, unless it is already final.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypedDict

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from payments.adapters import aws
from payments.adapters.dynamodb import DynamoDBTransactionRepository
from payments.adapters.s3 import S3ReceiptStore
from payments.domain.errors import (
    ConcurrentModificationError,
    DependencyError,
    PaymentError,
    RetryableProcessingError,
)
from payments.domain.ports import SettlementPolicy, TransactionRepository
from payments.domain.services import AcceptAllPolicy, SettlementResult, SettlementService
from payments.domain.transaction import TRANSACTION_ID_PATTERN, Status
from payments.handlers.tracing import aws_calls_tracer
from payments.settings import WorkflowProcessSettings, WorkflowValidateSettings

logger = Logger()
tracer = aws_calls_tracer()
metrics = Metrics()


class ValidateInput(TypedDict):
    transaction_id: str


class ValidateOutput(TypedDict):
    transaction_id: str
    customer_id: str
    amount: int
    currency: str
    status: str


class AbandonInput(TypedDict):
    transaction_id: str
    abandon: dict[str, str]


class ProcessOutput(TypedDict):
    transaction_id: str
    status: str
    amount: int
    currency: str
    settled_at: str | None
    failure_reason: str | None
    receipt_key: str | None


#: ``failure_reason`` of a transaction the workflow gave up on (processing failed for good).
ABANDONED_REASON = "processing_error"


class TransactionNotProcessableError(PaymentError):
    """Bad input or a transaction that cannot be processed; not worth retrying."""

    type = "invalid_request_error"
    code = "not_processable"


def _transaction_id(event: Any) -> str:
    transaction_id = event.get("transaction_id") if isinstance(event, dict) else None
    if not isinstance(transaction_id, str) or not TRANSACTION_ID_PATTERN.match(transaction_id):
        raise TransactionNotProcessableError('input must be {"transaction_id": "txn_..."}', param="transaction_id")
    return transaction_id


class WorkflowSteps:
    def __init__(self, repository: TransactionRepository, settlement: SettlementService | None) -> None:
        self._repository = repository
        self._settlement = settlement

    def validate(self, event: ValidateInput) -> ValidateOutput:
        transaction_id = _transaction_id(event)
        try:
            transaction = self._repository.get(transaction_id, consistent=True)
        except DependencyError as exc:
            raise RetryableProcessingError(exc.message) from exc
        if transaction is None:
            raise TransactionNotProcessableError("no transaction with this id", param="transaction_id")
        if transaction.status.is_final:
            raise TransactionNotProcessableError(f"transaction is already {transaction.status.value}")
        return {
            "transaction_id": transaction.transaction_id,
            "customer_id": transaction.customer_id,
            "amount": transaction.money.amount,
            "currency": transaction.money.currency.code,
            "status": transaction.status.value,
        }

    def process(self, event: ValidateOutput) -> ProcessOutput:
        if self._settlement is None:
            raise RuntimeError("process step is not configured")
        transaction_id = _transaction_id(event)
        try:
            result = self._settlement.settle(transaction_id)
        except (DependencyError, ConcurrentModificationError) as exc:
            raise RetryableProcessingError(exc.message) from exc
        return self._outcome(result)

    def abandon(self, event: AbandonInput) -> ProcessOutput:
        if self._settlement is None:
            raise RuntimeError("process step is not configured")
        transaction_id = _transaction_id(event)
        abandon = event.get("abandon")
        error = abandon.get("error") if isinstance(abandon, dict) else None
        logger.warning("workflow abandons transaction", extra={"transaction_id": transaction_id, "error": error})
        try:
            result = self._settlement.abandon(transaction_id, ABANDONED_REASON)
        except (DependencyError, ConcurrentModificationError) as exc:
            raise RetryableProcessingError(exc.message) from exc
        return self._outcome(result)

    @staticmethod
    def _outcome(result: SettlementResult) -> ProcessOutput:
        transaction = result.transaction
        logger.info(
            "workflow processed transaction",
            extra={
                "transaction_id": transaction.transaction_id,
                "status": transaction.status.value,
                "action": result.action,
            },
        )
        if result.action in ("settled", "abandoned"):
            metric = "TransactionSucceeded" if transaction.status is Status.SUCCEEDED else "TransactionFailed"
            metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
        return {
            "transaction_id": transaction.transaction_id,
            "status": transaction.status.value,
            "amount": transaction.money.amount,
            "currency": transaction.money.currency.code,
            "settled_at": transaction.settled_at,
            "failure_reason": transaction.failure_reason,
            "receipt_key": transaction.receipt_key,
        }


def build_steps(
    *,
    dynamodb: Any,
    transactions_table: str,
    s3: Any = None,
    receipts_bucket: str | None = None,
    policy: SettlementPolicy | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> WorkflowSteps:
    repository = DynamoDBTransactionRepository(dynamodb, transactions_table)
    settlement = None
    if s3 is not None and receipts_bucket is not None:
        settlement = SettlementService(
            repository=repository,
            receipts=S3ReceiptStore(s3, receipts_bucket),
            policy=policy or AcceptAllPolicy(),
            clock=clock,
        )
    return WorkflowSteps(repository, settlement)


@cache
def _validate_steps() -> WorkflowSteps:
    settings = WorkflowValidateSettings.from_env()
    return build_steps(dynamodb=aws.client("dynamodb"), transactions_table=settings.transactions_table)


@cache
def _process_steps() -> WorkflowSteps:
    settings = WorkflowProcessSettings.from_env()
    return build_steps(
        dynamodb=aws.client("dynamodb"),
        transactions_table=settings.transactions_table,
        s3=aws.client("s3"),
        receipts_bucket=settings.receipts_bucket,
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def validate_handler(event: ValidateInput, context: LambdaContext) -> ValidateOutput:
    return _validate_steps().validate(event)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def process_handler(event: ValidateOutput | AbandonInput, context: LambdaContext) -> ProcessOutput:
    steps = _process_steps()
    if isinstance(event, dict) and "abandon" in event:
        return steps.abandon(event)  # type: ignore[arg-type]
    return steps.process(event)  # type: ignore[arg-type]
