"""When to fetch a source next: pure arithmetic over one fetch's outcome.

Being a good citizen lives here: never sooner than the source's interval, nor
sooner than the response said it stays fresh, nor before a server's
Retry-After; exponential backoff on consecutive failures, capped, so a broken
source is retried for ever but rarely. Under ``schedule.cron`` only the cron's
passes fetch: the next fetch is the first pass at or after the time the
source could be fetched again. No clock, no database: pass ``now``.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

FRESHNESS_CAP = timedelta(hours=24)


def jittered(interval: timedelta, fraction: float, rng: random.Random | None = None) -> timedelta:
    """Spread sources that share an interval, only ever later, never sooner."""
    spread = (rng or random).random() * fraction
    return interval * (1 + spread)


def cron_pass(due: datetime, cron: str) -> datetime:
    """The first pass of ``cron`` (a crontab line, UTC, as ``schedule`` runs it) at or after
    ``due``: the cron pass takes every source whose next fetch is not later than its start."""
    return _trigger(cron).get_next_fire_time(None, due) or due


@lru_cache(maxsize=4)
def _trigger(cron: str) -> CronTrigger:
    from apscheduler.triggers.cron import CronTrigger  # only for a config that has a cron

    return CronTrigger.from_crontab(cron, timezone=UTC)


def after_success(
    now: datetime,
    interval: timedelta,
    *,
    fresh_until: datetime | None = None,
    jitter: float = 0.1,
    rng: random.Random | None = None,
    cron: str | None = None,
) -> datetime:
    """``cron``: the next pass, whatever the interval and freshness say, as the pass
    refreshes every source not backing off (``schedule.RefreshService.refresh_all``)."""
    if cron:
        return cron_pass(now, cron)
    due = now + jittered(interval, jitter, rng)
    if fresh_until is not None:
        due = max(due, min(fresh_until, now + FRESHNESS_CAP))
    return due


def backoff(interval: timedelta, failures: int, cap: timedelta) -> timedelta:
    """interval, 2x, 4x, ... after 1, 2, 3 ... consecutive failures, at most ``cap``."""
    if failures <= 0:
        return interval
    factor = 2 ** min(failures - 1, 32)
    return max(interval, min(interval * factor, cap))


def after_failure(
    now: datetime,
    interval: timedelta,
    failures: int,
    *,
    cap: timedelta,
    retry_after: datetime | None = None,
    jitter: float = 0.1,
    rng: random.Random | None = None,
    cron: str | None = None,
) -> datetime:
    """``failures`` counts this failure too; ``cron``: the first pass once the backoff or
    the Retry-After is over."""
    due = now + jittered(backoff(interval, failures, cap), jitter, rng)
    if retry_after is not None:
        due = max(due, min(retry_after, now + cap))
    return cron_pass(due, cron) if cron else due


def wants_unconditional(
    now: datetime, last_unconditional: datetime | None, every: timedelta
) -> bool:
    """Some servers mishandle validators; fetch without them every so often."""
    return last_unconditional is None or now - last_unconditional >= every
