"""``status`` function: ``GET /status/{transaction_id}``, a small read-only view of the caller's own transaction."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from payments.adapters import aws
from payments.adapters.dynamodb import DynamoDBTransactionRepository
from payments.domain.clients import ClientDirectory, require_owned
from payments.domain.ports import TransactionRepository
from payments.domain.transaction import lookup_transaction_id
from payments.handlers.http import PaymentsResolver
from payments.handlers.tracing import aws_calls_tracer
from payments.settings import StatusApiSettings

logger = Logger()
tracer = aws_calls_tracer()
metrics = Metrics()


def build_app(repository: TransactionRepository, clients: ClientDirectory) -> PaymentsResolver:
    app = PaymentsResolver("status")

    @app.get("/status/<transaction_id>")
    @tracer.capture_method
    def get_status(transaction_id: str) -> dict[str, Any]:
        client_id = clients.client_of_event(app.current_event.raw_event)
        transaction = repository.get(lookup_transaction_id(transaction_id))
        return require_owned(transaction, client_id).to_status()

    return app


@cache
def _app() -> PaymentsResolver:
    settings = StatusApiSettings.from_env()
    return build_app(
        DynamoDBTransactionRepository(aws.client("dynamodb"), settings.transactions_table), settings.clients
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _app().resolve(event, context)
