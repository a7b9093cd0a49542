"""moto's SQS queue counts read the clock once per count, not twice per message.

moto's ``Queue.messages`` and its ``ApproximateNumberOf*`` counts ask each message whether it is visible and
whether it is delayed, and each answer reads the clock (``unix_time_millis``: ``utcnow`` and two datetimes). They
run on every ``SendMessage`` (moto reads ``Queue.attributes``, which computes all three counts, to learn
``ContentBasedDeduplication``) and once per message of every ``ReceiveMessage`` (the retention check reads the
attributes again), so with the settlement queue a few hundred messages deep during the bench, the clock was
two thirds of the emulator's samples in the create phase (docs/emulator-profile.md). ``install`` computes the
same comparisons (``now > visible_at``, ``now < delayed_until``) against one clock reading per call: the same
answers, up to the microseconds between two reads of the clock.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.core.utils import unix_time_millis
from moto.sqs.models import Queue

_ORIGINAL = {
    name: getattr(Queue, name)
    for name in (
        "messages",
        "approximate_number_of_messages",
        "approximate_number_of_messages_delayed",
        "approximate_number_of_messages_not_visible",
    )
}
_lock = threading.Lock()


def _messages(queue: Queue) -> list[Any]:
    now = unix_time_millis()
    return [m for m in queue._messages if now > m.visible_at and not now < m.delayed_until]


def _delayed(queue: Queue) -> int:
    now = unix_time_millis()
    return sum(1 for m in queue._messages if now < m.delayed_until)


def _not_visible(queue: Queue) -> int:
    now = unix_time_millis()
    return sum(1 for m in queue._messages if not now > m.visible_at)


_PATCHED = {
    "messages": property(_messages),
    "approximate_number_of_messages": property(lambda queue: len(_messages(queue))),
    "approximate_number_of_messages_delayed": property(_delayed),
    "approximate_number_of_messages_not_visible": property(_not_visible),
}


def install() -> None:
    """One clock reading per count in this process (idempotent)."""
    with _lock:
        for name, value in _PATCHED.items():
            setattr(Queue, name, value)


def uninstall() -> None:
    """moto's own counts again (the tests compare both)."""
    with _lock:
        for name, value in _ORIGINAL.items():
            setattr(Queue, name, value)
