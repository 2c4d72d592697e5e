"""Migration 0026: sources learn the document limits (``max_entries``, ``max_categories``)
their documents were read under. A source from before it holds none, and its first config
sync, whatever its caps, does not have it read its document again (unknown caps are no
change); the downgrade drops the columns and keeps every source."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, inspect, text

from aggregator.records import ConfiguredSource, DocumentLimits, Kind, Label
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
    """The source's caps, and what its next fetch compares with: its body's digest and
    whether it read its document whole since."""
    query = "SELECT max_entries, max_categories, body_digest, last_unconditional_at FROM sources"
    with engine.connect() as connection:
        entries, categories, digest, unconditional = connection.execute(text(query)).one()
    return entries, categories, digest, unconditional is not None


def sync(database_url: str, limits: DocumentLimits) -> None:
    source = ConfiguredSource(
        "archive", "S", "https://e.org/f", Kind.NEWS, Label.NEWS, (), timedelta(seconds=60),
        limits=limits,
    )  # fmt: skip
    store = Store(database_url)
    try:
        store.sync_sources([source])
    finally:
        store.close()


@pytest.mark.parametrize(
    "changed",
    [DocumentLimits(500, 20), DocumentLimits(300, 10)],
    ids=["max_entries", "max_categories"],
)
def test_a_source_from_before_is_not_read_again_at_its_first_sync_but_at_a_new_cap(
    before: Engine, database_url: str, changed: DocumentLimits
) -> None:
    migrate(before, "head")
    assert last_read(before) == (None, None, "d1", True)
    sync(database_url, DocumentLimits(300, 20))
    assert last_read(before) == (300, 20, "d1", True)
    sync(database_url, changed)  # a cap changed since: the next fetch reads the document
    assert last_read(before) == (changed.max_entries, changed.max_categories, None, False)


def test_the_downgrade_drops_the_columns_and_keeps_every_source(before: Engine) -> None:
    migrate(before, "head")
    migrate(before, BEFORE, down=True)
    columns = {column["name"] for column in inspect(before).get_columns("sources")}
    assert not columns & {"max_entries", "max_categories"}
    with before.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM sources")).scalar() == 1
