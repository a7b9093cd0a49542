"""Move messages from the settlement FIFO DLQ back to the settlement queue, safely.

``python -m payment_ops redrive --env dev`` lists what would move (a dry run: nothing is sent or deleted);
``--apply`` moves. For each message, in the order SQS hands them out:

1. send it to the target queue with the **same** ``MessageGroupId`` (per-customer ordering is kept) and a
   ``MessageDeduplicationId`` derived from the DLQ message (see :func:`redrive_dedup_id`);
2. delete it from the DLQ only after the send succeeded.

A crash or a failed delete between 1 and 2 leaves the message in both queues; a rerun within the FIFO
deduplication window (5 minutes) sends it again with the same deduplication id, which SQS drops, and then
deletes it: no duplicate. A failed send leaves the message in the DLQ and stops the rest of its group for
this run, so a later message of the same customer never overtakes it. Rerunning on an empty DLQ does nothing.

Why not reuse the original deduplication id: the settlement queue uses content-based deduplication, so the
original id is the body's SHA-256. A message that reached the DLQ less than 5 minutes after it was first
sent would be silently dropped by the target queue as a duplicate of itself, and then deleted from the DLQ:
lost. The derived id includes the DLQ message id, so it is stable across reruns but never equals an id the
target has already seen for the original send.

The dry run has to *receive* to list messages: it holds them invisible for ``--visibility-timeout`` seconds
and makes them visible again before it exits (the DLQ has no redrive policy, so receiving it is harmless).
SQS FIFO hands out further messages of a group only once the earlier ones are deleted, so a dry run lists
at most one receive batch (10) per group; the approximate total comes from the queue attributes.

Region: ``--region``, else ``PAYMENT_AWS_REGION`` (the variable synth uses), else ``AWS_REGION``, else
``ap-northeast-2``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from payment_infra.config import ENVIRONMENT_NAMES
from payment_infra.naming import Naming

DEFAULT_REGION = "ap-northeast-2"
ENVIRONMENTS = ENVIRONMENT_NAMES
MAX_BATCH = 10  # SQS limit per ReceiveMessage / *Batch call
DEFAULT_VISIBILITY_TIMEOUT = 120
DEDUP_NAMESPACE = b"payment-redrive/v1"

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2
_MISSING_QUEUE_CODES = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "NonExistentQueue"}


class RedriveError(RuntimeError):
    """A condition the operator must fix first (missing queue, bad arguments); nothing was moved."""


def source_queue_name(env: str) -> str:
    """The settlement DLQ of ``env``, by the naming code that names it in the stack (payment_infra.naming)."""
    return Naming(env).settlement_dlq()


def target_queue_name(env: str) -> str:
    """The settlement queue of ``env``, by the same naming code."""
    return Naming(env).settlement_queue()


def resolve_region(cli_region: str | None, environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    for candidate in (cli_region, environ.get("PAYMENT_AWS_REGION"), environ.get("AWS_REGION")):
        if candidate and candidate.strip():
            return candidate.strip()
    return DEFAULT_REGION


@dataclass(frozen=True)
class DlqMessage:
    """One received DLQ message; ``dedup_id`` is the original deduplication id (``None`` if SQS gave none)."""

    message_id: str
    receipt_handle: str
    body: str
    group_id: str
    dedup_id: str | None
    receive_count: int
    message_attributes: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_sqs(cls, raw: Mapping[str, Any]) -> DlqMessage:
        attributes = raw.get("Attributes", {})
        group_id = attributes.get("MessageGroupId")
        if not group_id:
            raise RedriveError(f"message {raw.get('MessageId')} has no MessageGroupId: the source is not a FIFO queue")
        return cls(
            message_id=raw["MessageId"],
            receipt_handle=raw["ReceiptHandle"],
            body=raw["Body"],
            group_id=group_id,
            dedup_id=attributes.get("MessageDeduplicationId") or None,
            receive_count=int(attributes.get("ApproximateReceiveCount", "0")),
            message_attributes=_sendable_attributes(raw.get("MessageAttributes", {})),
        )


def _sendable_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Message attributes as SendMessage accepts them (ReceiveMessage adds empty list fields)."""
    keep = ("DataType", "StringValue", "BinaryValue")
    return {name: {k: v[k] for k in keep if k in v} for name, v in attributes.items()}


def redrive_dedup_id(message: DlqMessage) -> str:
    """Deduplication id for the re-sent copy: stable for one DLQ message, distinct from its original send."""
    original = message.dedup_id or hashlib.sha256(message.body.encode()).hexdigest()
    digest = hashlib.sha256(DEDUP_NAMESPACE)
    for part in (message.message_id, original):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


@dataclass
class RedriveReport:
    source_url: str
    target_url: str
    apply: bool
    approximate_count: int | None = None
    listed: list[DlqMessage] = field(default_factory=list)
    moved: list[DlqMessage] = field(default_factory=list)
    #: sent but not deleted: in both queues until a rerun (within 5 minutes the resend is deduplicated)
    sent_not_deleted: list[tuple[DlqMessage, str]] = field(default_factory=list)
    failed: list[tuple[DlqMessage, str]] = field(default_factory=list)
    #: left in the DLQ because an earlier message of the same group failed in this run
    held_back: list[DlqMessage] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.failed or self.sent_not_deleted or self.held_back)


def resolve_queue_url(sqs: Any, name: str) -> str:
    """URL of the queue called ``name``; :class:`RedriveError` naming it when it does not exist."""
    from botocore.exceptions import ClientError

    try:
        return sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _MISSING_QUEUE_CODES:
            raise RedriveError(
                f"queue {name!r} does not exist in region {sqs.meta.region_name} for these credentials "
                "(is the stack deployed there? wrong --env/--region/account?)"
            ) from exc
        raise


def _approximate_count(sqs: Any, url: str) -> int | None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        attrs = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
    except (ClientError, BotoCoreError):
        return None
    return int(attrs.get("ApproximateNumberOfMessages", 0)) + int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0))


def _error_text(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error", {})
        return f"{error.get('Code', type(exc).__name__)}: {error.get('Message', '')}".strip()
    return f"{type(exc).__name__}: {exc}"


def redrive(
    sqs: Any,
    source_url: str,
    target_url: str,
    *,
    apply: bool = False,
    max_messages: int | None = None,
    visibility_timeout: int = DEFAULT_VISIBILITY_TIMEOUT,
    progress: Callable[[str], None] = lambda _line: None,
) -> RedriveReport:
    """Move (``apply=True``) or list (default) up to ``max_messages`` DLQ messages; see the module docstring."""
    from botocore.exceptions import BotoCoreError, ClientError

    if source_url == target_url:
        raise RedriveError("source and target are the same queue")
    if max_messages is not None and max_messages < 1:
        raise RedriveError(f"--max-messages {max_messages}: must be at least 1")

    report = RedriveReport(source_url, target_url, apply, approximate_count=_approximate_count(sqs, source_url))
    seen: set[str] = set()
    release: list[DlqMessage] = []  # received but left in the DLQ: made visible again at the end
    blocked_groups: set[str] = set()
    handled = 0
    try:
        while max_messages is None or handled < max_messages:
            wanted = MAX_BATCH if max_messages is None else min(MAX_BATCH, max_messages - handled)
            batch = sqs.receive_message(
                QueueUrl=source_url,
                MaxNumberOfMessages=wanted,
                VisibilityTimeout=visibility_timeout,
                WaitTimeSeconds=0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            fresh = [m for m in batch if m["MessageId"] not in seen]
            if not fresh:  # empty, or only messages whose visibility ran out during a long run
                release.extend(DlqMessage.from_sqs(m) for m in batch)
                break
            for raw in fresh:
                message = DlqMessage.from_sqs(raw)
                seen.add(message.message_id)
                handled += 1
                report.listed.append(message)
                if not apply:
                    release.append(message)
                    continue
                if message.group_id in blocked_groups:
                    report.held_back.append(message)
                    release.append(message)
                    continue
                try:
                    send_args: dict[str, Any] = {
                        "QueueUrl": target_url,
                        "MessageBody": message.body,
                        "MessageGroupId": message.group_id,
                        "MessageDeduplicationId": redrive_dedup_id(message),
                    }
                    if message.message_attributes:
                        send_args["MessageAttributes"] = message.message_attributes
                    sqs.send_message(**send_args)
                except (ClientError, BotoCoreError) as exc:
                    report.failed.append((message, _error_text(exc)))
                    blocked_groups.add(message.group_id)
                    release.append(message)
                    progress(f"FAILED  send {message.message_id} (group {message.group_id}): {_error_text(exc)}")
                    continue
                try:
                    sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message.receipt_handle)
                except (ClientError, BotoCoreError) as exc:
                    report.sent_not_deleted.append((message, _error_text(exc)))
                    blocked_groups.add(message.group_id)
                    release.append(message)
                    progress(f"WARNING sent {message.message_id} but could not delete it: {_error_text(exc)}")
                    continue
                report.moved.append(message)
                progress(f"moved   {message.message_id} (group {message.group_id})")
    finally:
        _release(sqs, source_url, release)
    return report


def _release(sqs: Any, url: str, messages: list[DlqMessage]) -> None:
    """Make messages we received but left in the DLQ visible again (best effort: they reappear anyway)."""
    from botocore.exceptions import BotoCoreError, ClientError

    for start in range(0, len(messages), MAX_BATCH):
        entries = [
            {"Id": str(i), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": 0}
            for i, m in enumerate(messages[start : start + MAX_BATCH])
        ]
        with contextlib.suppress(ClientError, BotoCoreError):  # else they reappear when the timeout runs out
            sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)


def format_report(report: RedriveReport) -> str:
    lines = [
        ("APPLY" if report.apply else "DRY RUN: nothing was sent or deleted (add --apply / APPLY=1 to move)"),
        f"source: {report.source_url}"
        + ("" if report.approximate_count is None else f" (approximately {report.approximate_count} messages)"),
        f"target: {report.target_url}",
    ]
    if report.listed:
        lines.append(f"{'message id':<38} {'group id':<40} receives")
        lines += [f"{m.message_id:<38} {m.group_id:<40} {m.receive_count}" for m in report.listed]
    groups = len({m.group_id for m in report.listed})
    if report.apply:
        lines.append(
            f"moved {len(report.moved)} of {len(report.listed)} message(s) in {groups} group(s); "
            f"failed {len(report.failed)}, held back behind a failure {len(report.held_back)}, "
            f"sent but not deleted {len(report.sent_not_deleted)}"
        )
        lines += [f"  failed {m.message_id}: {why}" for m, why in report.failed]
        if report.sent_not_deleted:
            lines.append("  rerun within 5 minutes: the resend is deduplicated and the DLQ copy deleted")
    else:
        lines.append(f"listed {len(report.listed)} message(s) in {groups} group(s)")
        if report.approximate_count and report.approximate_count > len(report.listed):
            lines.append(
                "  (SQS FIFO returns further messages of a group only after earlier ones are deleted, "
                "so a dry run lists at most 10 per group)"
            )
    return "\n".join(lines)


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "redrive",
        help="move messages from the settlement FIFO DLQ back to its queue (dry run by default)",
        description=(
            "Move messages from transaction-queue-dlq-<env>.fifo back to transaction-queue-<env>.fifo, keeping "
            "each message's group id. Dry run unless --apply. Exit status: 0 done, 1 some messages were not "
            "moved, 2 nothing could be done (missing queue, bad arguments)."
        ),
    )
    parser.add_argument("--env", choices=ENVIRONMENTS, help="environment whose queues to use")
    parser.add_argument("--apply", action="store_true", help="really move the messages (default: dry run)")
    parser.add_argument("--max-messages", type=int, metavar="N", help="handle at most N messages (default: all)")
    parser.add_argument("--source-url", help="DLQ URL (default: resolved from --env by name)")
    parser.add_argument("--target-url", help="target queue URL (default: resolved from --env by name)")
    parser.add_argument(
        "--region", help=f"AWS region (default: $PAYMENT_AWS_REGION, else $AWS_REGION, else {DEFAULT_REGION})"
    )
    parser.add_argument("--endpoint-url", help="SQS endpoint override (e.g. a local moto server)")
    parser.add_argument(
        "--visibility-timeout",
        type=int,
        default=DEFAULT_VISIBILITY_TIMEOUT,
        metavar="SECONDS",
        help=f"how long received messages stay hidden while handled (default {DEFAULT_VISIBILITY_TIMEOUT})",
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, sqs: Any | None = None) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    if not args.env and not (args.source_url and args.target_url):
        print("redrive: give --env, or both --source-url and --target-url", file=sys.stderr)
        return EXIT_USAGE
    try:
        if sqs is None:
            import boto3

            sqs = boto3.client("sqs", region_name=resolve_region(args.region), endpoint_url=args.endpoint_url)
        source = args.source_url or resolve_queue_url(sqs, source_queue_name(args.env))
        target = args.target_url or resolve_queue_url(sqs, target_queue_name(args.env))
        report = redrive(
            sqs,
            source,
            target,
            apply=args.apply,
            max_messages=args.max_messages,
            visibility_timeout=args.visibility_timeout,
            progress=lambda line: print(line, file=sys.stderr),
        )
    except RedriveError as exc:
        print(f"redrive: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ClientError, BotoCoreError) as exc:  # credentials, permissions, network: nothing more to do here
        print(f"redrive: AWS error: {_error_text(exc)}", file=sys.stderr)
        return EXIT_USAGE
    print(format_report(report))
    return EXIT_OK if report.ok else EXIT_PARTIAL
