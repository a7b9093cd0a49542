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
def client(service: str) -> Any:
    """The shared client for ``service`` (region and credentials from the Lambda environment)."""
    return boto3.session.Session().client(service, config=CLIENT_CONFIG)  # type: ignore[call-overload]


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def dependency_error(service: str, operation: str, exc: ClientError | BotoCoreError) -> DependencyError:
    """A ``DependencyError`` naming the call but not the payload (it may hold personal data)."""
    code = error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
    return DependencyError(f"{service} {operation} failed ({code})")
