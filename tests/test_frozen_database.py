"""A database that stops answering: the health endpoints say so within seconds.

A PostgreSQL server that is frozen (stopped, swapping, behind a dead network
path) still completes TCP handshakes, so nothing is refused: it just never
answers. Here a listening socket that never speaks plays that server, and a
table lock held by another connection plays a query that cannot finish.
Before, ``/healthz``, ``/readyz`` and ``/metrics`` waited until gunicorn killed
the worker (60 s); an orchestrator saw a timeout, not a reason.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.test import TestResponse

from aggregator.config import Settings, load_settings
from aggregator.store import Store
from aggregator.store.database import HEALTH_TIMEOUT, make_probe_engine
from tests.conftest import PG_ENV
from tests.feeds import config_text
from tests.localserver import closed_port
from web import create_app

T = TypeVar("T")
PATIENCE = 4 * HEALTH_TIMEOUT  # seconds: connect and a statement, with room for a slow machine
TIMED_OUT = f"the database did not answer within {HEALTH_TIMEOUT} s"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    path = tmp_path / "config.yaml"
    source = ("wire", f"http://127.0.0.1:{closed_port()}/feed.xml", "news")
    path.write_text(config_text(database_url, [source]))
    return load_settings(path)


@pytest.fixture
def silent_store() -> Iterator[Store]:
    """A store whose PostgreSQL server accepts connections and never says a word."""
    with socket.create_server(("127.0.0.1", 0), backlog=64) as listener:
        port = listener.getsockname()[1]
        store = Store(f"postgresql+psycopg://postgres@127.0.0.1:{port}/test", migrate=False)
        try:
            yield store
        finally:
            store.close()
    # closing the listener resets what it queued: a request still stuck (before the fix) ends


def answered_within(seconds: float, ask: Callable[[], T]) -> T:
    """``ask()``'s answer, failing the test (rather than hanging it) if it takes too long."""
    answers: list[T] = []
    worker = threading.Thread(target=lambda: answers.append(ask()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert answers, f"no answer within {seconds} s"
    return answers[0]


def get(settings: Settings, store: Store, path: str) -> TestResponse:
    client = create_app(settings, store).test_client()
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
