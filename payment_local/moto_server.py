"""moto's server mode on a free loopback port, in this process, without two per-request costs of its stock server.

``ThreadedMotoServer`` speaks HTTP/1.0, so every AWS call of a handler opens and closes a TCP connection, and
its dispatcher finds the backend of every request under one global lock by listing moto's package directory
(``backends.list_of_moto_modules``) and matching every URL pattern again. This server is the same moto
application (``DomainDispatcherApplication``, ``MotoRequestHandler``: same backends, same responses) with
HTTP/1.1 keep-alive, as AWS endpoints and botocore's connection pool use, and the host-to-backend lookup
remembered per host (a pure function of the host: the list and the patterns are fixed once moto is imported).
Profile: docs/emulator-profile.md.
"""

from __future__ import annotations

import threading
from functools import cache

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler
from werkzeug.serving import BaseWSGIServer, make_server

from payment_local.keep_alive import KeepAliveRequestHandler


class _KeepAliveHandler(MotoRequestHandler):
    """moto's handler (it keeps S3 metadata header names) on HTTP/1.1 (payment_local.keep_alive)."""

    protocol_version = KeepAliveRequestHandler.protocol_version
    disable_nagle_algorithm = KeepAliveRequestHandler.disable_nagle_algorithm


class _Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher with the backend of each host looked up once."""

    def __init__(self) -> None:
        super().__init__(create_backend_app)
        self.get_backend_for_host = cache(super().get_backend_for_host)  # type: ignore[method-assign]


class MotoServer:
    """Serves moto on 127.0.0.1 from a daemon thread; ``endpoint_url`` is valid after :meth:`start`."""

    def __init__(self, port: int = 0) -> None:
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.endpoint_url = ""

    def start(self) -> str:
        self._server = make_server(
            "127.0.0.1", self._port, _Dispatcher(), threaded=True, request_handler=_KeepAliveHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()
        host, port = self._server.server_address[:2]
        self.endpoint_url = f"http://{host}:{port}"
        return self.endpoint_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
