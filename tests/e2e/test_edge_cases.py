"""Edge cases found by black-box testing (issue 16), over HTTP.

Non-destructive and built only from the fixture's base URL (the stage URL) and API key, so they run
against the emulator here and against a deployed stage as a smoke test.
"""

from __future__ import annotations

import uuid
from urllib.parse import urljoin, urlsplit, urlunsplit

import pytest
import requests

from tests.e2e.conftest import Emulator

INTERNAL_NAMES = (
    "dynamodb",
    "DynamoDB",
    "PutItem",
    "Query",
    "botocore",
    "ClientError",
    "Exception",
    "Traceback",
    "sqs",
    "lambda",
    "is not of type",
)


def _error(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, response.text[:1000]
    body = response.json()
    for name in INTERNAL_NAMES:
        assert name not in response.text, name
    return body["error"]


def _post_raw(emulator: Emulator, body: bytes | str) -> requests.Response:
    return emulator.http.post(
        f"{emulator.base_url}/transactions",
        data=body,
        timeout=15,
        headers={"Idempotency-Key": uuid.uuid4().hex, "Content-Type": "application/json"},
    )


@pytest.mark.parametrize("field", ["description", "customer_id", "currency"])
def test_a_lone_surrogate_is_a_400_naming_the_field(emulator: Emulator, customer_id: str, field: str) -> None:
    values = {"customer_id": f'"{customer_id}"', "amount": "100", "currency": '"USD"', "description": '"ok"'}
    values[field] = '"x\\ud800"'
    body = "{" + ", ".join(f'"{name}": {value}' for name, value in values.items()) + "}"
    error = _error(_post_raw(emulator, body), 400)
    assert error["request_id"]
    if field == "description":
        assert error["param"] == field  # only the function checks text: a 400 naming the field
    else:
        assert error["code"] == "invalid_body"  # the model's pattern rejects it at the gateway already


def test_a_lone_surrogate_in_a_query_parameter_is_a_400(emulator: Emulator) -> None:
    # The UTF-8 form of U+D800 (not valid UTF-8), percent-encoded: HTTP cannot carry the code point itself.
    response = emulator.http.get(f"{emulator.base_url}/transactions?customer_id=c1&limit=%ED%A0%80", timeout=15)
    assert _error(response, 400)["param"] == "limit"


def test_location_resolves_against_the_stage_url_and_reads_right_after_the_201(
    emulator: Emulator, customer_id: str
) -> None:
    created = emulator.post({"customer_id": customer_id, "amount": 4321, "currency": "USD"})
    assert created.status_code == 201, created.text
    transaction_id = created.json()["transaction_id"]
    location = created.headers["Location"]
    assert location.startswith(urlsplit(emulator.base_url).path + "/transactions/")
    # Strongly consistent reads by id: straight after the 201, without waiting.
    fetched = emulator.http.get(urljoin(emulator.base_url, location), timeout=15)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["transaction_id"] == transaction_id
    assert emulator.get(f"/status/{transaction_id}").status_code == 200


@pytest.mark.parametrize("depth", [3_000, 10_000])
def test_a_deeply_nested_body_is_a_400(emulator: Emulator, customer_id: str, depth: int) -> None:
    body = f'{{"customer_id": "{customer_id}", "amount": {"[" * depth}{"]" * depth}, "currency": "USD"}}'
    error = _error(_post_raw(emulator, body), 400)
    assert error["code"] == "invalid_body"


def test_a_schema_failure_says_invalid_request_body_like_api_gateway(emulator: Emulator, customer_id: str) -> None:
    error = _error(emulator.post({"customer_id": customer_id, "amount": True, "currency": "USD"}), 400)
    assert (error["code"], error["message"]) == ("invalid_body", "Invalid request body")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/transactions"),
        ("PUT", "/transactions"),
        ("PATCH", f"/transactions/txn_{'0' * 32}"),
        ("DELETE", f"/transactions/txn_{'0' * 32}"),
        ("POST", f"/status/txn_{'0' * 32}"),
        ("POST", "/health"),
    ],
)
def test_a_wrong_method_is_api_gateways_403(emulator: Emulator, method: str, path: str) -> None:
    response = emulator.http.request(method, f"{emulator.base_url}{path}", timeout=15)
    error = _error(response, 403)
    assert error["code"] == "not_found"
    assert "Allow" not in response.headers


def test_a_path_outside_the_stage_is_403(emulator: Emulator) -> None:
    scheme, host, _, _, _ = urlsplit(emulator.base_url)
    response = emulator.http.get(urlunsplit((scheme, host, "/transactions", "customer_id=c1", "")), timeout=15)
    assert response.status_code == 403
