"""The emulator's moto server: moto's own application, with the backend of each host looked up once."""

from __future__ import annotations

from unittest import mock

import boto3
import moto.backends

from payment_local.moto_server import MotoServer, _Dispatcher


def test_the_backend_of_a_host_is_searched_once() -> None:
    dispatcher = _Dispatcher()
    with mock.patch.object(moto.backends, "list_of_moto_modules", wraps=moto.backends.list_of_moto_modules) as listed:
        first = [dispatcher.get_backend_for_host("sqs.ap-northeast-2.amazonaws.com") for _ in range(5)]
    assert first == ["sqs"] * 5
    assert listed.call_count == 1


def test_it_serves_moto() -> None:
    server = MotoServer()
    endpoint = server.start()
    try:
        sqs = boto3.client(
            "sqs",
            endpoint_url=endpoint,
            region_name="ap-northeast-2",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        url = sqs.create_queue(QueueName="served")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="hello")
        assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["hello"]
    finally:
        server.stop()
