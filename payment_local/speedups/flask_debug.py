"""Flask's debug-mode files helper builds its class once per files class, not once per request.

moto runs its Flask applications in debug mode (``backend_app.debug = True``, which also makes Flask let
exceptions through to the server). In debug mode Flask replaces ``request.files``'s class on every request that
reads its body, with a class made on the spot (``attach_enctype_error_multidict``) so that a missing file which
is a form field raises ``DebugFilesKeyError``; making a class per request (``Generic.__init_subclass__``) was 6%
of the emulator's samples in the create phase (docs/emulator-profile.md). ``install`` makes that class once per
files class and keeps the request on the files object: the same class name, the same errors.
"""

from __future__ import annotations

import threading
from typing import Any

import flask.debughelpers
from flask.debughelpers import DebugFilesKeyError

_original_attach = flask.debughelpers.attach_enctype_error_multidict
_REQUEST = "_payment_local_request"
_classes: dict[type, type] = {}
_lock = threading.Lock()


def _debug_class(files_class: type) -> type:
    found = _classes.get(files_class)
    if found is not None:
        return found

    class DebugFiles(files_class):  # type: ignore[valid-type, misc]
        def __getitem__(self, key: str) -> Any:
            try:
                return super().__getitem__(key)
            except KeyError as e:
                request = self.__dict__.get(_REQUEST)
                if request is None or key not in request.form:
                    raise
                raise DebugFilesKeyError(request, key).with_traceback(e.__traceback__) from None

    DebugFiles.__name__ = files_class.__name__
    DebugFiles.__qualname__ = files_class.__qualname__
    DebugFiles.__module__ = files_class.__module__
    return _classes.setdefault(files_class, DebugFiles)


def _attach(request: Any) -> None:
    files = request.files
    files.__class__ = _debug_class(files.__class__)
    files.__dict__[_REQUEST] = request


def install() -> None:
    """One debug files class per files class in this process (idempotent)."""
    with _lock:
        flask.debughelpers.attach_enctype_error_multidict = _attach


def uninstall() -> None:
    """Flask's own helper again (the tests compare both)."""
    with _lock:
        flask.debughelpers.attach_enctype_error_multidict = _original_attach
