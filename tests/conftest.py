"""Shared fixtures: a real database per test (SQLite file, or an isolated
PostgreSQL schema when MEDFEED_TEST_DATABASE_URL is set), the shared corpus,
and a recording HTTP server on 127.0.0.1."""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text

from aggregator.store import Store

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
PG_ENV = "MEDFEED_TEST_DATABASE_URL"

# Property tests (tests/test_properties.py): bounded everywhere; in CI (``CI`` set)
# derandomised, so that a failure there is the same failure on a laptop.
settings.register_profile("medfeed-dev", max_examples=150, deadline=None)
settings.register_profile(
    "medfeed-ci",
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("medfeed-ci" if os.environ.get("CI") else "medfeed-dev")

# What medfeed derives from installed data (drug table, word list) is cached for this run only,
# in a folder removed when it ends: a run neither reads nor leaves the user's cache.
_CACHE = tempfile.TemporaryDirectory(prefix="medfeed-test-cache-")
os.environ.setdefault("MEDFEED_CACHE_DIR", _CACHE.name)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own (``aggregator.derived``)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("MEDFEED_CACHE_DIR", str(folder))
    return folder


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """Every test ends with logging configured as it found it.

    ``main()`` run in-process configures logging as the command does: a root
    handler on the ``sys.stderr`` of that moment (capsys's stream, closed when
    that test ends) and INFO on the root. Left in place, every later INFO record
    (a scheduler's "Running job medfeed-tick" in tests/test_schedule.py) went to
    a closed stream: "--- Logging error ---" in the middle of an unrelated test.
    Around the whole protocol, not in a fixture: pytest adds and removes its own
    capturing handlers around each phase, and those must be left to it.
    """
    with _logging_as_found():
        return (yield)


@contextmanager
def _logging_as_found() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logger.level for name, logger in _loggers()}
    try:
        yield
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
            handler.close()
        for handler in [h for h in handlers if h not in root.handlers]:
            root.addHandler(handler)
        root.setLevel(level)
        for name, logger in _loggers():
            logger.setLevel(levels.get(name, logging.NOTSET))


def _loggers() -> list[tuple[str, logging.Logger]]:
    """The named loggers that exist (the manager also holds placeholders for dotted parents)."""
    known = list(logging.Logger.manager.loggerDict.items())  # other threads add loggers
    return [(name, logger) for name, logger in known if isinstance(logger, logging.Logger)]


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}; corpus tests need ../shared/corpus")
    return CORPUS


@pytest.fixture(scope="session")
def _pg_schema() -> Iterator[str | None]:
    """One schema per test run, dropped at the end: runs never see each other's rows."""
    base = os.environ.get(PG_ENV)
    if not base:
        yield None
        return
    schema = f"medfeed_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path, _pg_schema: str | None) -> Iterator[str]:
    """A fresh, empty database for one test, on SQLite or on PostgreSQL."""
    base = os.environ.get(PG_ENV)
    if not base or _pg_schema is None:
        yield f"sqlite:///{tmp_path / 'medfeed.db'}"
        return
    schema = f"{_pg_schema}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    try:
        yield store
    finally:
        store.close()
