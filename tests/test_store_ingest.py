"""Applying a batch's decisions: the multi-row writes, and a concurrent writer that came first.

Every test runs on SQLite, and on PostgreSQL when MEDFEED_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from webfactory import NOW, entry, setup_store, web_settings

from aggregator.reconcile import StoredState
from aggregator.records import FetchReport, ItemIdentity, ItemUpdate, Kind, Label, SourceOutcome
from aggregator.store import Store
from aggregator.store.ingest import IngestResult
from aggregator.store.models import Item, ItemSource, ItemTag
from aggregator.storywindow import story_window

# The module, not the ``ingest`` function that ``aggregator.store`` re-exports by that name.
ingest_module = importlib.import_module("aggregator.store.ingest")


@pytest.fixture
def writing(store: Store, database_url: str) -> Store:
    return setup_store(store, web_settings(database_url))


def updates(source: str, *items: tuple[str, str, tuple[str, ...]]) -> list[ItemUpdate]:
    """Entries of ``source`` as (guid, canonical URL, tags)."""
    found = []
    for guid, url, tags in items:
        _, parsed, _ = entry(Kind.NEWS, url=url)
        identity = ItemIdentity(guid_key=guid, canonical_url=url, identifiers=(), content_hash=guid)
        found.append(ItemUpdate(source, Kind.NEWS, Label.NEWS, parsed, identity, tags=tags))
    return found


def store_batch(store: Store, source: str, batch: Sequence[ItemUpdate]) -> IngestResult:
    outcome = SourceOutcome(source, "ok")
    report = FetchReport(source, NOW, NOW, outcome, next_fetch_at=NOW + timedelta(hours=1))
    return store.save_fetch(report, batch, worker="test", stories=story_window(store).assign(batch))


def count(store: Store, column: Any) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count(column))) or 0)


def test_an_entry_another_writer_stored_meanwhile_is_decided_again_not_stored_twice(
    writing: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = updates("health-news", ("g1", "https://example.org/a", ()))
    store_batch(writing, "health-news", batch)
    real = ingest_module.read_state
    reads: list[int] = []

    def stale_then_real(*args: Any) -> StoredState:
        reads.append(1)
        return StoredState() if len(reads) == 1 else real(*args)

    monkeypatch.setattr(ingest_module, "read_state", stale_then_real)
    result = store_batch(writing, "health-news", batch)
    assert (result.new, result.unchanged, len(reads)) == (0, 1, 2)
    assert count(writing, Item.id) == 1


def test_one_batch_writes_new_items_and_links_its_duplicates_to_them(writing: Store) -> None:
    batch = updates(
        "health-news",
        ("g1", "https://example.org/a", ("cardiology",)),
        ("g2", "https://example.org/b", ()),
        ("g3", "https://example.org/a", ("oncology",)),
    )
    result = store_batch(writing, "health-news", batch)
    assert (result.new, len(result.touched)) == (3, 2)
    assert (count(writing, Item.id), count(writing, ItemSource.id)) == (2, 3)
    with writing.session() as session:
        item = session.scalars(
            select(Item).where(Item.canonical_url == "https://example.org/a")
        ).one()
        tags = set(session.scalars(select(ItemTag.tag).where(ItemTag.item_id == item.id)))
        assert (item.tags, tags) == (["cardiology", "oncology"], {"cardiology", "oncology"})


def test_another_sources_copy_adds_its_tags_to_the_stored_item(writing: Store) -> None:
    # The press release ranks before the news site's copy: the item stays the press release's.
    store_batch(writing, "fda-press", updates("fda-press", ("p1", "https://x.org/a", ("a",))))
    result = store_batch(
        writing, "health-news", updates("health-news", ("g1", "https://x.org/a", ("b",)))
    )
    assert (result.new, result.touched) == (1, [])
    with writing.session() as session:
        assert session.scalars(select(Item.tags)).one() == ["a", "b"]
        assert set(session.scalars(select(ItemTag.tag))) == {"a", "b"}
