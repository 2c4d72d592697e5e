"""The featured article in full: a refresh pass fetches the page of a summary-only article once.

Real boundaries throughout: the feed and the article page are served by a
local HTTP server that records what reached it, the refresh is the real
``Refresher``, and the result is read back through the Flask site.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update
from webfactory import words

from aggregator.config import Settings, load_settings
from aggregator.refresh import Refresher
from aggregator.store import Store
from aggregator.store.models import Item
from tests.feeds import Entry, rss, served
from tests.localserver import LocalServer, send
from web import create_app

REPO = Path(__file__).resolve().parents[1]
ARTICLE = (Path(__file__).parent / "data" / "fulltext" / "article.html").read_bytes()
PAGE = "/news/weekly-insulin"
FIRST_SENTENCE = "A once-weekly basal insulin lowered blood sugar"
SUMMARY = "Weekly insulin icodec matched daily glargine. Full results in the article."
LONG_TITLE = "Statin adherence after myocardial infarction: a cohort study"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        local.route(PAGE, page)
        yield local


def page(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 200, ARTICLE, {"Content-Type": "text/html; charset=utf-8"})


def short_entry(server: LocalServer) -> Entry:
    return Entry(
        "Weekly insulin matches daily dosing in type 2 diabetes trial",
        server.url(PAGE),
        "short",
        f"<p>{SUMMARY}</p>",
        "Tue, 24 Nov 2026 10:00:00 GMT",
    )


def long_entry() -> Entry:
    return Entry(
        LONG_TITLE,
        "https://journal.example.org/statins",
        "long",
        f"<p>{words(320, 7)}</p>",
        "Mon, 23 Nov 2026 10:00:00 GMT",
    )


def settings_for(
    database_url: str, server: LocalServer, *, allow: bool = True, **fulltext: Any
) -> Settings:
    allow_hosts = [f"127.0.0.1:{server.port}"] if allow else []
    return Settings.model_validate(
        {
            "database": database_url,
            "http": {"timeout": "5s"},
            "featured": {"policy": "latest", "kinds": ["article"], "min_words": 300},
            "fulltext": {"allow_hosts": allow_hosts, **fulltext},
            "sources": [
                {
                    "id": "journal",
                    "name": "Test Journal",
                    "url": server.url("/feed.xml"),
                    "kind": "article",
                }
            ],
        }
    )


def refresh(settings: Settings, store: Store, server: LocalServer, entries: list[Entry]) -> None:
    server.route("/feed.xml", served(rss(entries)))
    store.sync_sources(settings.configured_sources())
    Refresher(settings, store).refresh(due_only=False)


def refreshed(
    database_url: str, store: Store, server: LocalServer, entries: list[Entry], **options: Any
) -> Settings:
    """One refresh pass over a feed of ``entries``; the settings it ran with."""
    settings = settings_for(database_url, server, **options)
    refresh(settings, store, server, entries)
    return settings


def client_for(settings: Settings, store: Store) -> FlaskClient:
    return create_app(settings=settings, store=store).test_client()


def page_requests(server: LocalServer) -> int:
    return sum(1 for request in server.requests if request.path == PAGE)


def featured(settings: Settings, store: Store) -> Any:
    return store.featured(settings.featured.as_policy(), datetime.now(UTC))


# --- extraction after a pass ---------------------------------------------------------


def test_featured_page_shows_the_full_text_extracted_from_an_allowed_host(
    database_url: str, store: Store, server: LocalServer
) -> None:
    settings = refreshed(database_url, store, server, [short_entry(server), long_entry()])
    html = client_for(settings, store).get("/featured").get_data(as_text=True)
    assert FIRST_SENTENCE in html
    assert "Full text extracted from" in html and f'href="{server.url(PAGE)}"' in html
    assert "3 min read" in html


def test_extracted_text_is_stored_with_its_word_count_and_time(
    database_url: str, store: Store, server: LocalServer
) -> None:
    before = datetime.now(UTC)
    refreshed(database_url, store, server, [short_entry(server)])
    with store.session() as session:
        row = session.scalars(select(Item).where(Item.kind == "article")).one()
        assert row.fulltext is not None and f"<p>{FIRST_SENTENCE}" in row.fulltext
        assert 550 < row.word_count < 700 and row.fulltext_error is None
        assert row.fulltext_at is not None and row.fulltext_at >= before
        assert row.summary == f"<p>{SUMMARY}</p>"


def test_the_pages_author_fills_a_byline_the_feed_left_out(
    database_url: str, store: Store, server: LocalServer
) -> None:
    settings = refreshed(database_url, store, server, [short_entry(server)])
    assert featured(settings, store).author == "Dana Whitfield"


def cited(*names: str) -> Any:
    """A route serving the article page with ``names`` as its citation_author tags, as a
    journal's page gives them ("Last, First"), in place of its author tag."""
    tags = "".join(f'<meta name="citation_author" content="{name}">' for name in names)
    body = ARTICLE.replace(b'<meta name="author" content="Dana Whitfield">', tags.encode())

    def handle(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, body, {"Content-Type": "text/html; charset=utf-8"})

    return handle


def test_the_pages_citation_authors_give_the_byline_first_name_first(
    database_url: str, store: Store, server: LocalServer
) -> None:
    """Each citation_author tag names one author: "Smith, Jane" and "Doe, John" are two
    people, not "Smith; Jane; Doe; John" (trafilatura splits names at their commas)."""
    server.route(PAGE, cited("Smith, Jane", "Doe, John"))
    settings = refreshed(database_url, store, server, [short_entry(server)])
    item = featured(settings, store)
    assert item.author == "Jane Smith, John Doe"
    assert item.article.authors == ("Jane Smith", "John Doe")
    html = client_for(settings, store).get("/featured").get_data(as_text=True)
    assert "By Jane Smith, John Doe ·" in " ".join(html.split())


def test_a_pages_many_authors_make_an_et_al_byline_and_stay_listed_in_full(
    database_url: str, store: Store, server: LocalServer
) -> None:
    """The feeds' byline rule (up to three names, then "et al."), with every name kept in
    the article's authors, as a journal's feed entry has them."""
    names = ["Smith, Jane", "Doe, John", "Okafor, Chidi", "Lindqvist, Eva", "Tanaka, Ken"]
    server.route(PAGE, cited(*names))
    settings = refreshed(database_url, store, server, [short_entry(server)])
    item = featured(settings, store)
    assert item.author == "Jane Smith et al."
    full = ["Jane Smith", "John Doe", "Chidi Okafor", "Eva Lindqvist", "Ken Tanaka"]
    answer = client_for(settings, store).get(f"/api/items/{item.id}").get_json()
    assert (answer["author"], answer["article"]["authors"]) == ("Jane Smith et al.", full)


def test_page_lead_image_fills_the_missing_item_image(
    database_url: str, store: Store, server: LocalServer
) -> None:
    settings = refreshed(database_url, store, server, [short_entry(server)])
    image = featured(settings, store).image
    assert image == server.url("/media/2026/11/insulin-pen-lead.jpg")


def test_featured_page_shows_the_lead_image_once(
    database_url: str, store: Store, server: LocalServer
) -> None:
    settings = refreshed(database_url, store, server, [short_entry(server)])
    html = client_for(settings, store).get("/featured").get_data(as_text=True)
    assert html.count(server.url("/media/2026/11/insulin-pen-lead.jpg")) == 1


def test_front_page_features_the_extracted_article(
    database_url: str, store: Store, server: LocalServer
) -> None:
    settings = refreshed(database_url, store, server, [short_entry(server), long_entry()])
    html = client_for(settings, store).get("/").get_data(as_text=True)
    lead = html[html.index('<article class="featured"') :]
    assert FIRST_SENTENCE in lead[: lead.index("</article>")]


# --- refusals and failures ----------------------------------------------------------------


def test_loopback_page_without_allowance_is_refused_before_any_request(
    database_url: str, store: Store, server: LocalServer
) -> None:
    settings = refreshed(database_url, store, server, [short_entry(server)], allow=False)
    item = featured(settings, store)
    assert item.fulltext is None
    assert item.fulltext_error is not None and "loopback" in item.fulltext_error
    assert "127.0.0.1" in item.fulltext_error
    assert page_requests(server) == 0


def test_refused_article_is_featured_with_its_summary(
    database_url: str, store: Store, server: LocalServer
) -> None:
    settings = refreshed(database_url, store, server, [short_entry(server)], allow=False)
    answer = client_for(settings, store).get("/featured")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert SUMMARY in html and FIRST_SENTENCE not in html
    assert "Full text extracted" not in html


def test_refused_article_gives_way_to_the_newest_long_enough_article(
    database_url: str, store: Store, server: LocalServer
) -> None:
    settings = refreshed(
        database_url, store, server, [short_entry(server), long_entry()], allow=False
    )
    assert featured(settings, store).title == LONG_TITLE


def test_failed_extraction_is_not_tried_again_on_the_next_pass(
    database_url: str, store: Store, server: LocalServer
) -> None:
    server.route(PAGE, lambda handler: send(handler, 503, b"down"))
    entries = [short_entry(server), long_entry()]
    settings = refreshed(database_url, store, server, entries)
    refresh(settings, store, server, entries)
    assert page_requests(server) == 1
    candidate = store.featured_candidate(settings.featured.as_policy())
    assert candidate is not None and candidate.title == LONG_TITLE


def test_a_page_that_was_not_there_yet_is_tried_again_a_day_later(
    database_url: str, store: Store, server: LocalServer
) -> None:
    """A journal's online-first entry comes before its page: the 404 was kept for good."""
    server.route(PAGE, lambda handler: send(handler, 404, b"not yet"))
    settings = refreshed(database_url, store, server, [short_entry(server)])
    server.route(PAGE, page)
    item_id = featured(settings, store).id
    with store.session() as session:  # a day passes
        session.execute(
            update(Item)
            .where(Item.id == item_id)
            .values(fulltext_at=datetime.now(UTC) - timedelta(days=1, minutes=1))
        )
    refresh(settings, store, server, [short_entry(server)])
    assert FIRST_SENTENCE in (featured(settings, store).fulltext or "")


def test_an_entry_its_feed_changes_has_its_page_extracted_again(
    database_url: str, store: Store, server: LocalServer
) -> None:
    """A retraction kept the article's old full text under its "RETRACTED:" title."""
    settings = refreshed(database_url, store, server, [short_entry(server)])
    assert FIRST_SENTENCE in (featured(settings, store).fulltext or "")
    notice = "<html><body><article><p>" + "This article has been retracted. " * 80
    server.route(PAGE, lambda h: send(h, 200, (notice + "</p></article></body></html>").encode(),
                                     {"Content-Type": "text/html"}))  # fmt: skip
    retracted = short_entry(server)
    retracted = Entry(f"RETRACTED: {retracted.title}", retracted.link, retracted.guid,
                      "<p>This article has been retracted.</p>", retracted.published)  # fmt: skip
    refresh(settings, store, server, [retracted])
    body = featured(settings, store).fulltext or ""
    assert "has been retracted" in body and FIRST_SENTENCE not in body


def test_failure_is_recorded_with_the_human_message(
    database_url: str, store: Store, server: LocalServer
) -> None:
    server.route(PAGE, lambda handler: send(handler, 503, b"down"))
    settings = refreshed(database_url, store, server, [short_entry(server)])
    assert featured(settings, store).fulltext_error == "HTTP 503 Service Unavailable"


def test_page_with_too_little_text_is_recorded_as_a_failure(
    database_url: str, store: Store, server: LocalServer
) -> None:
    stub = b"<html><body><article><p>Subscribe to read this article.</p></article></body></html>"
    server.route(PAGE, lambda handler: send(handler, 200, stub, {"Content-Type": "text/html"}))
    settings = refreshed(database_url, store, server, [short_entry(server)])
    item = featured(settings, store)
    assert item.fulltext is None and "(at least 300 needed)" in (item.fulltext_error or "")


def test_a_pinned_article_shorter_than_min_words_is_still_extracted(
    database_url: str, store: Store, server: LocalServer
) -> None:
    """min_words chooses the newest long article; the admin's pinned one was refused under
    it, and shown as its feed teaser for good."""
    text = " ".join(f"Sentence {n} of a short editorial on insulin dosing." for n in range(20))
    short_page = f"<html><body><article><h1>Editorial</h1><p>{text}</p></article></body></html>"
    server.route(PAGE, lambda h: send(h, 200, short_page.encode(), {"Content-Type": "text/html"}))
    settings = settings_for(database_url, server)
    settings = settings.model_copy(
        update={"featured": settings.featured.model_copy(
            update={"policy": "pinned", "pinned": server.url(PAGE)})}
    )  # fmt: skip
    refresh(settings, store, server, [short_entry(server)])
    item = featured(settings, store)
    assert item.fulltext_error is None and "Sentence 19" in (item.fulltext or "")
    # unpinned, its short text does not count as long: the newest long article is featured
    latest = settings.model_copy(
        update={"featured": settings.featured.model_copy(update={"policy": "latest"})}
    )
    refresh(latest, store, server, [short_entry(server), long_entry()])
    assert featured(latest, store).title == LONG_TITLE


def test_a_pin_that_matches_nothing_is_logged_once_and_said_on_the_page(
    database_url: str, store: Store, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The page said "nothing long enough has been fetched" and the log nothing at all."""
    settings = settings_for(database_url, server)
    settings = settings.model_copy(
        update={"featured": settings.featured.model_copy(
            update={"policy": "pinned", "pinned": "https://nowhere.example/x"})}
    )  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="aggregator.featuring"):
        refresh(settings, store, server, [short_entry(server), long_entry()])
        refresh(settings, store, server, [short_entry(server), long_entry()])
    told = [r for r in caplog.records if "matches no listed item" in r.getMessage()]
    assert len(told) == 1 and "https://nowhere.example/x" in told[0].getMessage()
    html = client_for(settings, store).get("/featured").get_data(as_text=True)
    assert "the pinned article is not among the items fetched" in html


# --- when no page is fetched ------------------------------------------------------------


def test_article_long_enough_in_its_feed_is_not_fetched(
    database_url: str, store: Store, server: LocalServer
) -> None:
    long_text = f"<p>{words(320, 8)}</p>"
    long_with_link = Entry(LONG_TITLE, server.url(PAGE), "long", long_text)
    refreshed(database_url, store, server, [long_with_link])
    assert page_requests(server) == 0


def test_nothing_is_fetched_when_fulltext_is_disabled(
    database_url: str, store: Store, server: LocalServer
) -> None:
    settings = refreshed(database_url, store, server, [short_entry(server)], enabled=False)
    assert page_requests(server) == 0
    assert featured(settings, store).fulltext_error is None


def test_page_claimed_by_another_process_is_left_to_it(
    database_url: str, store: Store, server: LocalServer
) -> None:
    settings = refreshed(database_url, store, server, [short_entry(server)], enabled=False)
    item_id = featured(settings, store).id
    now, lease, retry = datetime.now(UTC), timedelta(minutes=10), timedelta(days=1)
    assert store.claim_fulltext(item_id, now, lease, retry)
    assert not store.claim_fulltext(item_id, now, lease, retry)
    assert store.claim_fulltext(item_id, now + timedelta(minutes=11), lease, retry)


# --- the offline demo ---------------------------------------------------------------------


def test_demo_features_the_meridian_cardiology_article_in_full(
    database_url: str, store: Store
) -> None:
    demo = load_settings(REPO / "config.demo.yaml")
    settings = demo.model_copy(update={"database": database_url})
    store.sync_sources(settings.configured_sources())
    Refresher(settings, store).refresh(due_only=False)
    item = featured(settings, store)
    assert item.title.startswith("Nurse-Led Transitional Care and 90-Day Readmission")
    assert item.url == (REPO / "demo" / "pages" / "mcard-2026-0388.html").as_uri()
    html = client_for(settings, store).get("/featured").get_data(as_text=True)
    assert "Full text extracted from" in html
    assert "cluster randomized trial across 48 hospitals" in html
    assert "cookie" not in html.lower()
