"""moto's server mode on a free loopback port, in this process."""

from __future__ import annotations

from moto.server import ThreadedMotoServer


class MotoServer:
    """Starts ``ThreadedMotoServer`` on 127.0.0.1; ``endpoint_url`` is valid after :meth:`start`."""

    def __init__(self, port: int = 0) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.endpoint_url = ""

    def start(self) -> str:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        return self.endpoint_url

    def stop(self) -> None:
        self._server.stop()
