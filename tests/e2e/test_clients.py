"""Two clients over HTTP: for every read path, client B never sees client A's data, and A's reads keep working."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.e2e.conftest import Emulator


def _created(client: Emulator, customer_id: str, amount: int = 1250, key: str | None = None) -> dict[str, Any]:
    response = client.post({"customer_id": customer_id, "amount": amount, "currency": "USD"}, key=key)
    assert response.status_code == 201, response.text
    return response.json()


def _error_without_request_id(response) -> tuple[int, dict[str, Any]]:
    error = dict(response.json()["error"])
    error.pop("request_id", None)
    return response.status_code, error


def _all_ids(client: Emulator, params: dict[str, str]) -> set[str]:
    ids: set[str] = set()
    cursor = None
    for _ in range(100):  # bounded: the day's list holds every test's transactions of this client
        page = client.get("/transactions", params=params | ({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.text
        ids |= {item["transaction_id"] for item in page.json()["items"]}
        cursor = page.json()["next_cursor"]
        if not cursor:
            return ids
    raise AssertionError("too many pages")


def test_the_two_keys_are_two_clients(emulator: Emulator, other_client: Emulator) -> None:
    assert emulator.client_name == "default"  # the first key is the stack's configured client
    assert other_client.client_name != emulator.client_name and other_client.api_key != emulator.api_key


def test_by_id_and_status_of_another_client_are_the_404_of_an_unknown_id(
    emulator: Emulator, other_client: Emulator, customer_id: str
) -> None:
    tid = _created(emulator, customer_id)["transaction_id"]
    unknown = f"txn_{uuid.uuid4().hex}"
    for path in ("/transactions/{}", "/status/{}"):
        assert emulator.get(path.format(tid)).status_code == 200
        foreign = other_client.get(path.format(tid))
        assert _error_without_request_id(foreign) == _error_without_request_id(other_client.get(path.format(unknown)))
        assert foreign.status_code == 404 and tid not in foreign.text


def test_customer_list_holds_only_the_callers_transactions(
    emulator: Emulator, other_client: Emulator, customer_id: str
) -> None:
    mine = _created(emulator, customer_id)["transaction_id"]
    theirs = _created(other_client, customer_id, amount=7)["transaction_id"]  # same customer id, other client
    assert _all_ids(emulator, {"customer_id": customer_id}) == {mine}
    assert _all_ids(other_client, {"customer_id": customer_id}) == {theirs}


def test_date_list_holds_only_the_callers_transactions(
    emulator: Emulator, other_client: Emulator, customer_id: str
) -> None:
    created = _created(emulator, customer_id)
    day = created["created_at"][:10]
    theirs = _created(other_client, customer_id)["transaction_id"]
    a_ids = _all_ids(emulator, {"date": day, "limit": "100"})
    b_ids = _all_ids(other_client, {"date": day, "limit": "100"})
    assert created["transaction_id"] in a_ids and created["transaction_id"] not in b_ids
    assert theirs in b_ids and theirs not in a_ids


def test_a_cursor_of_one_client_is_400_for_the_other(
    emulator: Emulator, other_client: Emulator, customer_id: str
) -> None:
    for amount in (1, 2, 3):
        _created(emulator, customer_id, amount=amount)
    page = emulator.get("/transactions", params={"customer_id": customer_id, "limit": "1"}).json()
    params = {"customer_id": customer_id, "cursor": page["next_cursor"], "limit": "1"}
    assert emulator.get("/transactions", params=params).status_code == 200
    foreign = other_client.get("/transactions", params=params)
    assert foreign.status_code == 400 and foreign.json()["error"]["code"] == "cursor_invalid"


def test_an_idempotency_key_of_one_client_means_nothing_to_the_other(
    emulator: Emulator, other_client: Emulator, customer_id: str
) -> None:
    key = uuid.uuid4().hex
    first = _created(emulator, customer_id, amount=500, key=key)
    same_body = _created(other_client, customer_id, amount=500, key=key)  # not A's stored response
    other_body = _created(other_client, customer_id, amount=9, key=uuid.uuid4().hex)
    assert same_body["transaction_id"] != first["transaction_id"]
    assert other_client.get(f"/transactions/{first['transaction_id']}").status_code == 404
    assert emulator.get(f"/transactions/{same_body['transaction_id']}").status_code == 404
    replay = emulator.post({"customer_id": customer_id, "amount": 500, "currency": "USD"}, key=key)
    assert replay.status_code == 201 and replay.json()["transaction_id"] == first["transaction_id"]
    assert other_body["amount"] == 9


def test_csv_import_rows_belong_to_the_client_of_the_folder(
    emulator: Emulator, other_client: Emulator, customer_id: str
) -> None:
    s3 = emulator.client("s3")
    bucket = emulator.info["import_bucket"]
    for owner, amount in ((emulator, 111), (other_client, 222)):
        name = f"e2e-{uuid.uuid4().hex[:8]}.csv"
        body = f"customer_id,amount,currency\n{customer_id},{amount},USD\n".encode()
        s3.put_object(Bucket=bucket, Key=f"imports/{owner.client_name}/{name}", Body=body)

        def report(owner: Emulator = owner, name: str = name) -> dict | None:
            try:
                obj = s3.get_object(Bucket=bucket, Key=f"reports/{owner.client_name}/{name}.report.json")
            except s3.exceptions.NoSuchKey:
                return None
            return json.loads(obj["Body"].read())

        assert emulator.wait_for(report, 20, f"the report of {name}")["created_count"] == 1
    a_items = emulator.get("/transactions", params={"customer_id": customer_id}).json()["items"]
    b_items = other_client.get("/transactions", params={"customer_id": customer_id}).json()["items"]
    assert [(item["amount"], item["source"]) for item in a_items] == [(111, "batch")]
    assert [(item["amount"], item["source"]) for item in b_items] == [(222, "batch")]
    assert other_client.get(f"/status/{a_items[0]['transaction_id']}").status_code == 404
    assert emulator.wait_settled(a_items[0]["transaction_id"]) == "succeeded"
