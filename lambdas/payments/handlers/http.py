"""Shared API plumbing: the resolver, the error envelope and error-to-status mapping.

Every response that is not a success carries
``{"error": {"type", "code", "message", "param", "request_id"}}``. Domain errors
map to 4xx by class; anything unexpected is logged with its stack trace and
answered with a generic 500 that holds only the request id.
"""

from __future__ import annotations

import base64
import binascii
import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFoundError

from payments.domain.errors import (
    ConflictError,
    DependencyError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentError,
    ValidationError,
)
from payments.domain.requests import MAX_BODY_BYTES
from payments.functions import ROUTES

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyKeyError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

logger = Logger(child=True)

CORS = CORSConfig(
    allow_origin="*",
    allow_headers=["Content-Type", "Idempotency-Key", "X-Api-Key"],
    max_age=300,
)


def _status_for(error: PaymentError) -> HTTPStatus:
    if isinstance(error, PayloadTooLargeError):
        return HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    if isinstance(error, ValidationError):
        return HTTPStatus.BAD_REQUEST
    if isinstance(error, ForbiddenError):
        return HTTPStatus.FORBIDDEN
    if isinstance(error, NotFoundError):
        return HTTPStatus.NOT_FOUND
    if error.type == "idempotency_error":
        return HTTPStatus.UNPROCESSABLE_ENTITY
    if isinstance(error, ConflictError):
        return HTTPStatus.CONFLICT
    if isinstance(error, DependencyError):
        return HTTPStatus.SERVICE_UNAVAILABLE
    return HTTPStatus.INTERNAL_SERVER_ERROR


def error_body(error_type: str, code: str, message: str, param: str | None, request_id: str | None) -> dict[str, Any]:
    return {"error": {"type": error_type, "code": code, "message": message, "param": param, "request_id": request_id}}


def _route_pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[A-Za-z0-9_]+\}", "[^/]+", path) + "/?$")


class PaymentsResolver(APIGatewayRestResolver):
    """``APIGatewayRestResolver`` with the error envelope wired in for one function's routes.

    ``idempotent=True`` (the create) also maps Powertools' idempotency errors. Only then is the idempotency
    utility imported: its package imports the DynamoDB persistence layer and with it boto3, which a function
    without idempotency (health) would otherwise load at every cold start for nothing.
    """

    def __init__(self, function_name: str, *, idempotent: bool = False) -> None:
        super().__init__(cors=CORS)
        self._own_routes = [
            (method, _route_pattern(path)) for (method, path), name in ROUTES.items() if name == function_name
        ]
        self.exception_handler(PaymentError)(self._payment_error)
        if idempotent:
            self._map_idempotency_errors()
        self.exception_handler(RouteNotFoundError)(self._route_not_found)
        self.exception_handler(Exception)(self._unexpected)

    def _map_idempotency_errors(self) -> None:
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyKeyError,
            IdempotencyPersistenceLayerError,
            IdempotencyValidationError,
        )

        self.exception_handler(IdempotencyAlreadyInProgressError)(self._in_progress)
        self.exception_handler(IdempotencyValidationError)(self._payload_mismatch)
        self.exception_handler(IdempotencyKeyError)(self._missing_key)
        self.exception_handler(IdempotencyPersistenceLayerError)(self._idempotency_store_down)

    # -- request helpers -------------------------------------------------

    @property
    def request_id(self) -> str | None:
        context = self.current_event.get("requestContext") or {}
        return context.get("requestId")

    def raw_body(self) -> bytes | None:
        """The body as bytes, decoding base64; oversize or undecodable bodies are 4xx."""
        body = self.current_event.get("body")
        if body is None:
            return None
        if len(body) > MAX_BODY_BYTES * 4 // 3 + 4:
            raise PayloadTooLargeError(f"request body must be at most {MAX_BODY_BYTES} bytes")
        if self.current_event.get("isBase64Encoded"):
            try:
                return base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValidationError("request body is not valid base64", code="malformed_body") from exc
        return body.encode("utf-8", errors="surrogatepass")

    # -- responses ---------------------------------------------------------

    def error(
        self,
        status: HTTPStatus,
        error_type: str,
        code: str,
        message: str,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        return Response(
            status_code=status.value,
            content_type=content_types.APPLICATION_JSON,
            body=error_body(error_type, code, message, param, self.request_id),
            headers=headers,
        )

    def server_fault_message(self, what: str) -> str:
        """A client message for a 5xx: says what to do, carries the request id, names nothing internal."""
        reference = f"; quote request id {self.request_id} if it persists" if self.request_id else ""
        return f"{what}{reference}"

    def _payment_error(self, exc: PaymentError) -> Response:
        status = _status_for(exc)
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            # The message and detail name AWS services, operations and error codes: logs only.
            logger.warning(
                "dependency failed",
                extra={"status": status.value, "code": exc.code, "detail": exc.message, **getattr(exc, "detail", {})},
            )
            return self.error(
                status,
                exc.type,
                exc.code,
                self.server_fault_message(
                    "the service is temporarily unavailable; retry later (a POST with the same Idempotency-Key)"
                ),
            )
        logger.info("request rejected", extra={"status": status.value, "code": exc.code, "param": exc.param})
        return self.error(status, exc.type, exc.code, exc.message, exc.param)

    def _in_progress(self, exc: IdempotencyAlreadyInProgressError) -> Response:
        logger.info("idempotent request already in progress")
        return self.error(
            HTTPStatus.CONFLICT,
            "idempotency_error",
            "idempotency_key_in_use",
            "a request with this Idempotency-Key is still being processed; retry later",
            "Idempotency-Key",
            headers={"Retry-After": "1"},
        )

    def _payload_mismatch(self, exc: IdempotencyValidationError) -> Response:
        logger.info("idempotency key reused with a different payload")
        return self.error(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "idempotency_error",
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request body",
            "Idempotency-Key",
        )

    def _missing_key(self, exc: IdempotencyKeyError) -> Response:
        return self.error(
            HTTPStatus.BAD_REQUEST,
            "invalid_request_error",
            "parameter_missing",
            "Idempotency-Key header is required",
            "Idempotency-Key",
        )

    def _idempotency_store_down(self, exc: IdempotencyPersistenceLayerError) -> Response:
        logger.warning(
            "idempotency store unavailable", extra={"exception_class": type(exc).__name__, "detail": str(exc)}
        )
        return self.error(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "api_error",
            "dependency_unavailable",
            self.server_fault_message("the service is temporarily unavailable; retry with the same Idempotency-Key"),
        )

    def _route_not_found(self, exc: RouteNotFoundError) -> Response:
        path = self.current_event.path
        method = self.current_event.http_method.upper()
        allowed = sorted({m for m, pattern in self._own_routes if pattern.match(path)})
        if method in allowed:
            # The route exists for this method; only the id has characters Powertools' route pattern does
            # not accept, so no such transaction can exist: the same 404 as an unknown id.
            return self.error(
                HTTPStatus.NOT_FOUND,
                "invalid_request_error",
                "resource_missing",
                "no such transaction",
                param="transaction_id",
            )
        if allowed:
            return self.error(
                HTTPStatus.METHOD_NOT_ALLOWED,
                "invalid_request_error",
                "method_not_allowed",
                f"{method} is not allowed on this resource",
                headers={"Allow": ", ".join([*allowed, "OPTIONS"])},
            )
        return self.error(HTTPStatus.NOT_FOUND, "invalid_request_error", "route_not_found", "no such route")

    def _unexpected(self, exc: Exception) -> Response:
        logger.exception("unhandled error", extra={"exception_class": type(exc).__name__})
        return self.error(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "api_error",
            "internal_error",
            self.server_fault_message("an unexpected error occurred"),
        )
