"""Two guarantees of AWS that moto's server lacks and that our code depends on, added to moto in this process.

- **SQS FIFO deduplication lasts 5 minutes.** SQS drops a message whose deduplication id (within its message
  group, with ``DeduplicationScope=messageGroup``) was sent in the last 5 minutes, even if that first message has
  been received and deleted since. moto only compares with messages still in the queue, so a re-send after
  the first was consumed would be delivered twice. ``install`` keeps the sent ids per queue for 5 minutes.
- **A DynamoDB write is atomic.** A conditional ``PutItem``/``UpdateItem``/``DeleteItem`` checks and writes as
  one step in DynamoDB; moto's server checks and writes in separate steps on its request threads, so two
  concurrent creates with one idempotency key could both pass ``attribute_not_exists``. ``install`` serialises
  moto's DynamoDB writes (reads stay concurrent).

Call ``install()`` before the moto server serves its first request; it is idempotent.
"""

from __future__ import annotations

import functools
import threading
import time
import weakref
from collections import OrderedDict
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.sqs.models import DEDUPLICATION_TIME_IN_SECONDS, Queue

_installed = False
_install_lock = threading.Lock()
_write_lock = threading.RLock()


class DeduplicationWindow:
    """Deduplication ids seen per queue in the last ``seconds``; ``admit`` says whether a message may be added.

    Kept per queue object (weakly): a queue deleted and created again under the same name starts empty, as a
    new moto backend (a new ``mock_aws`` context) does.
    """

    def __init__(self, seconds: float = DEDUPLICATION_TIME_IN_SECONDS, clock: Any = time.monotonic) -> None:
        self._seconds, self._clock = seconds, clock
        self._seen: weakref.WeakKeyDictionary[Any, OrderedDict[tuple[str | None, str], float]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def admit(self, queue: Any, group_id: str | None, deduplication_id: str) -> bool:
        now = self._clock()
        with self._lock:
            seen = self._seen.setdefault(queue, OrderedDict())
            while seen and next(iter(seen.values())) <= now - self._seconds:
                seen.popitem(last=False)
            key = (group_id, deduplication_id)
            if key in seen:
                return False
            seen[key] = now
            return True


WINDOW = DeduplicationWindow()


def _add_message(original: Any) -> Any:
    @functools.wraps(original)
    def add_message(queue: Queue, message: Any) -> None:
        if queue.fifo_queue and message.deduplication_id:
            scope = queue.deduplication_scope or "queue"  # Queue.attributes would count every message
            group = message.group_id if scope == "messageGroup" else None
            if not WINDOW.admit(queue, group, message.deduplication_id):
                return
        original(queue, message)

    return add_message


def _serialised(original: Any) -> Any:
    @functools.wraps(original)
    def write(*args: Any, **kwargs: Any) -> Any:
        with _write_lock:
            return original(*args, **kwargs)

    return write


def serialised_writes() -> threading.RLock:
    """The lock every DynamoDB write holds once :func:`install` ran: hold it to check and write as one step."""
    return _write_lock


def install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        Queue.add_message = _add_message(Queue.add_message)  # type: ignore[method-assign]
        for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
            setattr(DynamoDBBackend, name, _serialised(getattr(DynamoDBBackend, name)))
        _installed = True
