"""``transactions`` function: ``POST /transactions``, ``GET /transactions``,
``GET /transactions/{transaction_id}``.

Every request acts for the client owning the calling API key (``API_CLIENTS``,
see :mod:`payments.domain.clients`): reads and lists see only that client's
transactions. Create is idempotent through Powertools on the idempotency table,
keyed by the client and the ``Idempotency-Key`` header, validated against the
canonical request body: a replay returns the first response, another body with
the same key is 422, a concurrent duplicate is 409, no key is 400. Create is one
conditional write; settlement follows from it (the table's stream feeds the queue).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from payments.adapters import aws
from payments.adapters.dynamodb import DynamoDBTransactionRepository
from payments.domain.requests import (
    CreateTransactionRequest,
    ListTransactionsQuery,
    parse_idempotency_key,
    parse_json_object,
)
from payments.domain.services import TransactionService
from payments.domain.transaction import lookup_transaction_id
from payments.handlers.http import PaymentsResolver
from payments.handlers.tracing import aws_calls_tracer
from payments.settings import TransactionsApiSettings

logger = Logger()
tracer = aws_calls_tracer()
metrics = Metrics()

#: Idempotency records are scoped per client (its stable name, not the key id, so
#: a retry through a rotated key is still a replay): two clients choosing the same
#: key never see each other's responses. Requests without an API key (only
#: possible when invoked outside API Gateway) share the ``no-api-key`` scope.
IDEMPOTENCY_KEY_JMESPATH = '[client_id, headers."Idempotency-Key"]'
IDEMPOTENCY_PAYLOAD_JMESPATH = "body"
IDEMPOTENCY_KEY_PREFIX = "payments.create_transaction"


def location_of(event: dict[str, Any], transaction_id: str) -> str:
    """The created transaction's URL path, built from the path the client posted to.

    ``requestContext.path`` is that path as the client sent it: ``/dev/transactions`` behind
    the stage URL, ``/payments/transactions`` behind a custom domain with base path
    ``payments``; the event's ``path`` lacks the stage, so a ``Location`` built from it would
    miss it. Events without a request context (direct invocations) fall back to ``path``.
    Leading slashes are collapsed so the value can never become a network-path reference
    (``//host/...``) pointing at another host, and anything not allowed in a URL path is
    percent-encoded.
    """
    context = event.get("requestContext") or {}
    posted = context.get("path") or event.get("path") or "/transactions"
    return quote(f"/{posted.strip('/')}/{transaction_id}", safe="/%")


@dataclass
class TransactionsApi:
    """One container's wiring: the resolver, the use cases and the idempotent create."""

    service: TransactionService
    idempotency: IdempotencyConfig
    create: Callable[..., dict[str, Any]]
    app: PaymentsResolver

    def handle(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        self.idempotency.register_lambda_context(context)
        return self.app.resolve(event, context)


def build_api(
    settings: TransactionsApiSettings,
    *,
    dynamodb: Any,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> TransactionsApi:
    """Wire the function from settings and clients (tests pass moto-backed ones)."""
    service = TransactionService(DynamoDBTransactionRepository(dynamodb, settings.transactions_table), clock)
    idempotency = IdempotencyConfig(
        event_key_jmespath=IDEMPOTENCY_KEY_JMESPATH,
        payload_validation_jmespath=IDEMPOTENCY_PAYLOAD_JMESPATH,
        raise_on_no_idempotency_key=True,
        expires_after_seconds=settings.idempotency_ttl_seconds,
        hash_function="sha256",
    )
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table, boto3_client=dynamodb)

    @idempotent_function(
        data_keyword_argument="request",
        persistence_store=persistence,
        config=idempotency,
        # Stable across function renames and refactors, so stored keys stay valid.
        key_prefix=IDEMPOTENCY_KEY_PREFIX,
    )
    def create_transaction(*, request: dict[str, Any], parsed: CreateTransactionRequest) -> dict[str, Any]:
        transaction = service.create(
            parsed, client_id=request["client_id"], idempotency_key=request["headers"]["Idempotency-Key"]
        )
        metrics.add_metric(name="TransactionCreated", unit=MetricUnit.Count, value=1)
        logger.info("transaction created", extra={"transaction_id": transaction.transaction_id})
        return transaction.to_public()

    app = PaymentsResolver("transactions", idempotent=True)
    clients = settings.clients

    def caller() -> str:
        return clients.client_of_event(app.current_event.raw_event)

    @app.post("/transactions")
    @tracer.capture_method
    def post_transaction() -> Response:
        event = app.current_event
        client_id = caller()
        key = parse_idempotency_key(event.headers)
        parsed = CreateTransactionRequest.from_json(parse_json_object(app.raw_body()))
        request = {
            "client_id": client_id,
            "headers": {"Idempotency-Key": key},
            "body": parsed.fingerprint(),
        }
        body = create_transaction(request=request, parsed=parsed)
        return Response(
            status_code=HTTPStatus.CREATED.value,
            content_type=content_types.APPLICATION_JSON,
            body=body,
            headers={"Location": location_of(event.raw_event, body["transaction_id"])},
        )

    @app.get("/transactions")
    @tracer.capture_method
    def list_transactions() -> dict[str, Any]:
        query = ListTransactionsQuery.from_params(app.current_event.query_string_parameters, client_id=caller())
        page = service.list(query)
        return {"items": [item.to_public() for item in page.items], "next_cursor": page.next_cursor}

    @app.get("/transactions/<transaction_id>")
    @tracer.capture_method
    def get_transaction(transaction_id: str) -> dict[str, Any]:
        return service.get(lookup_transaction_id(transaction_id), client_id=caller()).to_public()

    return TransactionsApi(service=service, idempotency=idempotency, create=create_transaction, app=app)


@cache
def _api() -> TransactionsApi:
    """Built on the first invocation of a container, then reused."""
    return build_api(TransactionsApiSettings.from_env(), dynamodb=aws.client("dynamodb"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _api().handle(event, context)
