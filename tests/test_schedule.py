"""The background refresh with a real scheduler, real seconds, a real HTTP server and database."""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from aggregator.config import load_settings
from aggregator.errors import StorageError
from aggregator.records import StoredSource
from aggregator.schedule import (
    CONFIG_ERROR,
    CRON_JOB,
    AbandonableRefresher,
    RefreshService,
    _quiet_scheduler_logs,
)
from aggregator.store import Store
from aggregator.store.models import Source
from tests.feeds import Entry, config_text, rss, served
from tests.localserver import LocalServer, send
from tests.waiting import WAIT, wait_until

FAST = "{default_interval: 1s, tick: 0.2s, jitter: 0}"
# The fetch timeout here: on a loaded machine the 2 s of tests/feeds timed out answers the
# local server gave at once (a 429 became a timeout, without its Retry-After), and no
# stalled feed below reaches it: a pass cut short is cut by the test, not by the timeout.
PATIENT = "60s"
FEED = rss([Entry("Trial results", "https://ex.org/trial", "trial-1")])
Sources = list[tuple[str, str, str]]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


class Harness:
    """One config file, one store, and the services started on them (stopped at teardown)."""

    def __init__(self, path: Path, database_url: str, store: Store) -> None:
        self.path, self.database_url, self.store = path, database_url, store
        self.services: list[RefreshService] = []

    def write(self, sources: Sources, schedule: str = FAST) -> None:
        text = config_text(self.database_url, sources, schedule=schedule)
        self.path.write_text(text.replace("timeout: 2s", f"timeout: {PATIENT}"))

    def start(self, sources: Sources, schedule: str = FAST) -> RefreshService:
        self.write(sources, schedule)
        service = RefreshService(load_settings(self.path), self.store, worker="test-worker")
        self.services.append(service)
        service.start()
        return service

    def source(self, source_id: str) -> StoredSource:
        return next(s for s in self.store.sources(include_retired=True) if s.id == source_id)

    def status(self, source_id: str) -> str | None:
        """The last recorded fetch status; None before the source is even in the database."""
        known = {s.id: s.last_status for s in self.store.sources(include_retired=True)}
        return known.get(source_id)


@pytest.fixture
def harness(tmp_path: Path, database_url: str, store: Store) -> Iterator[Harness]:
    harness = Harness(tmp_path / "config.yaml", database_url, store)
    try:
        yield harness
    finally:
        for service in harness.services:
            service.stop()


def hits(server: LocalServer, path: str) -> int:
    return sum(1 for r in server.requests if r.path == path)


def test_source_with_one_second_interval_is_fetched_on_schedule(
    harness: Harness, server: LocalServer
) -> None:
    server.route("/a.xml", served(FEED))
    started = time.monotonic()
    harness.start([("alpha", server.url("/a.xml"), "news")])
    # A pass may take seconds on a busy machine (the first one imports the parse stack),
    # and the next is due a second after the last began: a third fetch may be slow to come.
    assert wait_until(lambda: hits(server, "/a.xml") >= 3, 2 * WAIT)
    # Fetched again and again, yet no more often than once a second since the start (a
    # busy machine only spaces the fetches out): not at every 0.2 s tick.
    assert hits(server, "/a.xml") <= 1 + (time.monotonic() - started) / 1.0


def test_source_added_to_the_file_is_fetched_without_restart(
    harness: Harness, server: LocalServer
) -> None:
    server.route("/a.xml", served(FEED))
    server.route("/b.xml", served(FEED))
    alpha = ("alpha", server.url("/a.xml"), "news")
    harness.start([alpha], schedule="{default_interval: 1h, tick: 0.2s}")
    assert wait_until(lambda: hits(server, "/a.xml") == 1, WAIT)
    harness.write([alpha, ("beta", server.url("/b.xml"), "news")], "{default_interval: 1h}")
    assert wait_until(lambda: harness.status("beta") == "ok", WAIT)
    assert hits(server, "/b.xml") == 1


def test_invalid_edit_keeps_the_old_config_and_records_the_error(
    harness: Harness, server: LocalServer, store: Store
) -> None:
    server.route("/a.xml", served(FEED))
    harness.start([("alpha", server.url("/a.xml"), "news")])
    harness.path.write_text(harness.path.read_text().replace("kind: news", "kind: rumour"))
    assert wait_until(lambda: store.get_meta(CONFIG_ERROR) is not None, WAIT)
    error = store.get_meta(CONFIG_ERROR) or ""
    assert str(harness.path) in error and "field sources[0].kind" in error and "line" in error
    fetched = hits(server, "/a.xml")
    assert wait_until(lambda: hits(server, "/a.xml") > fetched, WAIT)


def test_a_specialty_naming_an_unknown_source_keeps_the_old_config_and_the_service_running(
    harness: Harness, server: LocalServer, store: Store
) -> None:
    server.route("/a.xml", served(FEED))
    harness.start([("alpha", server.url("/a.xml"), "news")])
    specialties = "specialties:\n  cardiology: {keywords: [heart], sources: [alpha, beta]}\n"
    harness.path.write_text(
        harness.path.read_text().replace("sources:\n", specialties + "sources:\n", 1)
    )
    assert wait_until(lambda: store.get_meta(CONFIG_ERROR) is not None, WAIT)
    error = store.get_meta(CONFIG_ERROR) or ""
    assert "specialty 'cardiology'" in error and "'beta'" in error and "line 7" in error
    fetched = hits(server, "/a.xml")
    assert wait_until(lambda: hits(server, "/a.xml") > fetched, WAIT)


def test_valid_edit_after_an_invalid_one_clears_the_error(
    harness: Harness, server: LocalServer, store: Store
) -> None:
    server.route("/a.xml", served(FEED))
    harness.start([("alpha", server.url("/a.xml"), "news")])
    good = harness.path.read_text()
    harness.path.write_text(good + "unknown_setting: 1\n")
    assert wait_until(lambda: store.get_meta(CONFIG_ERROR) is not None, WAIT)
    harness.path.write_text(good.replace("name: Alpha", "name: Alpha Wire"))
    assert wait_until(lambda: store.get_meta(CONFIG_ERROR) is None, WAIT)
    assert harness.source("alpha").name == "Alpha Wire"


def test_removed_source_stops_being_fetched_and_keeps_its_items(
    harness: Harness, server: LocalServer
) -> None:
    server.route("/a.xml", served(FEED))
    server.route("/b.xml", served(FEED))
    alpha, beta = ("alpha", server.url("/a.xml"), "news"), ("beta", server.url("/b.xml"), "news")
    harness.start([alpha, beta])
    assert wait_until(lambda: harness.source("beta").item_count == 1, WAIT)
    harness.write([alpha])
    assert wait_until(lambda: not harness.source("beta").in_config, WAIT)
    # A pass that claimed beta before the edit may still finish: its claim says so.
    assert wait_until(lambda: harness.source("beta").claimed_by is None, WAIT)
    fetched, alpha_fetched = hits(server, "/b.xml"), hits(server, "/a.xml")
    assert wait_until(lambda: hits(server, "/a.xml") >= alpha_fetched + 2, WAIT)
    assert hits(server, "/b.xml") == fetched
    assert harness.source("beta").item_count == 1


def test_gone_source_is_disabled_and_not_fetched_again(
    harness: Harness, server: LocalServer
) -> None:
    server.route("/gone.xml", lambda handler: send(handler, 410, b"gone"))
    harness.start([("gone", server.url("/gone.xml"), "news")])
    assert wait_until(lambda: harness.source("gone").disabled_reason is not None, WAIT)
    time.sleep(2.0)
    assert hits(server, "/gone.xml") == 1
    assert "410" in (harness.source("gone").disabled_reason or "")


def test_one_save_of_the_config_re_enables_a_source_a_410_disabled(
    harness: Harness, server: LocalServer
) -> None:
    """The file still said ``enabled: true``: the admin had to save ``enabled: false``,
    then ``enabled: true``. Any save (here a comment) now has the feed tried again."""
    server.route("/gone.xml", lambda handler: send(handler, 410, b"gone"))
    harness.start([("gone", server.url("/gone.xml"), "news")])
    assert wait_until(lambda: harness.source("gone").disabled_reason is not None, WAIT)
    server.route("/gone.xml", served(FEED))  # the feed is back
    harness.path.write_text(harness.path.read_text() + "# gone.xml is back\n")
    assert wait_until(lambda: harness.status("gone") == "ok", WAIT)
    assert harness.source("gone").disabled_reason is None


def test_a_restart_leaves_a_source_a_410_disabled_as_it_is(
    harness: Harness, server: LocalServer
) -> None:
    """Only an admin's save re-enables it: a start mirrors the file unedited."""
    server.route("/gone.xml", lambda handler: send(handler, 410, b"gone"))
    first = harness.start([("gone", server.url("/gone.xml"), "news")])
    assert wait_until(lambda: harness.source("gone").disabled_reason is not None, WAIT)
    first.stop()
    harness.start([("gone", server.url("/gone.xml"), "news")])
    time.sleep(1.0)
    assert hits(server, "/gone.xml") == 1
    assert harness.source("gone").disabled_reason is not None


def test_retry_after_on_429_is_honoured_by_the_schedule(
    harness: Harness, server: LocalServer
) -> None:
    headers = {"Retry-After": "30"}
    server.route("/busy.xml", lambda handler: send(handler, 429, b"slow down", headers))
    harness.start([("busy", server.url("/busy.xml"), "news")])
    assert wait_until(lambda: harness.status("busy") == "failed", WAIT)
    fetched = harness.source("busy")
    assert fetched.next_fetch_at is not None and fetched.last_fetch_at is not None
    assert fetched.next_fetch_at >= fetched.last_fetch_at + timedelta(seconds=29)
    time.sleep(2.0)
    assert hits(server, "/busy.xml") == 1


def test_cron_replaces_the_interval_ticks(harness: Harness, server: LocalServer) -> None:
    server.route("/a.xml", served(FEED))
    service = harness.start(
        [("alpha", server.url("/a.xml"), "news")],
        "{default_interval: 1s, tick: 0.2s, cron: '0 4 * * *'}",
    )
    time.sleep(1.5)
    assert hits(server, "/a.xml") == 0
    job = service.scheduler.get_job(CRON_JOB)
    assert isinstance(job.trigger, CronTrigger)
    assert job.next_run_time.astimezone(UTC).hour == 4


def test_cron_pass_refreshes_every_source_but_one_backing_off(
    harness: Harness, server: LocalServer, store: Store
) -> None:
    server.route("/a.xml", served(FEED))
    server.route("/down.xml", lambda handler: send(handler, 503, b"down"))
    service = harness.start(
        [("alpha", server.url("/a.xml"), "news"), ("down", server.url("/down.xml"), "news")],
        "{default_interval: 1h, tick: 0.2s, cron: '0 4 * * *'}",
    )
    service.refresh_all()
    assert harness.source("down").consecutive_failures == 1
    outcomes = service.refresh_all()
    assert [o.source_id for o in outcomes] == ["alpha"]
    assert (hits(server, "/a.xml"), hits(server, "/down.xml")) == (2, 1)


def test_stop_abandons_a_fetch_in_flight_and_leaves_no_claim(
    harness: Harness, server: LocalServer, store: Store
) -> None:
    release = threading.Event()

    def stall(handler: BaseHTTPRequestHandler) -> None:
        release.wait(2 * WAIT)
        send(handler, 200, FEED)

    server.route("/slow.xml", stall)
    service = harness.start([("slow", server.url("/slow.xml"), "news")])
    try:
        assert wait_until(lambda: hits(server, "/slow.xml") == 1, WAIT)
        time.sleep(0.1)
        started = time.monotonic()
        service.stop()
        # Waiting for the fetch would take the feed's 60 s (it answers when told to).
        assert time.monotonic() - started < WAIT
    finally:
        release.set()
    with store.session() as session:
        row = session.scalars(select(Source).where(Source.id == "slow")).one()
        assert (row.claimed_by, row.claimed_until, row.last_fetch_at) == (None, None, None)


def test_a_database_that_stops_answering_is_logged_once_not_at_every_tick(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """APScheduler logged each failed tick's whole traceback: 130 lines every two seconds."""
    harness.write([("wire", "https://wire.example/feed.xml", "news")])
    service = RefreshService(load_settings(harness.path), harness.store, worker="test-worker")
    down = {"now": True}

    def tick() -> None:
        if down["now"]:
            raise StorageError("database error: connection refused")

    job = service._reporting_outages(tick)
    with caplog.at_level(logging.INFO, logger="aggregator.schedule"):
        for _ in range(5):
            job()
        down["now"] = False
        job()
    said = [record.getMessage() for record in caplog.records]
    assert sum("database not answering" in line for line in said) == 1
    assert sum("database answering again" in line for line in said) == 1


def test_stop_joins_every_thread_the_service_started(harness: Harness, server: LocalServer) -> None:
    """A stopped service logs nothing more: its scheduler and job threads are gone, not just
    told to go (the local server's own request threads are not the service's)."""
    server.route("/a.xml", served(FEED))
    before = set(threading.enumerate())
    service = harness.start([("alpha", server.url("/a.xml"), "news")])
    assert wait_until(lambda: harness.status("alpha") == "ok", WAIT)
    time.sleep(0.5)  # a few more ticks: the job pool has started its threads by now
    service.stop()
    left = [t.name for t in threading.enumerate() if t not in before]
    assert [name for name in left if "process_request_thread" not in name] == []


@pytest.fixture
def web_available() -> None:
    try:
        from web import create_app  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"medfeed run serves web.create_app, which is not importable yet: {exc}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(url: str) -> dict[str, Any] | None:
    try:
        response = httpx.get(url, timeout=2.0)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


@pytest.fixture
def medfeed_run(
    harness: Harness, server: LocalServer, tmp_path: Path, web_available: None
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``medfeed run`` over one local feed, in a real subprocess, answering on a free port."""
    server.route("/a.xml", served(FEED))
    harness.write([("alpha", server.url("/a.xml"), "news")], "{default_interval: 1h, tick: 0.5s}")
    port = free_port()
    command = [sys.executable, "-m", "aggregator.cli", "--config", str(harness.path), "run"]
    log = (tmp_path / "run.log").open("wb")
    process = subprocess.Popen(
        [*command, "--port", str(port), "--workers", "1"], stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: get_json(base + "/healthz") is not None, 2 * WAIT), (
            tmp_path / "run.log"
        ).read_text()[-3000:]
        yield process, base
    finally:
        stop(process)
        log.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as a supervisor would: a SIGKILL would leave the web child to its own devices."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def titles(base: str) -> list[str]:
    body = get_json(base + "/api/items?stories=0") or {"items": []}
    return [item["title"] for item in body["items"]]


def test_medfeed_run_serves_the_site_and_refreshes_in_the_background(
    medfeed_run: tuple[subprocess.Popen[bytes], str],
) -> None:
    _, base = medfeed_run
    assert wait_until(lambda: "Trial results" in titles(base), WAIT)


def test_medfeed_run_fetches_a_source_added_to_the_file(
    medfeed_run: tuple[subprocess.Popen[bytes], str], harness: Harness, server: LocalServer
) -> None:
    _, base = medfeed_run
    server.route("/b.xml", served(rss([Entry("Guideline update", "https://ex.org/gl", "gl-1")])))
    harness.write(
        [("alpha", server.url("/a.xml"), "news"), ("beta", server.url("/b.xml"), "news")],
        "{default_interval: 1h, tick: 0.5s}",
    )
    assert wait_until(lambda: "Guideline update" in titles(base), WAIT)


def test_medfeed_run_exits_cleanly_on_sigterm(
    medfeed_run: tuple[subprocess.Popen[bytes], str], tmp_path: Path
) -> None:
    process, base = medfeed_run
    assert wait_until(lambda: "Trial results" in titles(base), WAIT)
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:  # which part is slow to stop: its log says
        pytest.fail(
            f"still running {WAIT:.0f} s after SIGTERM:\n" + (tmp_path / "run.log").read_text()
        )
    assert code == 0, (tmp_path / "run.log").read_text()
    assert get_json(base + "/healthz") is None


def test_killed_medfeed_run_takes_its_web_server_down_with_it(
    medfeed_run: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, base = medfeed_run
    process.kill()
    process.wait()
    assert wait_until(lambda: get_json(base + "/healthz") is None, WAIT)


def test_medfeed_run_serves_the_refresh_counters_and_is_ready_after_a_pass(
    medfeed_run: tuple[subprocess.Popen[bytes], str],
) -> None:
    _, base = medfeed_run
    assert wait_until(lambda: get_json(base + "/readyz") is not None, WAIT)
    metrics = httpx.get(base + "/metrics", timeout=5.0).text
    # Counted by the scheduler process, served by a gunicorn worker: the shared directory.
    assert "medfeed_refresh_passes_total 1.0" in metrics
    assert 'medfeed_items_stored_total{change="new",source="alpha"} 1.0' in metrics


def test_abandoning_a_listed_pass_stops_it_mid_share_and_leaves_no_claim(
    harness: Harness, server: LocalServer, store: Store
) -> None:
    """The cron pass (every source, in overlapping shares) is cut short as a due pass
    is: the fetch in flight is dropped and every claim of the pass released."""
    release = threading.Event()

    def stall(handler: BaseHTTPRequestHandler) -> None:
        release.wait(2 * WAIT)
        send(handler, 200, FEED)

    server.route("/a.xml", served(FEED))
    server.route("/slow.xml", stall)
    harness.write(
        [("alpha", server.url("/a.xml"), "news"), ("slow", server.url("/slow.xml"), "news")]
    )
    settings = load_settings(harness.path)
    store.sync_sources(settings.configured_sources())
    refresher = AbandonableRefresher(settings, store, worker="cron", pool=None)
    outcomes: list[object] = []
    passing = threading.Thread(target=lambda: outcomes.extend(refresher.refresh(due_only=False)))
    try:
        passing.start()
        assert wait_until(lambda: hits(server, "/slow.xml") == 1, WAIT)
        started = time.monotonic()
        refresher.abandon()
        passing.join(WAIT)
        assert not passing.is_alive() and time.monotonic() - started < WAIT
    finally:
        release.set()
    assert outcomes == []
    assert [s.id for s in store.sources() if s.claimed_by] == []
    assert harness.source("slow").last_fetch_at is None


def _slow(seconds: float) -> Callable[[BaseHTTPRequestHandler], None]:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        send(handler, 200, FEED, {"Content-Type": "application/rss+xml"})

    return answer


def test_a_config_edit_applies_while_a_slow_feed_holds_the_pass(
    harness: Harness, server: LocalServer
) -> None:
    # The tick's pass waits on the slow feed until the edit is seen; the edit must not wait
    # for the pass: a removed source is out of the config, and never fetched again.
    release = threading.Event()

    def stall(handler: BaseHTTPRequestHandler) -> None:
        release.wait(2 * WAIT)
        send(handler, 200, FEED, {"Content-Type": "application/rss+xml"})

    server.route("/slow.xml", stall)
    server.route("/quick.xml", served(FEED))
    slow, quick = (
        ("slow", server.url("/slow.xml"), "news"),
        ("quick", server.url("/quick.xml"), "news"),
    )
    harness.start([slow, quick])
    try:
        assert wait_until(lambda: hits(server, "/slow.xml") == 1, WAIT)
        harness.write([slow])  # quick removed while the pass waits on slow
        assert wait_until(lambda: not harness.source("quick").in_config, WAIT)
        assert hits(server, "/slow.xml") == 1  # the pass still held
        removed_at = len(server.requests)
    finally:
        release.set()
    assert wait_until(lambda: hits(server, "/slow.xml") >= 2, WAIT)  # the passes after it
    assert [r.path for r in server.requests[removed_at:] if r.path == "/quick.xml"] == []


def test_a_pass_takes_the_sources_due_when_it_began_and_ends(
    harness: Harness, server: LocalServer
) -> None:
    # Every source comes due again within the pass (a 1 s interval, a 1.5 s feed): a
    # pass that took whatever was due would never end, and never be counted.
    server.route("/slow.xml", _slow(1.5))
    server.route("/quick.xml", served(FEED))
    harness.write([("slow", server.url("/slow.xml"), "news"),
                   ("quick", server.url("/quick.xml"), "news")])  # fmt: skip
    settings = load_settings(harness.path)
    harness.store.sync_sources(settings.configured_sources())
    passed: list[int] = []
    refresher = AbandonableRefresher(settings, harness.store, worker="test-worker", pool=None)
    worker = threading.Thread(target=lambda: passed.append(len(refresher.refresh())))
    worker.start()
    worker.join(timeout=WAIT)
    ended = not worker.is_alive()
    if not ended:
        refresher.abandon()
        worker.join(timeout=WAIT)
    assert ended and passed == [2]
    assert (hits(server, "/slow.xml"), hits(server, "/quick.xml")) == (1, 1)


def test_a_cron_coming_into_force_shows_its_next_pass_as_every_next_fetch(
    harness: Harness, server: LocalServer
) -> None:
    server.route("/a.xml", served(FEED))
    service = harness.start(
        [("alpha", server.url("/a.xml"), "news")],
        "{default_interval: 1s, tick: 0.2s, cron: '0 4 * * *'}",
    )
    next_fetch = harness.source("alpha").next_fetch_at
    assert next_fetch is not None
    assert (next_fetch.hour, next_fetch.minute, next_fetch.second) == (4, 0, 0)
    assert next_fetch == service.scheduler.get_job(CRON_JOB).next_run_time.astimezone(UTC)


def test_a_cron_taken_out_gives_way_to_the_interval_at_once(
    harness: Harness, server: LocalServer
) -> None:
    """Its passes had set every next fetch to tomorrow's 04:00: with the cron gone, nothing
    was fetched until then."""
    server.route("/a.xml", served(FEED))
    sources = [("alpha", server.url("/a.xml"), "news")]
    service = harness.start(sources, "{default_interval: 1s, tick: 0.2s, cron: '0 4 * * *'}")
    harness.write(sources, "{default_interval: 1s, tick: 0.2s}")
    service.follow_config()  # or the config job, which may have seen the edit first

    def due_soon() -> bool:
        next_fetch = harness.source("alpha").next_fetch_at
        return next_fetch is not None and next_fetch <= datetime.now(UTC) + timedelta(seconds=2)

    assert wait_until(due_soon, WAIT) or hits(server, "/a.xml") >= 1
    assert wait_until(lambda: hits(server, "/a.xml") >= 1, WAIT)


def test_an_edit_the_database_could_not_take_is_put_into_force_when_it_answers_again(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The watcher had taken the edit as seen: a source added while the database was down
    (a PostgreSQL restart, a locked SQLite file) was never mirrored nor fetched, until
    the next edit or a restart."""
    alpha = ("alpha", "https://alpha.example/feed.xml", "news")
    beta = ("beta", "https://beta.example/feed.xml", "news")
    harness.write([alpha], "{default_interval: 1h}")
    service = RefreshService(load_settings(harness.path), harness.store, worker="test-worker")
    harness.store.sync_sources(service.settings.configured_sources())
    harness.write([alpha, beta], "{default_interval: 1h}")
    synced = harness.store.sync_sources

    def down(*_args: Any, **_kwargs: Any) -> None:
        raise StorageError("database error: connection refused")

    monkeypatch.setattr(harness.store, "sync_sources", down)
    with pytest.raises(StorageError):
        service.follow_config()
    monkeypatch.setattr(harness.store, "sync_sources", synced)
    service.follow_config()
    assert [s.id for s in service.settings.sources] == ["alpha", "beta"]
    assert harness.source("beta").in_config


def test_an_edit_the_database_refuses_does_not_hold_up_the_due_sources(
    harness: Harness, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tick applies edits before its pass: one whose mirror failed ended the tick, and
    nothing due was fetched while the database refused it."""
    server.route("/a.xml", served(FEED))
    alpha = ("alpha", server.url("/a.xml"), "news")
    harness.write([alpha], "{default_interval: 1h}")
    service = RefreshService(load_settings(harness.path), harness.store, worker="test-worker")
    harness.store.sync_sources(service.settings.configured_sources())
    harness.write(
        [alpha, ("beta", "https://beta.example/feed.xml", "news")], "{default_interval: 1h}"
    )

    def refused(*_args: Any, **_kwargs: Any) -> None:
        raise StorageError("database error: value too long for type character varying(200)")

    monkeypatch.setattr(harness.store, "sync_sources", refused)
    outcomes = service.tick()
    assert [(o.source_id, o.status) for o in outcomes] == [("alpha", "ok")]
    assert hits(server, "/a.xml") == 1
    with pytest.raises(StorageError):  # the config job still says so
        service.follow_config()


def test_two_edits_seen_by_the_two_jobs_at_once_leave_the_newer_in_force(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tick and the config job both look at the file: the one that read the first edit
    was still mirroring it when the other read the second and applied it; the first
    then put the older sources back in force, and the watcher had the newer as seen."""
    alpha = ("alpha", "https://alpha.example/feed.xml", "news")
    beta = ("beta", "https://beta.example/feed.xml", "news")
    gamma = ("gamma", "https://gamma.example/feed.xml", "news")
    harness.write([alpha], "{default_interval: 1h}")
    service = RefreshService(load_settings(harness.path), harness.store, worker="test-worker")
    synced = harness.store.sync_sources
    first_edit_mirroring, go_on = threading.Event(), threading.Event()

    def slow_first(sources: Any, *args: Any, **kwargs: Any) -> None:
        if [s.id for s in sources] == ["alpha", "beta"]:
            first_edit_mirroring.set()
            go_on.wait(2)  # (it waits for ever unless the second look goes ahead)
        synced(sources, *args, **kwargs)

    monkeypatch.setattr(harness.store, "sync_sources", slow_first)
    harness.write([alpha, beta], "{default_interval: 1h}")
    first = threading.Thread(target=service.follow_config)
    first.start()
    assert first_edit_mirroring.wait(WAIT)
    harness.write([alpha, beta, gamma], "{default_interval: 1h}")
    service.follow_config()
    go_on.set()
    first.join(WAIT)
    assert [s.id for s in service.settings.sources] == ["alpha", "beta", "gamma"]


def test_an_edit_whose_mirroring_failed_is_applied_at_the_next_check(
    harness: Harness, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The watcher takes an edit as seen when it reads it; the database may then refuse
    it (a deadlock, an outage). The edit was never tried again until the next one."""
    harness.write([("alpha", "https://ex.org/a.xml", "news")], "{default_interval: 1h}")
    service = RefreshService(load_settings(harness.path), store, worker="test-worker")
    store.sync_sources(service.settings.configured_sources())
    harness.write([("alpha", "https://ex.org/a.xml", "article")], "{default_interval: 1h}")
    mirror = store.sync_sources

    def refused(*args: Any, **kwargs: Any) -> bool:
        monkeypatch.setattr(store, "sync_sources", mirror)
        raise StorageError("deadlock detected")

    monkeypatch.setattr(store, "sync_sources", refused)
    with pytest.raises(StorageError):
        service.follow_config()
    service.follow_config()
    assert harness.source("alpha").kind.value == "article"


def test_starting_the_service_logs_no_job_by_its_code_name(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Every `medfeed run` began with three lines 'Added job
    "RefreshService._reporting_outages.<locals>.run" to job store "default"'."""
    _quiet_scheduler_logs()
    with caplog.at_level(logging.INFO, logger="apscheduler"):
        harness.start([("wire", "https://wire.example/feed.xml", "news")])
    said = [record.getMessage() for record in caplog.records if record.name.startswith("aps")]
    assert said and not [line for line in said if "Added job" in line or "<locals>" in line]
