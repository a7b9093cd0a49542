"""Edge cases found by black-box testing (issue 16): text that is not Unicode, deep JSON, what a 5xx
tells the client, the ``Location`` behind a stage or base path, and read-after-write by id."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError
from payments.adapters.dynamodb import DynamoDBTransactionRepository
from payments.handlers import status, transactions
from payments.handlers.transactions import location_of
from payments.settings import StatusApiSettings, TransactionsApiSettings

from tests.lambdas.events import LambdaContext, api_event, response_json
from tests.lambdas.moto_resources import REGION, Aws
from tests.lambdas.test_api import assert_error, call, create_body, new_key, post

# Names an error message must never show a client: services, operations, AWS error codes, exception classes.
INTERNAL_NAMES = (
    "dynamodb",
    "DynamoDB",
    "PutItem",
    "Query",
    "ProvisionedThroughputExceeded",
    "ReadTimeout",
    "ClientError",
    "BotoCore",
    "Exception",
    "botocore",
    "sqs",
    "SendMessage",
)


# --- 1. text that is not valid Unicode is a 400 naming the field ------------------------


@pytest.mark.parametrize(
    ("raw_body", "param"),
    [
        ('{"customer_id": "c1", "amount": 100, "currency": "USD", "description": "\\ud800"}', "description"),
        ('{"customer_id": "c1", "amount": 100, "currency": "USD", "description": "ok \\udfff then"}', "description"),
        ('{"customer_id": "\\ud83d", "amount": 100, "currency": "USD"}', "customer_id"),
        ('{"customer_id": "c1", "amount": 100, "currency": "US\\ud800"}', "currency"),
        ('{"customer_id": "c1", "amount": 100, "currency": "USD", "\\ud800": 1}', "\\ud800"),
    ],
)
def test_lone_surrogate_in_a_string_field_is_400_naming_the_field(
    function_env: Aws, queue_url: str, raw_body: str, param: str
):
    error = assert_error(post(raw_body, new_key()), 400, "parameter_invalid", param)
    assert "Unicode" in error["message"]
    assert function_env.receive_all(queue_url) == []


def test_lone_surrogate_as_raw_bytes_is_400(function_env: Aws, queue_url: str):
    # CESU-8 style bytes of U+D800: json.loads(bytes) decodes them with surrogatepass.
    raw = b'{"customer_id": "c1", "amount": 100, "currency": "USD", "description": "\xed\xa0\x80"}'
    assert_error(post(raw, new_key()), 400, "parameter_invalid", "description")
    assert function_env.receive_all(queue_url) == []


def test_valid_astral_text_is_still_accepted(function_env: Aws, customer_id: str):
    # A correctly paired surrogate escape is one real character (U+1F600) and must pass.
    body = json.dumps(create_body(customer_id, description="smile \U0001f600"))
    response = post(body, new_key())
    assert response["statusCode"] == 201, response
    assert response_json(response)["description"] == "smile \U0001f600"


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"customer_id": "c\ud800"}, "customer_id"),
        ({"date": "\udfff"}, "date"),
        ({"customer_id": "c1", "limit": "\ud800"}, "limit"),
    ],
)
def test_lone_surrogate_in_a_query_parameter_is_400(function_env: Aws, query: dict[str, str], param: str):
    assert_error(call(transactions, api_event("GET", "/transactions", query=query)), 400, "parameter_invalid", param)


def test_cursor_holding_a_lone_surrogate_is_400_not_a_dependency_error(function_env: Aws, customer_id: str):
    import base64

    payload = json.dumps(
        {
            "v": 1,
            "p": ["customer_id", customer_id],
            "k": {"customer_id": customer_id, "timestamp": "\ud800", "transaction_id": "x"},
        }
    )
    cursor = base64.urlsafe_b64encode(payload.encode("ascii")).decode().rstrip("=")
    response = call(
        transactions, api_event("GET", "/transactions", query={"customer_id": customer_id, "cursor": cursor})
    )
    assert_error(response, 400, "cursor_invalid", "cursor")


# --- 5 (Lambda side). deep JSON is a 400, not a 5xx ------------------------------------


@pytest.mark.parametrize("depth", [3_000, 8_000])
def test_deeply_nested_body_within_the_size_limit_is_400(function_env: Aws, depth: int):
    body = '{"customer_id": ' + "[" * depth + "]" * depth + ', "amount": 1, "currency": "USD"}'
    assert len(body.encode()) <= 16 * 1024
    assert_error(post(body, new_key()), 400, "malformed_json")


# --- 2. a 5xx names nothing internal; the detail goes to the structured log -------------


def _failing_client(aws: Aws, operation: str, failure: Any) -> Any:
    """A fresh client (hooks stay off the shared one) whose ``operation`` calls fail with ``failure``."""
    client = boto3.session.Session(region_name=REGION).client(
        "dynamodb", config=Config(retries={"mode": "standard", "max_attempts": 1})
    )

    def hook(request: Any, **_: Any) -> AWSResponse | None:
        if json.loads(request.body or b"{}").get("TableName") != aws.transactions_table:
            return None
        if isinstance(failure, Exception):
            raise failure
        code, status_code = failure
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected"}).encode()

        class Raw:
            def stream(self, **_: Any) -> Iterator[bytes]:
                yield body

        return AWSResponse(request.url, status_code, {"x-amzn-RequestId": "r1"}, Raw())

    client.meta.events.register(f"before-send.dynamodb.{operation}", hook)
    return client


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = transactions.logger.registered_handler
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def _log_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


def _assert_generic(response: dict[str, Any], request_id: str) -> dict[str, Any]:
    error = assert_error(response, 503, "dependency_unavailable")
    assert error["request_id"] == request_id
    assert request_id in error["message"]
    for name in INTERNAL_NAMES:
        assert name not in response["body"], name
    return error


def test_throttled_write_is_a_generic_503_with_the_detail_in_the_log(
    function_env: Aws, customer_id: str, captured_logs: io.StringIO
):
    dynamodb = _failing_client(function_env, "PutItem", ("ProvisionedThroughputExceededException", 400))
    api = transactions.build_api(TransactionsApiSettings.from_env(), dynamodb=dynamodb)
    event = api_event(
        "POST",
        "/transactions",
        body=create_body(customer_id),
        headers={"Idempotency-Key": new_key()},
        request_id="req-throttle-1",
    )
    _assert_generic(api.handle(event, LambdaContext()), "req-throttle-1")
    logged = [line for line in _log_lines(captured_logs) if line.get("aws_error_code")]
    assert logged, captured_logs.getvalue()
    assert logged[0]["dependency"] == "dynamodb" and logged[0]["operation"] == "PutItem"
    assert logged[0]["aws_error_code"] == "ProvisionedThroughputExceededException"
    assert logged[0]["exception_class"] == "ProvisionedThroughputExceededException"  # botocore's modeled class


def test_read_timeout_is_a_generic_503_with_the_exception_class_in_the_log(
    function_env: Aws, captured_logs: io.StringIO
):
    dynamodb = _failing_client(function_env, "Query", ReadTimeoutError(endpoint_url="https://dynamodb.example"))
    app = status.build_app(
        DynamoDBTransactionRepository(dynamodb, function_env.transactions_table), StatusApiSettings.from_env().clients
    )
    event = api_event("GET", f"/status/txn_{'0' * 32}", request_id="req-timeout-1")
    _assert_generic(app.resolve(event, LambdaContext()), "req-timeout-1")
    logged = [line for line in _log_lines(captured_logs) if line.get("exception_class") == "ReadTimeoutError"]
    assert logged and logged[0]["operation"] == "Query", captured_logs.getvalue()


def test_unexpected_error_message_carries_the_request_id(function_env: Aws, monkeypatch: pytest.MonkeyPatch):
    api = transactions._api()

    def explode(*_: Any) -> None:
        raise KeyError("internal")

    monkeypatch.setattr(api.service, "get", explode)
    response = call(transactions, api_event("GET", f"/transactions/txn_{'0' * 32}", request_id="req-500"))
    error = assert_error(response, 500, "internal_error")
    assert "req-500" in error["message"] and "KeyError" not in response["body"]


# --- 3. Location resolves against the URL the client used ------------------------------


def test_location_includes_the_stage_of_the_stage_url(function_env: Aws, customer_id: str):
    response = post(create_body(customer_id), new_key(), stage="dev")
    tid = response_json(response)["transaction_id"]
    assert response["multiValueHeaders"]["Location"] == [f"/dev/transactions/{tid}"]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        # execute-api stage URL: path lacks the stage, requestContext.path has it.
        (
            {"path": "/transactions", "requestContext": {"path": "/dev/transactions", "stage": "dev"}},
            "/dev/transactions/txn_1",
        ),
        # Custom domain with base path "payments" mapped to the stage: both carry the base path.
        (
            {"path": "/payments/transactions", "requestContext": {"path": "/payments/transactions", "stage": "dev"}},
            "/payments/transactions/txn_1",
        ),
        # Custom domain mapped at the root.
        ({"path": "/transactions", "requestContext": {"path": "/transactions", "stage": "dev"}}, "/transactions/txn_1"),
        # Trailing slash, and a path that would otherwise start a network-path reference (//host).
        ({"path": "/transactions/", "requestContext": {"path": "/dev/transactions/"}}, "/dev/transactions/txn_1"),
        (
            {"path": "//evil.example/transactions", "requestContext": {"path": "//evil.example/transactions"}},
            "/evil.example/transactions/txn_1",
        ),
        # A direct invocation without a request context.
        ({"path": "/transactions"}, "/transactions/txn_1"),
    ],
)
def test_location_is_built_from_the_request_path(event: dict[str, Any], expected: str):
    assert location_of(event, "txn_1") == expected


# --- 4. reads by id are strongly consistent ---------------------------------------------


class RecordingClient:
    """Passes every call to the moto client and records (operation, arguments)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def record(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            return attribute(*args, **kwargs)

        return record

    def table_queries(self, table: str) -> list[dict[str, Any]]:
        return [kwargs for name, kwargs in self.calls if name == "query" and kwargs.get("TableName") == table]


def test_get_by_id_and_status_read_strongly_consistent_and_lists_use_the_gsi(function_env: Aws, customer_id: str):
    tid = response_json(post(create_body(customer_id), new_key()))["transaction_id"]
    recording = RecordingClient(function_env.dynamodb)
    api = transactions.build_api(TransactionsApiSettings.from_env(), dynamodb=recording)
    app = status.build_app(
        DynamoDBTransactionRepository(recording, function_env.transactions_table), StatusApiSettings.from_env().clients
    )

    assert api.handle(api_event("GET", f"/transactions/{tid}"), LambdaContext())["statusCode"] == 200
    assert app.resolve(api_event("GET", f"/status/{tid}"), LambdaContext())["statusCode"] == 200
    by_id = [q for q in recording.table_queries(function_env.transactions_table) if "IndexName" not in q]
    assert len(by_id) == 2
    assert all(q["ConsistentRead"] is True for q in by_id), by_id

    listed = api.handle(api_event("GET", "/transactions", query={"customer_id": customer_id}), LambdaContext())
    assert listed["statusCode"] == 200
    on_index = [q for q in recording.table_queries(function_env.transactions_table) if "IndexName" in q]
    # DynamoDB rejects ConsistentRead=True on a GSI: lists must not ask for it.
    assert on_index and not any(q.get("ConsistentRead") for q in on_index)
