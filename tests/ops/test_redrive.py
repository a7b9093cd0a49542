"""``payment_ops.redrive`` on moto: dry run, apply, rerun, failures, ordering, CLI."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from payment_ops import redrive as rd
from payment_ops.__main__ import main

REGION = "ap-northeast-2"
ENV = "dev"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("PAYMENT_AWS_REGION", raising=False)


@pytest.fixture
def sqs(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


# Terraform arguments of aws_sqs_queue -> SQS attributes, for the FIFO settings redrive depends on.
_ATTRIBUTES = {
    "fifo_queue": "FifoQueue",
    "content_based_deduplication": "ContentBasedDeduplication",
    "deduplication_scope": "DeduplicationScope",
    "fifo_throughput_limit": "FifoThroughputLimit",
}


def settlement_queues(stack: dict) -> tuple[dict, dict]:
    """(DLQ, queue) of the synthesized stack: the queue with a redrive policy and the DLQ it names."""
    queues = stack["resource"]["aws_sqs_queue"]
    # (queue, policy) pairs: the policy inline, or in its own aws_sqs_queue_redrive_policy resource
    policies = [(q, q["redrive_policy"]) for q in queues.values() if "redrive_policy" in q] + [
        (next(q for k, q in queues.items() if p["queue_url"] == f"${{aws_sqs_queue.{k}.url}}"), p["redrive_policy"])
        for p in stack["resource"].get("aws_sqs_queue_redrive_policy", {}).values()
    ]
    ((queue, policy),) = policies
    target = json.loads(policy)["deadLetterTargetArn"]
    (dlq,) = [q for k, q in queues.items() if target == f"${{aws_sqs_queue.{k}.arn}}"]
    return dlq, queue


def _attributes(queue: dict) -> dict[str, str]:
    return {
        attribute: str(queue[argument]).lower() if isinstance(queue[argument], bool) else str(queue[argument])
        for argument, attribute in _ATTRIBUTES.items()
        if argument in queue
    }


@pytest.fixture
def queues(sqs: Any, stacks: dict[str, dict]) -> tuple[str, str]:
    """(dlq url, queue url), named and configured as in the synthesized stack (not by redrive's own helpers)."""
    dlq_spec, queue_spec = settlement_queues(stacks[ENV])
    dlq = sqs.create_queue(QueueName=dlq_spec["name"], Attributes=_attributes(dlq_spec))["QueueUrl"]
    queue = sqs.create_queue(QueueName=queue_spec["name"], Attributes=_attributes(queue_spec))["QueueUrl"]
    return dlq, queue


def put(sqs: Any, url: str, group: str, body: str, **extra: Any) -> str:
    return sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group, **extra)["MessageId"]


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Every message of ``url`` in delivery order (deletes them)."""
    out: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not batch:
            return out
        for m in batch:
            out.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def count(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def visible(sqs: Any, url: str) -> int:
    return int(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"
        ]
    )


def seed(sqs: Any, dlq: str) -> list[tuple[str, str]]:
    """Five messages in two groups, interleaved; returns [(group, body)] in send order."""
    sent = [("cust-a", "a1"), ("cust-b", "b1"), ("cust-a", "a2"), ("cust-b", "b2"), ("cust-a", "a3")]
    for group, body in sent:
        put(sqs, dlq, group, f'{{"transaction_id": "{body}"}}')
    return sent


def test_dry_run_changes_nothing(sqs: Any, queues: tuple[str, str]) -> None:
    dlq, queue = queues
    sent = seed(sqs, dlq)

    report = rd.redrive(sqs, dlq, queue)

    assert not report.apply and report.moved == []
    assert len(report.listed) == len(sent)
    assert {m.group_id for m in report.listed} == {"cust-a", "cust-b"}
    assert count(sqs, queue) == 0
    # everything is still in the DLQ and visible again right away (released, not left in flight)
    assert visible(sqs, dlq) == len(sent)
    text = rd.format_report(report)
    assert "DRY RUN" in text and all(m.message_id in text for m in report.listed)


def test_apply_moves_all_with_group_ids_and_order(sqs: Any, queues: tuple[str, str]) -> None:
    dlq, queue = queues
    sent = seed(sqs, dlq)

    report = rd.redrive(sqs, dlq, queue, apply=True)

    assert report.ok and len(report.moved) == len(sent)
    assert count(sqs, dlq) == 0
    got = drain(sqs, queue)
    assert sorted((m["Attributes"]["MessageGroupId"], m["Body"]) for m in got) == sorted(
        (g, f'{{"transaction_id": "{b}"}}') for g, b in sent
    )
    for group in ("cust-a", "cust-b"):
        expected = [f'{{"transaction_id": "{b}"}}' for g, b in sent if g == group]
        assert [m["Body"] for m in got if m["Attributes"]["MessageGroupId"] == group] == expected


def test_rerun_is_a_noop(sqs: Any, queues: tuple[str, str]) -> None:
    dlq, queue = queues
    seed(sqs, dlq)
    rd.redrive(sqs, dlq, queue, apply=True)

    again = rd.redrive(sqs, dlq, queue, apply=True)

    assert again.ok and again.listed == [] and again.moved == []
    assert count(sqs, queue) == 5


def test_message_attributes_travel_along(sqs: Any, queues: tuple[str, str]) -> None:
    dlq, queue = queues
    put(sqs, dlq, "g", "body", MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": "c-1"}})

    rd.redrive(sqs, dlq, queue, apply=True)

    (moved,) = drain(sqs, queue)
    assert moved["MessageAttributes"]["correlation_id"]["StringValue"] == "c-1"


def test_max_messages_limits_the_move(sqs: Any, queues: tuple[str, str]) -> None:
    dlq, queue = queues
    seed(sqs, dlq)

    report = rd.redrive(sqs, dlq, queue, apply=True, max_messages=2)

    assert len(report.moved) == 2
    assert count(sqs, queue) == 2 and count(sqs, dlq) == 3


class _FailingSends:
    """Wraps a client: ``send_message`` raises for bodies in ``fail_bodies``."""

    def __init__(self, client: Any, fail_bodies: set[str], op: str = "send_message"):
        self._client, self._fail, self._op = client, fail_bodies, op
        self.meta = client.meta

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def send_message(self, **kwargs: Any) -> Any:
        if self._op == "send_message" and kwargs["MessageBody"] in self._fail:
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "injected"}}, "SendMessage")
        return self._client.send_message(**kwargs)

    def delete_message(self, **kwargs: Any) -> Any:
        if self._op == "delete_message":
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "injected"}}, "DeleteMessage")
        return self._client.delete_message(**kwargs)


def test_send_failure_leaves_the_message_and_its_group_behind(sqs: Any, queues: tuple[str, str]) -> None:
    dlq, queue = queues
    seed(sqs, dlq)
    flaky = _FailingSends(sqs, {'{"transaction_id": "a2"}'})

    report = rd.redrive(flaky, dlq, queue, apply=True)

    assert not report.ok
    assert [m.body for m, _ in report.failed] == ['{"transaction_id": "a2"}']
    # a3 must not overtake a2: it stays in the DLQ too; the other group is unaffected
    moved = sorted(m.body for m in report.moved)
    assert moved == ['{"transaction_id": "a1"}', '{"transaction_id": "b1"}', '{"transaction_id": "b2"}']
    assert count(sqs, dlq) == 2
    assert visible(sqs, dlq) == 2  # released for the next run

    # the next run (send works again) finishes the job, still in order
    assert rd.redrive(sqs, dlq, queue, apply=True).ok
    got = [m["Body"] for m in drain(sqs, queue) if m["Attributes"]["MessageGroupId"] == "cust-a"]
    assert got == ['{"transaction_id": "a1"}', '{"transaction_id": "a2"}', '{"transaction_id": "a3"}']


def test_crash_between_send_and_delete_never_duplicates(sqs: Any, queues: tuple[str, str]) -> None:
    dlq, queue = queues
    put(sqs, dlq, "g", "only")

    first = rd.redrive(_FailingSends(sqs, set(), op="delete_message"), dlq, queue, apply=True)
    assert len(first.sent_not_deleted) == 1 and count(sqs, dlq) == 1 and count(sqs, queue) == 1

    second = rd.redrive(sqs, dlq, queue, apply=True)  # within the 5-minute deduplication window

    assert second.ok and count(sqs, dlq) == 0
    assert [m["Body"] for m in drain(sqs, queue)] == ["only"]


def test_dedup_id_is_stable_and_differs_from_the_original() -> None:
    message = rd.DlqMessage("mid-1", "rh", "body", "g", None, 3)
    content_hash = hashlib.sha256(b"body").hexdigest()  # what content-based deduplication used first

    assert rd.redrive_dedup_id(message) == rd.redrive_dedup_id(message)
    assert rd.redrive_dedup_id(message) != content_hash
    assert len(rd.redrive_dedup_id(message)) <= 128
    other = rd.DlqMessage("mid-2", "rh", "body", "g", None, 3)
    assert rd.redrive_dedup_id(other) != rd.redrive_dedup_id(message)


def test_message_that_reached_the_dlq_quickly_is_not_swallowed_by_dedup(sqs: Any, queues: tuple[str, str]) -> None:
    """Sent to the queue, in the DLQ within the 5-minute dedup window, redriven: it must arrive again.

    SQS remembers the original's content-hash dedup id for 5 minutes even after the message left the queue;
    moto remembers it only while a message with that id is still in the queue, so the original stays there
    to stand for that record.
    """
    dlq, queue = queues
    put(sqs, queue, "g", "quick")  # the original send (content-based dedup id = sha256 of the body)
    put(sqs, dlq, "g", "quick")  # the same message, now in the DLQ

    assert rd.redrive(sqs, dlq, queue, apply=True).ok

    assert [m["Body"] for m in drain(sqs, queue)] == ["quick", "quick"]


def test_cli_resolves_queues_by_name(sqs: Any, queues: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    dlq, queue = queues
    seed(sqs, dlq)

    assert main(["redrive", "--env", ENV, "--region", REGION]) == 0
    assert "DRY RUN" in capsys.readouterr().out and count(sqs, queue) == 0

    assert main(["redrive", "--env", ENV, "--apply"]) == 0
    assert count(sqs, queue) == 5 and count(sqs, dlq) == 0


def test_cli_missing_queue_is_a_clear_error(sqs: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["redrive", "--env", "staging"]) == 2
    err = capsys.readouterr().err
    assert rd.source_queue_name("staging") in err and "does not exist" in err and "Traceback" not in err


@pytest.mark.parametrize("env", rd.ENVIRONMENTS)
def test_queue_names_are_the_stacks(stacks: dict[str, dict], env: str) -> None:
    dlq, queue = settlement_queues(stacks[env])
    assert (rd.source_queue_name(env), rd.target_queue_name(env)) == (dlq["name"], queue["name"])


def test_a_rename_in_the_queue_naming_reaches_redrive(monkeypatch: pytest.MonkeyPatch) -> None:
    """messaging.py and redrive read the same constants: renaming them renames what redrive looks for."""
    from payment_infra import naming

    monkeypatch.setattr(naming, "SETTLEMENT_DLQ", "settlement-dlq")
    monkeypatch.setattr(naming, "SETTLEMENT_QUEUE", "settlement-queue")
    assert (rd.source_queue_name("dev"), rd.target_queue_name("dev")) == (
        "settlement-dlq-dev.fifo",
        "settlement-queue-dev.fifo",
    )


def test_messaging_names_the_queues_through_the_naming_code() -> None:
    """No queue name is spelled in messaging.py: it can only name them the way redrive finds them."""
    from payment_infra.constructs import messaging

    source = Path(messaging.__file__).read_text()
    assert "transaction-queue" not in source and "settlement_dlq()" in source and "settlement_queue()" in source


def test_cli_needs_env_or_urls(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["redrive"]) == 2
    assert "--env" in capsys.readouterr().err


def test_cli_help_works() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["redrive", "--help"])
    assert exc.value.code == 0


def test_region_resolution() -> None:
    assert rd.resolve_region("eu-central-1", {"PAYMENT_AWS_REGION": "us-east-1"}) == "eu-central-1"
    assert rd.resolve_region(None, {"PAYMENT_AWS_REGION": "us-east-1", "AWS_REGION": "eu-west-1"}) == "us-east-1"
    assert rd.resolve_region(None, {"AWS_REGION": "eu-west-1"}) == "eu-west-1"
    assert rd.resolve_region(None, {}) == "ap-northeast-2"
