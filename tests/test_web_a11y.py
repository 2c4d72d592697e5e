"""Page structure a reader, a screen reader and an admin rely on, checked without a browser:
badges, headings, titles and counts, meta descriptions, /sources order, error pages."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from webfactory import (
    NOW,
    app,
    client,
    entry,
    fill,
    filled,
    save,
    settings,
    setup_store,
    web_settings,
)
from werkzeug.test import TestResponse

from aggregator.records import FetchReport, Kind, SourceOutcome
from aggregator.store import Store
from web import create_app
from web.present import nest_headings


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def h1s(html: str) -> list[str]:
    return re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.DOTALL)


def test_only_labels_the_admin_set_become_badges(store: Store, database_url: str) -> None:
    configured = web_settings(database_url)
    unlabelled = tuple(s.model_copy(update={"label": None}) if s.id == "med-videos" else s
                       for s in configured.sources)  # fmt: skip
    configured = configured.model_copy(update={"sources": unlabelled})
    setup_store(store, configured)
    save(store, [entry(Kind.VIDEO, title="Unlabelled channel video"),
                 entry(Kind.ARTICLE, title="Labelled journal article")])  # fmt: skip
    browser = create_app(configured, store).test_client()
    video = text(browser.get("/?kind=video"))
    article = text(browser.get("/?kind=article"))
    assert "Unlabelled channel video" in video and 'class="badge' not in video
    assert '<span class="badge label-journal">Journal</span>' in article


def test_a_filtered_view_has_its_own_title_h1_count_and_description(
    client: FlaskClient, filled: Store
) -> None:
    html = text(client.get("/?kind=news&tag=cardiology"))
    assert "<title>News tagged “cardiology” — medfeed</title>" in html
    assert h1s(html) == ["News tagged “cardiology”"]
    assert '<p class="count">12 items</p>' in html
    assert '<meta name="description" content="News tagged “cardiology”: 12 items' in html


def test_a_search_says_what_it_searched_for_even_when_nothing_matches(
    client: FlaskClient, filled: Store
) -> None:
    html = text(client.get("/?q=kraków"))
    assert h1s(html) == ["Search results for “kraków”"]
    assert "0 items matching “kraków”" in html
    assert 'value="kraków"' in html


def test_the_front_page_has_one_h1_and_marks_the_feed_as_the_current_page(
    client: FlaskClient, filled: Store
) -> None:
    html = text(client.get("/"))
    assert len(h1s(html)) == 1
    assert '<a href="/" aria-current="page">Feed</a>' in html
    assert '<a class="skip" href="#main">Skip to content</a>' in html
    assert "Read the full article" in html


def test_featured_article_headings_nest_under_its_title() -> None:
    body = "<p>a</p><h2>Methods</h2><h3>Sub</h3><h2>Results</h2>"
    assert str(nest_headings(body, 2)) == "<p>a</p><h3>Methods</h3><h4>Sub</h4><h3>Results</h3>"
    assert str(nest_headings(body, 1)) == body
    assert str(nest_headings("<h5>x</h5><h6>y</h6>", 5)) == "<h6>x</h6><h6>y</h6>"


def test_sources_page_lists_failing_sources_first_with_a_count(
    client: FlaskClient, filled: Store
) -> None:
    failed = SourceOutcome("medrxiv", "failed", error="HTTP 503")
    filled.record_fetch(
        FetchReport("medrxiv", NOW, NOW, failed, next_fetch_at=NOW + timedelta(hours=1)),
        worker="test",
    )
    html = text(client.get("/sources"))
    assert 'Sources <span class="attention">— 1 needs attention</span>' in html
    rows = re.findall(r'<th scope="row"><a href="/\?source=([\w-]+)"', html)
    assert rows[0] == "medrxiv" and "medrxiv" not in rows[1:]
    assert 'data-label="Next fetch"' in html


def test_an_error_page_puts_its_message_right_under_the_heading(client: FlaskClient) -> None:
    html = text(client.get("/items/424242"))
    assert re.search(r'<div class="message">\s*<h1>404 — Not found</h1>\s*<p>Nothing here', html)


def test_a_video_thumbnail_from_another_site_is_not_loaded_in_lists(
    client: FlaskClient, store: Store
) -> None:
    fill(store, 2)  # thumbnails on img.example.org
    html = text(client.get("/?kind=video"))
    assert "img.example.org" not in html
    assert '<span class="visually-hidden">Video: ' in html


def test_sources_page_says_a_local_file_was_unchanged_not_that_it_answered_304(
    store: Store, database_url: str
) -> None:
    """A file gives no HTTP status: the file reader's 304 stood on /sources as if a server
    had answered "not-modified (304)". A server's 304 is still shown as it was."""
    configured = web_settings(database_url)
    local = tuple(s.model_copy(update={"url": "file:///srv/feeds/bmj.xml"}) if s.id == "bmj"
                  else s for s in configured.sources)  # fmt: skip
    configured = configured.model_copy(update={"sources": local})
    setup_store(store, configured)
    for source_id in ("bmj", "health-news"):
        unchanged = SourceOutcome(source_id, "not-modified")
        report = FetchReport(source_id, NOW, NOW, unchanged, NOW + timedelta(hours=1), 304)
        store.record_fetch(report, worker="test")
    html = text(create_app(configured, store).test_client().get("/sources"))
    row = r'<th scope="row"><a href="/\?source=([\w-]+)".*?data-label="Status">([^<]*)<'
    rows = re.findall(row, html, re.S)
    assert dict(rows)["bmj"] == "unchanged"
    assert dict(rows)["health-news"] == "not-modified (304)"


def test_sources_page_says_a_body_that_came_back_the_same_was_unchanged_not_not_modified(
    store: Store, database_url: str
) -> None:
    """A server that answers 200 with the body it sent last time did not say "not
    modified": /sources read "not-modified (200)", a status no server gives."""
    setup_store(store, web_settings(database_url))
    unchanged = SourceOutcome("bmj", "not-modified")
    store.record_fetch(
        FetchReport("bmj", NOW, NOW, unchanged, NOW + timedelta(hours=1), 200), worker="test"
    )
    html = text(create_app(web_settings(database_url), store).test_client().get("/sources"))
    row = r'<th scope="row"><a href="/\?source=([\w-]+)".*?data-label="Status">([^<]*)<'
    assert dict(re.findall(row, html, re.S))["bmj"] == "unchanged (200)"
