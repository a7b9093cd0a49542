"""Builders for real Lambda events, for tests and for the local API emulator.

``api_event`` produces an API Gateway REST API (v1) Lambda proxy event exactly
as API Gateway sends it: ``resource`` is the matched route template from
``payments.functions.ROUTES``, ``pathParameters`` are filled in, headers appear
both single- and multi-valued, ``requestContext`` carries a fresh ``requestId``
and the API key id. ``route_for`` tells which function serves a request.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from payments.functions import ROUTES

DEFAULT_API_KEY_ID = "test-api-key-id"
DEFAULT_CLIENT = "checkout"
#: ``API_CLIENTS`` of the tests: the default key belongs to ``checkout`` (with a second, rotated key), and two
#: more clients with one key each.
API_CLIENTS = {
    DEFAULT_CLIENT: [DEFAULT_API_KEY_ID, "test-api-key-id-v2"],
    "client-a": ["key-id-a"],
    "client-b": ["key-id-b"],
}
ACCOUNT_ID = "123456789012"
REGION = "ap-northeast-2"


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{([A-Za-z0-9_]+)\}", r"(?P<\1>[^/]+)", template) + "$")


def route_for(method: str, path: str) -> tuple[str, str, dict[str, str]] | None:
    """``(function name, resource template, path parameters)`` or ``None`` if no route matches.

    Static templates win over parameterised ones, as in API Gateway.
    """
    candidates = sorted(ROUTES.items(), key=lambda item: "{" in item[0][1])
    for (route_method, template), function_name in candidates:
        if route_method != method.upper():
            continue
        match = _template_regex(template).match(path)
        if match:
            return function_name, template, match.groupdict()
    return None


def resource_for(path: str) -> tuple[str, dict[str, str]]:
    """The route template matching ``path`` regardless of method (the path itself if none)."""
    for _, template in sorted(ROUTES, key=lambda item: "{" in item[1]):
        match = _template_regex(template).match(path)
        if match:
            return template, match.groupdict()
    return path, {}


def api_event(
    method: str,
    path: str,
    *,
    body: str | bytes | dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    api_key_id: str | None = DEFAULT_API_KEY_ID,
    stage: str = "test",
    base64_body: bool = False,
    request_id: str | None = None,
) -> dict[str, Any]:
    """A REST API proxy event. A ``dict`` body is JSON-encoded; ``bytes`` is sent base64."""
    resource, path_parameters = resource_for(path)
    all_headers = {"Accept": "application/json", "Host": "example.execute-api.ap-northeast-2.amazonaws.com"}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    if isinstance(body, dict):
        body = json.dumps(body)
    is_base64 = base64_body or isinstance(body, bytes)
    if is_base64 and body is not None:
        raw = body if isinstance(body, bytes) else body.encode("utf-8")
        body = base64.b64encode(raw).decode("ascii")
    now = datetime.now(UTC)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method.upper(),
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_parameters or None,
        "stageVariables": {"environment": stage},
        "requestContext": {
            "resourceId": "abc123",
            "resourcePath": resource,
            "httpMethod": method.upper(),
            "extendedRequestId": uuid.uuid4().hex[:16],
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{stage}{path}",
            "accountId": ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": "example",
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": request_id or str(uuid.uuid4()),
            "identity": {
                "sourceIp": "203.0.113.10",
                "userAgent": "pytest",
                "apiKey": "test-api-key" if api_key_id else None,
                "apiKeyId": api_key_id,
                "accountId": None,
                "caller": None,
                "user": None,
                "userArn": None,
            },
            "domainName": "example.execute-api.ap-northeast-2.amazonaws.com",
            "apiId": "example",
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def sqs_event(messages: list[tuple[str, str]], queue_arn: str | None = None) -> dict[str, Any]:
    """An SQS FIFO event; ``messages`` are ``(body, message_group_id)`` pairs."""
    queue_arn = queue_arn or f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:transaction-queue-test.fifo"
    records = []
    for index, (body, group) in enumerate(messages):
        records.append(
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": f"handle-{index}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": str(int(time.time() * 1000)),
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000)),
                    "SequenceNumber": str(18849496460467696128 + index),
                    "MessageGroupId": group,
                    "MessageDeduplicationId": uuid.uuid4().hex,
                },
                "messageAttributes": {},
                "md5OfBody": "0" * 32,
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


def s3_event(
    bucket: str,
    key: str,
    *,
    version_id: str | None = None,
    event_time: str = "2026-11-25T07:58:00.123Z",
    sequencer: str = "0065F1E2D3C4B5A697",
) -> dict[str, Any]:
    """An S3 ``ObjectCreated:Put`` notification (the key URL-encoded as S3 does)."""
    from urllib.parse import quote_plus

    obj: dict[str, Any] = {"key": quote_plus(key, safe="/"), "size": 1, "eTag": "etag", "sequencer": sequencer}
    if version_id:
        obj["versionId"] = version_id
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": event_time,
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "imports",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": obj,
                },
            }
        ]
    }


@dataclass
class LambdaContext:
    """Enough of the Lambda context object for Powertools (logger, idempotency)."""

    function_name: str = "payment-test"
    memory_limit_in_mb: int = 512
    timeout_ms: int = 15_000
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/payment-test"
    log_stream_name: str = "stream"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_ms


def response_json(response: dict[str, Any]) -> Any:
    """The decoded JSON body of a proxy response."""
    body = response["body"]
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    return json.loads(body)
