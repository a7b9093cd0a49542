"""EventBridge Pipes from a DynamoDB stream to an SQS queue, and EventBridge schedules, read from the stack.

``StreamPipe`` does what the stack's ``aws_pipes_pipe`` does: read the table's stream from its starting position
(moto's DynamoDB Streams), keep the records its filter criteria match (EventBridge event patterns, matched by
moto's own pattern engine), render the target's input template and JSON paths (``<$.dynamodb.NewImage...>``)
and send one message per record to the target queue. A batch whose send fails is retried up to the pipe's
``maximum_retry_attempts``, then described in a message to its dead-letter queue and skipped, as Pipes does (the
message holds the batch's shard and sequence numbers, not the records).

``Schedule`` invokes a function on an ``aws_cloudwatch_event_rule`` ``rate(...)`` (``interval_seconds`` overrides
it locally, so a demo need not wait minutes), with the scheduled event EventBridge sends.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from jsonpath_ng import parse as jsonpath
from moto.events.models import EventPattern

from payment_local.stack import Stack, StackError
from payment_local.workers import _PollingThread

log = logging.getLogger("payment_local")
_PLACEHOLDER = re.compile(r"<(\$[^>]*)>")
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86_400}


@dataclass(frozen=True)
class PipeDef:
    name: str
    source_stream_arn: str
    target_queue_arn: str
    batch_size: int
    maximum_retry_attempts: int
    dead_letter_arn: str | None
    starting_position: str
    patterns: tuple[str, ...]
    input_template: str | None
    message_group_id: str | None
    message_deduplication_id: str | None


def _one(block: Any) -> dict[str, Any]:
    """A nested block as cdktf writes it (an object, or a list of one object)."""
    if isinstance(block, list):
        return block[0] if block else {}
    return block or {}


def pipes_of(stack: Stack) -> list[PipeDef]:
    """The stack's DynamoDB-stream -> SQS pipes, references resolved (call after provisioning)."""
    found = []
    for spec in stack.resources("aws_pipes_pipe").values():
        source = _one(spec.get("source_parameters"))
        stream = _one(source.get("dynamodb_stream_parameters"))
        if not stream:
            raise StackError(f"pipe {spec.get('name')}: only DynamoDB stream sources are emulated")
        target = _one(spec.get("target_parameters"))
        sqs = _one(target.get("sqs_queue_parameters"))
        filters = _one(source.get("filter_criteria")).get("filter") or []
        found.append(
            PipeDef(
                name=spec["name"],
                source_stream_arn=stack.resolve(spec["source"]),
                target_queue_arn=stack.resolve(spec["target"]),
                batch_size=int(stream.get("batch_size", 100)),
                maximum_retry_attempts=int(stream.get("maximum_retry_attempts", -1)),
                dead_letter_arn=stack.resolve(_one(stream.get("dead_letter_config")).get("arn", "")) or None,
                starting_position=stream["starting_position"],
                patterns=tuple(f["pattern"] for f in filters),
                input_template=target.get("input_template"),
                message_group_id=sqs.get("message_group_id"),
                message_deduplication_id=sqs.get("message_deduplication_id"),
            )
        )
    return found


@cache
def _compiled(path: str) -> Any:
    """A JSON path parsed once (parsing is most of the cost of reading one, and the pipe's paths are few)."""
    return jsonpath(path)


def _path(record: dict[str, Any], path: str) -> Any:
    matches = _compiled(path).find(record)
    if not matches:
        raise ValueError(f"JSON path {path} matches nothing in the record")
    return matches[0].value


def render(template: str | None, record: dict[str, Any]) -> str:
    """The message body: the input template with each ``<$.path>`` replaced, or the record as JSON."""
    if template is None:
        return json.dumps(record, default=str)

    def value(match: re.Match[str]) -> str:
        found = _path(record, match.group(1))
        return found if isinstance(found, str) else json.dumps(found)

    return _PLACEHOLDER.sub(value, template)


class StreamPipe(_PollingThread):
    """One pipe; ``queue_url_of`` turns a queue ARN into its URL. ``faults`` may drop records (lost events).

    ``running`` says whether the pipe's desired state is RUNNING (:mod:`payment_local.switches`); a stopped pipe
    reads nothing. A pipe that never ran opens its shards at ``starting_position`` when it first runs; a pipe
    stopped and started again goes on from where it stopped (its iterators are its checkpoint).
    """

    def __init__(
        self,
        pipe: PipeDef,
        *,
        streams: Any,
        sqs: Any,
        queue_url_of: Any,
        faults: Any = None,
        retry_delay: float = 0.2,
        poll_interval: float = 0.1,
        shard_refresh_seconds: float = 5.0,
        running: Callable[[], bool] = lambda: True,
    ) -> None:
        super().__init__(name=f"pipe-{pipe.name}", poll_interval=poll_interval)
        self.pipe = pipe
        self._running = running
        self._streams, self._sqs, self._faults = streams, sqs, faults
        self._target_url = queue_url_of(pipe.target_queue_arn)
        self._dlq_url = queue_url_of(pipe.dead_letter_arn) if pipe.dead_letter_arn else None
        self._retry_delay = retry_delay
        self._patterns = [EventPattern.load(pattern) for pattern in pipe.patterns]
        self._iterators: dict[str, str | None] = {}
        self._shard_refresh, self._shards_listed = shard_refresh_seconds, float("-inf")
        self.delivered = 0
        self.dead_lettered = 0

    def _open_shards(self) -> None:
        """New shards (a table's stream gets new ones over time), looked up every ``shard_refresh_seconds``."""
        if time.monotonic() - self._shards_listed < self._shard_refresh:
            return
        self._shards_listed = time.monotonic()
        description = self._streams.describe_stream(StreamArn=self.pipe.source_stream_arn)["StreamDescription"]
        for shard in description["Shards"]:
            if shard["ShardId"] not in self._iterators:
                self._iterators[shard["ShardId"]] = self._streams.get_shard_iterator(
                    StreamArn=self.pipe.source_stream_arn,
                    ShardId=shard["ShardId"],
                    ShardIteratorType=self.pipe.starting_position,
                )["ShardIterator"]

    def _matches(self, record: dict[str, Any]) -> bool:
        if not self._patterns:
            return True
        plain = json.loads(json.dumps(record, default=str))
        return any(pattern.matches_event(plain) for pattern in self._patterns)

    def poll_once(self) -> int:
        if not self._running():
            return 0
        self._open_shards()
        handled = 0
        for shard_id, iterator in list(self._iterators.items()):
            if iterator is None:
                continue
            response = self._streams.get_records(ShardIterator=iterator, Limit=self.pipe.batch_size)
            records = response.get("Records", [])
            if records:
                self._deliver(shard_id, records)
                handled += len(records)
            self._iterators[shard_id] = response.get("NextShardIterator")
        return handled

    def _deliver(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        batch = [r for r in records if self._matches(r)]
        if self._faults is not None:
            batch = [r for r in batch if not self._faults.drops_stream_record(r)]
        if not batch:
            return
        attempts = 0
        while True:
            try:
                for record in batch:
                    self._send(record)
                self.delivered += len(batch)
                return
            except Exception as exc:
                attempts += 1
                limit = self.pipe.maximum_retry_attempts
                if limit >= 0 and attempts > limit:
                    log.warning("pipe %s: batch failed %d times, to the DLQ: %s", self.pipe.name, attempts, exc)
                    self._dead_letter(shard_id, batch, str(exc))
                    return
                if self.stop_event.wait(self._retry_delay):
                    return

    def _send(self, record: dict[str, Any]) -> None:
        kwargs: dict[str, Any] = {"QueueUrl": self._target_url, "MessageBody": render(self.pipe.input_template, record)}
        if self.pipe.message_group_id:
            kwargs["MessageGroupId"] = str(_path(record, self.pipe.message_group_id))
        if self.pipe.message_deduplication_id:
            kwargs["MessageDeduplicationId"] = str(_path(record, self.pipe.message_deduplication_id))
        self._sqs.send_message(**kwargs)

    def _dead_letter(self, shard_id: str, batch: list[dict[str, Any]], reason: str) -> None:
        self.dead_lettered += len(batch)
        if self._dlq_url is None:
            return
        sequence = [r["dynamodb"]["SequenceNumber"] for r in batch]
        body = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": self.pipe.maximum_retry_attempts + 1,
            },
            "responseContext": {"statusCode": 500, "executedVersion": None, "functionError": reason[:256]},
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": sequence[0],
                "endSequenceNumber": sequence[-1],
                "streamArn": self.pipe.source_stream_arn,
                "batchSize": len(batch),
            },
        }
        self._sqs.send_message(QueueUrl=self._dlq_url, MessageBody=json.dumps(body))


def rate_seconds(expression: str) -> int:
    """``rate(5 minutes)`` -> 300; other schedule expressions are not emulated."""
    match = _RATE.match(expression.strip())
    if not match:
        raise StackError(f"schedule_expression {expression!r}: only rate(N minutes|hours|days) is emulated")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]


@dataclass(frozen=True)
class ScheduleDef:
    rule_name: str
    interval_seconds: int
    handler: str


def schedules_of(stack: Stack) -> list[ScheduleDef]:
    """Every scheduled rule with a Lambda target of the stack."""
    rules = stack.resources("aws_cloudwatch_event_rule")
    found = []
    for target in stack.resources("aws_cloudwatch_event_target").values():
        match = re.fullmatch(r"\$\{aws_cloudwatch_event_rule\.([A-Za-z0-9_]+)\.name\}", target["rule"])
        rule = rules.get(match.group(1)) if match else None
        if rule is None or "schedule_expression" not in rule:
            continue
        found.append(
            ScheduleDef(
                rule["name"], rate_seconds(rule["schedule_expression"]), stack.handler_for_arn_ref(target["arn"])
            )
        )
    return found


class Schedule(_PollingThread):
    """Invokes ``handler`` every ``interval_seconds`` with an EventBridge ``Scheduled Event``."""

    def __init__(
        self,
        schedule: ScheduleDef,
        *,
        runtime: Any,
        region: str,
        account_id: str,
        interval_seconds: float | None = None,
        enabled: Callable[[], bool] = lambda: True,
    ) -> None:
        interval = schedule.interval_seconds if interval_seconds is None else interval_seconds
        super().__init__(name=f"schedule-{schedule.rule_name}", poll_interval=interval)
        self.schedule, self._runtime, self._region, self._account = schedule, runtime, region, account_id
        self._enabled = enabled
        self.runs: list[Any] = []

    def poll_once(self) -> int:
        if self.stop_event.wait(self._poll_interval):  # the first run is one interval after the start
            return 0
        self.run_now()
        return 1

    def run_now(self) -> Any:
        """Invoke the function as the rule's next tick would; a DISABLED rule does not tick (nothing runs)."""
        if not self._enabled():
            return {"skipped": f"rule {self.schedule.rule_name} is DISABLED"}
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self._account,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self._region,
            "detail": {},
            "resources": [f"arn:aws:events:{self._region}:{self._account}:rule/{self.schedule.rule_name}"],
        }
        started = time.monotonic()
        result = self._runtime.invoke(self.schedule.handler, event)
        self.runs.append({"result": result, "seconds": round(time.monotonic() - started, 3)})
        return result
