"""--sdk-backoff-scale: botocore's retries all happen, its pauses between them shrink by the scale."""

from __future__ import annotations

import time
import uuid
from unittest import mock

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError

from payment_local.sdk_backoff import scale_sdk_backoff


class _Raw:
    def stream(self, **_: object):
        yield b'{"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", "message": "x"}'


def _throttled_attempts(scale: float) -> tuple[int, list[float]]:
    client = boto3.client(
        "dynamodb",
        region_name="ap-northeast-2",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"mode": "standard", "max_attempts": 3}),
    )
    attempts = []

    def throttle(request, **_):
        attempts.append(request)
        return AWSResponse(request.url, 400, {"x-amzn-RequestId": str(uuid.uuid4())}, _Raw())

    client.meta.events.register("before-send.dynamodb.GetItem", throttle)
    scale_sdk_backoff(scale)
    try:
        with mock.patch("payment_local.sdk_backoff.time.sleep") as slept, pytest.raises(ClientError):
            client.get_item(TableName="t", Key={"k": {"S": "v"}})
    finally:
        scale_sdk_backoff(1)
    return len(attempts), [call.args[0] for call in slept.call_args_list]


def test_every_attempt_still_happens_and_each_pause_is_scaled() -> None:
    attempts, pauses = _throttled_attempts(0.01)
    assert attempts == 4  # 1 + max_attempts=3 retries (botocore counts retries there), as without the scale
    assert len(pauses) == 3
    assert all(0 <= pause <= 2 ** (n + 1) * 0.01 for n, pause in enumerate(pauses))  # standard: up to 2^n s


def test_scale_one_restores_botocore_time() -> None:
    scale_sdk_backoff(0.5)
    assert botocore.endpoint.time is not time
    scale_sdk_backoff(1)
    assert botocore.endpoint.time is time


@pytest.mark.parametrize("scale", [0, -1, 1.5])
def test_a_scale_outside_zero_to_one_is_refused(scale: float) -> None:
    with pytest.raises(ValueError, match="in \\(0, 1\\]"):
        scale_sdk_backoff(scale)
