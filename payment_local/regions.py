"""Several AWS regions for the emulator: one moto backend, one loopback endpoint per region, and region outages.

moto keeps each region's resources apart (the region comes from the request's signature), so one moto application
serves every region. What a region outage takes away is the way in: each region gets its own listener on
127.0.0.1, standing for that region's service endpoints, and :meth:`Regions.fail` closes it, so every call into the
region is refused at connect time, as from a network that no longer reaches it. :meth:`Regions.restore` listens
again on the same port. Code running inside the moto process (replication, :mod:`payment_local.replication`) asks
:meth:`Regions.is_down` instead. A listener does not check the signing region of what it serves (moto does not);
each emulated stack is pointed only at its own region's listener.

Step Functions is not moto's in the emulator (:mod:`payment_local.stepfunctions` runs in each stack's emulator):
:meth:`Regions.route` sends a region's Step Functions calls (``X-Amz-Target: AWSStepFunctions.*``) on to its
emulator, so one endpoint per region serves every service an operator tool calls, as on AWS.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

import requests
from moto.server import MotoRequestHandler
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request

from payment_local import moto_fidelity
from payment_local.moto_server import moto_application
from payment_local.stop_signal import SERVER_POLL_SECONDS

HOST = "127.0.0.1"


class RegionError(ValueError):
    """A region the emulator does not run."""


class _RegionApp:
    """moto, with the requests whose ``X-Amz-Target`` starts with a routed prefix forwarded elsewhere."""

    def __init__(self, moto: Any) -> None:
        self._moto = moto
        self.routes: dict[str, str] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        for prefix, url in self.routes.items():
            if target.startswith(prefix):
                return _forward(url, environ, start_response)
        return self._moto(environ, start_response)


_HOP_BY_HOP = {"host", "content-length", "transfer-encoding", "connection", "content-encoding", "keep-alive"}


def _forward(url: str, environ: dict[str, Any], start_response: Any) -> Any:
    request = Request(environ)
    headers = {name: value for name, value in request.headers.items() if name.lower() not in _HOP_BY_HOP}
    answer = requests.request(
        request.method,
        url.rstrip("/") + request.full_path.rstrip("?"),
        headers=headers,
        data=request.get_data(),
        timeout=60,
    )
    start_response(
        f"{answer.status_code} {answer.reason}",
        [(name, value) for name, value in answer.headers.items() if name.lower() not in _HOP_BY_HOP],
    )
    return [answer.content]


class _Listener:
    def __init__(self, app: object, port: int = 0) -> None:
        self._app, self.port = app, port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def open(self) -> None:
        self._server = make_server(HOST, self.port, self._app, threaded=True, request_handler=MotoRequestHandler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(SERVER_POLL_SECONDS,), name=f"aws-{self.port}", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


class Regions:
    """The regions' endpoints; ``endpoints`` (region -> URL) is valid after :meth:`start`."""

    def __init__(self, regions: Iterable[str]) -> None:
        self.names = tuple(dict.fromkeys(regions))
        if not self.names:
            raise RegionError("at least one region is needed")
        moto = moto_application()
        self._apps = {region: _RegionApp(moto) for region in self.names}
        self._listeners = {region: _Listener(self._apps[region]) for region in self.names}
        self._down: set[str] = set()
        self._lock = threading.Lock()

    def start(self) -> dict[str, str]:
        moto_fidelity.install()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per AWS call
        for listener in self._listeners.values():
            listener.open()
        return self.endpoints

    @property
    def endpoints(self) -> dict[str, str]:
        return {region: f"http://{HOST}:{listener.port}" for region, listener in self._listeners.items()}

    def _listener(self, region: str) -> _Listener:
        if region not in self._listeners:
            raise RegionError(f"region {region!r} is not emulated (emulated: {', '.join(self.names)})")
        return self._listeners[region]

    def route(self, region: str, target_prefix: str, url: str) -> None:
        """Forward ``region``'s calls whose ``X-Amz-Target`` starts with ``target_prefix`` to ``url``."""
        self._listener(region)
        self._apps[region].routes[target_prefix] = url

    def fail(self, region: str) -> None:
        """The region becomes unreachable: its endpoint refuses connections, replication into and out of it stops."""
        listener = self._listener(region)
        with self._lock:
            if region in self._down:
                return
            self._down.add(region)
        listener.close()

    def restore(self, region: str) -> None:
        """The region is back: its endpoint listens on the same port again."""
        listener = self._listener(region)
        with self._lock:
            if region not in self._down:
                return
            listener.open()
            self._down.discard(region)

    def is_down(self, region: str) -> bool:
        with self._lock:
            return region in self._down

    def stop(self) -> None:
        for listener in self._listeners.values():
            listener.close()
