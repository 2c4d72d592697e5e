"""Migration 0026: sources learn the ``max_entries`` their documents were read under. A
source from before it holds none, and its first config sync, whatever its cap, does not
have it read its document again (an unknown cap is no change); the downgrade drops the
column and keeps every source."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, inspect, text

from aggregator.records import ConfiguredSource, Kind, Label
from aggregator.store import Store
from aggregator.store.database import make_engine
from tests.test_store_migration_0004 import NOW, add_source, migrate

BEFORE = "0025_link_addresses"


@pytest.fixture
def before(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine, BEFORE)
    add_source(engine, "archive", "news")
    with engine.begin() as connection:  # read at 12:00, its body's digest "d1"
        connection.execute(
            text("UPDATE sources SET body_digest = 'd1', last_unconditional_at = :now"),
            {"now": NOW},
        )
    yield engine
    engine.dispose()


def last_read(engine: Engine) -> tuple[object, ...]:
    """The source's cap, and what its next fetch compares with: its body's digest and when
    it last read its document whole."""
    query = "SELECT max_entries, body_digest, last_unconditional_at FROM sources"
    with engine.connect() as connection:
        cap, digest, unconditional = connection.execute(text(query)).one()
    return cap, digest, unconditional is not None


def configured(max_entries: int) -> ConfiguredSource:
    return ConfiguredSource(
        "archive", "S", "https://e.org/f", Kind.NEWS, Label.NEWS, (), timedelta(seconds=60),
        max_entries=max_entries,
    )  # fmt: skip


def test_a_source_from_before_is_not_read_again_at_its_first_sync_but_at_a_new_cap(
    before: Engine, database_url: str
) -> None:
    migrate(before, "head")
    assert last_read(before) == (None, "d1", True)
    store = Store(database_url)
    try:
        store.sync_sources([configured(300)])
    finally:
        store.close()
    assert last_read(before) == (300, "d1", True)
    store = Store(database_url)
    try:
        store.sync_sources([configured(500)])  # a cap changed since: the next fetch reads
    finally:
        store.close()
    assert last_read(before) == (500, None, False)


def test_the_downgrade_drops_the_column_and_keeps_every_source(before: Engine) -> None:
    migrate(before, "head")
    migrate(before, BEFORE, down=True)
    columns = {column["name"] for column in inspect(before).get_columns("sources")}
    assert "max_entries" not in columns
    with before.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM sources")).scalar() == 1
