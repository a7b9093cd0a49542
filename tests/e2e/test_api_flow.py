"""The API over HTTP: create, read, settle, receipt, lists, gateway checks, CSV import."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlsplit

import pytest
from openapi_schema_validator import OAS30Validator

from tests.e2e.conftest import REPO_ROOT, Emulator


def _error_schema() -> dict:
    document = json.loads((REPO_ROOT / "lambdas" / "openapi.json").read_text())
    return document["components"]["schemas"]["Error"]


def _assert_envelope(response, status: int) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert {"type", "code", "message", "param"} <= set(error)
    assert "Traceback" not in response.text
    return error


def test_health_needs_no_api_key(emulator: Emulator) -> None:
    response = emulator.http.get(f"{emulator.base_url}/health", headers={"x-api-key": ""}, timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "environment": "dev"}


@pytest.mark.parametrize("key", [None, "wrong-key"], ids=["missing", "wrong"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/transactions?customer_id=c1"),
        ("POST", "/transactions"),
        ("GET", "/status/txn_0"),
        ("GET", "/transactions/txn_0"),
    ],
)
def test_missing_or_wrong_api_key_is_403(emulator: Emulator, key: str | None, method: str, path: str) -> None:
    import requests

    headers = {"Idempotency-Key": "k1"} | ({"x-api-key": key} if key else {})
    response = requests.request(
        method,
        f"{emulator.base_url}{path}",
        headers=headers,
        json={"customer_id": "c", "amount": 1, "currency": "USD"},
        timeout=5,
    )
    error = _assert_envelope(response, 403)
    assert error["code"] == "invalid_api_key"


def test_403_body_conforms_to_documented_error_schema(emulator: Emulator) -> None:
    response = emulator.http.get(f"{emulator.base_url}/transactions?customer_id=c1", headers={"x-api-key": "x"})
    assert response.status_code == 403
    OAS30Validator(_error_schema()).validate(response.json())  # OpenAPI 3.0 semantics (nullable)


def test_request_validation_like_api_gateway(emulator: Emulator, customer_id: str) -> None:
    missing_key = emulator.http.post(
        f"{emulator.base_url}/transactions",
        timeout=5,
        json={"customer_id": customer_id, "amount": 1, "currency": "USD"},
    )
    assert _assert_envelope(missing_key, 400)["code"] == "invalid_parameters"
    assert "Idempotency-Key" in missing_key.json()["error"]["message"]
    for body in (
        {"customer_id": customer_id, "amount": "100", "currency": "USD"},
        {"customer_id": customer_id, "amount": 100.5, "currency": "USD"},
        {"customer_id": customer_id, "amount": 100, "currency": "USD", "extra": 1},
        {"customer_id": customer_id, "currency": "USD"},
    ):
        assert _assert_envelope(emulator.post(body), 400)["code"] == "invalid_body", body
    not_json = emulator.http.post(
        f"{emulator.base_url}/transactions",
        data=b"{",
        timeout=5,
        headers={"Idempotency-Key": "k", "Content-Type": "application/json"},
    )
    assert _assert_envelope(not_json, 400)["code"] == "invalid_body"
    # Domain rules beyond the schema come from the handler, with its request id.
    unsupported = emulator.post({"customer_id": customer_id, "amount": 1, "currency": "AAA"})
    assert _assert_envelope(unsupported, 400)["request_id"]


def test_unknown_route_is_403_like_api_gateway(emulator: Emulator) -> None:
    assert _assert_envelope(emulator.get("/nope"), 403)["code"] == "not_found"


def test_create_get_settle_receipt_and_lists(emulator: Emulator, customer_id: str) -> None:
    created = emulator.post({"customer_id": customer_id, "amount": 1250, "currency": "USD", "description": "e2e"})
    assert created.status_code == 201, created.text
    transaction = created.json()
    transaction_id = transaction["transaction_id"]
    assert transaction["status"] == "pending"
    # The stage URL's path (/dev) is part of Location, so it resolves against the base URL.
    assert created.headers["Location"] == f"{urlsplit(emulator.base_url).path}/transactions/{transaction_id}"

    fetched = emulator.get(f"/transactions/{transaction_id}")
    assert fetched.status_code == 200
    assert fetched.json()["amount_display"] == "12.50 USD"

    assert emulator.wait_settled(transaction_id) == "succeeded"
    versions = emulator.receipt_versions(transaction_id)
    assert len(versions) == 1
    receipt = json.loads(
        emulator.client("s3").get_object(Bucket=emulator.info["receipts_bucket"], Key=versions[0]["Key"])["Body"].read()
    )
    assert receipt["transaction_id"] == transaction_id

    by_customer = emulator.get("/transactions", params={"customer_id": customer_id}).json()
    assert [item["transaction_id"] for item in by_customer["items"]] == [transaction_id]
    assert by_customer["items"][0]["status"] == "succeeded"

    day = transaction["created_at"][:10]
    found, cursor = False, None
    for _ in range(50):  # bounded: the day's list holds every test's transactions
        params = {"date": day, "limit": "100"} | ({"cursor": cursor} if cursor else {})
        page = emulator.get("/transactions", params=params).json()
        found = any(item["transaction_id"] == transaction_id for item in page["items"])
        cursor = page["next_cursor"]
        if found or not cursor:
            break
    assert found


def test_not_found_has_envelope(emulator: Emulator) -> None:
    missing = f"txn_{uuid.uuid4().hex}"
    assert _assert_envelope(emulator.get(f"/transactions/{missing}"), 404)
    assert _assert_envelope(emulator.get(f"/status/{missing}"), 404)


def test_csv_import_with_good_and_bad_rows(emulator: Emulator, customer_id: str) -> None:
    name = f"e2e-{uuid.uuid4().hex[:8]}.csv"
    rows = [
        "customer_id,amount,currency,description",
        f"{customer_id},1250,USD,Invoice 1",
        f"{customer_id},12.5,USD,float amount",
        f"{customer_id},500,JPY,",
        f"{customer_id},100,XXX,unknown currency",
        ",100,USD,no customer",
    ]
    s3 = emulator.client("s3")
    s3.put_object(
        Bucket=emulator.info["import_bucket"],
        Key=f"imports/{emulator.client_name}/{name}",
        Body="\n".join(rows).encode(),
    )
    report_key = f"reports/{emulator.client_name}/{name}.report.json"

    def report() -> dict | None:
        try:
            body = s3.get_object(Bucket=emulator.info["import_bucket"], Key=report_key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None
        return json.loads(body)

    document = emulator.wait_for(report, 20, f"{report_key}")
    assert document["created_count"] == 2
    assert document["source"]["version_id"]  # the trigger passes the object version, as S3 does
    assert sorted(r["line"] for r in document["rejected"]) == [3, 5, 6]
    listed = emulator.get("/transactions", params={"customer_id": customer_id}).json()["items"]
    assert sorted(item["amount"] for item in listed) == [500, 1250]
    assert all(item["source"] == "batch" for item in listed)
    for item in listed:
        assert emulator.wait_settled(item["transaction_id"]) == "succeeded"
