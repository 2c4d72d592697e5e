"""One refresh pass: the only place that runs the pipeline stages in sequence.

    states  = store.claim(due sources)              # a lease each; others skip them
    fetched = await fetcher.fetch(state)            # concurrent, bounded; 304 ends here, and
                                                    # so does the body last stored (digest)
    updates = prepare(fetched)                      # parse, sanitize, identify, tag: in a pool
    result  = store.save_fetch(report, updates,     # items, state and story marks
                               stories.defer(...))  # (``storywindow``): one transaction
    store.assign_stories(stories.assign_pending())  # after each batch: what is marked, 1,000
                                                    # a transaction, by the one process whose
                                                    # turn it is; a listed pass fetches the
                                                    # next batch meanwhile
    after the pass: hand the turn over, deciding what is left pending
    attempts = feature_in_full(settings, store)     # after each batch: the featured page, once
    websub.subscribe_due(...)                       # after each batch, when public_url is set
    before the pass: ingest_pushed()                # what hubs pushed, through the same stages
    after the pass: count it (``metrics``), mark its end, purge by ``retention``,
                    update SQLite's planner statistics

Errors are values: each source ends as one ``SourceOutcome`` and its fetch
state (status, error, failure count, next fetch) is always written, so one bad
source never stops the others. Nothing here renders HTML or decides policy;
the next-fetch arithmetic is ``pacing``'s, the featured choice the store's,
the stories ``storywindow``'s.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from . import metrics, pacing, websub
from .config import Settings
from .errors import FetchError, HTTPStatusError, MedfeedError, ParseError
from .featuring import feature_in_full
from .fetch import Fetcher, FetchLimits
from .groupcommit import GroupWriter
from .leases import this_holder
from .netguard import AddressGuard
from .records import Fetched, FetchReport, SourceOutcome, SourceState
from .retagging import fingerprint
from .retention import purge_after_pass
from .store import Store, default_worker_name
from .tagging import specialties_from_config

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from .prepare import Prepared, PrepareJob
    from .store.websub import Delivery
    from .storywindow import StoryWindow

log = logging.getLogger(__name__)

POOL_THRESHOLD = 4  # fewer sources than this parse in one worker: a second costs more than it saves
CLAIM_BATCH = 64  # sources claimed at a time, at most
HAND_OVER_ROUNDS = 4  # decisions at most at the end of a pass (``_hand_over_stories``)
MIN_CLAIM = 8  # the smallest share of a listed pass claimed at a time (``claim_share``)
PARSE_WORKERS = 2  # pool processes at most: see parse_pool
KILL_GRACE = 5.0  # seconds a terminated parse worker has to exit before SIGKILL, and after
# Sources parsed, or being parsed, and not yet stored. The single writer is slower
# than the pool, so without a bound a batch's parse results all wait for it in this
# process (~0.4 MB a 50-item source); a few keep the pool and the writer busy.
PARSED_AHEAD = 2 * PARSE_WORKERS + 2
T = TypeVar("T")


def fetch_limits(settings: Settings) -> FetchLimits:
    http = settings.http
    return FetchLimits(
        timeout=http.timeout.total_seconds(),
        max_bytes=http.max_bytes,
        concurrency=http.concurrency,
        per_host=http.per_host,
        max_redirects=http.max_redirects,
        user_agent=http.user_agent,
    )


def parse_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """Parsing is CPU-bound (DESIGN.md): a process pool takes it off the writer's core.

    At most ``PARSE_WORKERS`` processes, whatever the number of cores: one
    parses ~1,300-2,300 items/s, the single writer stores tens to hundreds, so
    more workers would only add memory. forkserver, not fork: the parent runs
    threads (scheduler, web, httpx). The server preloads ``aggregator.prepare``
    alone, not the whole command: the first job waits for the preload in the
    event loop, and each worker imports the parsers (and reads the drug table)
    itself. Workers exit by themselves when this process is killed
    (``leases.die_with``).
    """
    import multiprocessing  # here: a pass that parses nothing never needs it
    from concurrent.futures import ProcessPoolExecutor

    from .prepare import start_worker  # the parse stack: see ``_job``

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["aggregator.prepare"])
    workers = workers or min(os.cpu_count() or 1, PARSE_WORKERS)
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=start_worker,
        initargs=(this_holder(), context.Lock(), context.Barrier(workers)),
    )


class PoolOnDemand(Executor):
    """A parse pool started by the first body to parse, so a pass of 304s starts none.

    Even unused, a pool costs a resource-tracker process and the multiprocessing
    imports: a tenth of a second, as much as the rest of such a pass.
    """

    def __init__(self, workers: int | None = None) -> None:
        self._workers = workers or min(os.cpu_count() or 1, PARSE_WORKERS)
        self._pool: ProcessPoolExecutor | None = None
        self._warming: list[Future[None]] = []
        self._starting = threading.Lock()  # jobs are handed in from threads (``_parse``)

    def _started(self) -> ProcessPoolExecutor:
        """The pool, started with its workers' first jobs (``warm_up``) when there is none."""
        with self._starting:
            return self._running()

    def _running(self) -> ProcessPoolExecutor:
        """``_started`` with the lock held. A pool broken by a worker that died by itself
        (the OOM killer, a crash in lxml) is replaced: nothing else would, and every
        later job, pushes included, failed with ``BrokenProcessPool`` until a restart."""
        if self._pool is not None and _broken(self._pool):
            # its workers are gone already: the pool killed them on seeing one die
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self._pool is None:
            from .prepare import warm_up  # the parse stack: see ``Refresher._job``

            self._pool = parse_pool(self._workers)
            self._warming = [self._pool.submit(warm_up) for _ in range(self._workers)]
        return self._pool

    def submit(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> Future[T]:
        """Hand a job in, under the lock: picked under it and handed in after, a job could
        land in a pool that a concurrent ``abandon`` was shutting down (``RuntimeError:
        cannot schedule new futures after shutdown``)."""
        with self._starting:
            return self._running().submit(fn, *args, **kwargs)

    def warm(self) -> None:
        """Start the pool and its workers now, for a pass that will almost surely parse:
        they import the parse stack while this process is still starting, instead of
        after the first body arrives (~0.25 s of a 100-feed first pass)."""
        self._started()

    def wait_started(self) -> None:
        """Block until the workers have imported the parse stack: a parse's deadline counts
        its parsing, not that (6-7 s for new workers on a loaded 2-core machine)."""
        self._started()
        wait(self._warming)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    def abandon(self) -> None:
        """Kill the workers and start new ones at the next job: a parse past its deadline
        cannot be cancelled in a process pool. Jobs in flight in them fail with
        ``BrokenProcessPool`` and are handed in again (``_in_pool``); workers parse only,
        so killing one loses nothing but its parse."""
        with self._starting:
            pool, self._pool = self._pool, None
        if pool is not None:
            _terminate(pool)

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        """Parses not yet started are dropped (an interrupted pass must not wait for them);
        on Ctrl-C the ones running are killed too: a stuck parse held Ctrl-C for minutes."""
        if exc_type is None:
            self.shutdown(wait=True, cancel_futures=True)
        else:
            self.abandon()


def _broken(pool: ProcessPoolExecutor) -> bool:
    """Whether a worker of ``pool`` died: it then takes no job (``BrokenProcessPool``)."""
    return bool(getattr(pool, "_broken", False))  # private, as ``_processes`` below


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop a process pool now, its running jobs included (``shutdown`` waits for them),
    and wait until its workers are gone: the core and the memory a parse held are free
    when this returns (a worker dies at SIGTERM, since it sets no handler of its own)."""
    # ``_processes`` is private, but the only handle on the workers the pool gives.
    workers = list((pool._processes or {}).values())
    for process in workers:
        process.terminate()
    # Not ``cancel_futures``: a job still queued would be cancelled, which its ``_parse``
    # takes for its own cancellation; at the workers' death it fails with
    # ``BrokenProcessPool`` instead, and is handed in again.
    pool.shutdown(wait=False)
    for process in workers:
        process.join(KILL_GRACE)
        if process.is_alive():
            process.kill()
            process.join(KILL_GRACE)


@dataclass
class _Stages:
    """What the sources of one pass share: the fetcher, the parse pool, the one database
    thread, and which sources it claimed and finished."""

    fetcher: Fetcher
    pool: Executor
    db: ThreadPoolExecutor
    states_writer: GroupWriter[FetchReport]
    # Sources parsed, or being parsed, and not yet stored (``PARSED_AHEAD``)
    ahead: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(PARSED_AHEAD))
    claimed: set[str] = field(default_factory=set)
    done: set[str] = field(default_factory=set)


def warm_pool(store: Store, source_ids: Sequence[str]) -> PoolOnDemand | None:
    """A started parse pool for a listed pass that will parse, else None (``PoolOnDemand``).

    A source with nothing to know an unchanged document by (no ETag or
    Last-Modified to send: never fetched, or its server sends none; and no
    digest of a body stored) will have its body parsed.
    Started now, the workers import the parse stack while this process imports
    the fetch stack and claims, instead of after the first body arrives.
    """
    if not store.unvalidated_count(source_ids):
        return None
    pool = pool_for(len(source_ids))
    pool.warm()
    return pool


def pool_for(sources: int, workers: int | None = None) -> PoolOnDemand:
    """A parse pool, not started yet, for a pass of ``sources``: one worker for fewer than
    ``POOL_THRESHOLD`` (a second would only cost its start), else the usual number;
    ``workers``: that many whatever the pass."""
    return PoolOnDemand(workers or (1 if sources < POOL_THRESHOLD else None))


class Refresher:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        worker: str | None = None,
        pool: Executor | None = None,
        on_outcome: Callable[[SourceOutcome], None] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.worker = worker or default_worker_name()
        self._pool = pool
        self._on_outcome = on_outcome
        self._specialties = specialties_from_config(settings.specialties)
        # fixed for the pass, as the tags are: a re-tag planned meanwhile comes back to its items
        self._vocabulary = fingerprint(self._specialties)
        self._stopped = threading.Event()
        self._take_turns = False  # set by ``refresh``: see ``_assign_stories_in_turn``

    @property
    def _stories(self) -> StoryWindow:
        """The database's story window, loaded with the matcher (~40 ms of imports) by the
        first batch with items to assign: a pass of 304s decides no story."""
        from .storywindow import story_window

        return story_window(self.store)

    def stop(self) -> None:
        """Claim no further batch; the batch under way finishes."""
        self._stopped.set()

    def claim(
        self,
        *,
        source_ids: Sequence[str] | None = None,
        due_only: bool = True,
        now: datetime | None = None,
        due_by: datetime | None = None,
        fetched_before: datetime | None = None,
        limit: int = CLAIM_BATCH,
    ) -> list[SourceState]:
        return self.store.claim(
            worker=self.worker,
            lease=self.settings.schedule.lease,
            now=now or _now(),
            source_ids=source_ids,
            due_only=due_only,
            due_by=due_by,
            fetched_before=fetched_before,
            limit=limit,
        )

    def refresh(
        self,
        *,
        source_ids: Sequence[str] | None = None,
        due_only: bool = True,
        since: datetime | None = None,
    ) -> list[SourceOutcome]:
        """Claim and refresh in batches until nothing is left; others' claims are skipped.

        Small batches let several processes share a large pass evenly, and keep
        every lease far shorter than the pass. A pass of sources due or not
        (``--all``, ``--source``) also skips those another process fetched
        after ``since`` (default: now, the pass's start): processes started
        together share the pass instead of each fetching what the others
        already did.
        """
        started = time.monotonic()
        since = since or _now()
        self._take_turns = not due_only
        if source_ids is None and not due_only:
            source_ids = self.store.enabled_source_ids()
        with self._pool_for(len(source_ids) if source_ids is not None else POOL_THRESHOLD):
            outcomes = self.ingest_pushed()
            if source_ids is not None:
                outcomes += self._refresh_listed(source_ids, due_only, since)
            else:
                # The sources due now: those that come due during the pass wait for the
                # next, so that a pass ends however many keep coming due.
                due_by = _now()
                while not self._stopped.is_set() and (states := self.claim(due_by=due_by)):
                    outcomes += self.run(states)
        if self._take_turns:
            self._hand_over_stories()
        self._after_pass(outcomes, time.monotonic() - started)
        return outcomes

    def _refresh_listed(
        self, source_ids: Sequence[str], due_only: bool, since: datetime
    ) -> list[SourceOutcome]:
        return self._drive(self._listed(source_ids, due_only, None if due_only else since))

    async def _listed(
        self, source_ids: Sequence[str], due_only: bool, fetched_before: datetime | None
    ) -> list[SourceOutcome]:
        """Claim among ``source_ids`` a share of what is left at a time, until none is left.

        Each claim takes half of what no process has claimed or fetched yet
        (``claim_share``), so processes sharing the pass finish within a small
        batch of each other; with fixed batches of 64, two processes split
        200 sources 128 to 72.

        The batches overlap: once one is stored, the next is claimed and
        fetched and parsed while the database thread decides the stored one's
        stories. The decision is queued on that thread after the claim and
        before any of the next batch's items, so it sees what it would see had
        the batches run one after the other: the same stories, without the
        pool and the fetches waiting for it.
        """
        outcomes: list[SourceOutcome] = []
        handled: set[str] = set()
        claim = partial(self._claim_share, source_ids, due_only, fetched_before, handled)
        loop = asyncio.get_running_loop()
        async with self._stages() as stages:
            afters: list[asyncio.Future[None]] = []
            try:
                states = await _in(stages.db, claim)
                while states:
                    stages.claimed.update(state.id for state in states)
                    outcomes += await self._batch(stages, states)
                    try:
                        states = [] if self._stopped.is_set() else await _in(stages.db, claim)
                    finally:
                        decided = loop.run_in_executor(stages.db, self._assign_stories_in_turn)
                        previous = afters[-1] if afters else None
                        afters.append(asyncio.ensure_future(self._after_batch(decided, previous)))
            finally:
                await asyncio.gather(*afters)
        return outcomes

    def _claim_share(
        self,
        source_ids: Sequence[str],
        due_only: bool,
        fetched_before: datetime | None,
        handled: set[str],
    ) -> list[SourceState]:
        """The next share of a listed pass; none when nothing is left, or when the claim
        returns only sources this pass already handled (the clock stepped back)."""
        left = self.store.claimable_count(
            source_ids=source_ids, due_only=due_only, fetched_before=fetched_before
        )
        if not left:
            return []
        states = self.claim(
            source_ids=source_ids,
            due_only=due_only,
            fetched_before=fetched_before,
            limit=claim_share(left),
        )
        if not states or all(state.id in handled for state in states):
            if states:
                self.store.release([state.id for state in states], self.worker)
            return []
        handled.update(state.id for state in states)
        return states

    async def _after_batch(
        self, decided: asyncio.Future[None], previous: asyncio.Future[None] | None
    ) -> None:
        """Once a batch's stories are decided: hubs and the featured article, one batch
        at a time."""
        await decided
        if previous is not None:
            await previous
        await self._subscribe()
        await self._feature()

    def _hand_over_stories(self) -> None:
        """End of a pass: decide what is pending if the turn is free, then give the turn up.

        Items still pending after giving it up were marked by a process that
        could not take the turn while this one held it: take it again and
        decide them, unless another process has it now (then that one will).
        At most ``HAND_OVER_ROUNDS`` times: processes that keep storing (a
        fleet of ``medfeed run``) would otherwise keep this pass from ending,
        and each of their own passes ends with the same hand-over.
        """
        turn = self.store.story_turn
        try:
            for _ in range(HAND_OVER_ROUNDS):
                if not turn.take():
                    break
                decided = not self.store.stories_pending() or self._assign_stories()
                turn.give_up()
                if not decided or not self.store.stories_pending():
                    break
            if not turn.held and "aggregator.storywindow" in sys.modules:  # else none to forget
                self._stories.forget_pending()
        except MedfeedError as exc:
            log.error("stories: %s", exc)

    def _after_pass(self, outcomes: Sequence[SourceOutcome], seconds: float) -> None:
        """Count the pass, mark its end (for /readyz), apply retention, update SQLite's
        statistics (what the pass and the purge changed); none fails a source."""
        metrics.record_pass(seconds)
        try:
            self.store.mark_pass(_now())
            self.store.advance_series(_now())
        except MedfeedError as exc:
            log.error("could not record the end of the refresh pass: %s", exc)
        if self._stopped.is_set():  # a stopping service starts no purge nor analysis
            return
        purge_after_pass(self.settings, self.store, outcomes, _now())
        try:
            self.store.update_statistics()
        except MedfeedError as exc:
            log.warning("%s; the next pass tries again", exc)

    @contextmanager
    def _pool_for(self, sources: int, *, workers: int | None = None) -> Iterator[None]:
        """A parse pool for this call unless one was given, started by the first body to
        parse; ``workers``: a pool of that many.

        Work too small for a pool gets one worker: every document parses in a process,
        which its deadline can kill. Such a pass parsed a document up to 256 kB in a
        thread, which its deadline could only abandon, and which could hold the pass
        itself past it: a parse holds the interpreter's lock through one call into C,
        and feedparser's e-mail pattern is quadratic in an author's length (a refresh
        of a 60 kB document with one long author took 44 s under a 1 s deadline: the
        event loop, and with it the deadline, stood still until the pattern returned)."""
        if self._pool is not None:
            yield
            return
        pool = pool_for(sources, workers)
        self._pool = pool
        try:
            with pool:
                yield
        finally:
            self._pool = None

    @property
    def _parse_pool(self) -> Executor:
        """The pool of the pass under way (``_pool_for``): no document parses in this process."""
        if self._pool is None:
            raise RuntimeError("a parse outside a pass: no parse pool")
        return self._pool

    def run(self, states: Sequence[SourceState]) -> list[SourceOutcome]:
        if not states:
            return []
        with self._pool_for(len(states)):
            return self._drive(self._run_all(states), states)

    def _drive(
        self,
        work: Coroutine[object, object, list[SourceOutcome]],
        claimed: Sequence[SourceState] = (),
    ) -> list[SourceOutcome]:
        """Run a pass's coroutine to its end (``claimed``: the sources it holds at its start;
        ``schedule.AbandonableRefresher`` releases them if it never starts)."""
        return asyncio.run(work)

    async def _run_all(self, states: Sequence[SourceState]) -> list[SourceOutcome]:
        async with self._stages() as stages:
            stages.claimed.update(state.id for state in states)
            outcomes = await self._batch(stages, states)
            await _in(stages.db, self._assign_stories_in_turn)
            await self._subscribe()
            await self._feature()
            return outcomes

    @asynccontextmanager
    async def _stages(self) -> AsyncIterator[_Stages]:
        """The fetcher and the one database thread of a pass; on the way out, claims of
        sources that never finished (a cancelled pass) are released, after the last write."""
        db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="medfeed-store")
        # 304s and failures store no items: their states are written in groups
        states_writer = GroupWriter(partial(self.store.record_fetches, worker=self.worker), db)
        stages: _Stages | None = None
        try:
            allowed = self.settings.fulltext.allow_hosts
            guard = AddressGuard(allowed, source="redirect")
            async with Fetcher(fetch_limits(self.settings), redirect_guard=guard) as fetcher:
                stages = _Stages(fetcher, self._parse_pool, db, states_writer)
                yield stages
        finally:
            db.shutdown(wait=True)
            abandoned = [] if stages is None else sorted(stages.claimed - stages.done)
            if abandoned:
                self.store.release(abandoned, self.worker)

    async def _batch(self, stages: _Stages, states: Sequence[SourceState]) -> list[SourceOutcome]:
        return list(await asyncio.gather(*(self._one(stages, state) for state in states)))

    def _assign_stories_in_turn(self) -> None:
        """After a batch: its stories, all at once, if this process has the turn to decide
        (``DecidingTurn``); otherwise the items stay marked for the process that has it.

        Only listed passes (``refresh --all``, ``--source``) take turns. The
        due passes of ``medfeed run`` follow each other without end: with the
        turn, one service decided every other service's items at each of its
        batches and its hand-over kept finding new ones, and two services
        with 1 s intervals fetched almost nothing in 12 s
        (``tests/test_workers_pg.py``). Each of their batches is decided by
        its own process, as before.
        """
        if not self._take_turns:
            self._assign_stories()
            return
        try:
            turn = self.store.story_turn.take()
        except MedfeedError as exc:
            log.error("stories: %s", exc)
            return
        if turn:
            self._assign_stories()

    def _assign_stories(self) -> bool:
        """Decide every pending item's story (see ``Store.save_fetch``); False on failure.

        A failure is logged: the items stay marked and the next batch decides them.
        """
        dedupe = self.settings.dedupe
        try:
            if not self.store.stories_pending():  # nothing to decide: no need of the matcher
                return True
            self.store.assign_stories(
                self._stories.assign_pending(window=dedupe.window, threshold=dedupe.threshold)
            )
        except MedfeedError as exc:
            log.error("stories: %s", exc)
            return False
        return True

    async def _subscribe(self) -> None:
        """Ask hubs for pushes when the site has a public address; failures are logged."""
        if not self.settings.public_url:
            return
        try:
            await websub.subscribe_due(
                self.settings.public_url,
                self.store,
                fetch_limits(self.settings),
                _now(),
                allow_hosts=self.settings.fulltext.allow_hosts,
            )
        except MedfeedError as exc:
            log.error("websub: %s", exc)

    def ingest_pushed(self) -> list[SourceOutcome]:
        """Store what hubs pushed (checked and queued by the site) through the fetch's stages.

        A push counts as a successful fetch of its source (status ``pushed``);
        content that does not parse is logged and dropped, and fails nothing.

        Pushes parse in the pass's pool, or in one started for them however few they
        are, so that a parse past ``parse.timeout`` has its worker killed, as a fetched
        body's has. They parsed in a thread before, which past its deadline was only
        abandoned and went on burning a core and memory for as long as the document made
        it; under ``medfeed run`` each such push added one more (a stranger's hub decides
        what is pushed)."""
        outcomes: list[SourceOutcome] = []
        if not self.settings.public_url or not self.store.websub.pending():
            return outcomes
        with self._pool_for(0, workers=1):  # one: pushes parse one after the other
            for delivery in self.store.websub.take():
                outcome = self._ingest_one(delivery)
                if outcome is not None:
                    outcomes.append(outcome)
        return outcomes

    def _ingest_one(self, delivery: Delivery) -> SourceOutcome | None:
        """Parse and store one push; None when it is dropped (its source gone or disabled,
        or its content not stored, which is logged)."""
        source = self.settings.source(delivery.source_id)
        if source is None or not source.enabled:
            return None
        now = _now()
        from .prepare import PrepareJob  # the parse stack: see ``_job``

        job = PrepareJob(
            source_id=source.id,
            kind=source.kind,
            label=source.effective_label,
            source_tags=source.tags,
            specialties=self._specialties,
            body=delivery.body,
            url=source.url,
            content_type=delivery.content_type,
            now=now,
            limits=self.settings.parse.limits(source),
        )
        try:
            deadline = self.settings.parse.timeout.total_seconds()
            prepared = asyncio.run(_parse(self._parse_pool, job, deadline))
            pushed = SourceOutcome(source.id, "pushed", warnings=prepared.warnings)
            schedule = self.settings.schedule
            next_fetch = pacing.after_success(
                now, self.settings.interval_of(source), jitter=schedule.jitter, cron=schedule.cron
            )
            report = FetchReport(source.id, delivery.received_at, now, pushed, next_fetch)
            dedupe = self.settings.dedupe
            stories = self._stories.assign(
                prepared.updates,
                prepared.signatures,
                window=dedupe.window,
                threshold=dedupe.threshold,
            )
            result = self.store.save_fetch(
                report,
                prepared.updates,
                worker=self.worker,
                stories=stories,
                vocabulary=self._vocabulary,
            )
        except MedfeedError as exc:
            log.warning("source %s: pushed content not stored: %s", source.id, exc)
            return None
        except Exception:  # a parser's bug must not stop the pass, as in a fetch
            log.exception("source %s: pushed content not stored: unexpected error", source.id)
            return None
        outcome = replace(
            pushed, new=result.new, updated=result.updated, unchanged=result.unchanged
        )
        metrics.record_outcome(outcome)
        return outcome

    async def _feature(self) -> None:
        """Give the featured article its full text; a failure here never fails the pass."""
        try:
            await feature_in_full(self.settings, self.store, fetch_limits(self.settings))
        except MedfeedError as exc:
            log.error("featured article: %s", exc)
        except Exception:
            log.exception("featured article: unexpected error")

    async def _one(self, stages: _Stages, state: SourceState) -> SourceOutcome:
        """Fetch one source and store what it sent: nothing when the server answers 304, or
        sends the very body whose items the source holds (its digest, ``PrepareJob.digest``).

        Both count as not modified. Many servers send no validators, or new ones on every
        request: a 2,000-entry feed was parsed and stored again each pass for nothing.
        An unconditional fetch (``schedule.unconditional_every``) reads even that body,
        so what only a read does still happens that often: retention's memory of purged
        entries is renewed. A change of the parsing code or its libraries, of the
        source's config, or of the hub it would subscribe to changes the digest
        (``PrepareJob.digest``), and a config edit that changes whose copy an item
        shows forgets it (``store.sources._read_again``): each is read at the next fetch.
        """
        started = _now()
        error: BaseException | None = None
        unconditional = pacing.wants_unconditional(
            started, state.last_unconditional_at, self.settings.schedule.unconditional_every
        )
        try:
            fetched = await stages.fetcher.fetch(
                state.id,
                state.url,
                etag=None if unconditional else state.etag,
                last_modified=None if unconditional else state.last_modified,
                now=started,
            )
            job = None if fetched.not_modified else self._job(state, fetched, started)
            hub = self._hub(fetched) if job else None
            digest = None if job is None else job.digest(besides=hub)
            if job is None or (digest == state.body_digest and not unconditional):
                outcome = SourceOutcome(state.id, "not-modified")
                report = self._success(state, started, outcome, fetched, unconditional, digest)
                await stages.states_writer.put(report)
            else:
                async with stages.ahead:
                    outcome = await self._store(
                        state, fetched, job, digest, started, unconditional, stages, hub=hub
                    )
        except MedfeedError as exc:
            error = exc
            outcome = await self._failed(state, started, exc, stages.states_writer)
        except Exception as exc:  # a bug must not stop the other sources
            log.exception("source %s: unexpected error", state.id)
            error = exc
            outcome = await self._failed(state, started, exc, stages.states_writer)
        stages.done.add(state.id)
        metrics.record_outcome(outcome, error)
        if self._on_outcome is not None:
            self._on_outcome(outcome)
        return outcome

    def _job(self, state: SourceState, fetched: Fetched, started: datetime) -> PrepareJob:
        from .prepare import PrepareJob  # the parse stack: only for a body to parse

        return PrepareJob(
            source_id=state.id,
            kind=state.kind,
            label=state.label,
            source_tags=state.tags,
            specialties=self._specialties,
            body=fetched.body or b"",
            url=fetched.url,
            content_type=fetched.content_type,
            now=started,
            limits=self.settings.limits_of(state.id),
        )

    def _hub(self, fetched: Fetched) -> tuple[str | None, str | None] | None:
        """The hub and topic a body read would subscribe to (``websub.hub_links``); None
        when the site has no public address and subscribes to nothing.

        Part of the body's digest: a hub appearing in the feed's ``Link:`` header, or a
        ``public_url`` set in the config, is a reason to read the same bytes again."""
        return websub.hub_links(fetched) if self.settings.public_url else None

    async def _store(
        self,
        state: SourceState,
        fetched: Fetched,
        job: PrepareJob,
        digest: str | None,
        started: datetime,
        unconditional: bool,
        stages: _Stages,
        *,
        hub: tuple[str | None, str | None] | None,
    ) -> SourceOutcome:
        """Parse and store a body; ``hub``: the hub and topic it subscribes to (``_hub``)."""
        pool, db = stages.pool, stages.db
        prepared = await _parse(pool, job, self.settings.parse.timeout.total_seconds())
        hub_url, topic = hub or (None, None)
        if hub_url:
            await _in(
                db, self.store.websub.note_hub, state.id, hub_url, topic or state.url, started
            )
        provisional = SourceOutcome(state.id, "ok", warnings=prepared.warnings)
        report = self._success(state, started, provisional, fetched, unconditional, digest)
        result = await _in(
            db,
            self.store.save_fetch,
            report,
            prepared.updates,
            worker=self.worker,
            stories=self._stories.defer(prepared.updates, prepared.signatures),
            vocabulary=self._vocabulary,
        )
        return SourceOutcome(
            state.id,
            "ok",
            new=result.new,
            updated=result.updated,
            unchanged=result.unchanged,
            warnings=prepared.warnings,
        )

    def _success(
        self,
        state: SourceState,
        started: datetime,
        outcome: SourceOutcome,
        fetched: Fetched,
        unconditional: bool,
        body_digest: str | None = None,
    ) -> FetchReport:
        finished = _now()
        schedule = self.settings.schedule
        return FetchReport(
            source_id=state.id,
            started_at=started,
            finished_at=finished,
            outcome=outcome,
            next_fetch_at=pacing.after_success(
                finished,
                state.interval,
                fresh_until=fetched.fresh_until,
                jitter=schedule.jitter,
                cron=schedule.cron,
            ),
            http_status=fetched.status,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            conditional=not unconditional,
            permanent_redirect=fetched.permanent_redirect,
            body_digest=body_digest,
            claimed_digest=state.body_digest,
            url=state.url,
        )

    async def _failed(
        self,
        state: SourceState,
        started: datetime,
        exc: BaseException,
        states_writer: GroupWriter[FetchReport],
    ) -> SourceOutcome:
        finished = _now()
        message = _message(state.id, exc)
        status = exc.status if isinstance(exc, HTTPStatusError) else None
        retry_after = exc.retry_after if isinstance(exc, HTTPStatusError) else None
        schedule = self.settings.schedule
        outcome = SourceOutcome(state.id, "failed", error=message)
        report = FetchReport(
            source_id=state.id,
            started_at=started,
            finished_at=finished,
            outcome=outcome,
            next_fetch_at=pacing.after_failure(
                finished,
                state.interval,
                state.consecutive_failures + 1,
                cap=schedule.max_backoff,
                retry_after=retry_after,
                jitter=schedule.jitter,
                cron=schedule.cron,
            ),
            http_status=status,
            disable_reason="HTTP 410 Gone: the feed was removed" if status == 410 else None,
            url=state.url,
        )
        await states_writer.put(report)
        return outcome


def claim_share(left: int) -> int:
    """Half of what is left, between ``MIN_CLAIM`` and ``CLAIM_BATCH``: batches shrink
    towards the end of a pass, which several processes then finish nearly together."""
    return max(MIN_CLAIM, min(CLAIM_BATCH, (left + 1) // 2))


def _message(source_id: str, exc: BaseException) -> str:
    """A human sentence without the "source x:" prefix the table already shows."""
    if isinstance(exc, FetchError):
        return exc.reason
    if isinstance(exc, ParseError):
        return str(exc)
    if isinstance(exc, MedfeedError):
        return str(exc).removeprefix(f"source {source_id}: ")
    return f"internal error: {type(exc).__name__}: {exc}"


async def _parse(pool: Executor, job: PrepareJob, deadline: float) -> Prepared:
    """Parse off the event loop, whatever does it, failing the source after ``deadline``
    seconds (``parse.timeout``): a quadratic corner of a parser held a whole pass for
    9 minutes, and ``medfeed run``'s stop for as long.

    Every document parses in a pool's worker process (``Refresher._pool_for``), never
    in a thread of this one: a thread cannot be killed, and one inside a long call into
    C holds the interpreter's lock, so the deadline itself cannot fire until it returns.
    Past the deadline the workers are killed and replaced; the other jobs they held are
    handed in again, with a deadline of their own. The pool is handed its job from a
    thread, since the first job starts its
    processes (the forkserver importing the parse stack): that took seconds on a busy
    machine with the loop blocked, and the fetches in flight timed out meanwhile though
    their servers had answered."""
    if not isinstance(pool, PoolOnDemand):
        return await _within(_in_pool(pool, job), deadline, pool)
    from concurrent.futures.process import BrokenProcessPool  # multiprocessing: a pool's

    await asyncio.to_thread(pool.wait_started)
    try:
        return await _within(_in_pool(pool, job), deadline, pool)
    except BrokenProcessPool:
        # killed at another job's deadline, or a worker died: new workers (``_running``)
        await asyncio.to_thread(pool.wait_started)
    return await _within(_in_pool(pool, job), deadline, pool)


async def _within(work: Awaitable[Prepared], deadline: float, pool: Executor) -> Prepared:
    try:
        return await asyncio.wait_for(work, deadline)
    except TimeoutError:
        if isinstance(pool, PoolOnDemand):
            # off the loop: it waits for the workers to die (up to 2 x KILL_GRACE)
            await asyncio.to_thread(pool.abandon)
        raise ParseError(
            f"parsing took longer than {deadline:g} s (parse.timeout): abandoned"
        ) from None


async def _in_pool(pool: Executor, job: PrepareJob) -> Prepared:
    from .prepare import prepare  # the parse stack: see ``Refresher._job``

    submitted = await asyncio.to_thread(pool.submit, prepare, job)
    return await asyncio.wrap_future(submitted)


async def _in(
    executor: Executor | None, fn: Callable[..., T], *args: object, **kwargs: object
) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, partial(fn, *args, **kwargs))


def _now() -> datetime:
    return datetime.now(UTC)
