"""Smoke test of a deployed stage: the non-destructive part of the HTTP e2e suite, against any URL.

``make smoke URL=<stage URL> API_KEY=<key>`` (or ``STACK=payment-dev`` to read both from ``cdktf output``) runs
it; CI runs it after every deploy, and tests/ci/test_smoke_target.py runs the same command against the emulator.
It creates one transaction for a ``smoke-`` customer (a new one per run), reads it back, lists it and waits until
it settles; it deletes nothing and changes no other data.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
import requests

SETTLE_TIMEOUT_SECONDS = float(os.environ.get("SMOKE_SETTLE_TIMEOUT", "120"))


@pytest.fixture(scope="module")
def base_url() -> str:
    url = os.environ.get("SMOKE_URL", "").strip().rstrip("/")
    if not url.startswith(("https://", "http://")):
        pytest.fail(
            f"SMOKE_URL = {url!r}: allowed the stage URL, e.g. https://<id>.execute-api.<region>.amazonaws.com/dev"
        )
    return url


@pytest.fixture(scope="module")
def http() -> requests.Session:
    key = os.environ.get("SMOKE_API_KEY", "").strip()
    if not key:
        pytest.fail("SMOKE_API_KEY = '': allowed the stage's API key (cdktf output api_key of the stack)")
    session = requests.Session()
    session.headers["x-api-key"] = key
    return session


@pytest.fixture(scope="module")
def customer_id() -> str:
    return f"smoke-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def created(base_url: str, http: requests.Session, customer_id: str) -> dict:
    response = http.post(
        f"{base_url}/transactions",
        json={"customer_id": customer_id, "amount": 100, "currency": "USD", "description": "smoke test"},
        headers={"Idempotency-Key": f"smoke-{uuid.uuid4().hex}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_health(base_url: str) -> None:
    response = requests.get(f"{base_url}/health", timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"


def test_a_wrong_api_key_is_refused(base_url: str) -> None:
    response = requests.get(f"{base_url}/transactions", params={"customer_id": "smoke"}, timeout=30,
                            headers={"x-api-key": f"wrong-{uuid.uuid4().hex}"})  # fmt: skip
    assert response.status_code == 403, response.text


def test_create(created: dict) -> None:
    assert created["status"] == "pending" and created["transaction_id"]


def test_get(base_url: str, http: requests.Session, created: dict) -> None:
    response = http.get(f"{base_url}/transactions/{created['transaction_id']}", timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["amount"] == 100


def test_list(base_url: str, http: requests.Session, created: dict, customer_id: str) -> None:
    response = http.get(f"{base_url}/transactions", params={"customer_id": customer_id}, timeout=30)
    assert response.status_code == 200, response.text
    assert [item["transaction_id"] for item in response.json()["items"]] == [created["transaction_id"]]


def test_status_reaches_succeeded(base_url: str, http: requests.Session, created: dict) -> None:
    deadline, status = time.monotonic() + SETTLE_TIMEOUT_SECONDS, None
    while time.monotonic() < deadline:
        response = http.get(f"{base_url}/status/{created['transaction_id']}", timeout=30)
        assert response.status_code == 200, response.text
        status = response.json()["status"]
        if status in ("succeeded", "failed"):
            break
        time.sleep(1)
    assert status == "succeeded", f"status {status!r} after {SETTLE_TIMEOUT_SECONDS} s"
