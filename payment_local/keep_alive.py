"""HTTP/1.1 keep-alive for the emulator's werkzeug servers, as API Gateway and AWS endpoints keep connections.

werkzeug's development server answers HTTP/1.0 by default: every request of a client (the tests, the load
benchmark, botocore in the handlers) then pays a TCP connect and close. With ``protocol_version = "HTTP/1.1"``
werkzeug keeps the connection and frames every body with ``Content-Length`` or chunked encoding. On a kept
connection Nagle's algorithm would hold the body behind the headers until the client's delayed ACK (~40 ms
per response): ``TCP_NODELAY`` on, as servers that keep connections do.
"""

from __future__ import annotations

from werkzeug.serving import WSGIRequestHandler


class KeepAliveRequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
