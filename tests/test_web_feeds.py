"""Atom and JSON Feed outputs: valid, complete, filtered and paged like the API."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html import unescape

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from webfactory import NOW, app, client, entry, filled, make_story, news_story, save, settings

from aggregator.records import EventInfo, EventStatus, Kind, Occurrence
from aggregator.sanitize import html_to_text
from aggregator.store import Store
from web.present import iso

HOUR = timedelta(hours=1)


def test_atom_feed_parses_cleanly_with_every_item(client: FlaskClient, filled: Store) -> None:
    answer = client.get("/feed.atom?limit=100")
    parsed = feedparser.parse(answer.data)
    assert answer.mimetype == "application/atom+xml"
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert len(parsed.entries) == 48
    assert {e.title for e in parsed.entries} == {
        i.title for i in filled.list_items(limit=100).items
    }


def test_json_feed_follows_json_feed_1_1_with_every_item(
    client: FlaskClient, filled: Store
) -> None:
    # feedparser 6.0 reads no JSON Feed, so the spec's required fields are checked here.
    answer = client.get("/feed.json?limit=100")
    feed = answer.get_json()
    assert answer.mimetype == "application/feed+json"
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] and feed["home_page_url"] and feed["feed_url"]
    ids = [item["id"] for item in feed["items"]]
    assert len(ids) == len(set(ids)) == 48 and all(isinstance(i, str) for i in ids)
    for item in feed["items"]:
        assert item["content_html"] and item["url"].startswith("https://")
        assert datetime.fromisoformat(item["date_published"]).tzinfo is not None
        assert item["_medfeed"]["source"]["id"]


def test_feeds_take_the_api_filters(client: FlaskClient, filled: Store) -> None:
    parsed = feedparser.parse(client.get("/feed.atom?kind=conference").data)
    assert len(parsed.entries) == 12
    assert all(any(tag.term == "conference" for tag in entry.tags) for entry in parsed.entries)


def test_feeds_link_their_next_page(client: FlaskClient, filled: Store) -> None:
    atom = feedparser.parse(client.get("/feed.atom?limit=10").data)
    older = next(link.href for link in atom.feed.links if link.rel == "next")
    assert "before=" in older
    json_feed = client.get("/feed.json?limit=10").get_json()
    assert "before=" in json_feed["next_url"]


def test_bad_feed_parameters_get_400(client: FlaskClient) -> None:
    assert client.get("/feed.atom?limit=500").status_code == 400
    assert client.get("/feed.json?kind=nope").get_json()["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/feed.atom?kind=bogus",
        "/specialties/no-such-specialty/feed.atom",
        "/feed.atom?before=not-a-cursor",
    ],
)
def test_a_feed_clients_error_is_plain_text_it_can_show(client: FlaskClient, path: str) -> None:
    """A feed reader shows no HTML page: an HTML 400 reached it as markup, or as nothing."""
    answer = client.get(path)
    assert answer.status_code in (400, 404)
    assert answer.mimetype == "text/plain"
    assert "<" not in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/?kind=conference", "/?kind=conference&when=past", "/?kind=news&tag=cardiology"]
)
def test_a_pages_feed_link_is_titled_as_the_feed_it_points_to(
    client: FlaskClient, filled: Store, path: str
) -> None:
    """The conferences page (a calendar, soonest first) titled its Atom link "Upcoming
    conferences"; the feed behind it is the conferences in announcement order."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'type="application/atom\+xml" title="([^"]*) \(Atom\)" href="([^"]*)"', page)
    assert found is not None
    title, href = (unescape(part) for part in found.groups())
    assert feedparser.parse(client.get(href).data).feed.title == title


def test_a_storys_entry_says_also_from_and_links_its_other_outlets(
    client: FlaskClient, app: Flask
) -> None:
    """A feed reader shows one entry for the story, so the entry's text carries "also
    from" and a link to each other outlet's item, as the page does."""
    store = app.extensions["medfeed"].store
    news_story(store, ("Original report", "https://a.example/1"),
               ("Rewritten <report>", "https://b.example/2"))  # fmt: skip
    atom = feedparser.parse(client.get("/feed.atom").data)
    (story,) = atom.entries
    assert "Also from " in story.content[0].value
    assert '<a href="https://b.example/2">Rewritten &lt;report&gt;</a>' in story.content[0].value
    related = [link for link in story.links if link.rel == "related"]
    assert "https://b.example/2" in {link.href for link in related}
    (item,) = client.get("/feed.json").get_json()["items"]
    assert '<a href="https://b.example/2">Rewritten &lt;report&gt;</a>' in item["content_html"]


def test_an_entry_that_gains_another_outlet_gets_a_new_updated_date(
    client: FlaskClient, store: Store
) -> None:
    """Its text then says "Also from" the new outlet; a reader keyed on id and updated
    never saw it."""
    save(store, [entry(Kind.NEWS, title="Original report", published=NOW - 3 * HOUR)],
         at=NOW - 3 * HOUR)  # fmt: skip
    before = feedparser.parse(client.get("/feed.atom").data).entries[0]
    save(store, [entry(Kind.NEWS, title="Rewritten report", published=NOW - 2 * HOUR)],
         source="fda-press", at=NOW - HOUR)  # fmt: skip
    ids = {i.title: i.id for i in store.list_items().items}
    make_story(store, ids["Original report"], [ids["Rewritten report"]])
    (after,) = feedparser.parse(client.get("/feed.atom").data).entries
    assert after.id == before.id and "Also from" in after.content[0].value
    assert after.updated_parsed > before.updated_parsed
    item = next(i for i in client.get("/feed.json").get_json()["items"] if i["id"] == after.id)
    assert item["date_modified"] == after.updated


def test_an_item_its_source_corrects_in_place_gets_a_new_updated_date(
    client: FlaskClient, store: Store
) -> None:
    """Feed readers key an entry on its id and updated date: a correction that kept the
    old date was never shown to a subscriber."""
    kind, item, tags = entry(Kind.NEWS, title="Lot recalled", published=NOW - 3 * HOUR)
    save(store, [(kind, item, tags)], at=NOW - 2 * HOUR)
    first = feedparser.parse(client.get("/feed.atom").data).entries[0]
    corrected = replace(item, title="CORRECTION: two lots recalled")
    save(store, [(kind, corrected, tags)], at=NOW)
    atom = feedparser.parse(client.get("/feed.atom").data)
    assert atom.entries[0].title == "CORRECTION: two lots recalled"
    assert first.updated == iso(NOW - 3 * HOUR)
    assert atom.entries[0].updated == atom.feed.updated == iso(NOW)
    (listed,) = client.get("/feed.json").get_json()["items"]
    assert listed["date_modified"] == iso(NOW)


@pytest.mark.parametrize("updated", [NOW + 365 * 24 * HOUR, NOW - 48 * HOUR])
def test_a_source_updated_date_in_the_future_or_before_publication_is_not_shown(
    client: FlaskClient, store: Store, updated: datetime
) -> None:
    published = NOW - 3 * HOUR
    save(store, [entry(Kind.NEWS, title="Dated oddly", published=published, updated=updated)])
    atom = feedparser.parse(client.get("/feed.atom").data)
    assert atom.entries[0].updated == atom.feed.updated == iso(published)
    assert "date_modified" not in client.get("/feed.json").get_json()["items"][0]


def test_a_filtered_feed_is_a_feed_of_its_own(client: FlaskClient, filled: Store) -> None:
    """An Atom id names one feed: every filter gave the unfiltered feed's id, title and
    page, and a reader subscribing from /?kind=video was offered the unfiltered feed."""
    whole = feedparser.parse(client.get("/feed.atom").data).feed
    videos = feedparser.parse(client.get("/feed.atom?kind=video&limit=5").data).feed
    assert videos.id == "http://localhost/feed.atom?kind=video" != whole.id
    assert videos.title == "medfeed — Videos" != whole.title
    assert videos.link == "http://localhost/?kind=video"
    json_feed = client.get("/feed.json?kind=video&limit=5").get_json()
    assert json_feed["feed_url"] == "http://localhost/feed.json?kind=video"
    assert json_feed["home_page_url"] == "http://localhost/?kind=video"
    page = client.get("/?kind=video").get_data(as_text=True)
    assert page.index('href="/feed.atom?kind=video"') < page.index('href="/feed.atom"')


def test_an_entrys_kind_and_label_are_categories_of_two_schemes(
    client: FlaskClient, store: Store
) -> None:
    save(store, [entry(Kind.NEWS, title="Plain news")])
    (atom,) = feedparser.parse(client.get("/feed.atom").data).entries
    categories = {(tag.scheme, tag.term) for tag in atom.tags}
    assert {("urn:medfeed:kind", "news"), ("urn:medfeed:label", "news")} <= categories


def test_one_filtered_feed_has_one_id_however_its_address_is_written(
    client: FlaskClient, filled: Store
) -> None:
    def feed_id(query: str) -> str:
        return str(feedparser.parse(client.get(f"/feed.atom?{query}").data).feed.id)

    assert feed_id("kind=video&q=measles") == feed_id("q=measles+&kind=VIDEO&utm_source=x")
    assert feed_id("kind=&limit=5") == feed_id("") == "http://localhost/feed.atom"


# A weekly series in Chicago (12:30 CST is 18:30 UTC), postponed as a whole, with a
# place that needs escaping and an event page whose address holds an ampersand.
ROUNDS_START = datetime(2031, 1, 1, 18, 30, tzinfo=UTC)
GRAND_ROUNDS = EventInfo(
    start=ROUNDS_START,
    end=ROUNDS_START + HOUR,
    timezone="America/Chicago",
    location="Rush <Tower> & Annex",
    online=True,
    url="https://events.example.org/rounds?a=1&b=2",
    rule="FREQ=WEEKLY;UNTIL=20310625T235900Z;BYDAY=WE",
    occurrences=tuple(
        Occurrence(ROUNDS_START + timedelta(weeks=n), ROUNDS_START + timedelta(weeks=n) + HOUR)
        for n in range(4)
    ),
    status=EventStatus.POSTPONED,
)
ROUNDS_WORDS = (
    "Next: 1 Jan 2031, 12:30 CST Postponed · weekly on Wednesdays, 12:30 CST, until "
    "25 Jun 2031 · Rush <Tower> & Annex · online · Event page"
)


def save_grand_rounds(store: Store) -> None:
    rounds = entry(
        Kind.CONFERENCE,
        title="Grand Rounds",
        event=GRAND_ROUNDS,
        summary="<p>Cardiology cases.</p>",
        content="<p>The programme.</p>",
    )
    save(store, [rounds])


def test_an_atom_conference_entry_says_when_where_and_how_its_event_takes_place(
    client: FlaskClient, store: Store
) -> None:
    """A feed reader shows the entry's text, not the site's event line beside the title:
    without it a conference was only a title, dated by its announcement."""
    save_grand_rounds(store)
    answer = client.get("/feed.atom")
    assert b"<Tower>" not in answer.data
    parsed = feedparser.parse(answer.data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    (rounds,) = parsed.entries
    for html in (rounds.summary, rounds.content[0].value):
        assert "Rush &lt;Tower&gt; &amp; Annex" in html
        assert 'href="https://events.example.org/rounds?a=1&amp;b=2"' in html
        assert " ".join(html_to_text(html).split()).startswith(ROUNDS_WORDS)
    assert rounds.summary.endswith("<p>Cardiology cases.</p>")
    assert rounds.content[0].value.endswith("<p>The programme.</p>")


def test_a_json_feed_conference_item_says_when_where_and_how_its_event_takes_place(
    client: FlaskClient, store: Store
) -> None:
    save_grand_rounds(store)
    (rounds,) = client.get("/feed.json").get_json()["items"]
    assert "Rush &lt;Tower&gt; &amp; Annex" in rounds["content_html"]
    assert 'href="https://events.example.org/rounds?a=1&amp;b=2"' in rounds["content_html"]
    assert rounds["content_html"].endswith("<p>The programme.</p>")
    assert rounds["summary"] == ROUNDS_WORDS + " Cardiology cases."
    assert rounds["_medfeed"]["summary"] == "<p>Cardiology cases.</p>"
    assert rounds["_medfeed"]["event"]["location"] == "Rush <Tower> & Annex"


def test_the_site_and_its_feeds_have_an_icon(client: FlaskClient, filled: Store) -> None:
    """/favicon.ico answered 404, and neither feed named an icon: readers showed a blank."""
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
        assert icon.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    atom = feedparser.parse(client.get("/feed.atom").data).feed
    assert atom.icon == "http://localhost/favicon.ico"
    assert atom.logo == "http://localhost/static/favicon.svg"
    with client.get(atom.logo) as logo:
        assert logo.mimetype == "image/svg+xml"
    json_feed = client.get("/feed.json").get_json()
    assert json_feed["favicon"] == "http://localhost/favicon.ico"
    assert json_feed["icon"] == "http://localhost/static/favicon.svg"


def test_an_event_whose_place_says_online_is_not_called_online_twice(
    client: FlaskClient, store: Store
) -> None:
    """The demo's journal club read "Conference Room 4B, and online · online" on the page
    and in both feeds: "online" is added only when the place does not say it."""
    event = replace(GRAND_ROUNDS, location="Rush Tower, Room 4B, and online")
    save(store, [entry(Kind.CONFERENCE, title="Journal club", event=event)])
    (item,) = client.get("/api/items").get_json()["items"]
    page = client.get(f"/items/{item['id']}").get_data(as_text=True)
    (line,) = re.findall(r'<p class="event">.*?</p>', page, re.DOTALL)
    (atom,) = feedparser.parse(client.get("/feed.atom").data).entries
    (json_item,) = client.get("/feed.json").get_json()["items"]
    for text in (html_to_text(line), html_to_text(atom.summary), json_item["summary"]):
        assert "Rush Tower, Room 4B, and online" in text
        assert text.lower().count("online") == 1
