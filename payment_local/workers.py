"""Background event sources: the SQS event source mapping and the S3 -> Lambda trigger.

``SettlementPoller`` does what the event source mapping does for the settlement
function: receive up to ``batch_size`` messages, invoke the function, delete what
succeeded and leave ``batchItemFailures`` for redelivery. The redrive policy applies
unchanged (moto moves a message to the DLQ once it has been received
``maxReceiveCount`` times). The only liberty taken: a failed message becomes visible
again after ``retry_delay`` seconds instead of the queue's visibility timeout, so
local retries take seconds, not minutes.

``ImportTrigger`` turns the S3 notifications of the import bucket into invocations of
the batch-import function, with the object version and a sequencer added as S3 sends them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from typing import Any

from payment_local.activity import Activity
from payment_local.events import sqs_event

log = logging.getLogger("payment_local")


class _PollingThread(threading.Thread):
    """A daemon thread that calls ``poll_once`` until stopped, pausing when there was nothing to do.

    The pause is ``poll_interval``, or longer while the emulator is quiet if an ``activity`` is set
    (:mod:`payment_local.activity`).
    """

    def __init__(self, *, name: str, poll_interval: float) -> None:
        super().__init__(name=name, daemon=True)
        self._poll_interval = poll_interval
        self.stop_event = threading.Event()
        self.activity: Activity | None = None

    def poll_once(self) -> int:
        raise NotImplementedError

    def _pause(self) -> None:
        if self.activity is None:
            self.stop_event.wait(self._poll_interval)
        else:
            self.activity.pause(self.stop_event, self._poll_interval)

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                if not self.poll_once():
                    self._pause()
            except Exception:
                log.exception("%s poll failed", self.name)
                self.stop_event.wait(1)


class SettlementPoller(_PollingThread):
    def __init__(
        self,
        *,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        region: str,
        handler: str,
        runtime: Any,
        batch_size: int,
        visibility_timeout: int,
        retry_delay: int,
        poll_interval: float = 0.1,
        faults: Any = None,
    ) -> None:
        super().__init__(name="settlement-poller", poll_interval=poll_interval)
        self._sqs, self._queue_url, self._queue_arn, self._region = sqs, queue_url, queue_arn, region
        self._handler, self._runtime = handler, runtime
        self._batch_size, self._visibility, self._retry_delay = batch_size, visibility_timeout, retry_delay
        self._faults = faults
        self.journal: deque[dict[str, Any]] = deque(maxlen=100_000)
        self._journal_lock = threading.Lock()

    def deliveries(self, transaction_id: str | None = None) -> list[dict[str, Any]]:
        with self._journal_lock:
            return [d for d in self.journal if transaction_id is None or d["transaction_id"] == transaction_id]

    def poll_once(self) -> int:
        messages = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=self._batch_size,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            VisibilityTimeout=self._visibility,
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not messages:
            return 0
        ids = {}
        for message in messages:
            try:
                body = json.loads(message["Body"])
                ids[message["MessageId"]] = (str(body.get("transaction_id")), str(body.get("customer_id")))
            except (ValueError, AttributeError):
                ids[message["MessageId"]] = ("", "")
            if self._faults is not None:
                self._faults.remember(*ids[message["MessageId"]])
        event = sqs_event(messages, queue_arn=self._queue_arn, region=self._region)
        try:
            result = self._runtime.invoke(self._handler, event)
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        except Exception:
            log.exception("settlement function failed; the batch will be retried")
            failed = {m["MessageId"] for m in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        with self._journal_lock:
            for message in messages:
                self.journal.append(
                    {
                        "message_id": message["MessageId"],
                        "transaction_id": ids[message["MessageId"]][0],
                        "receive_count": int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
                        "outcome": "failed" if message["MessageId"] in failed else "succeeded",
                    }
                )
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        for message in messages:
            if message["MessageId"] in failed:
                self._sqs.change_message_visibility(
                    QueueUrl=self._queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=self._retry_delay,
                )
        return len(messages)


class ImportTrigger(_PollingThread):
    """Invokes the batch-import function for each S3 event (asynchronous invoke: 2 retries)."""

    MAX_ATTEMPTS = 3

    def __init__(
        self, *, sqs: Any, s3: Any, queue_url: str, handler: str, runtime: Any, poll_interval: float = 0.2
    ) -> None:
        super().__init__(name="import-trigger", poll_interval=poll_interval)
        self._sqs, self._s3, self._queue_url = sqs, s3, queue_url
        self._handler, self._runtime = handler, runtime
        self._sequence = int(time.time() * 1000) << 16

    def _with_version(self, record: dict[str, Any]) -> dict[str, Any]:
        from urllib.parse import unquote_plus

        obj = record["s3"]["object"]
        self._sequence += 1
        obj.setdefault("sequencer", f"{self._sequence:018X}")
        if "versionId" not in obj:
            key = unquote_plus(obj["key"])
            versions = self._s3.list_object_versions(Bucket=record["s3"]["bucket"]["name"], Prefix=key).get(
                "Versions", []
            )
            matching = [v for v in versions if v["Key"] == key and v["ETag"].strip('"') == obj.get("eTag")]
            if matching and matching[0].get("VersionId") not in (None, "null"):
                obj["versionId"] = max(matching, key=lambda v: v["LastModified"])["VersionId"]
        return record

    def poll_once(self) -> int:
        messages = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            WaitTimeSeconds=0,
            VisibilityTimeout=30,
        ).get("Messages", [])
        for message in messages:
            attempts = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            try:
                event = json.loads(message["Body"])
                if "Records" in event:
                    event["Records"] = [self._with_version(r) for r in event["Records"]]
                    self._runtime.invoke(self._handler, event)
            except Exception:
                log.exception("batch import failed (attempt %d)", attempts)
                if attempts < self.MAX_ATTEMPTS:
                    self._sqs.change_message_visibility(
                        QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=1
                    )
                    continue
            self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)
