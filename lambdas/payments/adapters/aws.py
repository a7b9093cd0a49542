"""boto3 client construction, once per Lambda container.

Timeouts are short and retries bounded so that a slow dependency fails the
invocation well inside the Lambda timeout instead of hanging it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from payments.domain.errors import DependencyError

CLIENT_CONFIG = Config(
    connect_timeout=2,
    read_timeout=5,
    retries={"mode": "standard", "max_attempts": 3},
)


@cache
def _session() -> boto3.session.Session:
    """One session per container: each new session parses botocore's endpoint and partition files again."""
    return boto3.session.Session()


@cache
def client(service: str) -> Any:
    """The shared client for ``service`` (region and credentials from the Lambda environment)."""
    return _session().client(service, config=CLIENT_CONFIG)  # type: ignore[call-overload]


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def dependency_error(service: str, operation: str, exc: ClientError | BotoCoreError) -> DependencyError:
    """A ``DependencyError`` naming the call but not the payload (it may hold personal data).

    The names are for the logs (``detail``); the API answers clients with a generic message.
    """
    detail = {"dependency": service, "operation": operation, "exception_class": type(exc).__name__}
    if isinstance(exc, ClientError):
        detail["aws_error_code"] = error_code(exc)
        detail["http_status"] = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
    code = detail.get("aws_error_code") or detail["exception_class"]
    return DependencyError(f"{service} {operation} failed ({code})", detail=detail)
