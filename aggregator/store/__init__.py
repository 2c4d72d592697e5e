"""The storage facade: the only storage API the rest of medfeed calls.

``Store`` owns the engine and hands out records, never ORM objects. Writes are
one transaction per source (DESIGN.md: batch per feed, upsert with Core); reads
live in ``reads.Reads``, mixed in here. Stories are decided above the store
(``aggregator.storywindow``), which works inside the store's transactions
through ``stories.StoryRows``: the store reads and writes rows only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, bindparam, func, or_, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from ..errors import StorageError
from ..leases import this_holder
from ..records import (
    ConfiguredSource,
    Extracted,
    FeaturedPolicy,
    FetchReport,
    ItemUpdate,
    RetagBatch,
    RetagPlan,
    SourceState,
    StoredSource,
    StoryCorrection,
)
from . import meta, search
from . import sources as source_rows
from .database import (
    make_engine,
    make_probe_engine,
    make_sessionmaker,
    probe_scope,
    session_scope,
    storage_error,
    update_statistics,
    upgrade,
)
from .models import Item, Meta
from .reads import Reads
from .stories import DecidingTurn, StoryRow, StoryRows, StoryStep, lock_stories, mark_undecided
from .stories import correct as correct_stories
from .stories import corrections as story_corrections
from .stories import pending as stories_pending
from .stories import recent as recent_stories

# What only some calls run is imported by the method that runs it: a pass of 304s
# stores no items and folds, purges or pushes nothing, and importing those modules
# (with the late-join rules) cost it ~0.1 G of its ~3.6 G instructions.
if TYPE_CHECKING:
    from . import retag
    from .folds import Joined
    from .health import Vitals
    from .ingest import IngestResult
    from .retention import PurgePlan, PurgeResult
    from .websub import WebSubStore

__all__ = ["Store", "default_worker_name"]

MAX_URL_LENGTH = 2048  # the URL columns' size (models.URL)
PURGE_BATCH = 400  # items deleted per transaction; keeps IN lists under SQLite's limit
FOLD_BATCH = 1000  # items read per transaction by ``fold_identified``
FOLDS_PER_COMMIT = 20  # and folds written (~15 statements each): short transactions
FOLD_PAUSE = 0.2  # seconds between them, for a writer waiting on SQLite's lock
STORY_PAUSE = 0.2  # likewise between the batches of a story decision (``assign_stories``)


def default_worker_name() -> str:
    """``host:pid:start``: enough for another process to tell when this one is gone."""
    return this_holder()


class Store(Reads):
    """``wait``: seconds any one wait on PostgreSQL may last (``make_engine``), for the web
    site's store; the refresh's and the commands' wait as long as it takes."""

    def __init__(
        self, url: str, *, migrate: bool = True, wait: float | None = None, **engine_options: object
    ) -> None:
        self.url = url
        self.wait = wait
        self.engine = make_engine(url, wait=wait, **engine_options)
        self._sessions = make_sessionmaker(self.engine)  # reads (the Reads mixin)
        self._writes = make_sessionmaker(self.engine, writer=True)
        self._probe = make_probe_engine(self.engine)
        self._probes = make_sessionmaker(self._probe)  # health checks: bounded waits
        self.story_turn = DecidingTurn(self.engine)  # see ``Refresher._hand_over_stories``
        if migrate:
            upgrade(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self.story_turn.give_up()
        self.engine.dispose()
        self._probe.dispose()

    @property
    def websub(self) -> WebSubStore:
        """Subscriptions to hubs and the queue of pushed content (``store.websub``)."""
        from .websub import WebSubStore

        return WebSubStore(self.session, lambda: session_scope(self._sessions))

    def session(self) -> AbstractContextManager[Session]:
        """A unit of work (commit on success); for the store's own modules and tests."""
        return session_scope(self._writes)

    def ping(self) -> bool:
        try:
            self.check_alive()
        except StorageError:
            return False
        return True

    def check_alive(self) -> None:
        """Raise StorageError unless the database answers a trivial query within seconds
        (``DatabaseTimeout`` when it did not answer in time): ``/healthz``."""
        with probe_scope(self._probes) as session:
            session.execute(text("SELECT 1"))

    # --- sources ----------------------------------------------------------

    def sync_sources(
        self,
        sources: Sequence[ConfiguredSource],
        now: datetime | None = None,
        *,
        edited: bool = False,
    ) -> None:
        """Mirror the configured sources (``Settings.configured_sources()``) into the database;
        ``edited``: after the admin saved the file (``sources.sync_sources``)."""
        now = now or _now()
        with self.session() as session:
            if source_rows.sync_sources(session, sources, now, edited=edited):
                _bump_generation(session, now)  # source names show on every page

    def set_next_fetch(self, times: dict[str, datetime]) -> None:
        """Move sources' next fetch (source id -> when), e.g. to a cron's next pass."""
        if not times:
            return
        with self.session() as session:
            session.connection().execute(
                update(source_rows.SOURCES)
                .where(source_rows.SOURCES.c.id == bindparam("b_id"))
                .values(next_fetch_at=bindparam("at")),
                [{"b_id": source_id, "at": at} for source_id, at in times.items()],
            )

    def claim(
        self,
        *,
        worker: str,
        lease: timedelta,
        now: datetime | None = None,
        source_ids: Sequence[str] | None = None,
        due_only: bool = True,
        due_by: datetime | None = None,
        fetched_before: datetime | None = None,
        limit: int = 1000,
    ) -> list[SourceState]:
        with self.session() as session:
            return source_rows.claim(
                session,
                now=now or _now(),
                worker=worker,
                lease=lease,
                source_ids=source_ids,
                due_only=due_only,
                due_by=due_by,
                fetched_before=fetched_before,
                limit=limit,
            )

    def claimable_count(
        self,
        *,
        now: datetime | None = None,
        source_ids: Sequence[str] | None = None,
        due_only: bool = True,
        fetched_before: datetime | None = None,
    ) -> int:
        with self.session() as session:
            return source_rows.claimable_count(
                session,
                now=now or _now(),
                source_ids=source_ids,
                due_only=due_only,
                fetched_before=fetched_before,
            )

    def release(self, source_ids: Sequence[str], worker: str) -> None:
        with self.session() as session:
            source_rows.release(session, source_ids, worker)

    def sources(self, *, include_retired: bool = False) -> list[StoredSource]:
        with self.session() as session:
            return source_rows.list_sources(session, include_retired=include_retired)

    def enabled_source_ids(self) -> list[str]:
        with self.session() as session:
            return source_rows.enabled_ids(session)

    def unvalidated_count(self, source_ids: Sequence[str]) -> int:
        """How many of ``source_ids`` will surely be parsed: no ETag, no Last-Modified, no
        body digest (``sources.unvalidated_count``)."""
        with self.session() as session:
            return source_rows.unvalidated_count(session, source_ids)

    def due_count(self, now: datetime | None = None) -> int:
        with self.session() as session:
            return source_rows.due_count(session, now or _now())

    # --- items --------------------------------------------------------------

    def save_fetch(
        self,
        report: FetchReport,
        updates: Sequence[ItemUpdate],
        *,
        worker: str,
        stories: StoryStep | None,
        vocabulary: dict[str, str] | None = None,
    ) -> IngestResult:
        """Store one source's entries, their stories and its fetch state in one transaction.

        ``vocabulary``: the ``retagging.fingerprint`` of the specialties the entries
        were tagged with, so that the re-tag comes back to them if the plan moved on
        (``store.ingest.ingest``).

        ``stories`` (``aggregator.storywindow``) runs on the new and edited items
        inside the transaction: a refresh only marks them there, and decides a
        whole claimed batch at once with ``assign_stories``. None leaves their
        stories unset. A step that decides takes the story lock first, before
        ingest's row locks (``stories.lock_stories``).
        """
        from .ingest import ingest

        try:
            with self.session() as session:
                marks = stories.marks_new if stories is not None else None
                if stories is not None and marks is None:
                    lock_stories(session)
                result = ingest(
                    session, report.source_id, updates, report.finished_at, marks, vocabulary
                )
                if stories is not None:
                    rows = StoryRows(session, result.written, frozenset(result.marked))
                    stories.run(rows, result.touched)
                source_rows.record(session, report, worker)
                if result.new or result.updated:
                    _bump_generation(session, report.finished_at)
                return result
        except SQLAlchemyError as exc:
            _abandon(stories)
            raise StorageError(f"source {report.source_id}: could not store items: {exc}") from exc
        except BaseException:
            _abandon(stories)
            raise

    def assign_stories(self, stories: StoryStep, *, pause: float = STORY_PAUSE) -> int:
        """Run a story decision in transactions of its own, one after another while it is
        ``unfinished`` (the story lock is held until each commits); returns how many items
        changed story. A failure abandons the step: what earlier transactions wrote stays,
        what is left stays marked.

        On SQLite a tenth of the transaction's time, at most ``pause`` seconds, between
        them with no lock held: its busy handler retries every 100 ms at best, and
        another process's writer would otherwise find the lock taken again each time
        (``fold_identified``); after short batches it has not waited long, and a first
        refresh's batches do not wait for nobody. PostgreSQL queues the waiters for the
        story lock and hands it to the first at each commit."""
        changed = 0
        while True:
            started = time.monotonic()
            try:
                with self.session() as session:
                    done = stories.run(StoryRows(session), ())
                    if done:
                        _bump_generation(session, _now())
            except SQLAlchemyError as exc:
                stories.abandon()
                raise StorageError(f"could not store stories: {exc}") from exc
            except BaseException:
                stories.abandon()
                raise
            changed += done
            if not stories.unfinished:
                return changed
            if self.dialect == "sqlite":
                time.sleep(min(pause, (time.monotonic() - started) / 10))

    def story_members(self, item_id: int) -> list[StoryRow]:
        """The items of the story ``item_id`` is in, as story assignment reads them; none
        for an unknown id. Reads only: for explaining decisions (``storyreport``)."""
        with session_scope(self._sessions) as session:
            return StoryRows(session).story(item_id)

    def story_rows_within(self, spans: Sequence[tuple[datetime, datetime]]) -> list[StoryRow]:
        """The stored items that can be in a story published within any of ``spans``
        (from, to; both included), as ``storywindow`` loads them into its index."""
        with session_scope(self._sessions) as session:
            rows = StoryRows(session)
            wanted = {dated.id for low, high in spans for dated in rows.published_within(low, high)}
            return list(rows.load(sorted(wanted)))

    def story_rows_before(self, moment: datetime, limit: int) -> list[StoryRow]:
        """The ``limit`` newest stored items that can be in a story published before
        ``moment``, as ``storywindow`` counts them (``StoryRows.newest_before``)."""
        with session_scope(self._sessions) as session:
            return StoryRows(session).newest_before(moment, limit)

    def correct_stories(
        self, made: Sequence[StoryCorrection], forgotten: Sequence[tuple[int, int]] = ()
    ) -> None:
        """Store an editor's corrections and forget others; the items they name wait for
        the next ``assign_stories`` (``aggregator.store.stories.correct``)."""
        try:
            with self.session() as session:
                correct_stories(session, made, forgotten, _now())
        except SQLAlchemyError as exc:
            raise StorageError(f"could not store the story correction: {exc}") from exc

    def recent_stories(self, since: datetime, limit: int = 20) -> list[list[StoryRow]]:
        """Stories of two or more items led by an item published since ``since``, newest
        first: each the leader's row, then its members'."""
        with session_scope(self._sessions) as session:
            return recent_stories(session, since, limit)

    def story_corrections(self) -> list[StoryCorrection]:
        """Every editor's correction, oldest first."""
        with session_scope(self._sessions) as session:
            return story_corrections(session)

    def stories_pending(self) -> bool:
        """Whether items wait for ``assign_stories`` (stored by any process)."""
        with self.session() as session:
            return stories_pending(session)

    def record_fetch(self, report: FetchReport, *, worker: str) -> None:
        self.record_fetches([report], worker=worker)

    def record_fetches(self, reports: Sequence[FetchReport], *, worker: str) -> None:
        """The fetch states of sources that stored no items (304s, failures): one transaction."""
        with self.session() as session:
            source_rows.record_many(session, reports, worker)

    def purge(
        self,
        plan: PurgePlan,
        featured: FeaturedPolicy,
        *,
        batch: int = PURGE_BATCH,
        max_batches: int | None = None,
    ) -> PurgeResult:
        """Delete what ``plan`` lets go, ``batch`` items per transaction (``store.retention``).

        Short transactions: the refresh's writer and the site's readers are
        never held up for a long purge, and a purge cut short loses nothing.
        After ``max_batches`` it stops (``complete`` False): the next pass goes on.
        """
        from .retention import PurgeResult, drop_stale_tombstones, expired_batch, kept, purge_items

        purged = batches = 0
        complete = True
        with self.session() as session:
            keep = kept(session, featured)
        while True:
            if max_batches is not None and batches >= max_batches:
                complete = False
                break
            with self.session() as session:
                lock_stories(session)  # before the rows: purging moves items out of stories
                ids = expired_batch(session, plan, keep, batch)
                purge_items(session, ids, plan.now)
                if ids:
                    _bump_generation(session, plan.now)
            purged, batches = purged + len(ids), batches + (1 if ids else 0)
            if len(ids) < batch:
                break
        with self.session() as session:
            forgotten = drop_stale_tombstones(session, plan.now)
        return PurgeResult(items=purged, batches=batches, forgotten=forgotten, complete=complete)

    # --- full text of the featured article --------------------------------

    def claim_fulltext(
        self, item_id: int, now: datetime, lease: timedelta, retry_after: timedelta
    ) -> bool:
        """Take the attempt at ``item_id``'s page; False when it is done, in hand, or failed
        less than ``retry_after`` ago.

        A conditional UPDATE, so that two refresh processes never fetch the same
        page; a claim older than ``lease`` (its process died) may be taken over.
        """
        untried = and_(
            Item.fulltext_error.is_(None),
            or_(Item.fulltext_at.is_(None), Item.fulltext_at < now - lease),
        )
        failed_long_ago = and_(
            Item.fulltext_error.is_not(None), Item.fulltext_at < now - retry_after
        )
        with self.session() as session:
            claimed = session.execute(
                update(Item)
                .where(Item.id == item_id, Item.fulltext.is_(None), or_(untried, failed_long_ago))
                .values(fulltext_at=now)
            )
            return bool(claimed.rowcount)  # type: ignore[attr-defined]

    def save_fulltext(self, item_id: int, extracted: Extracted, now: datetime) -> None:
        """Store the extracted article; its lead image, its author and its list of authors
        only fill missing ones (the page names the authors that a journal's feed often
        leaves out).

        The authors are searched (``search.search_details``): an item that may gain them
        leaves the index before and is indexed again after, as ingest does."""
        gains_authors = bool(extracted.author or extracted.authors)
        with self.session() as session:
            connection = session.connection()
            if gains_authors:
                search.unindex(connection, [item_id])
            values: dict[str, list[str]] = {}
            # Read, not compared in SQL: PostgreSQL's JSON type has no equality.
            if extracted.authors and not session.scalar(
                select(Item.authors).where(Item.id == item_id)
            ):
                values["authors"] = list(extracted.authors)
            session.execute(
                update(Item)
                .where(Item.id == item_id)
                .values(
                    fulltext=extracted.html,
                    fulltext_error=None,
                    fulltext_at=now,
                    word_count=extracted.word_count,
                    image=func.coalesce(Item.image, _fits(extracted.image, MAX_URL_LENGTH)),
                    author=func.coalesce(
                        Item.author, (extracted.author or None) and extracted.author[:500]
                    ),
                    changed_at=now,
                    **values,
                )
            )
            if gains_authors:
                search.index_stored(connection, [item_id])
            _bump_generation(session, now)

    def save_fulltext_error(self, item_id: int, message: str, now: datetime) -> None:
        """Record why the page could not be extracted (it is tried again a day later,
        ``featuring.RETRY_AFTER``: a journal's online-first page is often not there yet)."""
        with self.session() as session:
            session.execute(
                update(Item)
                .where(Item.id == item_id)
                .values(fulltext_error=message, fulltext_at=now, changed_at=now)
            )
            _bump_generation(session, now)

    def fold_identified(
        self,
        batch: int = FOLD_BATCH,
        most: int = FOLDS_PER_COMMIT,
        progress: Callable[[int, Joined], None] | None = None,
        pause: float = FOLD_PAUSE,
    ) -> Joined:
        """Join the items stored twice under one DOI, PMID, PMCID or video id before such
        items were joined as the identifier arrived (``folds.fold_stored``), as a refresh
        joins them now; the items kept wait for their stories to be decided again.

        ``batch`` items read and at most ``most`` folds per transaction: each fold writes
        some fifteen statements and moves items out of stories, and a refresh beside it
        waits for the writer lock (SQLite) or the story lock (PostgreSQL) until the
        transaction ends. After a transaction that joined some, ``pause`` seconds with no
        lock held: SQLite's busy handler retries every 100 ms at best, and without them a
        refresh beside it found the lock taken again each time (it waited 18 s).
        ``progress`` is told after each commit the last id read and
        what that transaction joined. What a run joined is not there for the next to
        find, so running it again joins nothing new (the pairs left apart are reported
        again).
        """
        from .folds import Joined, fold_stored, still_apart

        after, done = 0, Joined()
        while True:
            try:
                with self.session() as session:
                    last, joined = fold_stored(session, after, batch, most, _now())
                    if joined.into:
                        mark_undecided(session, sorted(set(joined.into.values())))
                        _bump_generation(session, _now())
            except SQLAlchemyError as exc:
                raise StorageError(f"could not join items by identifier: {exc}") from exc
            if last == after and not joined.into:
                return done
            into = {a: joined.into.get(k, k) for a, k in done.into.items()} | joined.into
            apart = still_apart([*done.apart, *joined.apart], into)
            done, after = Joined(into, apart, [*done.dropped, *joined.dropped]), last
            if progress is not None:
                progress(last, joined)
            if joined.into:
                time.sleep(pause)

    # --- search -------------------------------------------------------------

    def reindex_search(self, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the full-text index from the stored items; how many were indexed.

        One transaction: searches see the old index until the new one is complete.
        """
        with self.session() as session:
            return search.rebuild(session.connection(), progress)

    # --- specialty tags of stored items -----------------------------------

    def plan_retag(self, vocabulary: dict[str, str], now: datetime | None = None) -> bool:
        """Record ``vocabulary`` (a ``retagging.fingerprint``) as the one stored items should
        carry; True while some items remain to re-tag. One read when nothing changed."""
        from . import retag

        with session_scope(self._sessions) as session:
            stored = retag.stored_plan(session)
        if stored is not None and stored.vocabulary == vocabulary and not stored.pending:
            return False
        with self.session() as session:
            return retag.plan(session, vocabulary, now or _now())

    def retag_batch(
        self,
        vocabulary: dict[str, str],
        decide: retag.Decide,
        *,
        holder: str,
        limit: int,
        now: datetime | None = None,
    ) -> RetagBatch | None:
        """Re-tag the next ``limit`` items (``store.retag.batch``); None when there is
        nothing to do for ``vocabulary`` or another process holds the re-tag."""
        from . import retag

        with self.session() as session:
            return retag.batch(
                session, vocabulary, decide, holder=holder, now=now or _now(), limit=limit
            )

    def retag_plan(self) -> RetagPlan | None:
        """The stored re-tag plan: which vocabulary the items carry, and progress."""
        from . import retag

        with session_scope(self._sessions) as session:
            return retag.stored_plan(session)

    # --- shared state -----------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.session() as session:
            return session.scalar(select(Meta.value).where(Meta.key == key))

    def set_meta(self, key: str, value: str | None, now: datetime | None = None) -> None:
        with self.session() as session:
            if value is None:
                meta.remove(session, key)
            else:
                meta.put(session, key, value, now or _now())

    def vitals(self) -> Vitals:
        """Sources in backoff, last successes, sizes, last pass: what /metrics reports.

        Read as a health check (``probe_scope``): within seconds, or a StorageError."""
        from .health import vitals

        with probe_scope(self._probes) as session:
            return vitals(session)

    def mark_pass(self, now: datetime | None = None) -> None:
        """Record the end of a refresh pass, for /readyz and /metrics."""
        from .health import mark_pass

        with self.session() as session:
            mark_pass(session, now or _now())

    def update_statistics(self) -> None:
        """SQLite: the query planner's statistics, where missing or stale
        (``database.update_statistics``); nothing on PostgreSQL."""
        update_statistics(self.engine)

    def advance_series(self, now: datetime | None = None) -> int:
        """Move recurring series on to their occurrence not yet over (``store.series``)."""
        from . import series

        with self.session() as session:
            return series.advance(session, now or _now())

    def generation(self) -> str:
        """Changes whenever stored items or source names change: the basis of ETags.

        Asked on every web request, so it bypasses the ORM and the transaction
        set-up: one constant statement on a pooled driver connection (~15 µs on
        SQLite against ~280 µs through a session).
        """
        driver_error = self.engine.dialect.loaded_dbapi.Error
        try:
            # the pool hands out the driver's own error when it cannot connect, unwrapped
            connection = self.engine.raw_connection()
        except (driver_error, DBAPIError, PoolTimeout) as exc:
            raise storage_error(exc) from exc
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT value FROM meta WHERE key = 'generation'")
            row = cursor.fetchone()
            cursor.close()
        except driver_error as exc:
            raise storage_error(exc) from exc
        finally:
            connection.close()
        return str(row[0]) if row else "0"


def _bump_generation(session: Session, now: datetime) -> None:
    meta.bump(session, "generation", now)


def _abandon(stories: StoryStep | None) -> None:
    if stories is not None:
        stories.abandon()


def _fits(url: str | None, limit: int) -> str | None:
    """A URL too long for its column is dropped rather than failing the whole write."""
    return url if url is not None and len(url) <= limit else None


def _now() -> datetime:
    return datetime.now(UTC)
