"""A real HTTP server on 127.0.0.1 for tests: routes to plain functions, records every request.

Tests assert on what the server actually received (conditional-GET headers,
User-Agent, whether a request was made at all), and handlers can do what a mock
cannot: sleep, stream a body lazily, drop the connection.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import pytest

Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names


class LocalServer:
    """``with LocalServer() as server: server.route("/feed", handler); server.url("/feed")``."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _handler_class(self))
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        # Set when the server closes: a handler that must not answer within any fetch
        # timeout waits on it, rather than sleeping a time a busy machine may outlast.
        self.closing = threading.Event()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def route(self, path: str, handler: Route) -> None:
        self.routes[path] = handler

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up mid-body is what several tests are about; don't print it."""


def _handler_class(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:  # routes read the body, if they want it
            self._serve("POST")

        def _serve(self, method: str) -> None:
            headers = {name.lower(): value for name, value in self.headers.items()}
            server.record(Request(method, self.path, headers))
            route = server.routes.get(urlsplit(self.path).path)
            if route is None:
                send(self, 404, b"not found")
                return
            try:
                route(self)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: pytest shows failures, not access logs."""

    return Handler


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> None:
    """Answer with ``status``, ``headers`` and ``body`` (Content-Length added unless given)."""
    handler.send_response(status)
    headers = dict(headers or {})
    if status != 304:
        headers.setdefault("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    if body:
        handler.wfile.write(body)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rebinding(monkeypatch: pytest.MonkeyPatch, *names: str) -> list[str]:
    """Make ``names`` (one host, however spelled) answer 127.0.0.1 to the first lookup and
    nothing to the later ones (DNS rebinding, for the address guard's pinning); the
    names looked up, in order."""
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[str] = []

    def lookup(host: str | bytes, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host  # anyio passes bytes
        if name not in names:
            return real_getaddrinfo(host, *args, **kwargs)
        lookups.append(name)
        if len(lookups) > 1:
            raise socket.gaierror(socket.EAI_NONAME, "rebound away")
        return real_getaddrinfo("127.0.0.1", *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    return lookups
