"""Fetch states of many sources written at once, and claims taken for a whole batch.

A pass of 304s writes nothing but these, so they are written for a group of
sources in a few statements (``Store.record_fetches``); each source must still
end with its own health: status, failure count, next fetch, claim released,
its own log row, and no more than ``FETCH_LOG_KEEP`` of them.
Every test runs on SQLite, and on PostgreSQL when MEDFEED_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from aggregator.groupcommit import GroupWriter
from aggregator.records import ConfiguredSource, FetchReport, Kind, Label, SourceOutcome
from aggregator.store import Store
from aggregator.store.models import FetchLog, Source
from aggregator.store.sources import FETCH_LOG_KEEP

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)
IDS = ("alpha", "beta", "gamma", "delta")


@pytest.fixture
def sources(store: Store) -> Store:
    store.sync_sources([_configured(source_id) for source_id in IDS], now=NOW)
    return store


def _configured(source_id: str) -> ConfiguredSource:
    return ConfiguredSource(
        id=source_id,
        name=source_id.title(),
        url=f"http://127.0.0.1:9/{source_id}.xml",
        kind=Kind.NEWS,
        label=Label.NEWS,
        tags=(),
        interval=timedelta(hours=1),
    )


def report(source_id: str, status: str, *, at: datetime = NOW, **fields: object) -> FetchReport:
    error = "HTTP 503" if status == "failed" else None
    return FetchReport(
        source_id,
        at,
        at + timedelta(milliseconds=40),
        SourceOutcome(source_id, status, error=error),
        next_fetch_at=at + timedelta(hours=1),
        **fields,  # type: ignore[arg-type]
    )


def row(store: Store, source_id: str) -> Source:
    with store.session() as session:
        found = session.get(Source, source_id)
        assert found is not None
        session.expunge(found)
        return found


def log_count(store: Store, source_id: str) -> int:
    with store.session() as session:
        query = select(func.count()).where(FetchLog.source_id == source_id)
        return int(session.scalar(query) or 0)


def test_a_group_of_fetches_leaves_each_source_with_its_own_health(sources: Store) -> None:
    claimed = sources.claim(worker="w1", lease=LEASE, now=NOW, due_only=False)
    assert {s.id for s in claimed} == set(IDS)
    with sources.session() as session:  # gamma had failed twice before
        session.execute(update(Source).where(Source.id == "gamma").values(consecutive_failures=2))

    sources.record_fetches(
        [
            report("alpha", "not-modified", http_status=304),
            report("beta", "failed", http_status=503),
            report("gamma", "not-modified", http_status=304, conditional=False),
            report("delta", "failed", disable_reason="HTTP 410 Gone: the feed was removed"),
        ],
        worker="w1",
    )

    alpha, beta, gamma, delta = (row(sources, source_id) for source_id in IDS)
    assert (alpha.last_status, alpha.last_http_status, alpha.consecutive_failures) == (
        "not-modified",
        304,
        0,
    )
    assert alpha.last_success_at is not None and alpha.last_unconditional_at is None
    assert (beta.last_status, beta.last_error, beta.consecutive_failures) == (
        "failed",
        "HTTP 503",
        1,
    )
    assert beta.last_success_at is None
    assert gamma.consecutive_failures == 0  # a success ends the backoff
    assert gamma.last_unconditional_at is not None
    assert delta.disabled_reason == "HTTP 410 Gone: the feed was removed"
    assert delta.consecutive_failures == 1
    for source in (alpha, beta, gamma, delta):
        assert source.claimed_by is None and source.claimed_until is None
        assert source.next_fetch_at is not None
        assert log_count(sources, source.id) == 1


def test_repeated_failures_in_separate_groups_count_up(sources: Store) -> None:
    for _ in range(3):
        sources.record_fetches([report("beta", "failed"), report("alpha", "failed")], worker="w")
    assert row(sources, "beta").consecutive_failures == 3
    assert row(sources, "alpha").consecutive_failures == 3


def test_each_source_keeps_only_its_newest_log_rows(sources: Store) -> None:
    for n in range(FETCH_LOG_KEEP + 5):
        at = NOW + timedelta(minutes=n)
        group = [report("alpha", "not-modified", at=at)]
        if n < 3:
            group.append(report("beta", "not-modified", at=at))
        sources.record_fetches(group, worker="w")
    assert log_count(sources, "alpha") == FETCH_LOG_KEEP
    assert log_count(sources, "beta") == 3
    with sources.session() as session:
        oldest = session.scalar(
            select(func.min(FetchLog.started_at)).where(FetchLog.source_id == "alpha")
        )
    assert oldest is not None
    assert oldest.replace(tzinfo=UTC) == NOW + timedelta(minutes=5)


def test_a_batch_claim_skips_sources_another_worker_holds_and_keeps_due_order(
    sources: Store,
) -> None:
    with sources.session() as session:
        for n, source_id in enumerate(reversed(IDS)):  # delta is the most overdue
            due = NOW - timedelta(minutes=10 - n)
            session.execute(update(Source).where(Source.id == source_id).values(next_fetch_at=due))
    first = sources.claim(worker="w1", lease=LEASE, now=NOW, source_ids=["beta", "gamma"])
    assert [s.id for s in first] == ["gamma", "beta"]

    second = sources.claim(worker="w2", lease=LEASE, now=NOW)
    assert [s.id for s in second] == ["delta", "alpha"]
    assert row(sources, "alpha").claimed_by == "w2"
    assert row(sources, "beta").claimed_by == "w1"
    assert sources.claim(worker="w3", lease=LEASE, now=NOW) == []
    later = NOW + LEASE + timedelta(seconds=1)  # every lease has run out
    assert len(sources.claim(worker="w3", lease=LEASE, now=later)) == len(IDS)


def test_enabled_source_ids_leave_out_disabled_and_retired_sources(store: Store) -> None:
    configured = [_configured(source_id) for source_id in IDS]
    configured[1] = ConfiguredSource(**{**configured[1].__dict__, "enabled": False})
    store.sync_sources(configured, now=NOW)
    store.sync_sources(configured[:3], now=NOW)  # delta leaves the config
    assert store.enabled_source_ids() == ["alpha", "gamma"]


# --------------------------------------------------------------------- group commit


class SlowLog:
    """A write that takes a while, recording the groups it was given."""

    def __init__(self) -> None:
        self.groups: list[list[int]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.fail_on: int | None = None

    def write(self, items: Sequence[int]) -> None:
        self.groups.append(list(items))
        self.started.set()
        self.release.wait(30)  # until the test releases it: the bound is for a hung test
        if self.fail_on in items:
            raise RuntimeError("disk full")


def test_writes_arriving_during_a_write_share_the_next_one() -> None:
    log = SlowLog()

    async def scenario() -> None:
        with ThreadPoolExecutor(max_workers=1) as executor:
            writer: GroupWriter[int] = GroupWriter(log.write, executor)
            first = asyncio.ensure_future(writer.put(0))
            await asyncio.to_thread(log.started.wait, 30)  # the first write is under way
            rest = [asyncio.ensure_future(writer.put(n)) for n in range(1, 6)]
            await asyncio.sleep(0.05)
            assert not first.done()  # each put waits for its own commit
            log.release.set()
            await asyncio.gather(first, *rest)

    asyncio.run(scenario())
    assert log.groups == [[0], [1, 2, 3, 4, 5]]


def test_a_failed_write_fails_every_put_of_its_group_and_no_other() -> None:
    log = SlowLog()
    log.fail_on = 2

    async def scenario() -> list[BaseException | None]:
        with ThreadPoolExecutor(max_workers=1) as executor:
            writer: GroupWriter[int] = GroupWriter(log.write, executor)
            first = asyncio.ensure_future(writer.put(0))
            await asyncio.to_thread(log.started.wait, 30)
            rest = [asyncio.ensure_future(writer.put(n)) for n in (1, 2)]
            await asyncio.sleep(0.05)
            log.release.set()
            results = await asyncio.gather(first, *rest, return_exceptions=True)
        return [r if isinstance(r, BaseException) else None for r in results]

    first, *group = asyncio.run(scenario())
    assert first is None
    assert all(isinstance(r, RuntimeError) for r in group)


def test_a_pass_of_every_source_skips_those_another_process_fetched_since_it_began(
    sources: Store,
) -> None:
    """Several ``refresh --all`` started together share one pass: what one of them has
    fetched since the pass began is done, not fetched again by the next to claim it."""
    began = NOW
    sources.record_fetches(
        [report("alpha", "ok", at=began - timedelta(minutes=1)), report("beta", "ok", at=began)],
        worker="w1",
    )
    later = began + timedelta(seconds=5)
    claimed = sources.claim(
        worker="w2", lease=LEASE, now=later, due_only=False, fetched_before=began
    )
    assert sorted(s.id for s in claimed) == ["alpha", "delta", "gamma"]


def _fetched(source_id: str, status: str, next_fetch_at: datetime) -> FetchReport:
    error = "HTTP 503" if status == "failed" else None
    outcome = SourceOutcome(source_id, status, error=error)
    return FetchReport(source_id, NOW, NOW, outcome, next_fetch_at=next_fetch_at)


def _with_interval(store: Store, interval: timedelta, at: datetime) -> dict[str, datetime | None]:
    store.sync_sources([replace(_configured(s), interval=interval) for s in IDS], now=at)
    return {s: row(store, s).next_fetch_at for s in IDS}


def test_an_edited_interval_never_cancels_a_wait_the_source_itself_asked_for(
    sources: Store,
) -> None:
    sources.claim(worker="w1", lease=LEASE, now=NOW, due_only=False)
    minute = timedelta(minutes=1)
    sources.record_fetches(
        [
            _fetched("alpha", "ok", NOW + 60 * minute),  # the interval: an hour
            _fetched("beta", "failed", NOW + 10 * minute),  # Retry-After / backoff
            _fetched("gamma", "ok", NOW + 24 * 60 * minute),  # Cache-Control: a day
            _fetched("delta", "ok", NOW + 60 * minute),
        ],
        worker="w1",
    )
    later = NOW + 2 * minute
    shorter = _with_interval(sources, 10 * minute, later)
    assert shorter["alpha"] == NOW + 10 * minute  # the last fetch plus the new interval
    assert shorter["beta"] == NOW + 10 * minute  # still backing off: as it was
    assert shorter["gamma"] == NOW + 24 * 60 * minute  # still fresh: as it was
    longer = _with_interval(sources, 2 * 60 * minute, later)
    assert longer == shorter  # a longer interval applies from the next fetch on
    right_away = _with_interval(sources, minute, NOW + 20 * minute)
    assert right_away["alpha"] <= NOW + 20 * minute  # its new interval has passed: due now


def test_a_source_that_is_not_fetched_shows_no_next_fetch(sources: Store) -> None:
    sources.claim(worker="w1", lease=LEASE, now=NOW, due_only=False)
    gone = report("delta", "failed", disable_reason="HTTP 410 Gone: the feed was removed")
    sources.record_fetches([report("alpha", "ok"), gone], worker="w1")
    configured = [_configured(s) for s in IDS if s != "gamma"]  # gamma removed from config
    configured[1] = replace(configured[1], enabled=False)  # beta disabled by the admin
    sources.sync_sources(configured, now=NOW)
    shown = {s.id: s.next_fetch_at for s in sources.sources()}
    assert shown["alpha"] == NOW + timedelta(hours=1)
    assert (shown["beta"], shown.get("gamma"), shown["delta"]) == (None, None, None)
