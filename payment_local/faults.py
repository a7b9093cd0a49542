"""Test-only fault injection on the wire: botocore ``before-send`` hooks.

A rule names a customer or one transaction. This module learns which transaction belongs to which customer
from the writes it sees (``PutItem`` of a transaction) and from the settlement poller. A matching request gets a
canned AWS error response instead of reaching the service, or (the ``*_response_lost`` kinds) reaches the
service and then its response is lost: the side effect happened, the caller sees a read timeout. Either way
botocore's own retry logic, the handler's error mapping, the workflow's Retry and the queue's redelivery all
run as they would in AWS.

Kinds:
``dynamodb_throttle``        ``ProvisionedThroughputExceededException`` on ``UpdateItem`` (botocore retries it)
``write_throttle``           the same on the transaction's ``PutItem`` (the create's one write: a create that stays
                             throttled is a 503 and Powertools releases its idempotency record)
``s3_error``                 S3 ``500 InternalError`` on the receipt write (botocore retries it)
``settlement_error``         ``AccessDeniedException`` on ``UpdateItem`` (botocore does not retry it: the workflow's
                             process step fails and Step Functions retries it)
``start_error``              ``AccessDeniedException`` on the consumer's ``StartExecution`` (the message fails and
                             is redelivered, then dead-lettered)
``enqueue_error``            SQS ``500 InternalError`` on a send of the customer's settlement message (the pipe's
                             ``SendMessage``, the sweep's ``SendMessageBatch``): botocore retries, then the pipe retries
                             its batch and dead-letters it, the sweep fails and runs again
``sns_error``                SNS ``500 InternalError`` on the workflow's ``Publish`` (the notify step's Retry)
``stream_event_lost``        the transaction's stream record never reaches the pipe (only the sweep can find it)
``write_delay``              the transaction's ``PutItem`` waits ``WRITE_DELAY_SECONDS`` before it is sent (a slow
                             write: concurrent posts with one key meet its idempotency record in progress)
``dynamodb_response_lost``   ``PutItem``/``UpdateItem`` on the transactions table applied, response lost
``s3_response_lost``         the receipt ``PutObject`` applied, response lost
``start_response_lost``      ``StartExecution`` applied, response lost
``enqueue_response_lost``    the settlement message sent, response lost

``times`` bounds how many requests fail (``None``: all of them); ``skip`` lets that many matching requests pass
first (e.g. ``skip=2`` on ``dynamodb_response_lost`` hits the third update of a transaction: its receipt marker).
Enabled only with ``--test-hooks``; never part of ``make local``.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError
from botocore.httpsession import URLLib3Session

RESPONSE_LOST = ("dynamodb_response_lost", "s3_response_lost", "start_response_lost", "enqueue_response_lost")
KINDS = ("dynamodb_throttle", "write_throttle", "write_delay", "s3_error", "settlement_error", "start_error",
         "enqueue_error", "sns_error", "stream_event_lost", *RESPONSE_LOST)  # fmt: skip
_THROTTLED = ("com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
              "Rate of requests exceeds the allowed throughput.")  # fmt: skip
_TXN = re.compile(r"txn_[0-9a-f]{32}")
WRITE_DELAY_SECONDS = 0.5


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


@dataclass
class Rule:
    kind: str
    customer_id: str | None
    transaction_id: str | None
    times: int | None
    skip: int = 0
    seen: int = 0
    fired: int = 0


def _json_error(url: str, status: int, error_type: str, message: str, **headers: str) -> AWSResponse:
    payload = json.dumps({"__type": error_type, "message": message})
    return AWSResponse(
        url,
        status,
        {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": str(uuid.uuid4()), **headers},
        _Raw(payload.encode()),
    )


def _body(request: Any) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class Faults:
    def __init__(self, transactions_table: str) -> None:
        self._table = transactions_table
        self._rules: list[Rule] = []
        self._customers: dict[str, str] = {}
        self._lock = threading.Lock()
        self._http = URLLib3Session()

    # -- control --------------------------------------------------------------

    def add(
        self,
        kind: str,
        customer_id: str | None = None,
        times: int | None = None,
        *,
        transaction_id: str | None = None,
        skip: int = 0,
    ) -> Rule:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if bool(customer_id) == bool(transaction_id):
            raise ValueError("give exactly one of customer_id and transaction_id")
        if transaction_id and not _TXN.fullmatch(transaction_id):
            raise ValueError(f"transaction_id must look like txn_<32 hex digits>, got {transaction_id!r}")
        if times is not None and (not isinstance(times, int) or times < 1):
            raise ValueError("times must be a positive integer or null")
        if not isinstance(skip, int) or skip < 0:
            raise ValueError("skip must be an integer >= 0")
        rule = Rule(kind, customer_id or None, transaction_id or None, times, skip)
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
        """The handlers' clients."""
        dynamodb.meta.events.register("before-send.dynamodb.PutItem", self._dynamodb_put_hook)
        dynamodb.meta.events.register("before-send.dynamodb.UpdateItem", self._dynamodb_hook)
        s3.meta.events.register("before-send.s3.PutObject", self._s3_hook)
        sfn.meta.events.register("before-send.sfn.StartExecution", self._sfn_hook)
        self.install_sender(sqs)

    def install_sender(self, sqs: Any) -> None:
        """A client that sends settlement messages (the sweep's, the pipe's)."""
        sqs.meta.events.register("before-send.sqs.SendMessageBatch", self._sqs_hook)
        sqs.meta.events.register("before-send.sqs.SendMessage", self._sqs_hook)

    def install_notifier(self, sns: Any) -> None:
        """The workflow's SNS client (the emulated Step Functions service integration)."""
        sns.meta.events.register("before-send.sns.Publish", self._sns_hook)

    def drops_stream_record(self, record: dict[str, Any]) -> bool:
        """For the pipe: True when this stream record is to be lost."""
        image = (record.get("dynamodb") or {}).get("NewImage") or {}
        transaction_id = (image.get("transaction_id") or {}).get("S")
        customer = (image.get("customer_id") or {}).get("S")
        return self._fire(("stream_event_lost",), transaction_id, customer) is not None

    def _fire(self, kinds: tuple[str, ...], transaction_id: str | None, customer: str | None = None) -> str | None:
        if transaction_id is None and customer is None:
            return None
        with self._lock:
            customer = customer or self._customers.get(str(transaction_id))
            for rule in self._rules:
                exhausted = rule.times is not None and rule.fired >= rule.times
                targeted = (rule.transaction_id is not None and rule.transaction_id == transaction_id) or (
                    rule.customer_id is not None and rule.customer_id == customer
                )
                if rule.kind in kinds and targeted and not exhausted:
                    rule.seen += 1
                    if rule.seen <= rule.skip:
                        continue
                    rule.fired += 1
                    return rule.kind
        return None

    def _lose_response(self, request: Any, operation: str) -> None:
        """Send ``request`` for real, then fail as a lost response does (botocore retries a read timeout)."""
        self._http.send(request)
        raise ReadTimeoutError(endpoint_url=f"{request.url} (injected fault: {operation} response lost)")

    def _dynamodb_put_hook(self, request: Any, **_: Any) -> AWSResponse | None:
        body = _body(request)
        if body.get("TableName") != self._table:
            return None
        item = body.get("Item") or {}
        transaction_id = (item.get("transaction_id") or {}).get("S")
        customer = (item.get("customer_id") or {}).get("S")
        if transaction_id and customer:
            self.remember(transaction_id, customer)
        kind = self._fire(("write_throttle", "write_delay", "dynamodb_response_lost"), transaction_id, customer)
        if kind == "write_delay":
            time.sleep(WRITE_DELAY_SECONDS)
        if kind == "dynamodb_response_lost":
            self._lose_response(request, "PutItem")
        if kind == "write_throttle":
            return _json_error(request.url, 400, *_THROTTLED)
        return None

    def _dynamodb_hook(self, request: Any, **_: Any) -> AWSResponse | None:
        body = _body(request)
        if body.get("TableName") != self._table:
            return None
        transaction_id = ((body.get("Key") or {}).get("transaction_id") or {}).get("S")
        kind = self._fire(("dynamodb_throttle", "settlement_error", "dynamodb_response_lost"), transaction_id)
        if kind is None:
            return None
        if kind == "dynamodb_response_lost":
            self._lose_response(request, "UpdateItem")
        error = (
            ("ProvisionedThroughputExceededException", "Rate of requests exceeds the allowed throughput.")
            if kind == "dynamodb_throttle"
            else ("AccessDeniedException", "injected fault: settlement_error")
        )
        return _json_error(request.url, 400, f"com.amazonaws.dynamodb.v20120810#{error[0]}", error[1])

    def _sfn_hook(self, request: Any, **_: Any) -> AWSResponse | None:
        kind = self._fire(("start_error", "start_response_lost"), _body(request).get("name"))
        if kind is None:
            return None
        if kind == "start_response_lost":
            self._lose_response(request, "StartExecution")
        return _json_error(request.url, 400, "AccessDeniedException", "injected fault: start_error")

    def _sqs_hook(self, request: Any, **_: Any) -> AWSResponse | None:
        body = _body(request)
        entries = body.get("Entries") if "Entries" in body else [body]
        kind = None
        for entry in entries or []:
            transaction_id = entry.get("MessageDeduplicationId")
            kind = kind or self._fire(
                ("enqueue_error", "enqueue_response_lost"), transaction_id, entry.get("MessageGroupId")
            )
        if kind is None:
            return None
        if kind == "enqueue_response_lost":
            self._lose_response(request, "SendMessage")
        return _json_error(
            request.url,
            500,
            "com.amazonaws.sqs#InternalError",
            "injected fault: enqueue_error",
            **{"x-amzn-query-error": "InternalError;Receiver"},
        )

    def _sns_hook(self, request: Any, **_: Any) -> AWSResponse | None:
        from urllib.parse import parse_qs

        raw = request.body or b""
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        fields = parse_qs(text)
        message = (fields.get("Message") or [""])[0] or (_body(request).get("Message") or "")
        match = _TXN.search(message)
        if self._fire(("sns_error",), match.group(0) if match else None) is None:
            return None
        request_id = str(uuid.uuid4())
        payload = (
            '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Receiver</Type>'
            "<Code>InternalError</Code><Message>injected fault: sns_error</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return AWSResponse(
            request.url, 500, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, _Raw(payload.encode())
        )

    def _s3_hook(self, request: Any, **_: Any) -> AWSResponse | None:
        url = str(request.url)
        if "/receipts/" not in url:
            return None
        match = _TXN.search(url)
        kind = self._fire(("s3_error", "s3_response_lost"), match.group(0) if match else None)
        if kind is None:
            return None
        if kind == "s3_response_lost":
            self._lose_response(request, "PutObject")
        request_id = uuid.uuid4().hex[:16].upper()
        payload = (
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
            f"<Message>We encountered an internal error. Please try again.</Message><RequestId>{request_id}"
            "</RequestId></Error>"
        )
        return AWSResponse(
            url, 500, {"Content-Type": "application/xml", "x-amz-request-id": request_id}, _Raw(payload.encode())
        )
