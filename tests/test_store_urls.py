"""Item and link URLs are stored once where they repeat another, and read back unchanged:
the item's link, each source's own link, and a source that gave none; migration 0011 folds
the URLs a database already holds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import Engine, text
from webfactory import entry, save, setup_store, web_settings

from aggregator.identity import identify
from aggregator.records import Kind, StoredItem
from aggregator.store import Store
from aggregator.store.database import make_engine
from tests.test_store_migration_0004 import NOW, add_source, migrate
from tests.test_store_migration_0008 import add_item

STORY = "https://example.org/news/heat-wave-admissions"


@pytest.fixture
def reads(store: Store, database_url: str) -> Store:
    return setup_store(store, web_settings(database_url))


def only_item(store: Store) -> StoredItem:
    page = store.list_items(limit=10, stories=False)
    assert len(page.items) == 1
    return page.items[0]


def links(item: StoredItem) -> dict[str, str | None]:
    return {source.id: source.url for source in item.sources}


def stored_urls(store: Store) -> list[str | None]:
    with store.session() as session:
        items = session.execute(text("SELECT url FROM items")).scalars().all()
        carried = session.execute(text("SELECT url FROM item_sources ORDER BY id")).scalars()
        return [*items, *carried]


def test_a_url_repeated_by_the_item_and_its_sources_is_stored_once(reads: Store) -> None:
    kind, item, tags = entry(Kind.NEWS, title="Heat wave admissions", url=STORY)
    save(reads, [(kind, item, tags)], source="health-news")
    save(reads, [(kind, replace(item, guid="fda-1"), tags)], source="fda-press")
    stored = only_item(reads)
    assert stored.url == STORY
    assert links(stored) == {"health-news": STORY, "fda-press": STORY}
    assert stored_urls(reads) == [None, None, None]


def stored_pages(store: Store) -> list[str | None]:
    with store.session() as session:
        return list(
            session.execute(text("SELECT canonical_url FROM item_sources ORDER BY id")).scalars()
        )


def test_a_links_page_is_stored_only_where_the_items_key_does_not_repeat_it(
    reads: Store,
) -> None:
    kind, item, tags = entry(Kind.ARTICLE, title="Heat wave admissions", url=STORY)
    save(reads, [(kind, item, tags)], source="bmj", identify=identify)
    save(reads, [(kind, replace(item, guid="fda-1"), tags)], source="fda-press", identify=identify)
    # The same DOI under another address: a copy whose page the item's key does not repeat.
    other = replace(item, guid="pre-1", url="https://press.example/heat?utm_source=rss")
    save(reads, [(kind, other, tags)], source="medrxiv", identify=identify)
    assert len(reads.list_items(limit=10, stories=False).items) == 1
    assert stored_pages(reads) == [None, None, "https://press.example/heat"]


def test_a_source_keeps_its_link_when_the_item_moves_to_another(reads: Store) -> None:
    # The press release is the item's owner (it ranks before the news site's copy).
    kind, item, tags = entry(Kind.NEWS, title="Heat wave admissions", url=STORY)
    save(reads, [(kind, item, tags)], source="fda-press")
    save(reads, [(kind, replace(item, guid="news-1"), tags)], source="health-news")
    moved = replace(item, url=f"{STORY}-updated", summary="<p>Figures revised.</p>")
    save(reads, [(kind, moved, tags)], source="fda-press")
    stored = only_item(reads)
    assert stored.url == f"{STORY}-updated"
    assert links(stored) == {"fda-press": f"{STORY}-updated", "health-news": STORY}


def test_a_source_that_gave_no_link_has_none_beside_an_item_that_has_one(
    reads: Store,
) -> None:
    kind, item, tags = entry(Kind.ARTICLE, title="Registry of rare cardiomyopathies")
    save(reads, [(kind, item, tags)], source="bmj")
    save(reads, [(kind, replace(item, guid="preprint-1", url=None), tags)], source="medrxiv")
    stored = only_item(reads)
    assert stored.url == item.url
    assert links(stored) == {"bmj": item.url, "medrxiv": None}


# --- migration 0011, on a database the previous schema wrote ------------------------


@pytest.fixture
def at_0010(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine, "0010_search_text_derived")
    yield engine
    engine.dispose()


def link(engine: Engine, item_id: int, source: str, guid: str, url: str | None) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO item_sources (item_id, source_id, guid_key, url, content_hash,"
                " first_seen_at) VALUES (:item, :source, :guid, :url, 'h', :now)"
            ),
            {"item": item_id, "source": source, "guid": guid, "url": url, "now": NOW},
        )


def urls_as_written(engine: Engine) -> list[tuple[str | None, ...]]:
    with engine.connect() as connection:
        items = connection.execute(text("SELECT url, canonical_url FROM items ORDER BY id"))
        carried = connection.execute(text("SELECT url FROM item_sources ORDER BY id"))
        return [tuple(row) for row in [*items, *carried]]


def test_the_upgrade_folds_repeated_urls_and_reads_give_the_same_links(at_0010: Engine) -> None:
    for source in ("wire", "agency"):
        add_source(at_0010, source, "news")
    same = add_item(at_0010, "same", linked=False)
    other = add_item(at_0010, "other", linked=False)
    with at_0010.begin() as connection:
        connection.execute(text("UPDATE item_sources SET url = guid_key || '.html'"))
        connection.execute(text("UPDATE items SET url = guid_key || '.html'"))
        connection.execute(text("UPDATE items SET canonical_url = guid_key || '.html'"))
        connection.execute(
            text("UPDATE items SET canonical_url = 'c' WHERE id = :id"), {"id": other}
        )
    link(at_0010, same, "agency", "agency-same", "mirror.html")
    link(at_0010, other, "agency", "agency-other", None)
    written = urls_as_written(at_0010)
    migrate(at_0010, "head")
    assert urls_as_written(at_0010) == [
        (None, "same.html"),
        ("other.html", "c"),
        (None,),
        (None,),
        ("mirror.html",),
        ("",),
    ]
    store = Store(at_0010.url.render_as_string(hide_password=False), migrate=False)
    try:
        read = {i.url: links(i) for i in store.list_items(limit=10, stories=False).items}
    finally:
        store.close()
    assert read == {
        "same.html": {"wire": "same.html", "agency": "mirror.html"},
        "other.html": {"wire": "other.html", "agency": None},
    }
    migrate(at_0010, "0010_search_text_derived", down=True)
    assert urls_as_written(at_0010) == written
