"""Citations in the store: "covers" / "covered by" links, and notices that flag the original.

Every test runs on SQLite, and on PostgreSQL when MEDFEED_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from alembic import command
from sqlalchemy import Engine, event, select, text
from webfactory import NOW, entry, save, setup_store, web_settings

from aggregator.config import load_settings
from aggregator.records import ArticleInfo, Kind, ParsedItem, StoredItem
from aggregator.refresh import Refresher
from aggregator.store import Store
from aggregator.store.database import alembic_config, make_engine
from aggregator.store.models import Item, ItemCitation

REPO = Path(__file__).resolve().parents[1]
ORIGINAL = "10.5555/nmj.2026.0931"


@pytest.fixture
def citing(store: Store, database_url: str) -> Store:
    return setup_store(store, web_settings(database_url))


def article(doi: str = ORIGINAL, **fields: Any) -> tuple[Kind, ParsedItem, tuple[str, ...]]:
    return entry(Kind.ARTICLE, article=ArticleInfo(doi=doi, journal="NMJ"), **fields)


def notice(title: str, pub_type: str | None, doi: str = "10.5555/nmj.2026.1210") -> Any:
    info = ArticleInfo(doi=doi, pub_type=pub_type, cites=(ORIGINAL,))
    return entry(Kind.ARTICLE, title=title, article=info)


def news(cites: tuple[str, ...], **fields: Any) -> tuple[Kind, ParsedItem, tuple[str, ...]]:
    return entry(Kind.NEWS, article=ArticleInfo(cites=cites), **fields)


def only(store: Store, title: str) -> StoredItem:
    found = [i for i in store.list_items(limit=100, stories=False).items if i.title == title]
    assert len(found) == 1, title
    item = store.get_item(found[0].id)
    assert item is not None
    return item


def test_a_news_story_citing_a_stored_article_covers_it(citing: Store) -> None:
    save(citing, [article(title="The paper")])
    save(citing, [news((ORIGINAL,), title="The story")])
    story, paper = only(citing, "The story"), only(citing, "The paper")
    assert [ref.id for ref in story.covers] == [paper.id]
    assert [ref.id for ref in paper.covered_by] == [story.id]


def test_a_story_stored_before_the_article_covers_it_once_the_article_arrives(
    citing: Store,
) -> None:
    save(citing, [news((ORIGINAL,), title="The story")])
    assert only(citing, "The story").covers == ()
    save(citing, [article(title="The paper")])
    assert [ref.title for ref in only(citing, "The story").covers] == ["The paper"]


def test_the_cited_dois_are_stored_and_read_back(citing: Store) -> None:
    save(citing, [news(("10.5555/a.1", "10.5555/b.2"), title="The story")])
    story = only(citing, "The story")
    assert story.article is not None
    assert story.article.cites == ("10.5555/a.1", "10.5555/b.2")


def test_an_edited_story_replaces_its_citations(citing: Store) -> None:
    _, first, _ = news((ORIGINAL,), title="The story")
    save(citing, [(Kind.NEWS, first, ())])
    edited = replace(first, summary="<p>Now about another paper.</p>")
    edited = replace(edited, article=ArticleInfo(cites=("10.5555/other.1",)))
    save(citing, [(Kind.NEWS, edited, ())])
    with citing.session() as session:
        assert list(session.scalars(select(ItemCitation.doi))) == ["10.5555/other.1"]


def test_a_retraction_notice_marks_the_stored_original_retracted(citing: Store) -> None:
    save(citing, [article(title="The paper")])
    save(citing, [notice("Retraction Note: The paper", "Retraction")])
    assert only(citing, "The paper").flags == ("retracted",)


def test_an_original_arriving_after_its_correction_is_marked_corrected(citing: Store) -> None:
    save(citing, [notice("Correction: The paper", "Correction")])
    save(citing, [article(title="The paper")])
    assert only(citing, "The paper").flags == ("corrected",)


def test_a_notice_and_its_original_in_one_feed_mark_it_once(citing: Store) -> None:
    save(citing, [article(title="The paper"), notice("Erratum: The paper", "Erratum")])
    assert only(citing, "The paper").flags == ("corrected",)


def test_a_notice_known_only_by_its_title_marks_the_original(citing: Store) -> None:
    save(citing, [article(title="The paper")])
    save(citing, [notice("Expression of Concern: The paper", None)])
    assert only(citing, "The paper").flags == ("expression-of-concern",)


def test_a_news_story_citing_an_article_does_not_flag_it(citing: Store) -> None:
    save(citing, [article(title="The paper")])
    save(citing, [news((ORIGINAL,), title="Correctional care study cited")])
    assert only(citing, "The paper").flags == ()


def test_a_retraction_and_a_correction_both_mark_the_original(citing: Store) -> None:
    save(citing, [article(title="The paper")])
    save(citing, [notice("Correction: The paper", "Correction")])
    save(citing, [notice("Retraction: The paper", "Retraction", doi="10.5555/nmj.2027.0001")])
    assert only(citing, "The paper").flags == ("corrected", "retracted")


def test_reading_an_item_costs_the_same_queries_however_many_items_cite_it(
    citing: Store,
) -> None:
    save(citing, [article(title="The paper"), news((ORIGINAL,), title="One story")])
    paper = only(citing, "The paper").id
    few = _statements(citing, lambda: citing.get_item(paper))
    save(citing, [news((ORIGINAL,)) for _ in range(12)])
    many = _statements(citing, lambda: citing.get_item(paper))
    assert few == many


def _statements(store: Store, action: Any) -> int:
    engine: Engine = store.engine
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen)


# --- the schema change ---------------------------------------------------------


@pytest.fixture
def at_0001(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    _migrate(engine, "0001")
    yield engine
    engine.dispose()


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_migration_0002_gives_existing_items_an_empty_citation_list(at_0001: Engine) -> None:
    with at_0001.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sources (id, name, url, kind, label, tags, interval_seconds,"
                " enabled, in_config, consecutive_failures, created_at) VALUES ('s', 'S',"
                " 'https://e.org/f', 'news', 'news', '[]', 60, true, true, 0, :now)"
            ),
            {"now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO items (kind, label, source_id, guid_key, title, summary, published,"
                " tags, content_hash, is_representative, nct, authors, flags, word_count,"
                " first_seen_at, changed_at) VALUES ('news', 'news', 's', 'g', 'T', '', :now,"
                " '[]', 'h', true, '[]', '[]', '[]', 0, :now, :now)"
            ),
            {"now": NOW},
        )
    _migrate(at_0001, "head")
    with at_0001.connect() as connection:
        assert connection.execute(select(Item.cites)).scalars().all() == [[]]


def test_migration_0002_downgrades_cleanly(at_0001: Engine) -> None:
    _migrate(at_0001, "head")
    _migrate(at_0001, "0001", down=True)
    with at_0001.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == "0001"


# --- the demo --------------------------------------------------------------------


@pytest.fixture
def demo(tmp_path: Path, database_url: str, store: Store) -> Store:
    """The offline demo refreshed once through the real pipeline into the test database."""
    config = yaml.safe_load((REPO / "config.demo.yaml").read_text(encoding="utf-8"))
    config["database"] = database_url
    for source in config["sources"]:
        source["url"] = (REPO / source["url"]).as_uri()
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    settings = load_settings(path)
    store.sync_sources(settings.configured_sources())
    Refresher(settings, store).refresh(due_only=False)
    return store


def test_demo_tarvel_lung01_news_from_two_outlets_covers_the_nmj_paper(demo: Store) -> None:
    items = demo.list_items(limit=100, stories=False).items
    paper = next(i for i in items if i.article and i.article.doi == "10.5555/nmj.2026.1187")
    stored = demo.get_item(paper.id)
    assert stored is not None
    assert sorted(ref.source.id for ref in stored.covered_by) == [
        "clinical-wire",
        "ward-round-news",
    ]
    for ref in stored.covered_by:
        story = demo.get_item(ref.id)
        assert story is not None and story.kind is Kind.NEWS
        assert [cover.id for cover in story.covers] == [paper.id]


def test_demo_correction_cites_a_doi_no_feed_carries_and_flags_nothing(demo: Store) -> None:
    with demo.session() as session:
        cited = session.execute(
            select(ItemCitation.doi, Item.pub_type)
            .join(Item, Item.id == ItemCitation.item_id)
            .where(Item.pub_type == "Correction")
        ).all()
        flags = session.scalars(select(Item.flags)).all()
    assert [tuple(row) for row in cited] == [(ORIGINAL, "Correction")]
    assert [f for f in flags if f] == []
