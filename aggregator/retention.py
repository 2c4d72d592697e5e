"""Retention: after a refresh pass, decide what may be purged and have the store purge it.

    plan   = items published before now - days            (every pass: one indexed query)
           + each source's items beyond its newest per_source
               for the sources that got new items in this pass,
               or for every source on the day's first pass and after a settings change
    store.purge(plan)                                      # batches; guids remembered;
                                                           # a budget per pass, the next goes on

Featured, pinned and upcoming events are never purged (the store enforces it),
and a purged item's guid is remembered so that its feed cannot bring it back.
This module decides *what to look at*; it does not fetch, parse or delete.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from .config import RetentionSettings, Settings
from .errors import MedfeedError
from .records import SourceOutcome
from .store import Store
from .store.retention import PurgePlan, PurgeResult

log = logging.getLogger(__name__)

SWEEP = "retention_sweep"  # meta key: the settings and day of the last sweep over every source
# A pass purges at most this many batches (10,000 items, seconds): the first pass after
# retention is enabled on a large database must not hold up refreshing; the next goes on.
MAX_BATCHES_PER_PASS = 25


def sweep_mark(retention: RetentionSettings, now: datetime) -> str:
    """Changes with the settings and once a day: when it differs, sweep every source."""
    return f"{retention.model_dump_json()}|{now:%Y-%m-%d}"


def plan(
    retention: RetentionSettings,
    outcomes: Sequence[SourceOutcome],
    now: datetime,
    *,
    sweep: bool,
) -> PurgePlan | None:
    """What this pass may purge; None when retention is off or there is nothing to look at.

    Only a source that stored new items can have gone past ``per_source``, so
    between sweeps only those are counted.
    """
    if not retention.enabled:
        return None
    grown = tuple(sorted({o.source_id for o in outcomes if o.new}))
    per_source = retention.per_source if (sweep or grown) else None
    older_than = now - timedelta(days=retention.days) if retention.days else None
    if older_than is None and per_source is None:
        return None
    return PurgePlan(
        now=now,
        older_than=older_than,
        per_source=per_source,
        source_ids=None if sweep else grown,
    )


def purge_after_pass(
    settings: Settings, store: Store, outcomes: Sequence[SourceOutcome], now: datetime
) -> PurgeResult:
    """Apply ``settings.retention`` after a pass; a failure is logged and fails no source."""
    retention = settings.retention
    if not retention.enabled:
        return PurgeResult()
    try:
        mark = sweep_mark(retention, now)
        sweep = store.get_meta(SWEEP) != mark
        chosen = plan(retention, outcomes, now, sweep=sweep)
        if chosen is None:
            result = PurgeResult()
        else:
            result = store.purge(
                chosen, settings.featured.as_policy(), max_batches=MAX_BATCHES_PER_PASS
            )
        if sweep and result.complete:
            store.set_meta(SWEEP, mark, now)
    except MedfeedError as exc:
        log.error("retention: purge failed: %s", exc)
        return PurgeResult()
    if result.items:
        log.info("retention: purged %d items in %d batches", result.items, result.batches)
    return result
