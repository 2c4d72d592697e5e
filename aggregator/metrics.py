"""Prometheus counters of the refresh: passes, their duration, items, fetch errors.

The refresh records events here; the web site's ``/metrics`` (``web/metrics.py``)
exposes them together with gauges it reads from the database at scrape time
(sources in backoff, last success per source, database size, story count).
This module counts and nothing else: it never reads the database or renders.

Under ``medfeed run`` the refresh runs in one process and the site in gunicorn
workers, so the counters live in prometheus-client's multiprocess mode: every
process writes its samples to files in ``$PROMETHEUS_MULTIPROC_DIR`` and
``/metrics`` sums them. prometheus-client picks that mode when it is *imported*,
so it is imported here on first use, after ``medfeed run`` / ``serve`` have set
the directory up (``metrics_directory``), never at module import. A one-shot
``medfeed refresh`` with no such directory exits before anyone could scrape it:
it counts nothing (``only_if_shared``) and never imports the client; one that
shares the directory folds its files into the archive as it ends
(``aggregator.metricfiles``), so a cron job does not fill the folder. A folder
with no room for this process's files turns counting off, logged once: the
refresh goes on (prometheus-client would have died of SIGBUS writing to it).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from . import metricfiles
from .errors import (
    BlockedAddress,
    ConfigError,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    ParseError,
    ResponseTooLarge,
    StorageError,
)

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram

    from .records import SourceOutcome

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Refresh passes range from one 304 (milliseconds) to a full pass over hundreds of feeds.
PASS_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)


_discarding = False  # see only_if_shared
_files_in: str | None = None  # the folder this process's counters are written to, if any
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefreshCounters:
    passes: Counter
    pass_seconds: Histogram
    fetches: Counter
    items: Counter
    fetch_errors: Counter


@cache
def counters() -> RefreshCounters | None:
    """The process's counters, created on first use (see the module docstring); None when
    the metrics folder has no room for them."""
    global _files_in
    from prometheus_client import Counter, Histogram, values

    directory = os.environ.get(MULTIPROC_ENV)
    if directory and getattr(values.ValueClass, "_multiprocess", False):
        try:
            metricfiles.reserve(directory)
        except OSError as exc:
            log.warning("metrics off: %s has no room for this process's counters (%s); "
                        "the refresh goes on without them", directory, exc.strerror)  # fmt: skip
            return None
        _files_in = directory
    return RefreshCounters(
        passes=Counter("medfeed_refresh_passes", "Refresh passes completed."),
        pass_seconds=Histogram(
            "medfeed_refresh_pass_duration_seconds",
            "Wall time of a refresh pass.",
            buckets=PASS_BUCKETS,
        ),
        fetches=Counter(
            "medfeed_fetches",
            "Fetch attempts by source and outcome (ok, not-modified, failed).",
            ["source", "status"],
        ),
        items=Counter(
            "medfeed_items_stored",
            "Items stored by source and change (new, updated).",
            ["source", "change"],
        ),
        fetch_errors=Counter(
            "medfeed_fetch_errors",
            "Failed fetches by source and kind of failure.",
            ["source", "kind"],
        ),
    )


def error_kind(exc: BaseException) -> str:
    """The ``kind`` label of a failed fetch: one word per class of ``aggregator.errors``."""
    for cls, kind in _ERROR_KINDS:
        if isinstance(exc, cls):
            return kind
    return "internal"


_ERROR_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (FetchTimeout, "timeout"),
    (HTTPStatusError, "http"),
    (ResponseTooLarge, "too_large"),
    (BlockedAddress, "blocked"),
    (FetchError, "network"),
    (ParseError, "parse"),
    (StorageError, "storage"),
)


@contextmanager
def only_if_shared() -> Iterator[None]:
    """In a process that serves no ``/metrics``: count only into a multiprocess directory.

    Without ``$PROMETHEUS_MULTIPROC_DIR`` the counters would live in this
    process's memory and vanish with it; importing prometheus-client and
    counting 100 fetches costs ~35 ms, a tenth of a pass of 304s.
    """
    global _discarding
    before, _discarding = _discarding, not os.environ.get(MULTIPROC_ENV)
    try:
        yield
    finally:
        if not _discarding:
            retire()
        _discarding = before


def retire() -> None:
    """As a process that counted into a shared folder ends: fold its files into the archive
    (``metricfiles.fold``), so that they do not pile up, and count no more."""
    global _discarding, _files_in
    directory, _files_in = _files_in, None
    if directory is None:
        return  # this process wrote no files
    _discarding = True  # a count after the fold would go to a removed file
    try:
        metricfiles.fold(directory)
    except OSError as exc:
        log.warning("metrics: could not fold this process's counters into %s (%s); "
                    "its files stay, still summed", directory, exc.strerror)  # fmt: skip


def record_outcome(outcome: SourceOutcome, error: BaseException | None = None) -> None:
    """Count one source's fetch: its status, the items it stored, its failure kind."""
    metrics = None if _discarding else counters()
    if metrics is None:
        return
    metrics.fetches.labels(outcome.source_id, outcome.status).inc()
    if outcome.new:
        metrics.items.labels(outcome.source_id, "new").inc(outcome.new)
    if outcome.updated:
        metrics.items.labels(outcome.source_id, "updated").inc(outcome.updated)
    if error is not None:
        metrics.fetch_errors.labels(outcome.source_id, error_kind(error)).inc()


def record_pass(seconds: float) -> None:
    metrics = None if _discarding else counters()
    if metrics is None:
        return
    metrics.passes.inc()
    metrics.pass_seconds.observe(seconds)


@contextmanager
def metrics_directory() -> Iterator[str]:
    """``$PROMETHEUS_MULTIPROC_DIR`` for this process and its children.

    An admin's directory is used as it is (wipe it between runs, e.g. systemd's
    ``RuntimeDirectory=``), as is one a parent ``medfeed run`` set up for its
    ``serve`` child; otherwise a fresh one is made and removed at exit, so
    counters start from zero with each run, as Prometheus expects of a restart.
    """
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        try:
            os.makedirs(given, exist_ok=True)
            if not os.access(given, os.W_OK | os.X_OK):
                raise PermissionError(13, "not writable by this user")
        except OSError as exc:
            raise ConfigError(
                f"{MULTIPROC_ENV}={given} cannot hold the metrics ({exc.strerror}): "
                "name a folder this user may write, or unset it"
            ) from exc
        try:
            yield given
        finally:
            retire()
        return
    path = tempfile.mkdtemp(prefix="medfeed-metrics-")
    os.environ[MULTIPROC_ENV] = path
    try:
        yield path
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(path, ignore_errors=True)


def worker_exited(pid: int) -> None:
    """Gunicorn's ``child_exit`` hook: drop the live gauges of a worker that is gone."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
