"""Migration 0025: every stored link gets the page it names, as ingest now writes it (the
canonical form of its URL, an event's page without its date; NULL where that is its item's
key), under an index; a link whose URL its feed shared, or that has none, names no page;
the downgrade drops the column."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, inspect, text

from aggregator.store.database import make_engine
from tests.test_store_migration_0004 import NOW, add_source, migrate
from tests.test_store_migration_0008 import OLD_HASH
from tests.test_store_migration_0021 import add

BEFORE = "0024_series_read_again"


@pytest.fixture
def before(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine, BEFORE)
    add_source(engine, "wire", "news")
    add_source(engine, "mirror", "news")
    yield engine
    engine.dispose()


def copy(engine: Engine, of: str, guid: str, url: str | None) -> None:
    """A link of source "mirror" to the item "wire" stored as ``of``."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO item_sources (item_id, source_id, guid_key, url, content_hash,"
                " first_seen_at) SELECT id, 'mirror', :guid, :url, :hash, :now FROM items"
                " WHERE guid_key = :of"
            ),
            {"of": of, "guid": guid, "url": url, "hash": OLD_HASH, "now": NOW},
        )


def pages(engine: Engine) -> dict[tuple[str, str], str | None]:
    """(source, guid) -> the page the link names."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT source_id, guid_key, canonical_url FROM item_sources")
        ).all()
    return {(source, guid): page for source, guid, page in rows}


def test_every_link_gets_the_page_it_names_as_ingest_writes_it(before: Engine) -> None:
    add(before, "story", None, "https://news.example/a")
    event = "https://congress.example/e#event=2027-03-01"
    add(before, "event", "http://congress.example/e/?utm_source=rss", event)
    add(before, "series", "https://congress.example/club", "https://congress.example/club#series")
    add(before, "shared", "https://society.example/", None)  # its feed gave it to several entries
    add(before, "second", None, "https://news.example/b")
    copy(before, "story", "doi-copy", "http://www.mirror.example/a?utm_source=x")
    copy(before, "event", "same-page", None)  # the item's URL
    copy(before, "story", "no-url", "")
    # One page this source gave two items' links: its home page, which names neither.
    copy(before, "second", "home-1", "https://mirror.example/")
    copy(before, "series", "home-2", "https://mirror.example")
    migrate(before, "head")
    # NULL: the item's key (found by it); '': none; else the page, written out.
    assert pages(before) == {
        ("wire", "story"): None,
        ("wire", "event"): "https://congress.example/e",
        ("wire", "series"): "https://congress.example/club",
        ("wire", "shared"): None,  # as its item's key: none
        ("wire", "second"): None,
        ("mirror", "doi-copy"): "https://www.mirror.example/a",
        ("mirror", "same-page"): "https://congress.example/e",
        ("mirror", "no-url"): "",
        ("mirror", "home-1"): "",
        ("mirror", "home-2"): "",
    }
    indexes = {index["name"] for index in inspect(before).get_indexes("item_sources")}
    assert "ix_item_sources_canonical_url" in indexes


def test_the_downgrade_drops_the_column_and_keeps_every_link(before: Engine) -> None:
    add(before, "story", None, "https://news.example/a")
    copy(before, "story", "doi-copy", "https://mirror.example/a")
    migrate(before, "head")
    migrate(before, BEFORE, down=True)
    columns = {column["name"] for column in inspect(before).get_columns("item_sources")}
    assert "canonical_url" not in columns
    with before.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM item_sources")).scalar() == 2
