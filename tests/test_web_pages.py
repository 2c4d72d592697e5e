"""The HTML pages through Flask's test client: front page, item, featured, sources, errors."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import event
from webfactory import (
    NOW,
    also_lines,
    also_links,
    app,
    client,
    entry,
    fill,
    filled,
    make_story,
    news_story,
    save,
    settings,
    words,
)

from aggregator.records import EventInfo, FetchReport, Kind, SourceOutcome, VideoInfo
from aggregator.store import Store


class _Outline(HTMLParser):
    """Collects what the tests look for: sections with their list items, links, scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.section: str | None = None
        self.sections: dict[str, int] = {}
        self.links: list[str] = []
        self.tags: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        if tag == "section" and (found.get("id") or "").startswith("section-"):
            self.section = (found["id"] or "").removeprefix("section-")
            self.sections[self.section] = 0
        elif tag == "li" and self.section and "brief" not in (found.get("class") or ""):
            self.sections[self.section] += 1
        elif tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.section = None


def _outline(html: str) -> _Outline:
    outline = _Outline()
    outline.feed(html)
    return outline


def test_front_page_shows_the_featured_article_and_four_sections_of_five(
    client: FlaskClient, filled: Store
) -> None:
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="featured"' in html and "min read" in html
    assert _outline(html).sections == {"news": 5, "article": 5, "conference": 5, "video": 5}


def _item_ids(html: str, start: str, end: str) -> list[int]:
    """The items linked from the part of the page from ``start`` to the next ``end``."""
    part = html[html.index(start) :]
    part = part[: part.index(end)]
    return [int(found) for found in re.findall(r'<h[23][^>]*><a href="/items/(\d+)"', part)]


def test_the_front_page_shows_the_featured_article_once_not_again_in_articles_or_the_stream(
    client: FlaskClient, filled: Store
) -> None:
    html = client.get("/").get_data(as_text=True)
    (featured,) = _item_ids(html, 'id="featured"', "</h2>")
    articles = _item_ids(html, 'id="section-article"', "</section>")
    stream = _item_ids(html, 'class="stream-list"', "</section>")
    assert len(articles) == 5 and featured not in articles
    assert len(stream) == 20 and featured not in stream


def test_the_front_page_lists_no_other_report_of_the_featured_story(
    client: FlaskClient, filled: Store
) -> None:
    """The featured article says "Also from" the story's other outlets; their reports are
    the same story, which a list shows once."""
    html = client.get("/").get_data(as_text=True)
    (featured,) = _item_ids(html, 'id="featured"', "</h2>")
    news = entry(
        Kind.NEWS, title="Report on the featured paper", published=NOW + timedelta(minutes=1)
    )
    save(filled, [news], source="fda-press")
    report = filled.list_items(q="Report on the featured paper", limit=1).items[0].id
    make_story(filled, featured, [report])
    html = client.get("/").get_data(as_text=True)
    assert _item_ids(html, 'id="featured"', "</h2>") == [featured]
    assert report not in _item_ids(html, 'id="section-news"', "</section>")
    assert report not in _item_ids(html, 'class="stream-list"', "</section>")
    assert also_lines(html) and "FDA Press Releases" in also_links(html)


def test_the_stream_pages_list_every_story_once_with_the_featured_one_on_top(
    client: FlaskClient, filled: Store
) -> None:
    """Leaving the featured article out of the first page loses no item and repeats none."""
    html = client.get("/").get_data(as_text=True)
    seen = _item_ids(html, 'id="featured"', "</h2>")
    while True:
        seen += _item_ids(html, 'class="stream-list"', "</section>")
        older = re.search(r'rel="next" class="older" href="([^"]+)"', html)
        if older is None:
            break
        html = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    every = [item.id for item in filled.list_items(limit=100).items]
    assert len(seen) == len(set(seen)) and set(seen) == set(every)


def test_front_page_has_landmarks_and_feed_autodiscovery(
    client: FlaskClient, filled: Store
) -> None:
    html = client.get("/").get_data(as_text=True)
    assert {"header", "nav", "main", "aside", "footer", "article"} <= set(_outline(html).tags)
    assert 'rel="alternate" type="application/atom+xml"' in html
    assert 'rel="alternate" type="application/feed+json"' in html


def test_older_link_leads_to_the_next_page_of_the_stream(
    client: FlaskClient, filled: Store
) -> None:
    html = client.get("/").get_data(as_text=True)
    older = re.search(r'rel="next" class="older" href="([^"]+)"', html)
    assert older is not None
    next_page = client.get(older.group(1).replace("&amp;", "&"))
    assert next_page.status_code == 200
    first_ids = set(re.findall(r'class="card[^"]*">.*?href="/items/(\d+)"', html, re.S))
    next_ids = set(
        re.findall(
            r'class="card[^"]*">.*?href="/items/(\d+)"', next_page.get_data(as_text=True), re.S
        )
    )
    assert next_ids and not first_ids & next_ids


def test_kind_filter_in_the_query_string_narrows_the_stream(
    client: FlaskClient, filled: Store
) -> None:
    html = client.get("/?kind=video").get_data(as_text=True)
    assert 'class="card kind-video"' in html
    assert 'class="card kind-news"' not in html


def test_syndicated_item_shows_also_from_and_its_label(client: FlaskClient, app: Flask) -> None:
    store = app.extensions["medfeed"].store
    kind, item, tags = entry(Kind.NEWS, title="Agency approves drug", url="https://x.org/a")
    save(store, [(kind, item, tags)], source="fda-press")
    save(store, [(kind, item, tags)], source="health-news")
    html = client.get("/").get_data(as_text=True)
    assert "Also from Health News Daily" in also_lines(html)
    assert "Press release" in html


def test_also_from_links_each_outlet_name_to_that_outlets_own_report(
    client: FlaskClient, app: Flask
) -> None:
    store = app.extensions["medfeed"].store
    news_story(store, ("Wire report", "https://wire.example/a"),
               ("Agency release", "https://fda.example/r"))  # fmt: skip
    html = client.get("/").get_data(as_text=True)
    assert set(also_lines(html)) == {"Also from FDA Press Releases"}
    assert also_links(html) == {"FDA Press Releases": "https://fda.example/r"}


def test_an_outlet_whose_copy_has_no_web_address_links_to_where_the_site_shows_it(
    client: FlaskClient, app: Flask
) -> None:
    """A local file's copy cannot be opened from a browser: its item's page (for a story's
    other item) or the carrier's line among the item's sources (for a second carrier)."""
    store = app.extensions["medfeed"].store
    kind, shared, tags = entry(Kind.NEWS, title="Carried twice", url="file:///feeds/a.html")
    save(store, [(kind, shared, tags)], source="health-news")
    save(store, [(kind, shared, tags)], source="fda-press")
    save(store, [entry(Kind.ARTICLE, title="Local paper", url="file:///feeds/paper.html")])
    ids = {i.title: i.id for i in store.list_items().items}
    make_story(store, ids["Carried twice"], [ids["Local paper"]])
    carried = store.get_item(ids["Carried twice"])
    (second,) = [ref for ref in carried.sources if ref.id != carried.source.id]
    html = client.get("/?kind=news").get_data(as_text=True)
    assert also_links(html) == {
        second.name: f"/items/{carried.id}#source-{second.id}",
        "The BMJ": f"/items/{ids['Local paper']}",
    }
    item = client.get(f"/items/{carried.id}").get_data(as_text=True)
    assert f'<li id="source-{second.id}">' in item


def test_item_page_lists_every_source_and_the_story(client: FlaskClient, app: Flask) -> None:
    store = app.extensions["medfeed"].store
    save(store, [entry(Kind.NEWS, title="Original report")])
    save(store, [entry(Kind.NEWS, title="Rewritten report")], source="fda-press")
    ids = {i.title: i.id for i in store.list_items().items}
    make_story(store, ids["Original report"], [ids["Rewritten report"]])
    html = client.get(f"/items/{ids['Original report']}").get_data(as_text=True)
    assert "Health News Daily" in html
    assert f'href="/items/{ids["Rewritten report"]}"' in html


def test_video_page_loads_no_player_until_the_reader_asks(client: FlaskClient, app: Flask) -> None:
    store = app.extensions["medfeed"].store
    save(store, [entry(Kind.VIDEO, title="Grand rounds")])
    video_id = store.list_items(kind=Kind.VIDEO).items[0].id
    facade = client.get(f"/items/{video_id}").get_data(as_text=True)
    assert "<iframe" not in facade
    assert f'href="/items/{video_id}?play=1"' in facade
    player = client.get(f"/items/{video_id}?play=1").get_data(as_text=True)
    assert '<iframe src="https://www.youtube-nocookie.com/embed/' in player


def test_hostile_html_in_a_stored_summary_cannot_run(client: FlaskClient, app: Flask) -> None:
    store = app.extensions["medfeed"].store
    hostile = (
        '<p>ok</p><script>alert(1)</script><img src="x" onerror="alert(2)">'
        '<a href="javascript:alert(3)">x</a><iframe src="https://evil.example"></iframe>'
    )
    save(store, [entry(Kind.NEWS, title="<b>Title</b>", summary=hostile)])
    item_id = store.list_items().items[0].id
    for path in ("/", f"/items/{item_id}"):
        html = client.get(path).get_data(as_text=True)
        outline = _outline(html)
        assert "script" not in outline.tags and "iframe" not in outline.tags
        assert outline.handlers == []
        assert not any(link.startswith("javascript:") for link in outline.links)
        assert "&lt;b&gt;Title&lt;/b&gt;" in html


def test_a_stored_link_that_is_no_web_address_is_not_a_link_on_any_page(
    client: FlaskClient, app: Flask
) -> None:
    """The parse stage keeps only http(s) links; a row written otherwise (an import, an old
    version, a hand edit) must not put a ``javascript:`` link on a page either."""
    store = app.extensions["medfeed"].store
    start = NOW + timedelta(days=3)
    event = EventInfo(start=start, end=start + timedelta(days=1), url="javascript:alert(1)")
    save(store, [entry(Kind.CONFERENCE, url="javascript:alert(2)", event=event)])
    item_id = store.list_items(stories=False).items[0].id
    for path in ("/?kind=conference&when=announced", f"/items/{item_id}"):
        links = _outline(client.get(path).get_data(as_text=True)).links
        assert not any(link.lower().startswith("javascript:") for link in links), path


def test_featured_page_shows_the_article_in_full(client: FlaskClient, filled: Store) -> None:
    page = client.get("/featured")
    assert page.status_code == 200
    assert "Read at The BMJ" in page.get_data(as_text=True)


def test_sources_page_shows_health_and_the_rejected_config_banner(
    client: FlaskClient, filled: Store
) -> None:
    filled.set_meta("config_error", "config.yaml, line 4: unknown key 'intervall'")
    html = client.get("/sources").get_data(as_text=True)
    assert "The BMJ" in html and "Next fetch" in html
    assert 'role="alert"' in html and "was rejected" in html
    assert "unknown key" not in html  # the file's details are the admin's


def test_unknown_page_is_an_html_404(client: FlaskClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "Not found" in page.get_data(as_text=True)


def test_bad_parameter_on_a_page_is_an_html_400(client: FlaskClient) -> None:
    page = client.get("/?kind=podcast")
    assert page.status_code == 400
    assert "kind must be one of" in page.get_data(as_text=True)


def _statements(store: Store, client: FlaskClient) -> int:
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    return len(seen)


def test_front_page_query_count_does_not_grow_with_items(client: FlaskClient, app: Flask) -> None:
    store = app.extensions["medfeed"].store
    fill(store, 3)  # 12 items
    with_few = _statements(store, client)
    fill(store, 50)  # 212 items
    with_many = _statements(store, client)
    assert with_few == with_many
    assert with_many <= 15  # ETag check, source menu, front page: a handful either way


@pytest.mark.parametrize("path", ["/", "/featured", "/sources", "/items/1"])
def test_pages_carry_the_security_headers(client: FlaskClient, filled: Store, path: str) -> None:
    headers = client.get(path).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_a_plain_http_site_allows_http_images_and_an_https_site_only_https_ones(
    client: FlaskClient, filled: Store
) -> None:
    """On plain http the policy allowed only https: images, so every http:// lead and
    in-text image was refused by the site's own header."""
    plain = client.get("/items/1").headers["Content-Security-Policy"]
    assert "img-src 'self' http: https: data:;" in plain
    secure = client.get("/items/1", base_url="https://localhost").headers
    assert "img-src 'self' https: data:;" in secure["Content-Security-Policy"]
    assert "http:" not in secure["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    ["/?endpoint=x", "/?kind=conference&endpoint=x", "/?_anchor=x&_method=GET",
     "/specialties/cardiology?slug=oncology", "/feed.atom?endpoint=x", "/feed.json?_external=0",
     "/specialties/cardiology/feed.atom?slug=x", "/feed.atom?_scheme=javascript&_external=1"],
)  # fmt: skip
def test_query_arguments_named_like_the_link_builders_own_are_ignored(
    client: FlaskClient, filled: Store, path: str
) -> None:
    # Links to the same list carry the query on; these names would have made the link
    # builder fail (a 500) or change the scheme or anchor of every link.
    answer = client.get(path)
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    assert "javascript:" not in body and "#x" not in body


def test_a_conference_list_says_how_many_items_it_lists(client: FlaskClient, app: Flask) -> None:
    # Events that were over when first seen (a calendar's archive) are in the past list
    # only; the count above each list is of that list's items.
    now = datetime.now(UTC)
    day = timedelta(days=1)
    upcoming = [
        entry(Kind.CONFERENCE, title=f"Congress {n}", event=EventInfo(start=now + (n + 1) * day,
              end=now + (n + 2) * day))
        for n in range(3)
    ]  # fmt: skip
    archive = [
        entry(Kind.CONFERENCE, title=f"Old meeting {n}", event=EventInfo(start=now - (60 + n) * day,
              end=now - (59 + n) * day))
        for n in range(5)
    ]  # fmt: skip
    save(app.extensions["medfeed"].store, upcoming + archive, at=now)
    for path, listed in (("/?kind=conference", 3), ("/?kind=conference&when=past", 5),
                         ("/?kind=conference&when=announced", 3)):  # fmt: skip
        html = client.get(path).get_data(as_text=True)
        assert f'<p class="count">{listed} items</p>' in html, path
        assert html.count('<article class="card') == listed, path


class _FilterForm(HTMLParser):
    """What a browser sends when the filter form is submitted as it stands."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and "filters" in (found.get("class") or ""):
            self._inside = True
        elif self._inside and tag == "input" and found.get("name"):
            self.fields.append((found["name"] or "", found.get("value") or ""))
        elif self._inside and tag == "select":
            self._select = found.get("name")
        elif self._inside and tag == "option" and self._select and "selected" in found:
            self.fields.append((self._select, found.get("value") or ""))

    def handle_endtag(self, tag: str) -> None:
        self._inside = self._inside and tag != "form"


@pytest.mark.parametrize("when", ["announced", "past", "upcoming"])
def test_the_filter_form_of_a_conference_list_submits_as_the_same_list(
    client: FlaskClient, filled: Store, when: str
) -> None:
    """The form carries the calendar view over as a hidden field; "Newly announced" went
    out as when=None, a 400 for a reader who only changed the source."""
    page = client.get(f"/?kind=conference&when={when}")
    form = _FilterForm()
    form.feed(page.get_data(as_text=True))
    assert ("when", when) in form.fields
    again = client.get("/", query_string=form.fields)
    assert again.status_code == 200
    assert again.get_data(as_text=True).count('<article class="card') == page.get_data(
        as_text=True
    ).count('<article class="card')


def test_a_local_files_address_is_not_offered_as_a_link(client: FlaskClient, store: Store) -> None:
    """A demo's or a local source's file:// link named a path on the server, and led nowhere."""
    save(store, [entry(Kind.NEWS, title="From a local file", url="file:///srv/feeds/pages/1.html"),
                 entry(Kind.NEWS, title="From the web", url="https://news.example/1")])  # fmt: skip
    ids = {item.title: item.id for item in store.list_items().items}
    html = client.get(f"/items/{ids['From a local file']}").get_data(as_text=True)
    assert "file:///srv" not in html and "Read at" not in html
    assert "Read at" in client.get(f"/items/{ids['From the web']}").get_data(as_text=True)


def test_no_output_gives_a_local_files_address(client: FlaskClient, store: Store) -> None:
    """The API, the JSON Feed and the Atom feed gave the server's path that the pages hide."""
    save(store, [entry(Kind.NEWS, title="From a local file", url="file:///srv/feeds/pages/1.html")])
    item_id = store.list_items().items[0].id
    start = NOW + timedelta(days=9)
    event = EventInfo(start=start, end=start + timedelta(days=2), url="file:///srv/feeds/e.html")
    save(store, [entry(Kind.CONFERENCE, title="Local congress", url="file:///srv/feeds/c.html",
                       event=event)])  # fmt: skip
    for path in ("/api/items", f"/api/items/{item_id}", "/feed.json", "/feed.atom",
                 "/conferences.ics"):  # fmt: skip
        body = client.get(path).get_data(as_text=True)
        assert "file:" not in body and "/srv/feeds" not in body, path
    assert client.get("/api/items").get_json()["items"][0]["url"] is None
    assert client.get("/feed.json").get_json()["items"][0]["url"].endswith(f"/items/{item_id}")


def test_a_long_copy_of_a_story_a_short_teaser_leads_is_featured(
    client: FlaskClient, store: Store
) -> None:
    """Only the first item of a story could be featured: the long copy of a story a
    journal's two-line teaser leads gave way to an older long article."""
    save(store, [entry(Kind.ARTICLE, title="Older long article", content=words(400, 1),
                       published=NOW - timedelta(hours=5)),
                 entry(Kind.ARTICLE, title="Trial teaser", summary="<p>Two lines.</p>",
                       published=NOW - timedelta(hours=2))])  # fmt: skip
    save(store, [entry(Kind.ARTICLE, title="Trial report in full", content=words(400, 2),
                       published=NOW - timedelta(hours=1))], source="medrxiv")  # fmt: skip
    ids = {item.title: item.id for item in store.list_items().items}
    make_story(store, ids["Trial teaser"], [ids["Trial report in full"]])
    html = client.get("/featured").get_data(as_text=True)
    assert "Trial report in full" in html and "Older long article" not in html


def test_the_featured_page_says_so_when_nothing_is_featured_yet(client: FlaskClient) -> None:
    """The menu links to it on every page: with nothing long enough fetched it was a 404."""
    response = client.get("/featured")
    assert response.status_code == 200
    assert "No featured article yet" in response.get_data(as_text=True)
    assert client.get("/api/featured").status_code == 404  # the API still says "none"


def test_a_list_shows_a_summary_without_its_remote_picture_or_an_empty_link(
    client: FlaskClient, store: Store
) -> None:
    """A Vimeo description's picture loaded from vimeo.com in every list, inside a link
    with no name; the item's page still shows it."""
    summary = ('<p>Lecture on heart failure.</p><p><a href="https://vimeo.com/1">'
               '<img src="https://vimeo.com/thumbs/1.svg" alt=""></a></p>')  # fmt: skip
    save(store, [entry(Kind.NEWS, title="Heart failure lecture", summary=summary)])
    html = client.get("/?kind=news").get_data(as_text=True)
    assert "Lecture on heart failure." in html
    assert "vimeo.com/thumbs" not in html and 'href="https://vimeo.com/1"' not in html


def test_an_empty_site_says_nothing_was_fetched_and_lists_no_pages(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "Nothing fetched yet" in html and "No items match" not in html
    assert 'aria-label="Pages"' not in html  # an empty navigation landmark


def test_a_bad_search_offers_the_search_box_again(client: FlaskClient) -> None:
    response = client.get("/?q=-heart")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'name="q"' in html and 'value="-heart"' in html


def test_every_page_has_a_search_box_in_its_header(client: FlaskClient, store: Store) -> None:
    save(store, [entry(Kind.NEWS, title="Heart clinic opens")])
    item = store.list_items(limit=1).items[0].id
    for path in ("/", f"/items/{item}", "/sources", "/specialties", "/featured", "/nope"):
        html = client.get(path).get_data(as_text=True)
        header = html[html.index('<header class="site">') : html.index("</header>")]
        assert '<form class="site-search" role="search" method="get" action="/">' in header
        assert '<input type="search" id="site-q" name="q"' in header, path


def test_a_search_with_or_in_capitals_says_it_is_searched_as_a_word(
    client: FlaskClient, store: Store
) -> None:
    """A librarian's "heart OR kidney" found nothing, and the page did not say why."""
    save(store, [entry(Kind.NEWS, title="Heart clinic opens"),
                 entry(Kind.NEWS, title="Kidney unit expands")])  # fmt: skip
    html = " ".join(client.get("/?q=heart+OR+kidney").get_data(as_text=True).split())
    assert "“OR” is searched as a word here: an item must hold every word" in html
    assert "<code>heart -kidney</code>" in html
    both = " ".join(client.get("/?q=NOT+heart+AND+kidney").get_data(as_text=True).split())
    assert "“NOT”, “AND” are searched as words here" in both
    for plain in ("heart", "heart+or+kidney", "%22heart+OR+kidney%22", "heart+-OR"):
        assert "search-note" not in client.get(f"/?q={plain}").get_data(as_text=True), plain


def test_a_search_that_finds_nothing_says_what_to_try_and_offers_every_kind(
    client: FlaskClient, store: Store
) -> None:
    save(store, [entry(Kind.NEWS, title="Heart attack care improves")])
    html = " ".join(client.get("/?q=hart+atack").get_data(as_text=True).split())
    assert "No items match “hart atack”: check the spelling" in html
    assert "search everything" not in html  # nothing else narrows it
    narrowed = client.get("/?q=hart+atack&kind=video").get_data(as_text=True)
    assert '<a href="/?q=hart+atack">search everything</a>' in narrowed
    assert "No items match.</p>" in client.get("/?kind=video").get_data(as_text=True)


def test_the_feed_link_is_not_current_on_a_specialty_or_calendar_list(
    client: FlaskClient,
) -> None:
    for query in ("specialty=cardiology", "when=past", "stories=0"):
        html = client.get(f"/?{query}").get_data(as_text=True)
        assert ">Feed</a>" in html and 'aria-current="page">Feed' not in html, query


def test_an_unexpected_error_is_logged_by_route_without_the_callbacks_token(
    client: FlaskClient,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The error log named the path, and a WebSub callback's path holds its secret token."""

    def broken(source_id: str) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(
        type(store.websub), "subscription", lambda self, source_id: broken(source_id)
    )
    with caplog.at_level(logging.ERROR, logger="web.errors"):
        answer = client.get("/websub/health-news/SECRET-TOKEN-123?hub.mode=subscribe")
    assert answer.status_code == 500
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/websub/<source_id>/<token>" in logged and "SECRET-TOKEN-123" not in logged


def test_a_news_article_stored_with_a_clip_it_cannot_play_shows_its_lead_image(
    client: FlaskClient, store: Store
) -> None:
    """Stored as a "video" (a related promo clip), it showed a ▶ placeholder in lists and
    "Show the video's thumbnail" in place of its photo on its page."""
    photo = "https://img.example.org/winnipeg.jpg"
    clip = VideoInfo(provider="other", thumbnail=photo)
    save(store, [entry(Kind.NEWS, title="Custom hijabs", image=photo, video=clip)])
    item_id = store.list_items().items[0].id
    page = client.get(f"/items/{item_id}").get_data(as_text=True)
    assert f'<img class="lead" src="{photo}" alt="">' in page
    assert "Show the video" not in page
    listed = client.get("/?kind=news").get_data(as_text=True)
    assert "Video: Custom hijabs" not in listed and 'class="placeholder"' not in listed


def test_sources_page_and_api_show_what_the_last_document_read_gave_to_say(
    client: FlaskClient, store: Store
) -> None:
    """Dates medfeed could not read were said only in a refresh's output (that of
    ``medfeed run`` nobody sees); the source looked healthy and silent."""
    note = "15 of 15 entries have a date medfeed cannot read (e.g. 'Seg, 24 Set 2018 …')"
    outcome = SourceOutcome("health-news", "ok", warnings=(note,))
    report = FetchReport("health-news", NOW, NOW, outcome, next_fetch_at=NOW + timedelta(hours=1))
    store.save_fetch(report, [], worker="test", stories=None)
    html = client.get("/sources").get_data(as_text=True)
    assert f'<small class="warning">{escape(note)}</small>' in html
    assert "need attention" not in html
    sources = client.get("/api/sources").get_json()["sources"]
    (source,) = [source for source in sources if source["id"] == "health-news"]
    assert (source["last_status"], source["last_warning"]) == ("ok", note)
