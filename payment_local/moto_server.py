"""moto's server mode on a free loopback port, in this process, without moto's per-request backend search.

``ThreadedMotoServer``'s dispatcher finds the backend of every request under one global lock by listing moto's
package directory (``backends.list_of_moto_modules``, an ``os.listdir`` and an ``isdir`` per entry) and matching
the URL patterns again; in the emulator's profile (docs/emulator-profile.md) that was a tenth of the samples.
This server is the same moto application (``DomainDispatcherApplication``, ``MotoRequestHandler``: same
backends, same responses) with the host-to-backend lookup remembered per host, a pure function of the host once
moto is imported. (werkzeug's server closes every connection, ``Connection: close``: keep-alive is not on offer.)
"""

from __future__ import annotations

import threading
from functools import cache

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler
from werkzeug.serving import BaseWSGIServer, make_server

from payment_local.stop_signal import SERVER_POLL_SECONDS


@cache
def local_session(region: str) -> boto3.session.Session:
    """The emulator's own boto3 session for ``region`` (moto accepts any credentials), one per region and process:
    each new session parses botocore's endpoint files again."""
    return boto3.session.Session(
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 # nosec B106 - moto accepts any credentials
        region_name=region,
    )


class _Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher with the backend of each host looked up once."""

    def __init__(self) -> None:
        super().__init__(create_backend_app)
        self.get_backend_for_host = cache(super().get_backend_for_host)  # type: ignore[method-assign]


def moto_application() -> DomainDispatcherApplication:
    """The moto WSGI application (every service, every region); several listeners may serve one."""
    return _Dispatcher()


class ExternalMoto:
    """A moto server another process runs (``--aws-endpoint-url``): same interface as :class:`MotoServer`."""

    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")

    application = None
    """Another process's: not callable from here (its requests go over the network)."""

    def start(self) -> str:
        return self.endpoint_url

    def stop(self) -> None:
        """Nothing to stop: the process that started the server stops it."""


class MotoServer:
    """Serves moto on 127.0.0.1 from a daemon thread; ``endpoint_url`` is valid after :meth:`start`."""

    def __init__(self, port: int = 0) -> None:
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.endpoint_url = ""
        self.application = moto_application()
        """The WSGI application the server serves (the in-process transport calls it directly)."""

    def start(self) -> str:
        self._server = make_server(
            "127.0.0.1", self._port, self.application, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(SERVER_POLL_SECONDS,), name="moto", daemon=True
        )
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
