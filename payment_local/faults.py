"""Test-only fault injection on the wire: botocore ``before-send`` hooks.

A rule names a customer; the settlement poller tells this module which transaction
belongs to which customer before invoking the consumer. A matching request to the
transactions table (``UpdateItem``), to the receipts prefix (``PutObject``) or to Step
Functions (``StartExecution`` of that transaction) gets a canned AWS error response
instead of reaching the service, so botocore's own retry logic, the handler's error
mapping, the workflow's Retry and the queue's redelivery all run as they would in AWS.

Kinds:
``dynamodb_throttle``  ``ProvisionedThroughputExceededException`` (botocore retries it)
``s3_error``           S3 ``500 InternalError`` on the receipt write (botocore retries it)
``settlement_error``   ``AccessDeniedException`` on ``UpdateItem`` (botocore does not retry it: the workflow's
                       process step fails and Step Functions retries it)
``start_error``        ``AccessDeniedException`` on the consumer's ``StartExecution`` (the message fails and
                       is redelivered, then dead-lettered)
``enqueue_error``      SQS ``500 InternalError`` on ``SendMessageBatch`` of the customer's messages (botocore
                       retries it; the create fails with 503 and Powertools releases its idempotency record)

``times`` bounds how many requests fail (``None``: all of them). Enabled only with
``--test-hooks``; never part of ``make local``.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse

KINDS = ("dynamodb_throttle", "s3_error", "settlement_error", "start_error", "enqueue_error")
_TXN = re.compile(r"txn_[0-9a-f]{32}")


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


@dataclass
class Rule:
    kind: str
    customer_id: str
    times: int | None
    fired: int = 0


class Faults:
    def __init__(self, transactions_table: str) -> None:
        self._table = transactions_table
        self._rules: list[Rule] = []
        self._customers: dict[str, str] = {}
        self._lock = threading.Lock()

    # -- control --------------------------------------------------------------

    def add(self, kind: str, customer_id: str, times: int | None) -> Rule:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if not customer_id:
            raise ValueError("customer_id is required")
        if times is not None and times < 1:
            raise ValueError("times must be positive or null")
        rule = Rule(kind, customer_id, times)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [vars(rule).copy() for rule in self._rules]

    def remember(self, transaction_id: str, customer_id: str) -> None:
        with self._lock:
            self._customers[transaction_id] = customer_id

    # -- hooks -------------------------------------------------------------------

    def install(self, dynamodb: Any, s3: Any, sfn: Any, sqs: Any) -> None:
        dynamodb.meta.events.register("before-send.dynamodb.UpdateItem", self._dynamodb_hook)
        s3.meta.events.register("before-send.s3.PutObject", self._s3_hook)
        sfn.meta.events.register("before-send.sfn.StartExecution", self._sfn_hook)
        sqs.meta.events.register("before-send.sqs.SendMessageBatch", self._sqs_hook)

    def _fire(self, kinds: tuple[str, ...], transaction_id: str | None, customer: str | None = None) -> str | None:
        if transaction_id is None and customer is None:
            return None
        with self._lock:
            customer = customer or self._customers.get(str(transaction_id))
            for rule in self._rules:
                exhausted = rule.times is not None and rule.fired >= rule.times
                if rule.kind in kinds and rule.customer_id == customer and not exhausted:
                    rule.fired += 1
                    return rule.kind
        return None

    def _dynamodb_hook(self, request: Any, **_: Any) -> AWSResponse | None:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return None
        if body.get("TableName") != self._table:
            return None
        transaction_id = ((body.get("Key") or {}).get("transaction_id") or {}).get("S")
        kind = self._fire(("dynamodb_throttle", "settlement_error"), transaction_id)
        if kind is None:
            return None
        error = (
            ("ProvisionedThroughputExceededException", "Rate of requests exceeds the allowed throughput.")
            if kind == "dynamodb_throttle"
            else ("AccessDeniedException", "injected fault: settlement_error")
        )
        payload = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{error[0]}", "message": error[1]})
        return AWSResponse(
            request.url, 400,
            {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": str(uuid.uuid4())},
            _Raw(payload.encode()),
        )

    def _sfn_hook(self, request: Any, **_: Any) -> AWSResponse | None:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return None
        if self._fire(("start_error",), body.get("name")) is None:
            return None
        payload = json.dumps({"__type": "AccessDeniedException", "message": "injected fault: start_error"})
        return AWSResponse(
            request.url, 400,
            {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": str(uuid.uuid4())},
            _Raw(payload.encode()),
        )

    def _sqs_hook(self, request: Any, **_: Any) -> AWSResponse | None:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return None
        groups = {entry.get("MessageGroupId") for entry in body.get("Entries") or []}
        if not any(self._fire(("enqueue_error",), None, customer=group) for group in groups if group):
            return None
        payload = json.dumps({"__type": "com.amazonaws.sqs#InternalError", "message": "injected fault: enqueue_error"})
        return AWSResponse(
            request.url, 500,
            {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": str(uuid.uuid4()),
             "x-amzn-query-error": "InternalError;Receiver"},
            _Raw(payload.encode()),
        )

    def _s3_hook(self, request: Any, **_: Any) -> AWSResponse | None:
        url = str(request.url)
        if "/receipts/" not in url:
            return None
        match = _TXN.search(url)
        if self._fire(("s3_error",), match.group(0) if match else None) is None:
            return None
        request_id = uuid.uuid4().hex[:16].upper()
        payload = (
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
            f"<Message>We encountered an internal error. Please try again.</Message><RequestId>{request_id}"
            "</RequestId></Error>"
        )
        return AWSResponse(url, 500, {"Content-Type": "application/xml", "x-amz-request-id": request_id},
                           _Raw(payload.encode()))
