"""Several processes on one PostgreSQL database share the work and never double up.

Real subprocesses (``medfeed refresh`` and scheduler loops) against one
PostgreSQL schema and one local HTTP server whose request log is the proof:
each due source fetched once per pass, never two requests for one source in
flight at once, and no item stored twice.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from aggregator.refresh import CLAIM_BATCH
from aggregator.store import Store, sameurl
from aggregator.store.models import FetchLog, Item, ItemSource
from tests.feeds import Entry, config_text, rss
from tests.localserver import LocalServer, send
from tests.waiting import WAIT, wait_until

pytestmark = pytest.mark.slow

SHARED = Entry("Shared wire story", "https://ex.org/shared-story", "shared")
WORKER = """
import os, sys, time
from aggregator.config import load_settings
from aggregator.refresh import parse_pool
from aggregator.schedule import RefreshService
from aggregator.store import Store
settings = load_settings(sys.argv[1])
store = Store(settings.database)
pool = parse_pool()
service = RefreshService(settings, store, pool=pool)
service.start()
while not os.path.exists(sys.argv[2]):  # until the test has seen enough passes
    time.sleep(0.05)
print(time.time(), flush=True)  # when this process began stopping
service.stop()
pool.shutdown()
store.close()
"""


class GrowingFeeds:
    """Feed ``/<n>.xml`` gains an entry every ``every`` seconds; every request is counted.

    ``spans`` holds each request's path and wall-clock start and end, from
    which ``overlap`` counts requests for one feed in flight at once: the
    number the claims must keep at 1.
    """

    def __init__(self, delay: float, every: float = 1.0) -> None:
        self.delay, self.every = delay, every
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.spans: list[tuple[str, float, float]] = []
        self.served: dict[str, int] = {}  # entries in the largest version served

    def entries(self, path: str) -> list[Entry]:
        count = 1 + int((time.monotonic() - self.started) / self.every)
        own = [
            Entry(f"{path} item {n}", f"https://ex.org{path}/{n}", f"{path}-{n}")
            for n in range(count)
        ]
        return [*own, SHARED]

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        path, start = handler.path, time.time()
        try:
            time.sleep(self.delay)
            entries = self.entries(path)
            with self.lock:
                self.served[path] = max(self.served.get(path, 0), len(entries) - 1)
            send(handler, 200, rss(entries), {"Content-Type": "application/rss+xml"})
        finally:
            with self.lock:
                self.spans.append((path, start, time.time()))

    def overlap(self, before: float) -> Counter[str]:
        """Per feed, the most of its requests started before ``before`` in flight at once.

        A stopping process hangs up on its fetches in flight and gives their
        sources back, so the other process may fetch one again at once, while
        this server's thread still sleeps over the request nobody waits for:
        that is not two claims on one source, and only happens after a stop.
        """
        most: Counter[str] = Counter()
        spans = [span for span in self.spans if span[1] < before]
        for path, start, _ in spans:
            alive = sum(p == path and s <= start < e for p, s, e in spans)
            most[path] = max(most[path], alive)
        return most

    def distinct_items(self) -> int:
        """Every entry any feed served, counted once; the shared story once in all."""
        return sum(self.served.values()) + 1


@pytest.fixture
def pg_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("set MEDFEED_TEST_DATABASE_URL to a PostgreSQL database to run these tests")
    return database_url


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def serve_feeds(server: LocalServer, feeds: GrowingFeeds, count: int) -> list[tuple[str, str, str]]:
    paths = [f"/{n:02d}.xml" for n in range(count)]
    for path in paths:
        server.route(path, feeds)
    return [(f"feed-{n:02d}", server.url(path), "news") for n, path in enumerate(paths)]


def count_rows(store: Store, model: type) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def patient_config(database: str, sources: list[tuple[str, str, str]], **extra: str) -> str:
    """A fetch timeout a busy machine does not reach: a failed fetch here is a real one."""
    return config_text(database, sources, **extra).replace("timeout: 2s", "timeout: 30s")


def start_all(
    commands: list[list[str]], meanwhile: Callable[[], object] = lambda: None
) -> list[subprocess.CompletedProcess[str]]:
    """Start every command at once, run ``meanwhile``, then wait for all: the processes
    really overlap."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    processes = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for c in commands
    ]
    try:
        meanwhile()
    finally:
        results = []
        for process, command in zip(processes, commands, strict=True):
            out, err = process.communicate(timeout=120)
            results.append(subprocess.CompletedProcess(command, process.returncode, out, err))
    return results


def fetches_by_worker(store: Store) -> dict[str, int]:
    with store.session() as session:
        rows = session.execute(select(FetchLog.worker, func.count()).group_by(FetchLog.worker))
        return {worker: int(count) for worker, count in rows.all()}


@pytest.mark.parametrize("every", [False, True], ids=["due", "all"])
def test_two_refresh_commands_fetch_each_source_exactly_once(
    tmp_path: Path, pg_url: str, store: Store, server: LocalServer, every: bool
) -> None:
    """Due or ``--all``: two commands started together share one pass. More sources than
    one claim takes: ``--all`` used to fetch again what the other had already done when
    it reached the same batch of its list."""
    feeds = GrowingFeeds(delay=0.2)
    config = tmp_path / "config.yaml"
    sources = CLAIM_BATCH + 6
    config.write_text(patient_config(pg_url, serve_feeds(server, feeds, sources)))
    refresh = [sys.executable, "-m", "aggregator.cli", "--config", str(config), "refresh"]
    results = start_all([refresh + ["--all"] * every] * 2)
    assert [r.returncode for r in results] == [0, 0], [r.stderr[-2000:] for r in results]
    per_feed = Counter(r.path for r in server.requests)
    assert sorted(per_feed.values()) == [1] * sources
    assert count_rows(store, Item) == feeds.distinct_items()
    assert count_rows(store, ItemSource) == feeds.distinct_items() - 1 + sources


def test_two_scheduler_processes_share_sources_and_never_overlap_on_one(
    tmp_path: Path, pg_url: str, store: Store, server: LocalServer
) -> None:
    feeds = GrowingFeeds(delay=0.15)
    config = tmp_path / "config.yaml"
    schedule = "{default_interval: 1s, tick: 0.2s, jitter: 0.5}"
    config.write_text(patient_config(pg_url, serve_feeds(server, feeds, 12), schedule=schedule))
    stop = tmp_path / "stop"
    worker = [sys.executable, "-c", WORKER, str(config), str(stop)]

    def until_both_have_done_several_passes() -> None:
        """Each feed fetched six times, a full pass's worth by each process: some 6 s of both
        running when the machine is idle (it was 12 s from their start), longer when it is not."""

        def enough() -> bool:
            per_feed = Counter(r.path for r in server.requests)
            done = fetches_by_worker(store)
            return (
                len(done) == 2
                and min(done.values()) >= 12
                and len(per_feed) == 12
                and min(per_feed.values()) >= 6
            )

        try:
            assert wait_until(enough, 4 * WAIT, every=0.1), fetches_by_worker(store)
        finally:
            stop.touch()

    results = start_all([worker, worker], until_both_have_done_several_passes)
    assert [r.returncode for r in results] == [0, 0], [r.stderr[-2000:] for r in results]
    stopping = min(float(r.stdout.split()[-1]) for r in results)
    assert max(feeds.overlap(before=stopping).values()) == 1
    per_feed = Counter(r.path for r in server.requests)
    assert len(per_feed) == 12 and min(per_feed.values()) >= 2
    with store.session() as session:
        urls = list(session.scalars(select(sameurl.item_url())))
    # A pass cut short by the stop may have fetched a version it never stored: at most.
    assert len(urls) == len(set(urls)) <= feeds.distinct_items()
    by_worker = fetches_by_worker(store)
    with store.session() as session:
        failed = session.scalar(select(func.count()).where(FetchLog.status == "failed"))
    assert len(by_worker) == 2 and min(by_worker.values()) > 0
    assert failed == 0


def test_deployments_in_two_schemas_of_one_database_each_have_the_turn(pg_url: str) -> None:
    """The story locks are per schema: a deployment (or a test run) in another schema of
    the same database never waits for, nor takes, this one's turn."""
    schema = f"other_{uuid.uuid4().hex[:8]}"
    base = pg_url.partition("options=")[0].rstrip("?&")
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    here, there = Store(pg_url), Store(f"{base}{separator}options=-csearch_path%3D{schema}")
    try:
        assert here.story_turn.take()
        assert there.story_turn.take()
        here.story_turn.give_up()
        there.story_turn.give_up()
        rival = Store(pg_url)
        try:
            assert here.story_turn.take()
            assert not rival.story_turn.take()  # within one schema, still one at a time
            here.story_turn.give_up()
        finally:
            rival.close()
    finally:
        here.close()
        there.close()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
