"""Per-invocation state of Powertools, made per thread: one thread of the emulator is one Lambda container.

Lambda runs one invocation at a time in a container, and each concurrent invocation in a container of its own.
Powertools relies on that: the event handler keeps the current event and Lambda context on its base class
(``BaseRouter.current_event``) and the resolved route in ``resolver.context``; Metrics keeps the metrics being
collected in class-level dicts. The emulator serves a function's concurrent invocations on threads of one
process (so that IAM enforcement and fault injection see every call), which would let one request read
another's event or route. ``install()`` makes exactly that state thread-local; nothing else changes. Call it
before the handlers are imported; it is idempotent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, MutableMapping
from typing import Any

_local = threading.local()
_installed = False
_lock = threading.Lock()


def _slots() -> dict[Any, Any]:
    slots = getattr(_local, "slots", None)
    if slots is None:
        slots = _local.slots = {}
    return slots


class ThreadLocalDict(MutableMapping):
    """A dict whose contents belong to the calling thread (each thread starts empty)."""

    def _data(self) -> dict[Any, Any]:
        return _slots().setdefault(("dict", id(self)), {})

    def __getitem__(self, key: Any) -> Any:
        return self._data()[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._data()[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._data()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._data()))

    def __len__(self) -> int:
        return len(self._data())

    def __repr__(self) -> str:
        return f"ThreadLocalDict({self._data()!r})"

    def copy(self) -> dict[Any, Any]:
        return dict(self._data())


def _per_thread_attribute(name: str, default: Any = None) -> property:
    """An instance attribute stored per thread (``default()`` builds a thread's first value, if given)."""

    def get(instance: Any) -> Any:
        slots = _slots()
        key = (name, id(instance))
        if key not in slots:
            if default is None:
                raise AttributeError(name)
            slots[key] = default()
        return slots[key]

    def set_(instance: Any, value: Any) -> None:
        _slots()[(name, id(instance))] = value

    return property(get, set_)


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
        from aws_lambda_powertools.metrics.metrics import Metrics

        # BaseRouter.current_event / .lambda_context are assigned and read on the class, and read through
        # ``self``: a property in the class (instance access) and one in a metaclass (class access), both per thread.
        # The class dict is written before the metaclass exists, whose data descriptors would catch the writes.
        names = ("current_event", "lambda_context")
        for name in names:
            setattr(BaseRouter, name, _class_backed(name))
        # The resolved route and its arguments (resolver.context), per resolver and thread.
        BaseRouter.context = _per_thread_attribute("router.context", dict)
        BaseRouter.__class__ = type(
            "PerThreadRouterMeta", (type(BaseRouter),), {name: _class_backed(name) for name in names}
        )
        Metrics._metrics = ThreadLocalDict()
        Metrics._dimensions = ThreadLocalDict()
        Metrics._metadata = ThreadLocalDict()
        _installed = True


def _class_backed(name: str) -> property:
    """``BaseRouter.<name>`` of this thread, whether reached through the class or an instance."""
    key = (f"router.{name}", "class")
    return property(lambda self: _slots().get(key), lambda self, value: _slots().__setitem__(key, value))
