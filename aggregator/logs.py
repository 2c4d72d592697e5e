"""How medfeed's processes log: one line format, one timestamp format, or JSON lines.

Every process (the ``medfeed`` command, the scheduler of ``medfeed run`` and
its gunicorn web child) writes to stderr through ``configure``: text lines
``2026-11-30T06:00:02.123Z INFO aggregator.schedule: …`` (UTC, ISO 8601), or one
JSON object per line when ``MEDFEED_LOG_FORMAT=json``. Gunicorn's own error log
is put on the same format by ``gunicorn_logger.GunicornLogger`` (a module of
its own: only the web imports gunicorn); its access log, off unless
asked for, is the common log format (one line per request, no user agent),
a JSON line in JSON mode. It configures logging; it logs nothing itself.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any

LOG_FORMAT_ENV = "MEDFEED_LOG_FORMAT"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
COMMON_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s'


class UTCFormatter(logging.Formatter):
    """``2026-11-30T06:00:02.123Z``: one timestamp format for every line of every process."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"


class JSONFormatter(UTCFormatter):
    """One JSON object per line: time, level, logger, message (and the traceback, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def wants_json() -> bool:
    return os.environ.get(LOG_FORMAT_ENV, "").strip().lower() == "json"


def formatter() -> logging.Formatter:
    return JSONFormatter() if wants_json() else UTCFormatter(TEXT_FORMAT)


def configure(*, verbose: bool = False) -> None:
    """Send every logger's records to stderr in medfeed's format (replacing earlier setup)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # Migrations log every step at INFO, httpx every request: the admin wants to hear
    # of trouble (a refresh pass logs its own one-line summary).
    for noisy in ("alembic", "httpx"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
