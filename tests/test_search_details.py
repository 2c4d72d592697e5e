"""Search finds an item by its details, not only its title and text: where a conference is
held, an article's authors, journal, DOI and PMID; on both databases, for items stored
before migration 0019 as for new ones, and for an author filled in from the article page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from webfactory import NOW, entry, save, setup_store, web_settings

from aggregator.records import ArticleInfo, EventInfo, Extracted, Kind, ParsedItem
from aggregator.store import Store
from aggregator.store.database import make_engine
from tests.test_search import titles
from tests.test_store_migration_0004 import add_source, migrate
from tests.test_store_migration_0008 import add_item
from tests.test_store_migration_0010 import matching_titles

Entry = tuple[Kind, ParsedItem, tuple[str, ...]]


@pytest.fixture
def reads(store: Store, database_url: str) -> Store:
    return setup_store(store, web_settings(database_url))


def conference(title: str, location: str) -> Entry:
    start = NOW + timedelta(days=30)
    event = EventInfo(start=start, end=start + timedelta(days=2), all_day=True, location=location)
    return entry(Kind.CONFERENCE, title=title, summary="<p>Annual meeting.</p>", event=event)


def article(title: str, **info: Any) -> Entry:
    summary = "<p>Abstract.</p>"
    return entry(Kind.ARTICLE, title=title, summary=summary, article=ArticleInfo(**info))


def test_a_conference_is_found_by_where_it_is_held(reads: Store) -> None:
    save(
        reads,
        [
            conference("ASCO Breakthrough", "Las Vegas, NV, USA"),
            conference("ESC Congress", "Madrid, Spain"),
        ],
    )
    assert titles(reads, "Las Vegas", kind=Kind.CONFERENCE) == ["ASCO Breakthrough"]
    assert titles(reads, '"las vegas"') == ["ASCO Breakthrough"]


def test_an_article_is_found_by_its_authors_journal_doi_and_pmid(reads: Store) -> None:
    save(
        reads,
        [
            article(
                "Soda taxes and obesity",
                doi="10.2105/ajph.2014.302272",
                pmid="25521897",
                journal="American Journal of Public Health",
                authors=("Jane Falbe", "Kristine Madsen"),
            ),
            article("Another paper", doi="10.1056/nejmoa2034577", authors=("Li Wei",)),
        ],
    )
    for query in (
        "falbe",
        "Kristine Madsen",
        '"journal of public health"',
        "10.2105/AJPH.2014.302272",
        "doi:10.2105/ajph.2014.302272",
        "25521897",
        "PMID: 25521897",
        "https://doi.org/10.2105/AJPH.2014.302272",  # a link to the paper, pasted
        "dx.doi.org/10.2105/ajph.2014.302272",
        "https://pubmed.ncbi.nlm.nih.gov/25521897/",
        # the publisher's own link names the DOI in its path
        "https://ajph.aphapublications.org/doi/10.2105/AJPH.2014.302272",
        "http://ajph.aphapublications.org/doi/abs/10.2105/AJPH.2014.302272?af=R",
        "https://ajph.aphapublications.org/doi/full/10.2105/ajph.2014.302272/",
        "onlinelibrary.wiley.com/doi/10.2105/ajph.2014.302272/full",
    ):
        assert titles(reads, query) == ["Soda taxes and obesity"], query


def test_an_author_the_article_page_names_is_found_and_the_item_still_deletes(
    reads: Store,
) -> None:
    save(reads, [entry(Kind.NEWS, title="Ward staffing survey", summary="<p>Survey.</p>")])
    [item] = reads.list_items(limit=10, stories=False).items
    page = Extracted("<p>Survey.</p>", "Survey.", 1, None, None, "Priya Ramanathan")
    reads.save_fulltext(item.id, page, NOW)
    assert titles(reads, "ramanathan") == ["Ward staffing survey"]
    with reads.engine.begin() as connection:
        connection.execute(text("DELETE FROM items"))
        if connection.dialect.name == "sqlite":  # the index removed the words it had indexed
            connection.execute(text("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')"))
    assert titles(reads, "ramanathan") == []


def test_items_stored_before_the_upgrade_are_found_by_their_details(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine, "0018_event_status")
        add_source(engine, "wire", "news")
        item_id = add_item(engine, "g1", linked=False, title="Kidney week", summary="<p>x</p>")
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE items SET event_location = 'San Diego', authors = :a WHERE id = :id"),
                {"a": '["Ada Lovelace"]', "id": item_id},
            )
        migrate(engine, "head")
        assert matching_titles(engine, "san diego") == ["Kidney week"]
        assert matching_titles(engine, "lovelace") == ["Kidney week"]
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM items WHERE id = :id"), {"id": item_id})
            if connection.dialect.name == "sqlite":
                connection.execute(
                    text("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')")
                )
        migrate(engine, "0018_event_status", down=True)
    finally:
        engine.dispose()
