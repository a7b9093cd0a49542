"""Domain exceptions.

Each carries what the API error envelope needs (``type``, ``code``, ``message``,
``param``); the HTTP status is chosen by the handler layer, not here.
"""

from __future__ import annotations


class PaymentError(Exception):
    """Base class of every error the application raises on purpose."""

    type = "api_error"
    code = "internal_error"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code


class ValidationError(PaymentError):
    """The caller sent something the API does not accept (a 400)."""

    type = "invalid_request_error"
    code = "parameter_invalid"


class PayloadTooLargeError(ValidationError):
    code = "body_too_large"


class ForbiddenError(PaymentError):
    """The caller is authenticated but not allowed to use the API (a 403)."""

    type = "authentication_error"
    code = "forbidden"


class NotFoundError(PaymentError):
    type = "invalid_request_error"
    code = "resource_missing"


class ConflictError(PaymentError):
    """The request is valid but clashes with the current state (a 409)."""

    type = "invalid_request_error"
    code = "conflict"


class InvalidTransitionError(ConflictError):
    """A status change the state machine forbids (backwards or repeated)."""

    code = "invalid_transition"


class ConcurrentModificationError(ConflictError):
    """A conditional write lost a race; re-read and retry."""

    code = "concurrent_modification"


class AlreadyExistsError(ConflictError):
    code = "already_exists"


class DependencyError(PaymentError):
    """An AWS dependency failed; the operation may succeed if retried.

    ``message`` and ``detail`` (service, operation, AWS error code or exception class) are for
    operators: logs and Step Functions error causes. The API never returns them to a client.
    """

    type = "api_error"
    code = "dependency_unavailable"

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        detail: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, param=param, code=code)
        self.detail = dict(detail or {})


class RetryableProcessingError(DependencyError):
    """Raised by workflow steps; the state machine retries it with backoff."""

    code = "retryable_processing_error"
