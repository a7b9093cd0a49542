"""One pass over every path of the API in a running emulator, for the calls its functions make.

Each step reaches a call no other step does: a create (idempotency record, transaction write), its replay, a
create whose write fails (Powertools releases the record), a read, both lists (the two indexes), the status,
health, a CSV import (versioned read, report), a create whose stream event is lost and the sweep that finds and
re-sends it (date index, send), and the settlement of all three through the workflow (consumer, validate,
process with its receipt). The emulator runs with ``--sweep-older-than 1``. A step that does not answer as expected fails the workload,
so a denied call cannot pass as a quiet 503.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import requests

SETTLE_SECONDS = 60


def _wait(predicate: Callable[[], Any], what: str, timeout: float = SETTLE_SECONDS) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.2)
    raise AssertionError(f"workload: timed out after {timeout}s waiting for {what}")


def _expect(response: requests.Response, status: int, step: str) -> dict[str, Any]:
    assert response.status_code == status, f"workload step {step!r}: {response.status_code} {response.text[:500]}"
    return response.json() if response.content else {}


def run_every_path(info: dict[str, Any]) -> dict[str, Any]:
    """Drive the emulator ``info`` describes; return its ``/__local/calls`` record."""
    base, client = info["base_url"], info["clients"][0]
    http = requests.Session()
    http.headers["x-api-key"] = client["api_key"]
    customer = f"cust_{uuid.uuid4().hex[:16]}"
    body = {"customer_id": customer, "amount": 1250, "currency": "USD", "description": "iam workload"}
    key = uuid.uuid4().hex

    def post(payload: dict[str, Any], idempotency_key: str) -> requests.Response:
        return http.post(f"{base}/transactions", json=payload, headers={"Idempotency-Key": idempotency_key}, timeout=30)

    _expect(requests.get(f"{base}/health", timeout=15), 200, "health")
    created = _expect(post(body, key), 201, "create")
    transaction_id = created["transaction_id"]
    assert _expect(post(body, key), 201, "replay")["transaction_id"] == transaction_id
    _expect(http.get(f"{base}/transactions/{transaction_id}", timeout=15), 200, "get")
    _expect(http.get(f"{base}/transactions", params={"customer_id": customer}, timeout=15), 200, "list by customer")
    _expect(
        http.get(f"{base}/transactions", params={"date": created["created_at"][:10]}, timeout=15), 200, "list by date"
    )

    failing = f"cust_{uuid.uuid4().hex[:16]}"
    _expect(
        http.post(
            f"{base}/__local/faults", json={"kind": "write_throttle", "customer_id": failing, "times": None}, timeout=15
        ),
        201,
        "fault",
    )
    _expect(post({**body, "customer_id": failing}, uuid.uuid4().hex), 503, "create with the table throttled")
    _expect(http.delete(f"{base}/__local/faults", timeout=15), 200, "clear faults")

    _expect(
        http.post(
            f"{base}/__local/faults",
            json={"kind": "stream_event_lost", "customer_id": customer, "times": 1},
            timeout=15,
        ),
        201,
        "fault",
    )
    lost = _expect(post({**body, "amount": 999}, uuid.uuid4().hex), 201, "create whose event is lost")
    _wait(
        lambda: any(r["fired"] for r in http.get(f"{base}/__local/faults", timeout=15).json()["rules"]),
        "the pipe to skip the lost event",
    )
    _expect(http.delete(f"{base}/__local/faults", timeout=15), 200, "clear faults")
    time.sleep(1.5)  # older than --sweep-older-than
    runs = _expect(http.post(f"{base}/__local/schedules", timeout=60), 200, "sweep")["runs"]
    assert any(lost["transaction_id"] in run["redriven"] for run in runs), f"workload: the sweep found {runs}"

    s3 = boto3.session.Session(
        aws_access_key_id="local", aws_secret_access_key="local", region_name=info["region"]
    ).client("s3", endpoint_url=info["aws_endpoint_url"])
    name = f"iam-{uuid.uuid4().hex[:8]}.csv"
    csv = f"customer_id,amount,currency,description\n{customer},500,JPY,imported\n"
    s3.put_object(Bucket=info["import_bucket"], Key=f"imports/{client['name']}/{name}", Body=csv.encode())

    def report() -> bool:
        try:
            s3.head_object(Bucket=info["import_bucket"], Key=f"reports/{client['name']}/{name}.report.json")
        except s3.exceptions.ClientError:
            return False
        return True

    _wait(report, "the import report")

    def all_settled() -> bool:
        items = _expect(http.get(f"{base}/transactions", params={"customer_id": customer}, timeout=15), 200, "list")
        statuses = [
            _expect(http.get(f"{base}/status/{item['transaction_id']}", timeout=15), 200, "status")["status"]
            for item in items["items"]
        ]
        return len(statuses) == 3 and all(status == "succeeded" for status in statuses)

    _wait(all_settled, "all three transactions to settle")
    recorded = _expect(http.get(f"{base}/__local/calls", timeout=15), 200, "calls")
    http.close()
    return recorded
