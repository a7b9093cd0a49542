"""botocore's requests to a server of this process go to its WSGI application directly, not over TCP.

The handlers' clients talk to moto's server and to the Step Functions server, both served by the emulator's own
process on loopback ports. Over TCP each call cost a connection (werkzeug's server closes every one), a server
thread, HTTP parsing on both sides and a 10 ms drain wait on the server: a third of the emulator's samples
(docs/emulator-profile.md). :func:`serve` registers a server's application under its endpoint; botocore's
``URLLib3Session.send`` then hands a request for that ``host:port`` to the application as the server would (the
same WSGI environ werkzeug builds, moto's preserved ``x-amz-meta-*`` header names, a fresh context as a new server
thread has) and gives botocore the same ``AWSResponse`` it would have read from the socket.

Everything above the transport runs unchanged: the fault hooks (``before-send``, :mod:`payment_local.faults`) and
their lost responses, IAM enforcement (``_make_api_call``, :mod:`payment_local.iam`), retries, signing. Requests to
any other endpoint (``--aws-endpoint-url``, another process's moto) still go over the network.
"""

from __future__ import annotations

import contextvars
import io
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.httpsession import URLLib3Session
from moto.moto_server.werkzeug_app import (
    PRESERVED_HEADER_NAMES_ENVIRON_KEY,
    environ_key_for_header,
    should_preserve_original_header_name,
)
from urllib3._collections import HTTPHeaderDict

WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Any]
log = logging.getLogger("payment_local")
_original_send = URLLib3Session.send
_applications: dict[str, WSGIApplication] = {}
_lock = threading.Lock()


class _Body(io.BytesIO):
    """A response body botocore can read whole (``stream``) or as a streaming body (``read``)."""

    def stream(self, amt: int = 2**16, decode_content: bool | None = None) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk


def serve(endpoint_url: str, application: WSGIApplication) -> None:
    """Send this process's botocore requests for ``endpoint_url`` (``http://host:port``) to ``application``."""
    parts = urlsplit(endpoint_url)
    if parts.scheme != "http" or not parts.port:
        raise ValueError(f"an in-process endpoint is http://host:port, got {endpoint_url!r}")
    with _lock:
        _applications[parts.netloc] = application
        URLLib3Session.send = _send  # type: ignore[method-assign]


def withdraw(endpoint_url: str) -> None:
    """Requests for ``endpoint_url`` go over the network again."""
    with _lock:
        _applications.pop(urlsplit(endpoint_url).netloc, None)


def answers(url: str) -> bool:
    """Whether a request to ``url`` is answered in process."""
    return urlsplit(url).netloc in _applications


def _send(self: URLLib3Session, request: AWSPreparedRequest) -> AWSResponse:
    parts = urlsplit(request.url)
    application = _applications.get(parts.netloc)
    if application is None:
        return _original_send(self, request)
    return call(application, request)


def call(application: WSGIApplication, request: AWSPreparedRequest) -> AWSResponse:
    """``request`` answered by ``application``, as botocore would have read it from the application's server."""
    environ = _environ(request)
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        answer["status"], answer["headers"] = status, headers
        return answer.setdefault("written", []).append

    try:
        # A fresh context, as a server thread has: nothing of the caller's (its IAM identity) leaks in.
        body = contextvars.Context().run(_run, application, environ, start_response)
    except Exception:  # werkzeug's server answers an application that raises with a bare 500
        log.exception("in-process %s %s failed", request.method, request.url)
        answer = {"status": "500 INTERNAL SERVER ERROR", "headers": [("Content-Type", "text/plain")]}
        body = b"Internal Server Error"
    status = int(answer["status"].split(None, 1)[0])
    headers = HTTPHeaderDict()
    for name, value in answer["headers"]:
        headers.add(name, value)
    headers.setdefault("Server", "payment-local-in-process")
    headers.setdefault("Date", formatdate(usegmt=True))
    if request.method == "HEAD" or status in (204, 304):
        body = b""
    response = AWSResponse(request.url, status, headers, _Body(b"".join(answer.get("written", [])) + body))
    if not request.stream_output:
        response.content  # noqa: B018 - read now, as URLLib3Session.send does
    return response


def _run(application: WSGIApplication, environ: dict[str, Any], start_response: Callable[..., Any]) -> bytes:
    result = application(environ, start_response)
    try:
        return b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()


def _payload(request: AWSPreparedRequest) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return body.read()  # botocore rewinds it (reset_stream) before a retry
    return bytes(body)


def _environ(request: AWSPreparedRequest) -> dict[str, Any]:
    """The WSGI environ werkzeug's server (with moto's request handler) builds for this request."""
    parts = urlsplit(request.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    payload = _payload(request)
    environ: dict[str, Any] = {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(payload),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(parts.path).encode("utf-8").decode("latin-1"),
        "QUERY_STRING": parts.query.encode("utf-8").decode("latin-1"),
        "REQUEST_URI": target,
        "RAW_URI": target,
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": 0,
        "SERVER_NAME": parts.hostname or "127.0.0.1",
        "SERVER_PORT": str(parts.port),
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    headers = [(name, (raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)).replace("\r\n", ""))
               for name, raw in request.headers.items()]  # fmt: skip
    dashed = {environ_key_for_header(name) for name, _ in headers if "_" not in name}
    preserved: dict[str, str] = {}
    for name, value in headers:
        key = environ_key_for_header(name)
        if "_" in name:  # werkzeug drops these; moto's handler restores x-amz-meta-* unless a dashed one exists
            if should_preserve_original_header_name(name) and key not in dashed:
                preserved.setdefault(key, name)
                environ[key] = f"{environ[key]},{value}" if key in environ else value
            continue
        if key == "CONTENT_LENGTH":
            continue  # written below from the body itself, as http.client does
        environ[key] = f"{environ[key]},{value}" if key.startswith("HTTP_") and key in environ else value
    environ.setdefault("HTTP_HOST", parts.netloc)  # http.client's own headers, unless the request has them
    environ.setdefault("HTTP_ACCEPT_ENCODING", "identity")
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        environ["wsgi.input_terminated"] = True  # the server de-chunks; the application reads to the end
    elif payload or request.method in ("POST", "PUT", "PATCH"):
        environ["CONTENT_LENGTH"] = str(len(payload))
    environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = preserved
    return environ
