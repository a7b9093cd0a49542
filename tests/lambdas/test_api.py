"""The API functions (transactions, status, health) end to end on moto."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
import uuid
from typing import Any

import pytest
from payments.handlers import health, status, transactions

from tests.lambdas.events import DEFAULT_API_KEY_ID, DEFAULT_CLIENT, LambdaContext, api_event, response_json
from tests.lambdas.moto_resources import AtomicRequests, Aws, owned_items


def call(module: Any, event: dict[str, Any]) -> dict[str, Any]:
    return module.handler(event, LambdaContext())


def create_body(customer_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"customer_id": customer_id, "amount": 1250, "currency": "USD", "description": "Coffee"}
    body.update(overrides)
    return body


def post(body: Any, key: str | None = None, **kwargs: Any) -> dict[str, Any]:
    headers = {} if key is None else {"Idempotency-Key": key}
    headers.update(kwargs.pop("headers", {}))
    return call(transactions, api_event("POST", "/transactions", body=body, headers=headers, **kwargs))


def new_key() -> str:
    return uuid.uuid4().hex


def assert_error(response: dict[str, Any], status_code: int, code: str | None = None, param: str | None = None) -> dict:
    assert response["statusCode"] == status_code, response
    error = response_json(response)["error"]
    assert set(error) == {"type", "code", "message", "param", "request_id"}
    assert error["request_id"]
    assert "Traceback" not in response["body"]
    if code is not None:
        assert error["code"] == code
    if param is not None:
        assert error["param"] == param
    return error


# --- create ---------------------------------------------------------------


def test_create_is_one_write_of_a_pending_record(function_env: Aws, queue_url: str, customer_id: str):
    response = post(create_body(customer_id), new_key())

    assert response["statusCode"] == 201
    body = response_json(response)
    assert body["status"] == "pending"
    assert body["amount"] == 1250 and body["currency"] == "USD" and body["amount_display"] == "12.50 USD"
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == len("2026-01-01T00:00:00.000000Z")
    # The event's stage is "test": the path the client posted to is /test/transactions.
    assert response["multiValueHeaders"]["Location"] == [f"/test/transactions/{body['transaction_id']}"]

    item = function_env.dynamodb.query(
        TableName=function_env.transactions_table,
        KeyConditionExpression="transaction_id = :id",
        ExpressionAttributeValues={":id": {"S": body["transaction_id"]}},
    )["Items"]
    assert len(item) == 1
    assert item[0]["status"] == {"S": "pending"}
    assert item[0]["amount"] == {"N": "1250"}
    assert item[0]["transaction_date"] == {"S": body["created_at"][:10]}

    # Nothing is sent from the request path: settlement follows from the write (the table's stream).
    assert function_env.receive_all(queue_url) == []


@pytest.mark.parametrize(
    ("currency", "amount", "display"),
    [("JPY", 500, "500 JPY"), ("KWD", 12345, "12.345 KWD"), ("BHD", 1, "0.001 BHD"), ("EUR", 99, "0.99 EUR")],
)
def test_minor_units_follow_the_currency_exponent(function_env: Aws, customer_id: str, currency, amount, display):
    response = post(create_body(customer_id, amount=amount, currency=currency), new_key())
    assert response["statusCode"] == 201
    assert response_json(response)["amount_display"] == display


def test_replay_returns_the_first_response_without_a_second_transaction(
    function_env: Aws, queue_url: str, customer_id: str
):
    key = new_key()
    first = post(create_body(customer_id), key)
    # Same content, different formatting and key order: still the same request.
    replay = post(json.dumps(create_body(customer_id), indent=4, sort_keys=True), key)

    assert first["statusCode"] == replay["statusCode"] == 201
    assert response_json(first) == response_json(replay)
    assert len(owned_items(function_env.dynamodb, function_env.transactions_table, DEFAULT_CLIENT, customer_id)) == 1


def test_same_key_with_another_body_is_422(function_env: Aws, customer_id: str):
    key = new_key()
    assert post(create_body(customer_id), key)["statusCode"] == 201
    assert_error(post(create_body(customer_id, amount=999), key), 422, "idempotency_key_reused", "Idempotency-Key")


def test_keys_are_scoped_to_the_client(function_env: Aws, customer_id: str):
    key = new_key()
    first = post(create_body(customer_id), key, api_key_id="key-id-a")
    second = post(create_body(customer_id, amount=1), key, api_key_id="key-id-b")
    assert first["statusCode"] == second["statusCode"] == 201
    assert response_json(first)["transaction_id"] != response_json(second)["transaction_id"]
    assert response_json(second)["amount"] == 1  # B's own request, not A's stored response


def test_a_rotated_key_of_the_same_client_replays_and_reads_the_same_transactions(function_env: Aws, customer_id: str):
    key = new_key()
    first = post(create_body(customer_id), key, api_key_id=DEFAULT_API_KEY_ID)
    replay = post(create_body(customer_id), key, api_key_id="test-api-key-id-v2")
    assert replay["statusCode"] == 201 and response_json(replay) == response_json(first)
    tid = response_json(first)["transaction_id"]
    got = call(transactions, api_event("GET", f"/transactions/{tid}", api_key_id="test-api-key-id-v2"))
    assert got["statusCode"] == 200


def test_a_key_of_no_configured_client_is_403_and_creates_nothing(function_env: Aws, queue_url: str, customer_id: str):
    response = post(create_body(customer_id), new_key(), api_key_id="key-id-nobody")
    assert_error(response, 403, "client_unknown")
    for event in (
        api_event("GET", "/transactions", query={"customer_id": customer_id}, api_key_id="key-id-nobody"),
        api_event("GET", f"/transactions/txn_{'0' * 32}", api_key_id="key-id-nobody"),
    ):
        assert_error(call(transactions, event), 403, "client_unknown")
    assert_error(call(status, api_event("GET", f"/status/txn_{'0' * 32}", api_key_id="key-id-nobody")), 403)
    assert function_env.receive_all(queue_url) == []


def test_header_name_is_case_insensitive(function_env: Aws, customer_id: str):
    key = new_key()
    first = post(create_body(customer_id), headers={"idempotency-key": key})
    replay = post(create_body(customer_id), headers={"IDEMPOTENCY-KEY": key})
    assert first["statusCode"] == 201
    assert response_json(replay) == response_json(first)


def test_missing_idempotency_key_is_400_and_nothing_is_created(function_env: Aws, queue_url: str, customer_id: str):
    assert_error(post(create_body(customer_id)), 400, "parameter_missing", "Idempotency-Key")
    assert function_env.receive_all(queue_url) == []


@pytest.mark.parametrize("key", ["", "a" * 65, "has space", "ключ", "semi;colon"])
def test_malformed_idempotency_key_is_400(function_env: Aws, customer_id: str, key: str):
    assert_error(post(create_body(customer_id), key), 400, param="Idempotency-Key")


def test_concurrent_duplicates_create_exactly_one_transaction(function_env: Aws, queue_url: str, customer_id: str):
    """25 containers receive the same request at once: one wins, the rest get 409 or the replay."""
    from payments.settings import TransactionsApiSettings

    settings = TransactionsApiSettings.from_env()
    key = new_key()
    body = create_body(customer_id)
    dynamodb = AtomicRequests(function_env.dynamodb)  # DynamoDB's per-request atomicity, which moto lacks
    apis = [transactions.build_api(settings, dynamodb=dynamodb) for _ in range(25)]
    barrier = threading.Barrier(len(apis))
    responses: list[dict[str, Any]] = []
    lock = threading.Lock()

    def one_container(api: transactions.TransactionsApi) -> None:
        event = api_event("POST", "/transactions", body=body, headers={"Idempotency-Key": key})
        barrier.wait()
        response = api.handle(event, LambdaContext())
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=one_container, args=(api,)) for api in apis]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = sorted(r["statusCode"] for r in responses)
    assert set(codes) <= {201, 409}, codes
    created = {response_json(r)["transaction_id"] for r in responses if r["statusCode"] == 201}
    assert len(created) == 1
    for conflict in (r for r in responses if r["statusCode"] == 409):
        assert response_json(conflict)["error"]["code"] == "idempotency_key_in_use"
    items = owned_items(function_env.dynamodb, function_env.transactions_table, DEFAULT_CLIENT, customer_id)
    assert len(items) == 1
    assert function_env.receive_all(queue_url) == []  # one write; settlement follows from the stream
    # After the race, a retry gets the stored response.
    retry = post(body, key)
    assert retry["statusCode"] == 201 and response_json(retry)["transaction_id"] in created


# --- create: every client mistake is a 4xx envelope ------------------------


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ("{not json", "malformed_json", None),
        ("", "body_missing", None),
        ("[1, 2]", "malformed_json", None),
        ('"a string"', "malformed_json", None),
        ('{"customer_id": "c", "customer_id": "d", "amount": 1, "currency": "USD"}', "malformed_json", "customer_id"),
        ('{"customer_id": "c1", "amount": NaN, "currency": "USD"}', "malformed_json", None),
        ('{"customer_id": "c1", "amount": ' + "9" * 5000 + ', "currency": "USD"}', "malformed_json", None),
        ({"amount": 100, "currency": "USD"}, "parameter_missing", "customer_id"),
        ({"customer_id": "c1", "currency": "USD"}, "parameter_missing", "amount"),
        ({"customer_id": "c1", "amount": 100}, "parameter_missing", "currency"),
        ({"customer_id": "c1", "amount": 100, "currency": "USD", "tip": 5}, "parameter_unknown", "tip"),
        ({"customer_id": "c1", "amount": "100", "currency": "USD"}, "parameter_invalid_type", "amount"),
        ({"customer_id": "c1", "amount": 100.0, "currency": "USD"}, "parameter_invalid_type", "amount"),
        ({"customer_id": "c1", "amount": 12.5, "currency": "USD"}, "parameter_invalid_type", "amount"),
        ({"customer_id": "c1", "amount": True, "currency": "USD"}, "parameter_invalid_type", "amount"),
        ({"customer_id": "c1", "amount": None, "currency": "USD"}, "parameter_invalid_type", "amount"),
        ({"customer_id": "c1", "amount": [100], "currency": "USD"}, "parameter_invalid_type", "amount"),
        ({"customer_id": "c1", "amount": -100, "currency": "USD"}, "amount_too_small", "amount"),
        ({"customer_id": "c1", "amount": 0, "currency": "USD"}, "amount_too_small", "amount"),
        ({"customer_id": "c1", "amount": 10**12, "currency": "USD"}, "amount_too_large", "amount"),
        ({"customer_id": "c1", "amount": 100, "currency": "XYZ"}, "currency_unsupported", "currency"),
        ({"customer_id": "c1", "amount": 100, "currency": "usd"}, "currency_unsupported", "currency"),
        ({"customer_id": "c1", "amount": 100, "currency": "XAU"}, "currency_unsupported", "currency"),
        ({"customer_id": "c1", "amount": 100, "currency": 840}, "parameter_invalid_type", "currency"),
        ({"customer_id": 42, "amount": 100, "currency": "USD"}, "parameter_invalid_type", "customer_id"),
        ({"customer_id": "a b", "amount": 100, "currency": "USD"}, "parameter_invalid", "customer_id"),
        (
            {"customer_id": "c1", "amount": 100, "currency": "USD", "description": 5},
            "parameter_invalid_type",
            "description",
        ),
        (
            {"customer_id": "c1", "amount": 100, "currency": "USD", "description": None},
            "parameter_invalid_type",
            "description",
        ),
        (
            {"customer_id": "c1", "amount": 100, "currency": "USD", "description": "x" * 201},
            "parameter_invalid",
            "description",
        ),
    ],
)
def test_bad_bodies_are_400_with_the_envelope(function_env: Aws, queue_url: str, body, code, param):
    error = assert_error(post(body, new_key()), 400, code, param)
    assert error["type"] == "invalid_request_error"
    assert function_env.receive_all(queue_url) == []


def test_oversized_body_is_413(function_env: Aws, customer_id: str):
    body = json.dumps(create_body(customer_id, description="x" * 20_000))
    assert_error(post(body, new_key()), 413, "body_too_large")


def test_base64_encoded_body_is_accepted(function_env: Aws, customer_id: str):
    raw = json.dumps(create_body(customer_id)).encode()
    assert post(raw, new_key())["statusCode"] == 201
    bad = api_event("POST", "/transactions", body="not base64!", headers={"Idempotency-Key": new_key()})
    bad["isBase64Encoded"] = True
    assert_error(call(transactions, bad), 400, "malformed_body")


def test_failed_request_does_not_consume_the_key(function_env: Aws, customer_id: str):
    key = new_key()
    assert post(create_body(customer_id, amount="12"), key)["statusCode"] == 400
    assert post(create_body(customer_id), key)["statusCode"] == 201


# --- read -----------------------------------------------------------------


def test_get_transaction_and_status(function_env: Aws, customer_id: str):
    created = response_json(post(create_body(customer_id), new_key()))
    tid = created["transaction_id"]

    got = call(transactions, api_event("GET", f"/transactions/{tid}"))
    assert got["statusCode"] == 200 and response_json(got) == created

    state = call(status, api_event("GET", f"/status/{tid}"))
    assert state["statusCode"] == 200
    assert response_json(state) == {
        "transaction_id": tid,
        "status": "pending",
        "updated_at": created["updated_at"],
        "settled_at": None,
    }


@pytest.mark.parametrize("tid", [f"txn_{'0' * 32}", "does-not-exist", "txn_XYZ"])
def test_unknown_transaction_is_404(function_env: Aws, tid: str):
    assert_error(call(transactions, api_event("GET", f"/transactions/{tid}")), 404, "resource_missing")
    assert_error(call(status, api_event("GET", f"/status/{tid}")), 404, "resource_missing")


def _create_many(customer_id: str, count: int) -> list[str]:
    return [
        response_json(post(create_body(customer_id, amount=index + 1), new_key()))["transaction_id"]
        for index in range(count)
    ]


def _walk(query: dict[str, str], api_key_id: str = DEFAULT_API_KEY_ID) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    pages = 0
    while True:
        response = call(transactions, api_event("GET", "/transactions", query=query, api_key_id=api_key_id))
        assert response["statusCode"] == 200, response
        page = response_json(response)
        pages += 1
        items.extend(page["items"])
        if page["next_cursor"] is None:
            return items, pages
        query = {**query, "cursor": page["next_cursor"]}


def test_pagination_walks_every_transaction_once_newest_first(function_env: Aws, customer_id: str):
    created = _create_many(customer_id, 23)

    items, pages = _walk({"customer_id": customer_id, "limit": "5"})

    assert pages == 5
    ids = [item["transaction_id"] for item in items]
    assert sorted(ids) == sorted(created) and len(set(ids)) == len(ids)
    stamps = [item["created_at"] for item in items]
    assert stamps == sorted(stamps, reverse=True)


def test_exact_multiple_of_the_page_size_has_no_empty_last_page(function_env: Aws, customer_id: str):
    _create_many(customer_id, 4)
    items, pages = _walk({"customer_id": customer_id, "limit": "2"})
    assert len(items) == 4 and pages == 2


def test_list_by_date_and_default_limit(function_env: Aws, customer_id: str):
    created = response_json(post(create_body(customer_id), new_key()))
    day = created["created_at"][:10]
    items, _ = _walk({"date": day, "limit": "100"})
    assert created["transaction_id"] in {item["transaction_id"] for item in items}
    assert all(item["created_at"].startswith(day) for item in items)
    default = response_json(call(transactions, api_event("GET", "/transactions", query={"date": day})))
    assert len(default["items"]) <= 20


def test_empty_listing(function_env: Aws, customer_id: str):
    response = call(transactions, api_event("GET", "/transactions", query={"customer_id": customer_id}))
    assert response_json(response) == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({}, "customer_id"),
        ({"customer_id": "c1", "date": "2026-01-01"}, "customer_id"),
        ({"date": "2026-13-01"}, "date"),
        ({"date": "20260101"}, "date"),
        ({"customer_id": "c1", "limit": "0"}, "limit"),
        ({"customer_id": "c1", "limit": "101"}, "limit"),
        ({"customer_id": "c1", "limit": "ten"}, "limit"),
        ({"customer_id": "c1", "limit": "-1"}, "limit"),
        ({"customer_id": "c1", "sort": "asc"}, "sort"),
        ({"customer_id": "c1", "cursor": "!!!"}, "cursor"),
        ({"customer_id": "c1", "cursor": "eyJ2IjoxfQ"}, "cursor"),
    ],
)
def test_bad_list_queries_are_400(function_env: Aws, query: dict[str, str], param: str):
    assert_error(call(transactions, api_event("GET", "/transactions", query=query)), 400, param=param)


def test_cursor_is_bound_to_its_query(function_env: Aws, customer_id: str):
    _create_many(customer_id, 3)
    page = response_json(
        call(transactions, api_event("GET", "/transactions", query={"customer_id": customer_id, "limit": "1"}))
    )
    cursor = page["next_cursor"]
    other = call(
        transactions, api_event("GET", "/transactions", query={"customer_id": "someone-else", "cursor": cursor})
    )
    assert_error(other, 400, "cursor_invalid", "cursor")

    payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    payload["k"]["client_customer"] = f"{DEFAULT_CLIENT}#someone-else"
    tampered = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    response = call(
        transactions, api_event("GET", "/transactions", query={"customer_id": customer_id, "cursor": tampered})
    )
    assert_error(response, 400, "cursor_invalid")


# --- ownership: a client sees only its own transactions ------------------------


def test_another_clients_transaction_is_the_same_404_as_an_unknown_id(function_env: Aws, customer_id: str):
    tid = response_json(post(create_body(customer_id), new_key(), api_key_id="key-id-a"))["transaction_id"]
    unknown = f"txn_{'f' * 32}"
    for module, path in ((transactions, "/transactions/{}"), (status, "/status/{}")):
        own = call(module, api_event("GET", path.format(tid), api_key_id="key-id-a"))
        assert own["statusCode"] == 200
        foreign = call(module, api_event("GET", path.format(tid), api_key_id="key-id-b"))
        missing = call(module, api_event("GET", path.format(unknown), api_key_id="key-id-b"))
        assert foreign["statusCode"] == missing["statusCode"] == 404
        strip = lambda r: {**response_json(r)["error"], "request_id": None}  # noqa: E731
        assert strip(foreign) == strip(missing)
        assert tid not in json.dumps(foreign)


def test_lists_hold_only_the_callers_transactions(function_env: Aws, customer_id: str):
    mine = response_json(post(create_body(customer_id), new_key(), api_key_id="key-id-a"))
    theirs = response_json(post(create_body(customer_id, amount=2), new_key(), api_key_id="key-id-b"))
    day = mine["created_at"][:10]
    for query in ({"customer_id": customer_id}, {"date": day, "limit": "100"}):
        a_items, _ = _walk(query, api_key_id="key-id-a")
        b_items, _ = _walk(query, api_key_id="key-id-b")
        a_ids = {item["transaction_id"] for item in a_items}
        b_ids = {item["transaction_id"] for item in b_items}
        assert mine["transaction_id"] in a_ids and theirs["transaction_id"] not in a_ids, query
        assert theirs["transaction_id"] in b_ids and mine["transaction_id"] not in b_ids, query
        assert not a_ids & b_ids


def test_a_cursor_of_one_client_is_400_for_another(function_env: Aws, customer_id: str):
    for index in range(3):
        post(create_body(customer_id, amount=index + 1), new_key(), api_key_id="key-id-a")
    page = response_json(
        call(
            transactions,
            api_event("GET", "/transactions", query={"customer_id": customer_id, "limit": "1"}, api_key_id="key-id-a"),
        )
    )
    query = {"customer_id": customer_id, "cursor": page["next_cursor"]}
    assert (
        call(transactions, api_event("GET", "/transactions", query=query, api_key_id="key-id-a"))["statusCode"] == 200
    )
    foreign = call(transactions, api_event("GET", "/transactions", query=query, api_key_id="key-id-b"))
    assert_error(foreign, 400, "cursor_invalid", "cursor")


# --- routing, health, unexpected errors -----------------------------------


def test_unknown_route_is_404_and_wrong_method_is_405(function_env: Aws):
    assert_error(call(transactions, api_event("GET", "/nope")), 404, "route_not_found")
    response = call(transactions, api_event("DELETE", "/transactions"))
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["multiValueHeaders"]["Allow"][0]
    assert_error(call(status, api_event("POST", f"/status/txn_{'0' * 32}")), 405, "method_not_allowed")


def test_cors_headers_and_preflight(function_env: Aws, customer_id: str):
    origin = {"Origin": "https://shop.example"}
    response = post(create_body(customer_id), new_key(), headers=origin)
    assert response["multiValueHeaders"]["Access-Control-Allow-Origin"] == ["*"]
    preflight = call(transactions, api_event("OPTIONS", "/transactions", headers=origin))
    assert preflight["statusCode"] == 204
    assert "Idempotency-Key" in preflight["multiValueHeaders"]["Access-Control-Allow-Headers"][0]


def test_health_needs_no_dependencies(function_env: Aws):
    response = call(health, api_event("GET", "/health", api_key_id=None))
    assert response["statusCode"] == 200
    assert response_json(response) == {"status": "ok", "environment": "test"}


def test_unexpected_error_is_a_500_envelope_without_internals(
    function_env: Aws, customer_id: str, monkeypatch: pytest.MonkeyPatch
):
    api = transactions._api()

    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(api.service, "list", explode)
    response = call(
        transactions, api_event("GET", "/transactions", query={"customer_id": customer_id}, request_id="req-123")
    )
    error = assert_error(response, 500, "internal_error")
    assert error["request_id"] == "req-123"
    assert "secret" not in response["body"]


def test_dependency_failure_is_503(function_env: Aws, customer_id: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TRANSACTIONS_TABLE", "missing-table")
    status._app.cache_clear()
    error = assert_error(call(status, api_event("GET", f"/status/txn_{'0' * 32}")), 503, "dependency_unavailable")
    assert "missing-table" not in error["message"]


def test_missing_environment_fails_loudly(function_env: Aws, monkeypatch: pytest.MonkeyPatch):
    from payments.settings import SettingsError

    monkeypatch.delenv("IDEMPOTENCY_TABLE")
    transactions._api.cache_clear()
    with pytest.raises(SettingsError, match="IDEMPOTENCY_TABLE"):
        call(transactions, api_event("GET", "/transactions", query={"customer_id": "c1"}))


def test_logs_carry_the_correlation_id_and_no_personal_data(function_env: Aws, customer_id: str):
    stream = io.StringIO()
    handler = transactions.logger.registered_handler
    previous = handler.setStream(stream)
    transactions.logger.setLevel("INFO")
    try:
        post(create_body(customer_id, description="Rent for Jane Doe"), new_key(), request_id="corr-42")
    finally:
        transactions.logger.setLevel("WARNING")
        handler.setStream(previous)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and all(line.get("correlation_id") == "corr-42" for line in lines)
    assert "Jane Doe" not in json.dumps(lines)


def test_minimal_hand_written_events_work(function_env: Aws, customer_id: str):
    """Callers that build events by hand (emulators, acceptance tests) need only the basics."""
    body = json.dumps(create_body(customer_id))
    created = call(
        transactions,
        {"httpMethod": "POST", "path": "/transactions", "headers": {"idempotency-key": new_key()}, "body": body},
    )
    assert created["statusCode"] == 201
    tid = response_json(created)["transaction_id"]
    got = call(transactions, {"httpMethod": "GET", "path": f"/transactions/{tid}", "headers": None, "body": None})
    assert got["statusCode"] == 200
    missing = call(transactions, {"httpMethod": "POST", "path": "/transactions", "headers": None, "body": body})
    assert missing["statusCode"] == 400 and response_json(missing)["error"]["request_id"] is None
    # Records carry a stable prefix and a hash: the raw key is never stored.
    scan = function_env.dynamodb.scan(TableName=function_env.idempotency_table, Limit=50)["Items"]
    assert scan and all(entry["id"]["S"].startswith("payments.create_transaction#") for entry in scan)
    # Kept for 24 hours (IDEMPOTENCY_TTL_SECONDS).
    assert all(86_000 < int(entry["expiration"]["N"]) - time.time() <= 86_400 for entry in scan)
