"""The in-process transport: botocore's calls reach moto's application without a socket, and the fault hooks,
the lost responses and IAM enforcement still act on them as they do over HTTP."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

from payment_local.faults import Faults
from payment_local.iam import Enforcer
from payment_local.moto_server import moto_application
from payment_local.speedups import in_process
from tests.local.test_iam import _stack, allow

TABLE = "payments"


@pytest.fixture
def endpoint() -> Iterator[str]:
    """A loopback port nothing listens on: a call that reached the network would fail to connect."""
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{reserved.getsockname()[1]}"
        in_process.serve(url, moto_application())
        try:
            yield url
        finally:
            in_process.withdraw(url)


def _client(service: str, endpoint: str, attempts: int = 1) -> Any:
    return boto3.session.Session(
        aws_access_key_id="local", aws_secret_access_key="local", region_name="eu-west-1"
    ).client(
        service, endpoint_url=endpoint, config=Config(retries={"total_max_attempts": attempts, "mode": "standard"})
    )


@pytest.fixture
def dynamodb(endpoint: str) -> Any:
    client = _client("dynamodb", endpoint)
    if TABLE not in client.list_tables()["TableNames"]:
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "transaction_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "transaction_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    return client


def _transaction(transaction_id: str) -> dict[str, Any]:
    return {"transaction_id": {"S": transaction_id}, "customer_id": {"S": "cust_1"}}


def test_calls_are_answered_without_the_network(dynamodb: Any, endpoint: str) -> None:
    dynamodb.put_item(TableName=TABLE, Item=_transaction("txn_" + "a" * 32))
    assert dynamodb.get_item(TableName=TABLE, Key={"transaction_id": {"S": "txn_" + "a" * 32}})["Item"]
    in_process.withdraw(endpoint)
    with pytest.raises(Exception, match="Could not connect"):
        dynamodb.list_tables()


def test_errors_bodies_and_headers_are_the_servers(dynamodb: Any, endpoint: str) -> None:
    with pytest.raises(ClientError) as missing:
        dynamodb.get_item(TableName="absent", Key={"transaction_id": {"S": "x"}})
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    s3 = _client("s3", endpoint)
    s3.create_bucket(Bucket="receipts", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    payload = json.dumps({"amount": 100}).encode() * 1000
    s3.put_object(Bucket="receipts", Key="r/1.json", Body=payload, Metadata={"client_id": "acme"})
    got = s3.get_object(Bucket="receipts", Key="r/1.json")
    assert got["Body"].read() == payload  # a streaming body
    assert got["Metadata"] == {"client_id": "acme"}  # an underscored header name kept, as moto's handler keeps it
    assert s3.head_object(Bucket="receipts", Key="r/1.json")["ContentLength"] == len(payload)


def test_faults_still_answer_before_the_request_is_sent(dynamodb: Any) -> None:
    faults = Faults(TABLE)
    faults.install(dynamodb, _client("s3", "http://127.0.0.1:9"), _client("stepfunctions", "http://127.0.0.1:9"),
                   _client("sqs", "http://127.0.0.1:9"))  # fmt: skip
    faults.add("write_throttle", "cust_1", times=1)
    with pytest.raises(ClientError) as throttled:
        dynamodb.put_item(TableName=TABLE, Item=_transaction("txn_" + "b" * 32))
    assert throttled.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key={"transaction_id": {"S": "txn_" + "b" * 32}})
    faults.add("dynamodb_response_lost", "cust_1", times=1)
    with pytest.raises(ReadTimeoutError):
        dynamodb.put_item(TableName=TABLE, Item=_transaction("txn_" + "c" * 32))
    # the lost response's request was applied, through the same in-process transport
    assert dynamodb.get_item(TableName=TABLE, Key={"transaction_id": {"S": "txn_" + "c" * 32}})["Item"]


def test_iam_still_denies_and_the_server_never_sees_the_caller(dynamodb: Any) -> None:
    enforcer = Enforcer(_stack([allow("dynamodb:GetItem", "${aws_dynamodb_table.t.arn}")]))
    Enforcer.install()
    with enforcer.acting_as("status.handler"):
        assert "Item" not in dynamodb.get_item(TableName=TABLE, Key={"transaction_id": {"S": "txn_none"}})
        with pytest.raises(ClientError) as denied:
            dynamodb.put_item(TableName=TABLE, Item=_transaction("txn_" + "d" * 32))
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert [(c["action"], c["decision"]) for c in enforcer.calls()] == [
        ("dynamodb:GetItem", "allow"),
        ("dynamodb:PutItem", "implicit deny"),
    ]


def test_an_application_that_raises_is_a_500_as_from_werkzeug(endpoint: str) -> None:
    def broken(environ: dict[str, Any], start_response: Any) -> Any:
        raise RuntimeError("boom")

    in_process.serve(endpoint, broken)
    with pytest.raises(ClientError) as failed:
        _client("sqs", endpoint).list_queues()
    assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_only_http_host_port_endpoints_can_be_served() -> None:
    with pytest.raises(ValueError, match="http://host:port"):
        in_process.serve("https://example.com", moto_application())


def test_the_speed_ups_are_on_unless_switched_off() -> None:
    from payment_local.__main__ import parse_args
    from payment_local.app import Options

    assert Options().speedups
    assert not parse_args([]).no_speedups
    assert parse_args(["--no-speedups"]).no_speedups
