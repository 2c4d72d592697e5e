"""Gunicorn's error and access logs on medfeed's format (``aggregator.logs``).

Apart from ``logs`` so that only the processes that run gunicorn import it:
the ``medfeed`` command and its parse workers never do. It formats; it logs
nothing itself.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.glogging import Logger as _GunicornBase

from .logs import JSONFormatter, formatter, wants_json


class GunicornLogger(_GunicornBase):
    """Gunicorn's logger on medfeed's format: gunicorn sets the ``logger_class`` up in
    the master and in each worker, so the format holds after every fork."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(formatter())
        access = JSONFormatter() if wants_json() else logging.Formatter("%(message)s")
        for handler in self.access_log.handlers:
            handler.setFormatter(access)
