"""Migration 0010 on a database written by the previous schema: items indexed before it are
still found and marked after it, and SQLite's index no longer keeps its own copy of the text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, column, select, table, text

from aggregator.records import Fragment
from aggregator.searchquery import parse_search
from aggregator.store import Store, search
from aggregator.store.database import make_engine
from tests.test_store_migration_0004 import add_source, migrate
from tests.test_store_migration_0008 import add_item

SUMMARY = "<p>Renal <b>lupus</b> outcomes improved &amp; held.</p>"


@pytest.fixture
def at_0009(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine, "0009_event_index_id")
    yield engine
    engine.dispose()


def add_indexed_item(engine: Engine, title: str, summary: str) -> None:
    """An item, its link and its index row, as 0009 stored them."""
    add_item(engine, title, linked=False, title=title, summary=summary)
    with engine.begin() as connection:
        search.rebuild(connection)


def found(engine: Engine, words: str) -> dict[str, tuple[str, str]]:
    """Each matching item's title, with its marked title and extract (matches in [brackets])."""
    store = Store(engine.url.render_as_string(hide_password=False), migrate=False)
    try:
        page = store.list_items(q=words, limit=10, stories=False)
    finally:
        store.engine.dispose()
    return {
        item.title: (_bracketed(item.match.title), _bracketed(item.match.snippet))
        for item in page.items
        if item.match is not None
    }


def _bracketed(fragments: tuple[Fragment, ...]) -> str:
    return "".join(f"[{f.text}]" if f.matched else f.text for f in fragments)


def test_items_indexed_before_are_found_and_marked_after_the_upgrade(at_0009: Engine) -> None:
    add_source(at_0009, "wire", "news")
    add_indexed_item(at_0009, "Lupus nephritis trial", SUMMARY)
    add_indexed_item(at_0009, "Gout flares in winter", "<p>Diet matters.</p>")
    migrate(at_0009, "head")
    title, extract = found(at_0009, "lupus")["Lupus nephritis trial"]
    assert title == "[Lupus] nephritis trial"
    # PostgreSQL's extract ends at the last word, FTS5's keeps the full stop.
    assert extract.startswith("Renal [lupus] outcomes improved & held")
    assert list(found(at_0009, "lupus")) == ["Lupus nephritis trial"]
    migrate(at_0009, "0009_event_index_id", down=True)
    assert matching_titles(at_0009, "gout") == ["Gout flares in winter"]


def matching_titles(engine: Engine, words: str) -> list[str]:
    """Titles the index matches, read without the models (whose columns may be newer)."""
    match = search.match(engine.dialect.name, parse_search(words))
    items = table("items", column("id"), column("title"))
    with engine.connect() as connection:
        return list(connection.execute(match.apply(select(items.c.title), items.c.id)).scalars())


def test_on_sqlite_the_index_reads_the_text_from_the_items(at_0009: Engine) -> None:
    if at_0009.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's index keeps its text: ts_headline needs it")
    add_source(at_0009, "wire", "news")
    add_indexed_item(at_0009, "Lupus nephritis trial", SUMMARY)
    assert "items_fts_content" in tables(at_0009)
    migrate(at_0009, "head")
    assert "items_fts_content" not in tables(at_0009)
    with at_0009.connect() as connection:
        rows = connection.execute(text("SELECT title, body FROM items_fts")).all()
    assert rows == [("Lupus nephritis trial", "Renal lupus outcomes improved & held.")]
    migrate(at_0009, "0009_event_index_id", down=True)
    assert "items_fts_content" in tables(at_0009)


def tables(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(text("SELECT name FROM sqlite_master")).scalars())
