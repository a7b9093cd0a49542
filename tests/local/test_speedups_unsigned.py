"""Unsigned in-process requests: the same answers and the same credential scope, only the signature is not computed;
S3 and every request over the network are still signed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSResponse

from payment_local.speedups import unsigned
from payment_local.speedups.unsigned import UNCHECKED_SIGNATURE
from tests.local.test_speedups_in_process import TABLE, _client, _transaction, dynamodb, endpoint  # noqa: F401

SIGNED = ("signed", "unsigned")


@pytest.fixture(autouse=True)
def _restored() -> Iterator[None]:
    """Whatever signer this worker had (another test may have installed every speed-up) is back afterwards."""
    before = SigV4Auth.add_auth
    yield
    SigV4Auth.add_auth = before  # type: ignore[method-assign]


@pytest.fixture(params=SIGNED)
def signing(request: pytest.FixtureRequest) -> str:
    (unsigned.install if request.param == "unsigned" else unsigned.uninstall)()
    return request.param


def _authorizations(client: Any) -> list[str]:
    seen: list[str] = []
    client.meta.events.register(
        "before-send", lambda request, **_: seen.append(request.headers["Authorization"].decode())
    )
    return seen


def _signature(authorization: str) -> str:
    return authorization.rsplit("Signature=", 1)[1]


def test_dynamodb_answers_the_same_with_the_same_scope(dynamodb: Any, signing: str) -> None:  # noqa: F811
    seen = _authorizations(dynamodb)
    dynamodb.put_item(TableName=TABLE, Item=_transaction(f"txn_{signing:a<32}"))
    item = dynamodb.get_item(TableName=TABLE, Key={"transaction_id": {"S": f"txn_{signing:a<32}"}})["Item"]
    assert item == _transaction(f"txn_{signing:a<32}")
    scope, headers = seen[-1].split(", ")[:2]
    assert scope.startswith("AWS4-HMAC-SHA256 Credential=local/") and scope.endswith("/eu-west-1/dynamodb/aws4_request")
    assert headers.startswith("SignedHeaders=") and "x-amz-date" in headers
    assert (_signature(seen[-1]) == UNCHECKED_SIGNATURE) is (signing == "unsigned")


def test_s3_in_process_is_still_signed(endpoint: str) -> None:  # noqa: F811
    unsigned.install()
    s3 = _client("s3", endpoint)
    seen = _authorizations(s3)
    s3.create_bucket(Bucket="signed", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert _signature(seen[-1]) != UNCHECKED_SIGNATURE


def test_requests_over_the_network_are_still_signed() -> None:
    unsigned.install()
    sqs = _client("sqs", "http://127.0.0.1:9")  # not served in process
    seen = _authorizations(sqs)
    sqs.meta.events.register(
        "before-send", lambda request, **_: AWSResponse(request.url, 200, {}, None), unique_id="no-network"
    )
    with contextlib.suppress(Exception):  # the fake empty answer need not parse: the header is what counts
        sqs.list_queues()
    assert seen and _signature(seen[-1]) != UNCHECKED_SIGNATURE
