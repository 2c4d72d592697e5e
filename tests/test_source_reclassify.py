"""A source's kind or label edited in config.yaml moves the items it owns.

Items carry their owner's kind and label from when they were stored; the config
mirror (``Store.sync_sources``) moves them when the source's change, with each
story's first-of-kind flags (``kindleads``) and the page cache following. Every
test runs on SQLite, and on PostgreSQL when MEDFEED_TEST_DATABASE_URL is set.
"""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from webfactory import NOW, app, client, entry, make_story, save, settings, setup_store

from aggregator.config import Settings
from aggregator.records import Kind, Label
from aggregator.store import Store


@pytest.fixture
def mirrored(store: Store, settings: Settings) -> Store:
    """The store with the test sources configured."""
    return setup_store(store, settings)


def _edited(settings: Settings, source_id: str, **change: object) -> Settings:
    sources = tuple(
        s.model_copy(update=change) if s.id == source_id else s for s in settings.sources
    )
    return settings.model_copy(update={"sources": sources})


def _listed(store: Store, kind: Kind, source: str | None = None) -> list[tuple[str, str]]:
    items = store.list_items(kind=kind, source=source, limit=100).items
    return sorted((item.title, item.label.value) for item in items)


def test_a_source_moved_from_news_to_journal_articles_takes_its_items_along(
    client: FlaskClient, store: Store, settings: Settings
) -> None:
    save(store, [entry(Kind.NEWS, title="First paper"), entry(Kind.NEWS, title="Second paper")])
    wanted = "/api/items?kind=article&source=health-news"
    assert client.get(wanted).get_json()["items"] == []  # the page cache holds this answer
    edited = _edited(settings, "health-news", kind=Kind.ARTICLE, label=Label.JOURNAL)
    store.sync_sources(edited.configured_sources(), NOW)
    assert _listed(store, Kind.ARTICLE) == [("First paper", "journal"), ("Second paper", "journal")]
    assert _listed(store, Kind.NEWS, "health-news") == []
    answer = client.get(wanted).get_json()["items"]
    assert sorted((i["title"], i["kind"], i["label"]) for i in answer) == [
        ("First paper", "article", "journal"),
        ("Second paper", "article", "journal"),
    ]


def test_a_label_edit_alone_relabels_the_sources_items(mirrored: Store, settings: Settings) -> None:
    store = mirrored
    save(store, [entry(Kind.NEWS, title="Press copy")], source="fda-press")
    store.sync_sources(_edited(settings, "fda-press", label=Label.SOCIETY).configured_sources())
    assert _listed(store, Kind.NEWS) == [("Press copy", "society")]


def test_the_story_member_left_of_the_old_kind_takes_over_its_list(
    mirrored: Store, settings: Settings
) -> None:
    """The moved item led its story's News entry; the other outlet's copy leads it now,
    and the moved one leads the story's Articles entry."""
    store = mirrored
    save(store, [entry(Kind.NEWS, title="Moved copy", published=NOW)])
    save(store, [entry(Kind.NEWS, title="Press copy", published=NOW)], source="fda-press")
    ids = {i.title: i.id for i in store.list_items(limit=10, stories=False).items}
    make_story(store, ids["Moved copy"], [ids["Press copy"]])
    assert _listed(store, Kind.NEWS) == [("Moved copy", "news")]
    edited = _edited(settings, "health-news", kind=Kind.ARTICLE, label=Label.JOURNAL)
    store.sync_sources(edited.configured_sources(), NOW)
    assert _listed(store, Kind.NEWS) == [("Press copy", "press-release")]
    assert _listed(store, Kind.ARTICLE) == [("Moved copy", "journal")]
