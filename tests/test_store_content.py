"""A content that begins with its item's summary is stored without it and read back whole, in
the item, the API and search; migration 0012 does the same to the contents a database holds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from webfactory import entry, save, setup_store, web_settings

from aggregator.records import Kind
from aggregator.store import Store, search
from aggregator.store.database import make_engine
from tests.test_store_migration_0004 import add_source, migrate
from tests.test_store_migration_0008 import add_item
from tests.test_store_migration_0010 import matching_titles

SUMMARY = "<p>Finerenone cut kidney events.</p>"
REST = "<p>Hyperkalaemia was the main adverse event.</p>"
TEXT = "Finerenone cut kidney events. Hyperkalaemia was the main adverse event."


@pytest.fixture
def reads(store: Store, database_url: str) -> Store:
    return setup_store(store, web_settings(database_url))


def stored(engine: Engine) -> list[tuple[str | None, bool]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT content, content_extends_summary FROM items ORDER BY id")
        )
        return [(content, bool(extends)) for content, extends in rows]


def contents(store: Store) -> dict[str, str | None]:
    return {i.title: i.content for i in store.list_items(limit=10, stories=False).items}


def test_a_content_is_stored_without_the_summary_it_begins_with(reads: Store) -> None:
    save(
        reads,
        [
            entry(Kind.NEWS, title="Repeats", summary=SUMMARY, content=SUMMARY + REST),
            entry(Kind.NEWS, title="Differs", summary=SUMMARY, content=REST),
            entry(Kind.NEWS, title="Summary only", summary=SUMMARY),
        ],
    )
    assert stored(reads.engine) == [(REST, True), (REST, False), (None, False)]
    assert contents(reads) == {
        "Repeats": SUMMARY + REST,
        "Differs": REST,
        "Summary only": None,
    }
    assert sorted(matching_titles(reads.engine, "hyperkalaemia finerenone")) == [
        "Differs",
        "Repeats",
    ]


def test_the_api_gives_the_whole_content(reads: Store) -> None:
    save(reads, [entry(Kind.NEWS, title="Repeats", summary=SUMMARY, content=SUMMARY + REST)])
    (item,) = reads.list_items(limit=1, stories=False).items
    found = reads.get_item(item.id)
    assert found is not None and found.content == SUMMARY + REST


# --- migration 0012, on a database the previous schema wrote ------------------------


@pytest.fixture
def at_0011(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine, "0011_urls_stored_once")
    yield engine
    engine.dispose()


def test_the_upgrade_keeps_what_follows_the_summary_and_search_is_unchanged(
    at_0011: Engine,
) -> None:
    add_source(at_0011, "wire", "news")
    add_item(at_0011, "repeats", linked=False, title="Repeats", summary=SUMMARY)
    add_item(at_0011, "differs", linked=False, title="Differs", summary=SUMMARY)
    # the summary's text runs on into the content's: the halves alone would read differently
    add_item(at_0011, "joined", linked=False, title="Joined", summary="Finerenone")
    with at_0011.begin() as connection:
        connection.execute(text("UPDATE items SET content = summary || :rest"), {"rest": REST})
        connection.execute(
            text("UPDATE items SET content = 'Finerenone-based' WHERE guid_key = 'joined'")
        )
        connection.execute(
            text("UPDATE items SET content = :rest WHERE guid_key = 'differs'"), {"rest": REST}
        )
    with at_0011.begin() as connection:
        search.rebuild(connection)
    migrate(at_0011, "head")
    assert stored(at_0011) == [(REST, True), (REST, False), ("-based", True)]
    if at_0011.dialect.name == "sqlite":  # the text FTS5 reads back: snippets, and deletes
        with at_0011.connect() as connection:
            bodies = connection.execute(text("SELECT body FROM items_fts")).scalars().all()
        assert bodies == [TEXT, TEXT, "Finerenone-based"]
    assert sorted(matching_titles(at_0011, "hyperkalaemia finerenone")) == ["Differs", "Repeats"]
    store = Store(at_0011.url.render_as_string(hide_password=False), migrate=False)
    try:
        assert contents(store) == {
            "Repeats": SUMMARY + REST,
            "Differs": REST,
            "Joined": "Finerenone-based",
        }
    finally:
        store.close()
    migrate(at_0011, "0011_urls_stored_once", down=True)
    with at_0011.connect() as connection:
        whole = connection.execute(text("SELECT content FROM items ORDER BY id")).scalars().all()
    assert whole == [SUMMARY + REST, REST, "Finerenone-based"]
    assert sorted(matching_titles(at_0011, "hyperkalaemia finerenone")) == ["Differs", "Repeats"]
