"""The pollers' pause: the poll interval while the emulator is busy, until the next call once it is quiet."""

from __future__ import annotations

import threading
from typing import Any

from payment_local.activity import Activity, watch


def _pausing(activity: Activity, stop: threading.Event, interval: float = 0.01) -> threading.Thread:
    thread = threading.Thread(target=activity.pause, args=(stop, interval), daemon=True)
    thread.start()
    return thread


def test_a_busy_emulators_pollers_pause_only_their_interval() -> None:
    activity = Activity(quiet_seconds=60, idle_seconds=60)
    thread = _pausing(activity, threading.Event())
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_a_quiet_emulators_pollers_wait_for_the_next_call() -> None:
    activity, stop = Activity(quiet_seconds=0, idle_seconds=60), threading.Event()
    thread = _pausing(activity, stop)
    thread.join(timeout=0.5)
    assert thread.is_alive()  # quiet: waiting beyond its 10 ms interval
    activity.touch()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_pause_says_whether_the_poller_was_stopped() -> None:
    activity, stop = Activity(quiet_seconds=0, idle_seconds=60), threading.Event()
    results: list[bool] = []
    thread = threading.Thread(target=lambda: results.append(activity.pause(stop, 0.01)), daemon=True)
    thread.start()
    thread.join(timeout=0.3)
    stop.set()
    activity.touch()
    thread.join(timeout=5)
    assert results == [True]
    assert Activity(quiet_seconds=60).pause(threading.Event(), 0.01) is False


def test_without_a_view_of_the_calls_the_pollers_keep_their_interval() -> None:
    thread = _pausing(Activity(enabled=False, quiet_seconds=0, idle_seconds=60), threading.Event())
    thread.join(timeout=5)
    assert not thread.is_alive()


def _touches(activity: Activity, environ: dict[str, Any]) -> bool:
    seen = activity._touches
    application = watch(lambda environ, start_response: [b"{}"], activity)
    assert application({"REQUEST_METHOD": "POST", **environ}, lambda *args: None) == [b"{}"]
    return activity._touches != seen


def test_every_call_but_a_read_is_activity() -> None:
    activity = Activity()
    assert _touches(activity, {"HTTP_X_AMZ_TARGET": "AmazonSQS.SendMessage"})
    assert _touches(activity, {"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.PutItem"})
    assert _touches(activity, {"REQUEST_METHOD": "PUT", "PATH_INFO": "/imports/a.csv"})  # S3 PutObject
    assert not _touches(activity, {"HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage"})
    assert not _touches(activity, {"HTTP_X_AMZ_TARGET": "DynamoDBStreams_20120810.GetRecords"})
    assert not _touches(activity, {"REQUEST_METHOD": "GET", "PATH_INFO": "/v1/pipes/feed"})  # DescribePipe
