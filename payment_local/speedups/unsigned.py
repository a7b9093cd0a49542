"""Requests answered in process carry SigV4's headers with a zero signature instead of a computed one.

moto reads the access key and the region from the ``Authorization`` header's credential scope and never checks the
signature. Computing it (the canonical request, the payload's SHA-256, four HMACs) was ~11% of the CPU of an
in-process call. Only plain SigV4 requests (DynamoDB, SQS, SNS, Step Functions, ...) to an endpoint
:mod:`payment_local.speedups.in_process` answers are left unsigned: S3's signer, whose payload header is part of
the request, and every request that goes over the network are signed as before.
"""

from __future__ import annotations

import datetime
from typing import Any

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.exceptions import NoCredentialsError

from payment_local.speedups import in_process

UNCHECKED_SIGNATURE = "0" * 64
_original_add_auth = SigV4Auth.add_auth


def _add_auth(self: SigV4Auth, request: Any) -> None:
    if type(self) is not SigV4Auth or not in_process.answers(request.url):
        return _original_add_auth(self, request)
    if self.credentials is None:
        raise NoCredentialsError()
    request.context["timestamp"] = datetime.datetime.now(datetime.UTC).strftime(SIGV4_TIMESTAMP)
    self._modify_request_before_signing(request)  # the date and token headers, as signing sets them
    self._inject_signature_to_request(request, UNCHECKED_SIGNATURE)
    return None


def install() -> None:
    SigV4Auth.add_auth = _add_auth  # type: ignore[method-assign]


def uninstall() -> None:
    """Sign every request again (the tests compare both ways)."""
    SigV4Auth.add_auth = _original_add_auth  # type: ignore[method-assign]
