"""Serve the web site under gunicorn, from inside the ``medfeed`` command.

Only wiring: the site itself is ``web.create_app``. The app is built in each
worker after the fork (no preload), so every worker has its own database pool.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication

from .config import Settings
from .metrics import metrics_directory, worker_exited


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


def gunicorn_options(host: str, port: int, workers: int | None) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(),
        "worker_class": "sync",
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "proc_name": "medfeed-web",
        "child_exit": _worker_exited,
    }


def serve(settings: Settings, *, host: str, port: int, workers: int | None = None) -> int:
    """Run gunicorn; its workers share one metrics directory (``metrics_directory``)."""
    with metrics_directory():
        SiteApplication(settings, gunicorn_options(host, port, workers)).run()
    return 0


def _worker_exited(_server: Any, worker: Any) -> None:
    worker_exited(worker.pid)
