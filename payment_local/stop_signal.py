"""SIGTERM (and SIGINT) stop a long-running emulator process whichever of its threads the kernel delivers them to.

A signal sent to a process goes to any one of its threads. CPython runs the Python handler in the main thread,
but only once that thread runs again: when the kernel picked another thread (the emulator has a dozen), a main
thread blocked in a plain ``Event.wait()`` is never woken and the process ignores the signal. Seen: a two-region
host that outlived its test's teardown by 40 minutes. Waiting in slices of ``POLL_SECONDS`` lets the main thread
run the handler soon after the signal, wherever it landed.
"""

from __future__ import annotations

import signal
import threading

POLL_SECONDS = 0.2
SERVER_POLL_SECONDS = 0.1
"""How often a server's ``serve_forever`` loop looks for a ``shutdown()`` (socketserver's default, 0.5 s, made
each of the emulator's three servers add up to half a second to every stop)."""


def stop_event(*signals: signal.Signals) -> threading.Event:
    """An event that ``signals`` (default SIGTERM) set; wait for it with :func:`wait`."""
    stop = threading.Event()
    for number in signals or (signal.SIGTERM,):
        signal.signal(number, lambda *_: stop.set())
    return stop


def wait(stop: threading.Event) -> None:
    """Return once ``stop`` is set, waking every ``POLL_SECONDS`` so that a pending signal handler runs."""
    while not stop.wait(POLL_SECONDS):
        pass
