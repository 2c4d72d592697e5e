"""``/metrics`` (Prometheus text format) and ``/readyz`` (readiness), beside ``/healthz``.

``/metrics`` joins two sources: the refresh's counters (``aggregator.metrics``),
summed over every process that wrote to ``$PROMETHEUS_MULTIPROC_DIR`` (or this
process's own registry when there is none), and gauges read from the database at
scrape time (``Store.vitals``), which are right whichever process or machine
did the work. ``/healthz`` stays liveness (the database answers); ``/readyz``
also wants a refresh pass to have ended recently (``stale_after``), so a load
balancer or an orchestrator stops sending readers to a site whose feed has
silently stopped moving.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from flask import Blueprint, Response, jsonify
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from aggregator import metricfiles
from aggregator.config import Settings
from aggregator.errors import StorageError
from aggregator.metrics import MULTIPROC_ENV
from aggregator.store import Store

from .context import state
from .errors import database_trouble

blueprint = Blueprint("metrics", __name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@blueprint.get("/metrics")
def metrics() -> Response:
    medfeed = state()
    body = _counter_text() + generate_latest(_database_registry(medfeed.store))
    return Response(body, status=200, content_type=CONTENT_TYPE)


@blueprint.get("/readyz")
def readyz() -> tuple[Response, int]:
    medfeed = state()
    now = datetime.now(UTC)
    window = stale_after(medfeed.settings, now)
    try:
        vitals = medfeed.store.vitals()
    except StorageError as exc:
        return jsonify(status="unavailable", error=database_trouble(exc)), 503
    last_pass = vitals.last_pass_at
    answer: dict[str, object] = {
        "last_pass": last_pass.isoformat() if last_pass else None,
        "max_age_seconds": int(window.total_seconds()),
    }
    if last_pass is None:
        return jsonify(status="not ready", error="no refresh pass has ended yet", **answer), 503
    if now - last_pass > window and _overdue(vitals.next_due_at, now, medfeed.settings):
        return jsonify(
            status="not ready",
            error=f"the last refresh pass ended {int((now - last_pass).total_seconds())} s ago",
            **answer,
        ), 503
    return jsonify(status="ready", **answer), 200


def _overdue(next_due: datetime | None, now: datetime, settings: Settings) -> bool:
    """Whether some source has waited for a pass longer than a pass may take: a site whose
    sources were all told to wait (Cache-Control, Retry-After) owes no pass, however old
    the last one is."""
    return next_due is not None and now - next_due > settings.schedule.lease


def stale_after(settings: Settings, now: datetime) -> timedelta:
    """How old the last pass may be: two of the longest gaps between passes, plus a lease.

    Some source falls due at least once per the longest interval in force (or
    per cron period); a pass may then run up to a lease; twice that tolerates
    one missed pass without paging anyone.
    """
    intervals = [settings.interval_of(s) for s in settings.sources if s.enabled]
    longest = max(intervals, default=settings.schedule.default_interval)
    if settings.schedule.cron:
        longest = max(longest, _cron_gap(settings.schedule.cron, now))
    return 2 * longest + settings.schedule.lease


def _cron_gap(expression: str, now: datetime) -> timedelta:
    trigger = CronTrigger.from_crontab(expression, timezone=UTC)
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1)) if first else None
    return second - first if first and second else timedelta(0)


def _counter_text() -> bytes:
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        return generate_latest(REGISTRY)
    with metricfiles.reading(path):  # no fold halfway through: each count read once
        return generate_latest(_shared_counters(path))


def _shared_counters(path: str) -> CollectorRegistry:
    """Every process's counters in the shared directory."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    return registry


def _database_registry(store: Store) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(store))
    return registry


class DatabaseCollector(Collector):
    """Gauges of ``Store.vitals``, read at each scrape; ``medfeed_database_up`` 0 when
    the database does not answer (the counters are still served)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("medfeed_database_up", "1 when the database answered the scrape.")
        try:
            vitals = self.store.vitals()
        except StorageError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield _gauge("medfeed_items", "Items stored.", vitals.items)
        yield _gauge("medfeed_stories", "Stories (items shown once, near-duplicates joined).",
                     vitals.stories)  # fmt: skip
        if vitals.database_bytes is not None:
            yield _gauge("medfeed_database_size_bytes", "Size of the database on disk.",
                         vitals.database_bytes)  # fmt: skip
        if vitals.last_pass_at is not None:
            yield _gauge("medfeed_last_pass_timestamp_seconds",
                         "When the newest refresh pass ended (Unix time).",
                         vitals.last_pass_at.timestamp())  # fmt: skip
        enabled = [s for s in vitals.sources if s.enabled]
        yield _gauge("medfeed_sources_enabled", "Sources enabled in the config.", len(enabled))
        yield _gauge("medfeed_sources_backing_off",
                     "Enabled sources whose last fetch failed (in exponential backoff).",
                     sum(1 for s in enabled if s.backing_off))  # fmt: skip
        # A source its server said is gone drops out of the per-source series: counted here,
        # or no alert would ever name it, though it needs the admin.
        yield _gauge("medfeed_sources_stopped",
                     "Sources enabled in the config that are no longer fetched: their server "
                     "said they are gone (HTTP 410).",
                     sum(1 for s in vitals.sources if s.stopped))  # fmt: skip
        failures = GaugeMetricFamily(
            "medfeed_source_consecutive_failures",
            "Failed fetches in a row, per source (0 when the last one worked).",
            labels=["source"],
        )
        success = GaugeMetricFamily(
            "medfeed_source_last_success_timestamp_seconds",
            "When each source was last fetched without error (Unix time).",
            labels=["source"],
        )
        for source in enabled:
            failures.add_metric([source.id], source.consecutive_failures)
            if source.last_success_at is not None:
                success.add_metric([source.id], source.last_success_at.timestamp())
        yield failures
        yield success


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
