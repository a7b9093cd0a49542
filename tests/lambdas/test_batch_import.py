"""Batch CSV import on moto: rows to transactions, rejected rows to a report, idempotent per row."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from payments.handlers import batch_import

from tests.lambdas.events import DEFAULT_CLIENT, LambdaContext, s3_event
from tests.lambdas.moto_resources import Aws, owned_items


def upload(aws: Aws, key: str, text: str | bytes) -> str:
    body = text.encode("utf-8") if isinstance(text, str) else text
    return aws.s3.put_object(Bucket=aws.import_bucket, Key=key, Body=body)["VersionId"]


def run(event: dict[str, Any]) -> dict[str, Any]:
    return batch_import.handler(event, LambdaContext(function_name="payment-batch-import-test"))


def report(aws: Aws, key: str) -> dict[str, Any]:
    return json.loads(aws.s3.get_object(Bucket=aws.import_bucket, Key=key)["Body"].read())


def customer_items(aws: Aws, customer_id: str, client_id: str = DEFAULT_CLIENT) -> list[dict[str, Any]]:
    return owned_items(aws.dynamodb, aws.transactions_table, client_id, customer_id)


def test_valid_rows_become_transactions_and_rejected_rows_are_reported(
    function_env: Aws, queue_url: str, customer_id: str
):
    name = f"batch-{uuid.uuid4().hex[:8]}.csv"
    csv_text = (
        "\ufeffcustomer_id,amount,currency,description\r\n"
        f"{customer_id},1250,USD,Invoice 1\r\n"
        f"{customer_id},12.50,USD,decimal point\r\n"
        f"{customer_id},500,JPY,\r\n"
        f"{customer_id},-5,USD,negative\r\n"
        "\r\n"
        f"{customer_id},100,ABC,unknown currency\r\n"
        f"{customer_id},100,USD\r\n"
        f'{customer_id},1000,KWD,"quoted, with comma"\r\n'
        "bad id!,100,USD,x\r\n"
    )
    key = f"imports/{DEFAULT_CLIENT}/{name}"
    version = upload(function_env, key, csv_text)

    result = run(s3_event(function_env.import_bucket, key, version_id=version))

    assert result == {
        "imports": [{"key": key, "client_id": DEFAULT_CLIENT, "created": 3, "duplicates": 0, "rejected": 5}]
    }
    items = customer_items(function_env, customer_id)
    assert sorted(int(item["amount"]["N"]) for item in items) == [500, 1000, 1250]
    assert {item["status"]["S"] for item in items} == {"pending"}
    assert {item["source"]["S"] for item in items} == {"batch"}
    assert function_env.receive_all(queue_url) == []  # one write per row; settlement follows from the stream

    doc = report(function_env, f"reports/{DEFAULT_CLIENT}/{name}.report.json")
    assert doc["created_count"] == 3 and doc["rejected_count"] == 5
    assert [(row["line"], row["field"]) for row in doc["rejected"]] == [
        (3, "amount"),
        (5, "amount"),
        (7, "currency"),
        (8, None),
        (10, "customer_id"),
    ]
    assert doc["source"] == {"bucket": function_env.import_bucket, "key": key, "version_id": version}
    assert "Invoice" not in json.dumps(doc)


def test_reprocessing_the_same_object_creates_no_duplicates(function_env: Aws, customer_id: str):
    name = f"imports/{DEFAULT_CLIENT}/dup-{uuid.uuid4().hex[:8]}.csv"
    version = upload(function_env, name, f"customer_id,amount,currency\n{customer_id},100,EUR\n{customer_id},200,EUR\n")
    event = s3_event(function_env.import_bucket, name, version_id=version)

    first = run(event)
    second = run(event)

    assert first["imports"][0]["created"] == 2
    assert second["imports"][0] == {
        "key": name,
        "client_id": DEFAULT_CLIENT,
        "created": 0,
        "duplicates": 2,
        "rejected": 0,
    }
    assert len(customer_items(function_env, customer_id)) == 2
    doc = report(function_env, name.replace("imports/", "reports/") + ".report.json")
    assert doc["duplicate_count"] == 2 and len(doc["transaction_ids"]) == 2


def test_a_new_version_of_the_object_is_a_new_import(function_env: Aws, customer_id: str):
    name = f"imports/{DEFAULT_CLIENT}/v-{uuid.uuid4().hex[:8]}.csv"
    text = f"customer_id,amount,currency\n{customer_id},100,EUR\n"
    run(s3_event(function_env.import_bucket, name, version_id=upload(function_env, name, text)))
    run(
        s3_event(
            function_env.import_bucket,
            name,
            version_id=upload(function_env, name, text),
            event_time="2026-11-25T08:00:00.000Z",
        )
    )
    assert len(customer_items(function_env, customer_id)) == 2


def test_wrong_header_rejects_the_file_with_a_report(function_env: Aws, queue_url: str):
    name = f"imports/{DEFAULT_CLIENT}/bad-{uuid.uuid4().hex[:8]}.csv"
    version = upload(function_env, name, "customer,amount,currency\nc1,100,USD\n")

    result = run(s3_event(function_env.import_bucket, name, version_id=version))

    assert result["imports"][0]["created"] == 0
    doc = report(function_env, name.replace("imports/", "reports/") + ".report.json")
    assert doc["file_error"] and "header" in doc["file_error"]
    assert doc["rejected"][0]["line"] == 1
    assert function_env.receive_all(queue_url) == []


def test_non_utf8_and_empty_files_are_reported(function_env: Aws):
    for content in (b"\xff\xfe\x00garbage", b""):
        name = f"imports/{DEFAULT_CLIENT}/enc-{uuid.uuid4().hex[:8]}.csv"
        run(s3_event(function_env.import_bucket, name, version_id=upload(function_env, name, content)))
        assert report(function_env, name.replace("imports/", "reports/") + ".report.json")["file_error"]


def test_keys_with_spaces_and_objects_outside_imports(function_env: Aws, customer_id: str):
    name = f"imports/{DEFAULT_CLIENT}/with space {uuid.uuid4().hex[:6]}.csv"
    version = upload(function_env, name, f"customer_id,amount,currency\n{customer_id},100,USD\n")
    assert run(s3_event(function_env.import_bucket, name, version_id=version))["imports"][0]["created"] == 1

    upload(function_env, "reports/x.csv", "customer_id,amount,currency\n")
    assert run(s3_event(function_env.import_bucket, "reports/x.csv")) == {"imports": []}
    assert run(s3_event(function_env.import_bucket, f"imports/{DEFAULT_CLIENT}/notes.txt")) == {"imports": []}


def test_rows_belong_to_the_client_of_the_folder(function_env: Aws, customer_id: str):
    name = f"imports/client-a/owned-{uuid.uuid4().hex[:8]}.csv"
    version = upload(function_env, name, f"customer_id,amount,currency\n{customer_id},100,USD\n")
    assert run(s3_event(function_env.import_bucket, name, version_id=version))["imports"][0]["created"] == 1
    (item,) = customer_items(function_env, customer_id, "client-a")
    assert item["client_id"]["S"] == "client-a"
    assert customer_items(function_env, customer_id, "client-b") == []
    assert customer_items(function_env, customer_id, DEFAULT_CLIENT) == []
    assert report(function_env, name.replace("imports/", "reports/") + ".report.json")["created_count"] == 1


@pytest.mark.parametrize(
    "key",
    ["imports/top-level.csv", "imports/nobody/x.csv", "imports/Client-A/x.csv", "imports//x.csv", "imports/client-a/"],
)
def test_a_file_outside_every_clients_folder_is_not_imported(function_env: Aws, customer_id: str, key: str):
    upload(function_env, key, f"customer_id,amount,currency\n{customer_id},100,USD\n")
    assert run(s3_event(function_env.import_bucket, key)) == {"imports": []}


def test_rows_with_bytes_that_are_not_utf8_are_rejected_alone(function_env: Aws, queue_url: str, customer_id: str):
    name = f"imports/{DEFAULT_CLIENT}/bad-bytes-{uuid.uuid4().hex[:8]}.csv"
    content = (
        b"customer_id,amount,currency,description\n"
        + f"{customer_id},100,USD,fine\n".encode()
        + f"{customer_id},200,USD,caf".encode()
        + b"\xe9 in Latin-1\n"
        + f"{customer_id},300,USD,".encode()
        + b"\xed\xa0\x80 an encoded surrogate\n"
        + f"{customer_id},400,EUR,also fine\n".encode()
    )
    run(s3_event(function_env.import_bucket, name, version_id=upload(function_env, name, content)))

    doc = report(function_env, name.replace("imports/", "reports/") + ".report.json")
    assert doc["file_error"] is None
    assert doc["created_count"] == 2
    rejected = {row["line"]: row for row in doc["rejected"]}
    assert sorted(rejected) == [3, 4]
    assert {row["field"] for row in rejected.values()} == {"description"}
    assert "0xE9" in rejected[3]["reason"] and "0xED" in rejected[4]["reason"]
    assert sorted(int(item["amount"]["N"]) for item in customer_items(function_env, customer_id)) == [100, 400]


def test_header_that_is_not_utf8_rejects_the_file(function_env: Aws):
    name = f"imports/{DEFAULT_CLIENT}/bad-header-{uuid.uuid4().hex[:8]}.csv"
    content = b"customer_id,amount,currency,descr\xefption\nc1,100,USD,x\n"
    run(s3_event(function_env.import_bucket, name, version_id=upload(function_env, name, content)))
    doc = report(function_env, name.replace("imports/", "reports/") + ".report.json")
    assert doc["file_error"] == "header row is not valid UTF-8"
    json.dumps(doc, ensure_ascii=False).encode("utf-8")  # the report itself is valid Unicode
