"""Serve the web site under gunicorn, from inside the ``medfeed`` command.

Only wiring: the site itself is ``web.create_app``. The app is built in each
worker after the fork (no preload), so every worker has its own database pool.
"""

from __future__ import annotations

import errno
import os
import socket
from typing import Any

from gunicorn.app.base import BaseApplication

from .config import Settings
from .errors import PortInUse
from .logs import COMMON_LOG_FORMAT


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


def gunicorn_options(
    host: str, port: int, workers: int | None, *, access_log: bool = False
) -> dict[str, Any]:
    """Gunicorn's settings; the access log (common format, stdout) only when asked for."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(),
        "worker_class": "sync",
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-" if access_log else None,
        "access_log_format": COMMON_LOG_FORMAT,
        "errorlog": "-",
        "logger_class": "aggregator.logs.GunicornLogger",
        "proc_name": "medfeed-web",
    }


def ensure_port_free(host: str, port: int) -> None:
    """Fail at once, naming the port, when another process listens on it.

    Gunicorn would otherwise announce the site, retry for five seconds and exit
    with a message that does not say what to do. Binds the way gunicorn does
    (SO_REUSEADDR), so a port left in TIME_WAIT by a stopped medfeed is free.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise PortInUse(host, port, f"cannot resolve the host ({exc.strerror})") from exc
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
    ensure_port_free(host, port)
    options = gunicorn_options(host, port, workers, access_log=access_log)
    SiteApplication(settings, options).run()
    return 0
