"""moto's SQS counts with one clock reading per count equal moto's own counts."""

from __future__ import annotations

from typing import Any
from unittest import mock

import boto3
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sqs.models import Message, sqs_backends

from payment_local.speedups import sqs_counts

COUNTS = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed")


def _state(sqs: Any, url: str) -> dict[str, Any]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(COUNTS))["Attributes"]
    queue = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues["counted"]
    return {**attributes, "visible": sorted(m.id for m in queue.messages)}


def test_counts_and_visible_messages_are_moto_s_own() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="counted")["QueueUrl"]
        for index in range(6):
            sqs.send_message(QueueUrl=url, MessageBody=f"ready {index}")
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=60)  # two in flight
        try:
            expected = _state(sqs, url)
            sqs_counts.install()
            assert _state(sqs, url) == expected
        finally:
            sqs_counts.uninstall()
    assert [expected[name] for name in COUNTS] == ["4", "2", "1"]  # the test sees each state


def test_a_count_reads_the_clock_once() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="counted")["QueueUrl"]
        for index in range(20):
            sqs.send_message(QueueUrl=url, MessageBody=f"m{index}")
        queue = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues["counted"]
        sqs_counts.install()
        try:
            with mock.patch.object(Message, "visible", property(lambda _: 1 / 0)):  # per-message reads would fail
                assert queue.approximate_number_of_messages == 20
                assert queue.approximate_number_of_messages_not_visible == 0
        finally:
            sqs_counts.uninstall()
