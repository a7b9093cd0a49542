"""When the emulator last did something, so that its pollers slow down while nothing happens.

The settlement poller, the pipes and the import trigger poll every 0.1-0.2 s, which kept an idle emulator at ~5%
of a core (each of the test suite's emulators, and a laptop's ``make local``). :class:`Activity` is touched by every
call to the emulator's moto server but reads (those polls, REST GETs), in process or over HTTP, from the
handlers, the pipes, the tests or a CLI (:func:`watch`). After ``quiet_seconds`` without one a poller waits up to
``idle_seconds`` between polls, and the next call wakes it at once: a write is seen as soon as before. What only
time makes due (a message whose visibility timeout runs out) after that long a quiet is seen within
``idle_seconds``.

An emulator on another process's moto server (``--aws-endpoint-url``) sees none of its calls: it keeps polling at
the full rate (``Activity(enabled=False)``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

QUIET_SECONDS = 5.0
"""Longer than the emulator's retry delays and the tests' visibility timeouts: they stay on the full poll rate."""
IDLE_SECONDS = 1.0
#: The pollers' own reads (``X-Amz-Target``) and REST reads (a pipe's state, which the pipe reads before each
#: poll): they find work, they are not work.
READS = frozenset({"GET", "HEAD"})
POLLS = frozenset(
    {
        "AmazonSQS.ReceiveMessage",
        "DynamoDBStreams_20120810.GetRecords",
        "DynamoDBStreams_20120810.DescribeStream",
        "DynamoDBStreams_20120810.GetShardIterator",
    }
)

WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Activity:
    def __init__(
        self, *, enabled: bool = True, quiet_seconds: float = QUIET_SECONDS, idle_seconds: float = IDLE_SECONDS
    ) -> None:
        self.enabled, self.quiet_seconds, self.idle_seconds = enabled, quiet_seconds, idle_seconds
        self._changed = threading.Condition()
        self._last = time.monotonic()
        self._touches = 0

    def touch(self) -> None:
        """Something happened: pollers waiting for work poll now."""
        with self._changed:
            self._last = time.monotonic()
            self._touches += 1
            self._changed.notify_all()

    def pause(self, stop: threading.Event, interval: float) -> bool:
        """A poller found nothing: wait ``interval``, and longer when quiet (until touched); True once stopped."""
        if stop.wait(interval):
            return True
        if not self.enabled:
            return False
        with self._changed:
            seen = self._touches
            quiet_for = time.monotonic() - self._last
            if quiet_for >= self.quiet_seconds:
                self._changed.wait_for(
                    lambda: self._touches != seen or stop.is_set(), timeout=self.idle_seconds - interval
                )
        return stop.is_set()


def watch(application: WSGIApplication, activity: Activity) -> WSGIApplication:
    """``application`` (moto's), touching ``activity`` on every request but reads: the pollers' and REST ones."""

    def watched(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in READS and environ.get("HTTP_X_AMZ_TARGET") not in POLLS:
            activity.touch()
        return application(environ, start_response)

    return watched
