"""Background refresh: APScheduler wiring, live config, and ``medfeed run``.

A ``RefreshService`` owns one ``BackgroundScheduler`` with three kinds of job:

    tick    every schedule.tick (2 s): config edited? -> sync sources;
            anything due? -> claim the sources due now and refresh them
    config  every schedule.tick: config edited? -> sync sources, even while a
            tick's pass waits on a slow feed (a removed source is not claimed again)
    cron    only when schedule.cron is set: refresh every enabled source that
            is not backing off, on that cron (the tick then only watches config)
    retag   every schedule.tick: the specialty vocabulary changed? -> re-tag the
            stored items in batches (``retagging``), in a thread of its own

A tick's pass takes the sources due when it began and ends when they are
done: sources that come due meanwhile wait for the next tick, so a pass ends
(and is counted for /readyz) however many sources keep coming due.
The jobs coalesce and never overlap themselves (``max_instances=1``); two
jobs, or two processes, never fetch one source at once because every pass
claims its sources in the database first (``Store.claim``). When the next
fetch is and how failures back off is ``pacing``'s arithmetic, applied by
``refresh``; this module decides only *when to look*, never what a fetch means.

``medfeed run`` (``run_service``) is this scheduler in the main process and the
web site as a child process: ``medfeed serve`` (gunicorn) started with the same
interpreter and config file. A child process rather than threads or a fork,
because gunicorn wants to be a master process of its own (it installs signal
handlers, forks and reaps its workers), and a fresh interpreter inherits no
scheduler threads, database connections or parse pool from this one. The parent
forwards SIGTERM/SIGINT to it, stops it if it outlives its graceful timeout,
and exits non-zero if it dies on its own, so a supervisor restarts the pair;
on Linux the child also gets SIGTERM if the parent is killed outright.
On SIGTERM/SIGINT in-flight fetches are abandoned, not awaited: their asyncio
task is cancelled and ``Refresher`` gives back every claim it did not finish,
so stopping takes a second, not the slowest feed's timeout. SIGHUP forces a
config check; web workers see edits through their own ``ConfigWatcher``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Executor
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from . import pacing
from .config import Settings
from .errors import StorageError
from .metrics import metrics_directory
from .output import RefreshSummary
from .records import SourceOutcome, SourceState, StoredSource
from .refresh import PoolOnDemand, Refresher
from .reload import Change, ConfigWatcher
from .retagging import RetagReport, retag_stored
from .serve import address, bare_host, ensure_port_free
from .store import Store, default_worker_name
from .tagging import specialties_from_config

log = logging.getLogger(__name__)

TICK_JOB, CRON_JOB, CONFIG_JOB = "medfeed-tick", "medfeed-cron", "medfeed-config"
RETAG_JOB = "medfeed-retag"
CONFIG_ERROR = "config_error"  # meta key: why the file on disk is not the config in force
CRON_IN_FORCE = "schedule_cron"  # meta key: the cron the stored next-fetch times follow
WEB_STOP_GRACE = 15.0  # seconds the web child gets after SIGTERM before SIGKILL
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class AbandonableRefresher(Refresher):
    """A ``Refresher`` whose pass another thread can cut short.

    ``abandon()`` cancels the pass's asyncio task: fetches in flight are
    dropped and the ``Refresher``'s own clean-up releases their claims, so a
    stopping service leaves no source leased to a process that is gone.
    """

    def __init__(
        self, settings: Settings, store: Store, *, worker: str, pool: Executor | None
    ) -> None:
        super().__init__(settings, store, worker=worker, pool=pool)
        self._guard = threading.Lock()
        self._abandoned = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[list[SourceOutcome]] | None = None

    def abandon(self) -> None:
        self.stop()
        with self._guard:
            self._abandoned = True
            if self._loop is not None and self._task is not None:
                self._loop.call_soon_threadsafe(self._task.cancel)

    def _drive(
        self,
        work: Coroutine[object, object, list[SourceOutcome]],
        claimed: Sequence[SourceState] = (),
    ) -> list[SourceOutcome]:
        try:
            return asyncio.run(self._cancellable(work, claimed))
        except asyncio.CancelledError:
            log.info("refresh pass abandoned; its unfinished claims released")
            return []

    async def _cancellable(
        self,
        work: Coroutine[object, object, list[SourceOutcome]],
        claimed: Sequence[SourceState],
    ) -> list[SourceOutcome]:
        task = asyncio.current_task()
        with self._guard:
            if self._abandoned:
                work.close()
                self.store.release([s.id for s in claimed], self.worker)
                return []
            self._loop, self._task = asyncio.get_running_loop(), task
        try:
            return await work
        finally:
            with self._guard:
                self._loop = self._task = None


class RefreshService:
    """The background refresh of one process: a scheduler, a config watcher, a store."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        pool: Executor | None = None,
        worker: str | None = None,
        watcher: ConfigWatcher | None = None,
    ) -> None:
        self.store = store
        self.pool = pool
        self.worker = worker or default_worker_name()
        self.watcher = watcher or ConfigWatcher(settings)
        self._settings = settings
        self._lock = threading.Lock()
        self._stopping = False
        self._database_down = False  # said once in the log (``_reporting_outages``)
        self._unapplied: Change | None = None  # an edit the database could not take yet
        self._following = threading.Lock()  # one look at the config, and its apply, at a time
        self._active: set[AbandonableRefresher] = set()
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(3)},  # tick, config, retag
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
            timezone=UTC,
        )

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def scheduler(self) -> BackgroundScheduler:
        return self._scheduler

    def start(self) -> None:
        """Mirror the config into the database, record it as valid, start the jobs."""
        self.store.sync_sources(self._settings.configured_sources())
        self.align_to_cron()
        self.store.set_meta(CONFIG_ERROR, None)
        self._scheduler.start()
        self._schedule_jobs()

    def stop(self) -> None:
        """Abandon passes in flight (their claims are released), then stop the scheduler."""
        with self._lock:
            self._stopping = True
            for refresher in self._active:
                refresher.abandon()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def tick(self) -> list[SourceOutcome]:
        """Apply config edits; store pushed content; refresh the due sources unless a cron
        does the refreshing. An edit the database refuses does not hold up the pass: the
        ``config`` job reports it, and each look tries it again."""
        with contextlib.suppress(StorageError):
            self.follow_config()
        if self._settings.schedule.cron or self.store.due_count() == 0:
            pushes = Refresher(self._settings, self.store, worker=self.worker, pool=self.pool)
            return pushes.ingest_pushed()  # in the service's pool: no start-up for each push
        return self._pass(due_only=True)  # a pass stores pushed content first

    def refresh_all(self) -> list[SourceOutcome]:
        """The cron pass: every enabled source, except those backing off or told to wait."""
        now = datetime.now(UTC)
        ready = [s.id for s in self.store.sources() if _ready_at(s, now) <= now]
        return self._pass(due_only=False, source_ids=ready) if ready else []

    def align_to_cron(self, now: datetime | None = None) -> None:
        """Under a cron, show each source's next fetch as the pass that will fetch it: the
        times stored before the cron came into force (an interval's, a new source's "now")
        are not when it happens, and no tick moves them on. When a cron goes (an edit, or
        a restart without it), the times its passes left (tomorrow's 04:00 for a daily
        one) give way to each source's interval: else nothing was fetched until then."""
        cron = self._settings.schedule.cron
        now = now or datetime.now(UTC)
        if cron:
            self.store.set_next_fetch(
                {
                    source.id: pacing.cron_pass(_ready_at(source, now), cron)
                    for source in self.store.sources()
                    if source.enabled
                }
            )
        elif self.store.get_meta(CRON_IN_FORCE):
            self.store.set_next_fetch(self._back_to_intervals(now))
        if (self.store.get_meta(CRON_IN_FORCE) or None) != cron:
            self.store.set_meta(CRON_IN_FORCE, cron)

    def _back_to_intervals(self, now: datetime) -> dict[str, datetime]:
        """Each source not backing off, due within its interval at the latest."""
        times = {}
        for source in self.store.sources():
            configured = self._settings.source(source.id)
            if not source.enabled or configured is None or source.consecutive_failures:
                continue
            due = now + pacing.jittered(self._settings.interval_of(configured), 0.1)
            if source.next_fetch_at is None or source.next_fetch_at > due:
                times[source.id] = due
        return times

    def retag(self) -> RetagReport | None:
        """Bring the stored items' specialty tags to the vocabulary in force (the ``retag``
        job): after an edit, and after a restart with an edited config."""
        specialties = specialties_from_config(self._settings.specialties)
        return retag_stored(
            self.store, specialties, holder=self.worker, should_stop=lambda: self._stopping
        )

    def follow_config(self) -> None:
        """Put an edited config into force (the ``config`` job, and each tick); with no new
        edit, one the database could not take at the last look.

        The tick and the config job look at once: without the lock, one that read an
        edit and another that read the next one could apply them in the wrong order,
        leaving the older in force while the watcher held the newer as seen."""
        with self._following:
            change = self.watcher.check()
            if not (change.reloaded or change.rejected):
                change = self._unapplied or change
            self.apply(change)

    def apply(self, change: Change) -> None:
        """Put a checked config into force, or record why an edit was rejected.

        The watcher reports an edit once: one the database cannot take (down, or
        locked) is kept and applied at the next look, not lost until the file changes
        once more (``medfeed run`` went on with the old sources)."""
        try:
            self._apply(change)
        except StorageError:
            if change.reloaded or change.rejected:
                self._unapplied = change
            raise
        if change.reloaded or change.rejected:
            self._unapplied = None

    def _apply(self, change: Change) -> None:
        if change.error is not None:
            self.store.set_meta(CONFIG_ERROR, str(change.error))
            return
        if change.settings is None:
            return
        old, new = self._settings, change.settings
        if new.database != old.database:
            log.warning("config: a new database URL takes effect only after a restart")
            new = new.model_copy(update={"database": old.database})
        # a save re-enables the sources a 410 disabled that it keeps enabled
        self.store.sync_sources(new.configured_sources(), edited=True)
        self.store.set_meta(CONFIG_ERROR, None)
        self._settings = new
        if (new.schedule.cron, new.schedule.tick) != (old.schedule.cron, old.schedule.tick):
            # before ``align_to_cron``: if that fails, the apply repeated finds old == new
            self._schedule_jobs()
        self.align_to_cron()

    def _reporting_outages(self, job: Callable[[], object]) -> Callable[[], object]:
        """``job`` as the scheduler runs it: a database that stops answering is said once,
        and once when it answers again; left to APScheduler, each tick and config check
        logged its whole traceback (130 lines every two seconds)."""

        def run() -> object:
            try:
                result = job()
            except StorageError as exc:
                if not self._database_down:
                    log.error("database not answering; refresh waits for it: %s", exc)
                self._database_down = True
                return None
            if self._database_down:
                log.info("database answering again; refresh goes on")
                self._database_down = False
            return result

        return run

    def _schedule_jobs(self) -> None:
        schedule = self._settings.schedule
        every_tick = (
            (self.tick, TICK_JOB, datetime.now(UTC)),
            (self.follow_config, CONFIG_JOB, None),
            (self.retag, RETAG_JOB, datetime.now(UTC)),
        )
        for job, job_id, first_run in every_tick:
            options = {} if first_run is None else {"next_run_time": first_run}
            self._scheduler.add_job(
                self._reporting_outages(job),
                IntervalTrigger(seconds=schedule.tick.total_seconds(), timezone=UTC),
                id=job_id,
                replace_existing=True,
                **options,
            )
        if schedule.cron:
            trigger = CronTrigger.from_crontab(schedule.cron, timezone=UTC)
            self._scheduler.add_job(
                self._reporting_outages(self.refresh_all),
                trigger,
                id=CRON_JOB,
                replace_existing=True,
            )
        elif self._scheduler.get_job(CRON_JOB) is not None:
            self._scheduler.remove_job(CRON_JOB)

    def _pass(
        self, *, due_only: bool, source_ids: Sequence[str] | None = None
    ) -> list[SourceOutcome]:
        refresher = AbandonableRefresher(
            self._settings, self.store, worker=self.worker, pool=self.pool
        )
        with self._lock:
            if self._stopping:
                return []
            self._active.add(refresher)
        try:
            outcomes = refresher.refresh(source_ids=source_ids, due_only=due_only)
        finally:
            with self._lock:
                self._active.discard(refresher)
        if outcomes:
            log_pass(outcomes)
        return outcomes


def _ready_at(source: StoredSource, now: datetime) -> datetime:
    """When the cron's passes may fetch ``source``: now, unless it is backing off."""
    if source.consecutive_failures and source.next_fetch_at is not None:
        return max(now, source.next_fetch_at)
    return now


def log_pass(outcomes: Sequence[SourceOutcome]) -> None:
    """One line per pass: the totals, and which sources failed and why (a warning then)."""
    summary = RefreshSummary.of(outcomes, datetime.now(UTC))
    failed = [o for o in outcomes if o.status == "failed"]
    if not failed:
        log.info("refresh pass: %s", summary.counts())
        return
    reasons = "; ".join(f"{o.source_id} ({_short(o.error)})" for o in failed)
    log.warning("refresh pass: %s: %s", summary.counts(), reasons)


def _short(error: str | None, limit: int = 120) -> str:
    text = " ".join((error or "unknown error").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def web_command(
    settings: Settings, *, host: str, port: int, workers: int | None, access_log: bool = False
) -> list[str]:
    """``medfeed serve`` for the same config, run by this interpreter."""
    command = [sys.executable, "-m", "aggregator.cli", "--config", str(settings.path), "serve"]
    command += ["--host", host, "--port", str(port)]
    command += ["--access-log"] if access_log else []
    return command + (["--workers", str(workers)] if workers else [])


def run_service(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int | None = None,
    access_log: bool = False,
) -> int:
    """``medfeed run``: refresh in the background and serve the site until SIGTERM/SIGINT.

    The refresh's counters and the site's workers share one metrics directory.
    """
    host = bare_host(host)
    ensure_port_free(host, port)  # before anything starts: the admin hears of it at once
    with metrics_directory():
        return _run_service(settings, host=host, port=port, workers=workers, access_log=access_log)


def _run_service(
    settings: Settings, *, host: str, port: int, workers: int | None, access_log: bool
) -> int:
    _quiet_scheduler_logs()
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in _STOP_SIGNALS}
    store = Store(settings.database)
    pool = PoolOnDemand()
    service = RefreshService(settings, store, pool=pool)
    service.watcher.install_sighup()
    command = web_command(settings, host=host, port=port, workers=workers, access_log=access_log)
    web = subprocess.Popen(command, start_new_session=True, preexec_fn=_die_with_parent)
    try:
        service.start()
        log.info("medfeed run: web on http://%s (pid %d), refresh in the background",
                 address(host, port), web.pid)  # fmt: skip
        while not stop.wait(1.0):
            if web.poll() is not None:
                log.error("the web server exited with status %s; stopping", web.returncode)
                return 1
        return 0
    finally:
        if web.poll() is None:
            web.terminate()  # gunicorn drains its requests while the scheduler stops
        service.stop()
        _wait_child(web)
        pool.abandon()  # a stuck parse held the stop for minutes; workers only parse
        store.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _die_with_parent() -> None:
    """In the web child before exec: have Linux SIGTERM it when ``medfeed run`` dies,
    even by SIGKILL, so a killed service never leaves an orphaned site on its port."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _quiet_scheduler_logs() -> None:
    """APScheduler logs every run of a two-second job, every tick skipped because a
    long pass is still running (by design: ``max_instances=1``), and each job it is
    given by its code name ('Added job "RefreshService._reporting_outages.<locals>.run"',
    three at every start, which told the admin nothing); errors still show."""
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").addFilter(_said_to_the_admin)


def _said_to_the_admin(record: logging.LogRecord) -> bool:
    said = record.getMessage()
    return "maximum number of running instances" not in said and not said.startswith("Added job")


def _wait_child(web: subprocess.Popen[bytes]) -> None:
    """Give gunicorn its graceful timeout after SIGTERM, then SIGKILL it."""
    try:
        web.wait(timeout=WEB_STOP_GRACE)
    except subprocess.TimeoutExpired:
        log.warning("the web server did not stop within %.0f s; killing it", WEB_STOP_GRACE)
        web.kill()
        web.wait()
