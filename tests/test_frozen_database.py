"""A database that stops answering: the health endpoints and the site say so within seconds.

A PostgreSQL server that is frozen (stopped, swapping, behind a dead network
path) still completes TCP handshakes, so nothing is refused: it just never
answers. Here a listening socket that never speaks plays that server, and a
table lock held by another connection plays a query that cannot finish.
Before, ``/healthz``, ``/readyz`` and ``/metrics`` waited until gunicorn killed
the worker (60 s); an orchestrator saw a timeout, not a reason. So did the
pages, the API and the feeds behind a lock on the items table: a reader saw no
message, and with every worker waiting the site was down.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient
from psycopg import OperationalError
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.test import TestResponse

from aggregator.config import Settings, load_settings
from aggregator.errors import DatabaseTimeout
from aggregator.store import Store
from aggregator.store.database import (
    HEALTH_TIMEOUT,
    KEEPALIVE_COUNT,
    KEEPALIVE_INTERVAL,
    MIGRATION_LOCK,
    at_head,
    make_probe_engine,
    storage_error,
)
from tests.conftest import PG_ENV
from tests.feeds import config_text
from tests.localserver import closed_port
from web import MedfeedState, create_app, state

T = TypeVar("T")
# Seconds: connect and a statement, with room for a loaded machine; still half the 60 s
# after which gunicorn killed a worker stuck on the database, the failure these tests catch.
PATIENCE = 10 * HEALTH_TIMEOUT
TIMED_OUT = f"the database did not answer within {HEALTH_TIMEOUT} s"
WEB_TIMEOUT = 2  # seconds: the smallest web.database_timeout
TRY_AGAIN = "the database did not answer in time; try again in 30 seconds"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    path = tmp_path / "config.yaml"
    source = ("wire", f"http://127.0.0.1:{closed_port()}/feed.xml", "news")
    path.write_text(config_text(database_url, [source]))
    return load_settings(path)


@pytest.fixture
def silent_url() -> Iterator[str]:
    """The URL of a PostgreSQL server that accepts connections and never says a word."""
    with socket.create_server(("127.0.0.1", 0), backlog=64) as listener:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{listener.getsockname()[1]}/test"
    # closing the listener resets what it queued: a request still stuck (before the fix) ends


@pytest.fixture
def silent_store(silent_url: str) -> Iterator[Store]:
    """A store (the refresh's kind) whose server never answers."""
    store = Store(silent_url, migrate=False)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def site(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    """The site as gunicorn's workers build it (the store from the settings), on PostgreSQL,
    waiting at most ``WEB_TIMEOUT`` on the database."""
    if not os.environ.get(PG_ENV):
        pytest.skip("SQLite readers never wait on a lock (WAL); PostgreSQL's do")
    path = tmp_path / "config.yaml"
    source = ("wire", f"http://127.0.0.1:{closed_port()}/feed.xml", "news")
    web = f"{{database_timeout: {WEB_TIMEOUT}s}}"
    path.write_text(config_text(database_url, [source], web=web))
    app = create_app(load_settings(path))
    with app.app_context():
        medfeed = state()
    medfeed.store.sync_sources(medfeed.settings.configured_sources())
    try:
        yield app
    finally:
        medfeed.store.close()


@contextmanager
def items_locked(url: str) -> Iterator[None]:
    """The items table locked by another connection, as a migration or a stuck transaction
    holds it, until the block ends."""
    locker = create_engine(url)
    try:
        with locker.begin() as connection:
            connection.execute(text("LOCK TABLE items IN ACCESS EXCLUSIVE MODE"))
            yield
    finally:
        locker.dispose()


def answered_within(seconds: float, ask: Callable[[], T]) -> T:
    """``ask()``'s answer, failing the test (rather than hanging it) if it takes too long."""
    answers: list[T] = []
    worker = threading.Thread(target=lambda: answers.append(ask()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert answers, f"no answer within {seconds} s"
    return answers[0]


def get(settings: Settings, store: Store, path: str) -> TestResponse:
    return fetched(create_app(settings, store).test_client(), path)


def fetched(client: FlaskClient, path: str) -> TestResponse:
    return answered_within(PATIENCE, lambda: client.get(path))


def test_healthz_is_503_within_seconds_when_the_server_accepts_but_never_answers(
    settings: Settings, silent_store: Store
) -> None:
    started = time.monotonic()
    answer = get(settings, silent_store, "/healthz")
    assert answer.status_code == 503
    assert answer.get_json() == {"status": "unavailable", "error": TIMED_OUT}
    assert time.monotonic() - started < PATIENCE


def test_readyz_and_metrics_answer_within_seconds_when_the_server_never_answers(
    settings: Settings, silent_store: Store
) -> None:
    ready = get(settings, silent_store, "/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["error"] == TIMED_OUT
    metrics = get(settings, silent_store, "/metrics")
    assert metrics.status_code == 200
    assert "medfeed_database_up 0.0" in metrics.get_data(as_text=True)


def test_readyz_and_metrics_give_up_on_a_query_stuck_behind_a_lock(
    settings: Settings, store: Store
) -> None:
    if not os.environ.get(PG_ENV):
        pytest.skip("SQLite readers never wait on a lock (WAL); PostgreSQL's do")
    store.sync_sources(settings.configured_sources())
    store.mark_pass()
    assert get(settings, store, "/readyz").status_code == 200
    locker = create_engine(store.url)
    try:
        with locker.begin() as connection:
            connection.execute(text("LOCK TABLE sources IN ACCESS EXCLUSIVE MODE"))
            ready = get(settings, store, "/readyz")
            metrics = get(settings, store, "/metrics")
            alive = get(settings, store, "/healthz")  # SELECT 1 needs no table
    finally:
        locker.dispose()
    assert ready.status_code == 503
    assert ready.get_json()["error"] == TIMED_OUT
    assert "medfeed_database_up 0.0" in metrics.get_data(as_text=True)
    assert alive.status_code == 200


def test_the_checks_read_the_schema_pgoptions_names(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libpq's ``options`` replace PGOPTIONS: with the search_path given there, /readyz and
    /metrics read another schema than the site and said 503 for good."""
    if not os.environ.get(PG_ENV):
        pytest.skip("PGOPTIONS is PostgreSQL's")
    monkeypatch.setenv("PGOPTIONS", "-c search_path=medfeed_elsewhere,public")
    bare = make_url(store.url).difference_update_query(["options"])  # the tests' own schema
    probe = make_probe_engine(create_engine(bare))
    try:
        with probe.connect() as connection:
            path = connection.execute(text("SHOW search_path")).scalar_one()
            timeout = connection.execute(text("SHOW statement_timeout")).scalar_one()
    finally:
        probe.dispose()
    assert path.replace(" ", "") == "medfeed_elsewhere,public"
    assert timeout == f"{HEALTH_TIMEOUT}s"


def test_pages_api_and_feeds_answer_503_within_seconds_while_the_items_are_locked(
    site: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    client = site.test_client()
    url = state_of(site).store.url
    caplog.set_level(logging.WARNING, logger="web.errors")
    with items_locked(url):  # each answered within PATIENCE, or the test fails
        page, item, feed = (fetched(client, p) for p in ("/", "/api/items/7", "/feed.atom"))
    assert [page.status_code, item.status_code, feed.status_code] == [503, 503, 503]
    assert {answer.headers["Retry-After"] for answer in (page, item, feed)} == {"30"}
    assert page.mimetype == "text/html"
    assert TRY_AGAIN in page.get_data(as_text=True)
    assert item.get_json() == {"error": TRY_AGAIN}
    assert feed.mimetype == "text/plain"
    assert feed.get_data(as_text=True) == TRY_AGAIN + "\n"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert [warning.split(": ", 1)[0] for warning in warnings] == [
        "database timeout on GET /",
        "database timeout on GET /api/items/<int:item_id>",  # the route, not the path
        "database timeout on GET /feed.atom",
    ]


def test_a_page_is_503_within_seconds_when_the_server_accepts_but_never_answers(
    settings: Settings, silent_url: str
) -> None:
    store = Store(silent_url, migrate=False, wait=WEB_TIMEOUT)
    try:
        started = time.monotonic()
        page = get(settings, store, "/")
    finally:
        store.close()
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "30"
    assert time.monotonic() - started < PATIENCE


def test_the_site_answers_normally_once_the_lock_is_released(site: Flask) -> None:
    client = site.test_client()
    with items_locked(state_of(site).store.url):
        assert fetched(client, "/api/items").status_code == 503
    for path in ("/", "/api/items", "/feed.atom"):
        assert fetched(client, path).status_code == 200, path


def test_the_sites_statements_are_never_jit_compiled(site: Flask, store: Store) -> None:
    """A bounded count of one kind in a large source passed ``jit_above_cost`` at 200k
    items: compiling it cost 100-250 ms more than running it. The refresh and the commands
    keep the server's setting."""

    def jit(engine_of: Store) -> str:
        with engine_of.engine.connect() as connection:
            return str(connection.execute(text("SHOW jit")).scalar_one())

    assert jit(state_of(site).store) == "off"
    with store.engine.connect() as connection:
        server = connection.execute(text("SELECT reset_val FROM pg_settings WHERE name = 'jit'"))
        assert jit(store) == server.scalar_one()


def test_only_the_sites_store_bounds_its_statements(site: Flask, store: Store) -> None:
    """The refresh and the commands (a plain ``Store``) wait their turn behind a lock; the
    site's connections read the same schema, with its timeouts."""
    web = state_of(site).store

    def shown(engine_of: Store) -> tuple[str, str]:
        with engine_of.engine.connect() as connection:
            timeout = connection.execute(text("SHOW statement_timeout")).scalar_one()
            schema = connection.execute(text("SHOW search_path")).scalar_one()
        return timeout, schema

    assert shown(web) == (f"{WEB_TIMEOUT}s", shown(store)[1])
    assert shown(store)[0] == "0"
    assert web.engine.pool.timeout() == WEB_TIMEOUT  # type: ignore[attr-defined]


def state_of(app: Flask) -> MedfeedState:
    with app.app_context():
        return state()


def test_the_sites_store_waits_past_its_timeout_for_another_process_migrating(
    database_url: str,
) -> None:
    """A worker starting while ``medfeed run`` migrates waits for the migration lock; its
    statement timeout cancelled the wait, and the worker failed to boot."""
    if not os.environ.get(PG_ENV):
        pytest.skip("SQLite migrations queue on BEGIN IMMEDIATE, not on a statement timeout")
    held = threading.Event()

    def migrate_elsewhere() -> None:
        other = create_engine(database_url)
        try:
            with other.begin() as connection:
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
                held.set()
                time.sleep(WEB_TIMEOUT + 1)
        finally:
            other.dispose()

    started = time.monotonic()
    threading.Thread(target=migrate_elsewhere, daemon=True).start()
    assert held.wait(PATIENCE)
    site = Store(database_url, wait=WEB_TIMEOUT)
    try:
        # Up only once the lock was let go, past its own timeout: a lower bound, which a
        # busy machine only makes longer (a "released" flag raced the store's start).
        assert time.monotonic() - started >= WEB_TIMEOUT + 1
        assert at_head(site.engine)
    finally:
        site.close()


def tcp_options(store: Store) -> dict[str, int]:
    """The kernel's TCP settings of one of ``store``'s pooled connections."""
    connection = store.engine.raw_connection()
    try:
        fd = connection.dbapi_connection.pgconn.socket  # type: ignore[union-attr]
        sock = socket.socket(fileno=os.dup(fd))  # a copy: closing it leaves psycopg's alone
        try:
            return {
                "keepalive": sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
                "idle": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
                "interval": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
                "count": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
                "user_timeout": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
            }
        finally:
            sock.close()
    finally:
        connection.close()


def test_the_kernel_drops_a_site_connection_whose_server_goes_silent(
    site: Flask, store: Store
) -> None:
    """A server that stops answering mid-statement (a frozen machine, a dead network path)
    never runs its ``statement_timeout``: the page waited for gunicorn's worker timeout.
    The site's sockets now probe after ``WEB_TIMEOUT`` of silence and give up on data
    unacknowledged that long, so the kernel fails the statement. (Loopback always
    answers: what is tested is that the kernel was told, on the socket itself.)"""
    if not sys.platform.startswith("linux"):
        pytest.skip("TCP_USER_TIMEOUT and TCP_KEEPIDLE are read back on Linux only")
    assert tcp_options(state_of(site).store) == {
        "keepalive": 1,
        "idle": WEB_TIMEOUT,
        "interval": KEEPALIVE_INTERVAL,
        "count": KEEPALIVE_COUNT,
        "user_timeout": WEB_TIMEOUT * 1000,
    }
    assert tcp_options(store)["user_timeout"] == 0  # the refresh's connections wait


@pytest.mark.parametrize(
    "message",
    [
        "could not receive data from server: Connection timed out",
        "could not send data to server: Connection timed out",
    ],
)
def test_a_connection_the_kernel_dropped_is_a_database_timeout(message: str) -> None:
    """libpq's words when keepalives or tcp_user_timeout end a connection: the site answers
    them with 503 and Retry-After, as it does a statement the server cancelled."""
    error = storage_error(OperationalError(message))
    assert isinstance(error, DatabaseTimeout)
    assert str(error) == f"the database did not answer in time: {message}"
