"""Serve the web site under gunicorn, from inside the ``medfeed`` command.

Only wiring: the site itself is ``web.create_app``. The app is built in each
worker after the fork (no preload), so every worker has its own database pool.
Gunicorn answers some requests itself, before the app sees them (a request
line too long: 414; bad headers: 400): ``SiteWorker`` gives those answers the
site's security headers too.
"""

from __future__ import annotations

import errno
import os
import socket
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.sync import SyncWorker

from .config import Settings
from .errors import PortInUse
from .logs import COMMON_LOG_FORMAT
from .metrics import metrics_directory, worker_exited
from .store import Store


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, 8)


class SiteApplication(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from web import create_app

        return create_app(settings=self.settings, watch=True)


class _SecuredSocket:
    """A client socket that adds headers to the one error response gunicorn writes on it."""

    def __init__(self, sock: Any, headers: dict[str, str]) -> None:
        self._sock = sock
        self._extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode("latin-1")

    def sendall(self, data: bytes) -> None:
        if self._extra and data.startswith(b"HTTP/"):
            status_line, crlf, rest = data.partition(b"\r\n")
            data = status_line + crlf + self._extra + rest
            self._extra = b""
        self._sock.sendall(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class SiteWorker(SyncWorker):
    """Gunicorn's sync worker, whose own error pages carry the site's security headers."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        from web.http import SECURITY_HEADERS

        super().handle_error(req, _SecuredSocket(client, SECURITY_HEADERS), addr, exc)


def gunicorn_options(
    host: str, port: int, workers: int | None, *, access_log: bool = False
) -> dict[str, Any]:
    """Gunicorn's settings; the access log (common format, stdout) only when asked for.
    No control socket (``gunicornc``): it would be shared by every instance of a user."""
    return {
        "bind": address(host, port),
        "workers": workers or default_workers(),
        "worker_class": "aggregator.serve.SiteWorker",
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-" if access_log else None,
        "access_log_format": COMMON_LOG_FORMAT,
        "errorlog": "-",
        "logger_class": "aggregator.gunicorn_logger.GunicornLogger",
        "proc_name": "medfeed-web",
        "child_exit": _worker_exited,
        # gunicorn's control socket sits at one path per user ($HOME/.gunicorn): a second
        # medfeed would take the first one's; the service is run by signals, not gunicornc
        "control_socket_disable": True,
    }


def bare_host(host: str) -> str:
    """``--host`` as an address: "[::1]" (as in a URL) is "::1"."""
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def address(host: str, port: int) -> str:
    """host:port, an IPv6 address in brackets ("[::1]:8000"), as gunicorn and URLs want it."""
    host = bare_host(host)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def ensure_port_free(host: str, port: int) -> None:
    """Fail at once, naming the port, when another process listens on it.

    Gunicorn would otherwise announce the site, retry for five seconds and exit
    with a message that does not say what to do. Binds the way gunicorn does
    (SO_REUSEADDR), so a port left in TIME_WAIT by a stopped medfeed is free.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        fix = "give --host an address of this machine (127.0.0.1, 0.0.0.0, ::1 or ::)"
        raise PortInUse(
            host, port, f"cannot be used: unknown host ({exc.strerror})", fix=fix
        ) from exc
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(host, port, "is already in use by another process") from exc
            raise PortInUse(host, port, f"cannot be used ({exc.strerror})") from exc


def serve(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int | None = None,
    access_log: bool = False,
) -> int:
    """Run gunicorn; its workers share one metrics directory (``metrics_directory``)."""
    host = bare_host(host)
    ensure_port_free(host, port)
    Store(settings.database).close()  # a database it cannot open fails here, in one line
    options = gunicorn_options(host, port, workers, access_log=access_log)
    with metrics_directory():
        SiteApplication(settings, options).run()
    return 0


def _worker_exited(_server: Any, worker: Any) -> None:
    worker_exited(worker.pid)
