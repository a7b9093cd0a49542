"""What the emulator adds to moto: 5-minute FIFO deduplication and per-thread Powertools state."""

from __future__ import annotations

import threading

import boto3
from moto import mock_aws

from payment_local import containers, moto_fidelity
from payment_local.moto_fidelity import DeduplicationWindow


def test_a_deduplication_id_is_refused_for_five_minutes_then_admitted_again():
    class Queue:  # the window holds queues weakly
        pass

    now = [1000.0]
    window = DeduplicationWindow(seconds=300, clock=lambda: now[0])
    queue, other_queue = Queue(), Queue()
    assert window.admit(queue, "group-a", "txn_1")
    now[0] += 299
    assert not window.admit(queue, "group-a", "txn_1")
    assert window.admit(queue, "group-b", "txn_1")  # another group (DeduplicationScope=messageGroup)
    assert window.admit(other_queue, "group-a", "txn_1")
    now[0] += 2
    assert window.admit(queue, "group-a", "txn_1")


def test_a_consumed_message_sent_again_within_the_window_is_not_delivered_twice():
    moto_fidelity.install()
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(
            QueueName="q.fifo",
            Attributes={
                "FifoQueue": "true",
                "ContentBasedDeduplication": "true",
                "DeduplicationScope": "messageGroup",
                "FifoThroughputLimit": "perMessageGroupId",
            },
        )["QueueUrl"]
        send = {"QueueUrl": url, "MessageBody": "{}", "MessageGroupId": "c1", "MessageDeduplicationId": "txn_dedup"}
        sqs.send_message(**send)
        (message,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        sqs.send_message(**send)  # moto alone would deliver it again: the first is no longer in the queue
        assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []
        sqs.send_message(**{**send, "MessageDeduplicationId": "txn_other"})
        assert len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]) == 1
    with mock_aws():  # a new backend: its queue of the same name remembers nothing
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        sqs.send_message(**{**send, "QueueUrl": url})
        assert len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]) == 1


def test_each_thread_sees_its_own_router_event_route_and_metrics():
    containers.install()
    from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver, BaseRouter
    from aws_lambda_powertools.metrics import Metrics

    app = APIGatewayRestResolver()
    metrics = Metrics(namespace="Test", service="test")
    barrier = threading.Barrier(2)
    seen: dict[str, tuple] = {}

    def container(name: str) -> None:
        BaseRouter.current_event = name  # what Powertools' resolve() does
        app.context["_route"] = name
        metrics.add_metric(name=f"m_{name}", unit="Count", value=1)
        barrier.wait()  # both threads have written before either reads
        seen[name] = (app.current_event, BaseRouter.current_event, app.context["_route"], sorted(metrics.metric_set))
        metrics.clear_metrics()

    threads = [threading.Thread(target=container, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"a": ("a", "a", "a", ["m_a"]), "b": ("b", "b", "b", ["m_b"])}
