"""Served documents, refreshed into a real database and read back through the site: real
publication dates, events dated by announcement, a recurring series as one entry,
derived titles and feed-proxy originals (issue 10).

Each document is served from 127.0.0.1 the way its publisher writes it; calendar
dates are relative to the real clock, because "upcoming" is decided at request time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from flask.testing import FlaskClient
from icalendar import Calendar

from aggregator.config import load_settings
from aggregator.records import SourceOutcome
from aggregator.refresh import Refresher
from aggregator.store import Store
from tests.feeds import config_text, served
from tests.localserver import LocalServer
from web import create_app

ATOM = "{http://www.w3.org/2005/Atom}"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def site(
    tmp_path: Path,
    database_url: str,
    store: Store,
    server: LocalServer,
    documents: dict[str, tuple[bytes, str]],
) -> FlaskClient:
    """Serve each document (source id -> body, kind), refresh them all, return a client."""
    sources = []
    for source_id, (body, kind) in documents.items():
        path = f"/{source_id}"
        content_type = "text/calendar" if body.startswith(b"BEGIN:") else "application/rss+xml"
        server.route(path, served(body, content_type=content_type))
        sources.append((source_id, server.url(path), kind))
    config = tmp_path / "config.yaml"
    config.write_text(config_text(database_url, sources))
    settings = load_settings(config)
    store.sync_sources(settings.configured_sources())
    outcomes = Refresher(settings, store).refresh(due_only=False)
    assert [o.status for o in outcomes] == ["ok"] * len(documents), outcomes
    app = create_app(settings=settings, store=store)
    app.config["TESTING"] = True
    return app.test_client()


def rss_items(*items: str, version: str = "2.0", namespaces: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="{version}"{namespaces}>'
        "<channel><title>Publisher</title><link>https://publisher.example.org/</link>"
        f"<description>d</description>{''.join(items)}</channel></rss>"
    ).encode()


def item(title: str, link: str, date: str) -> str:
    return f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate></item>"


def api_items(client: FlaskClient, query: str = "") -> list[dict[str, Any]]:
    answer = client.get(f"/api/items?limit=100{query}")
    assert answer.status_code == 200, answer.data
    items: list[dict[str, Any]] = answer.get_json()["items"]
    return items


def by_title(client: FlaskClient) -> dict[str, dict[str, Any]]:
    """Every stored item (``stories=0``: short look-alike test items may form one story)."""
    return {entry["title"]: entry for entry in api_items(client, "&stories=0")}


def atom_titles(client: FlaskClient) -> list[str]:
    feed = ET.fromstring(client.get("/feed.atom").data)
    return [entry.findtext(f"{ATOM}title") or "" for entry in feed.iter(f"{ATOM}entry")]


def ics_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def vevent(uid: str, title: str, start: datetime, hours: int = 8, extra: str = "") -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{title}\r\nDTSTAMP:{ics_time(NOW)}\r\n"
        f"CREATED:{ics_time(NOW - timedelta(days=20))}\r\n"
        f"DTSTART:{ics_time(start)}\r\nDTEND:{ics_time(start + timedelta(hours=hours))}\r\n"
        f"URL:https://events.example.org/{uid}\r\n{extra}END:VEVENT\r\n"
    )


def calendar(*events: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n"
        + "".join(events)
        + "END:VCALENDAR\r\n"
    ).encode()


# --- dates ---------------------------------------------------------------------------


def test_fda_time_element_inside_pubdate_is_the_items_date(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    fda = rss_items(
        "<item><title>Company recalls product</title><link>https://www.fda.gov/recall-1</link>"
        '<pubDate><time datetime="2019-05-03T19:21:28Z">Fri, 05/03/2019 - 15:21</time>'
        "</pubDate></item>"
    )
    client = site(tmp_path, database_url, store, server, {"fda": (fda, "news")})
    recall = by_title(client)["Company recalls product"]
    assert recall["published"] == "2019-05-03T19:21:28Z"
    assert recall["published_from"] == "source"


def test_a_readable_english_date_is_the_items_date(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    feed = rss_items(
        item("Board statement", "https://p.example.org/1", "Friday, January 29, 2021 04:42 PM")
    )
    client = site(tmp_path, database_url, store, server, {"board": (feed, "news")})
    statement = by_title(client)["Board statement"]
    assert (statement["published"], statement["published_from"]) == (
        "2021-01-29T16:42:00Z",
        "source",
    )


def test_years_9999_and_0001_keep_first_seen_and_the_good_items_their_dates(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    feed = rss_items(
        item("Good one", "https://p.example.org/good-1", "Tue, 24 Nov 2026 10:00:00 GMT"),
        item("Year 9999", "https://p.example.org/y9999", "Fri, 31 Dec 9999 23:00:00 -0500"),
        item("Year 0001", "https://p.example.org/y0001", "Mon, 01 Jan 0001 00:00:00 +0000"),
        item("ISO 9999", "https://p.example.org/i9999", "9999-12-31T23:59:59-05:00"),
        item("Good two", "https://p.example.org/good-2", "Mon, 23 Nov 2026 10:00:00 GMT"),
    )
    client = site(tmp_path, database_url, store, server, {"odd": (feed, "news")})
    items = by_title(client)
    assert len(items) == 5
    assert items["Good one"]["published"] == "2026-11-24T10:00:00Z"
    assert items["Good two"]["published_from"] == "source"
    for odd in ("Year 9999", "Year 0001", "ISO 9999"):
        assert items[odd]["published_from"] == "first_seen"
        published = datetime.fromisoformat(items[odd]["published"])
        assert abs(published - datetime.now(UTC)) < timedelta(minutes=10)


def test_a_date_more_than_a_day_ahead_is_clamped_to_first_seen(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    ahead = (NOW + timedelta(days=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    soon = (NOW + timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    feed = rss_items(
        item("From the future", "https://p.example.org/f", ahead),
        item("Timezone slip", "https://p.example.org/s", soon),
    )
    client = site(tmp_path, database_url, store, server, {"clock": (feed, "news")})
    items = by_title(client)
    assert items["From the future"]["published_from"] == "first_seen"
    assert datetime.fromisoformat(items["From the future"]["published"]) < NOW + timedelta(hours=1)
    assert items["Timezone slip"]["published_from"] == "source"


# --- events ----------------------------------------------------------------------------


def test_a_calendar_of_past_events_puts_none_in_the_stream_or_the_feeds(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    past = [
        vevent(f"past-{n}", f"Past congress {n}", NOW - timedelta(days=30 * n)) for n in (1, 2, 3)
    ]
    ics = calendar(*past, vevent("next", "Coming congress", NOW + timedelta(days=40)))
    client = site(tmp_path, database_url, store, server, {"cal": (ics, "conference")})
    assert [entry["title"] for entry in api_items(client)] == ["Coming congress"]
    assert atom_titles(client) == ["Coming congress"]
    past_titles = [e["title"] for e in api_items(client, "&kind=conference&when=past")]
    assert past_titles == ["Past congress 1", "Past congress 2", "Past congress 3"]


def test_an_event_is_dated_by_its_announcement_not_its_occurrence(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    ics = calendar(vevent("next", "Coming congress", NOW + timedelta(days=40)))
    client = site(tmp_path, database_url, store, server, {"cal": (ics, "conference")})
    (congress,) = api_items(client)
    created = (NOW - timedelta(days=20)).isoformat().replace("+00:00", "Z")
    assert (congress["published"], congress["published_from"]) == (created, "source")


def weekly_series() -> str:
    first = (NOW - timedelta(days=21)).replace(hour=18, minute=30, second=0)
    return (
        "BEGIN:VEVENT\r\nUID:club@hospital.example\r\nSUMMARY:Journal club\r\n"
        f"DTSTAMP:{ics_time(NOW)}\r\n"
        f"DTSTART;TZID=America/Chicago:{first.strftime('%Y%m%dT123000')}\r\n"
        f"DTEND;TZID=America/Chicago:{first.strftime('%Y%m%dT133000')}\r\n"
        f"RRULE:FREQ=WEEKLY;BYDAY={first.strftime('%a')[:2].upper()}\r\n"
        "URL:https://hospital.example/journal-club\r\nLOCATION:Room 4B\r\nEND:VEVENT\r\n"
    )


def test_a_recurring_series_is_one_entry_in_every_list(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    ics = calendar(weekly_series(), vevent("congress", "Congress", NOW + timedelta(days=60)))
    client = site(tmp_path, database_url, store, server, {"cal": (ics, "conference")})
    assert sorted(e["title"] for e in api_items(client)) == ["Congress", "Journal club"]
    assert sorted(atom_titles(client)) == ["Congress", "Journal club"]
    listed = [e["title"] for e in api_items(client, "&kind=conference")]
    assert listed == ["Journal club", "Congress"]  # upcoming, soonest first
    club = api_items(client, "&kind=conference")[0]["event"]
    assert club["rule"].startswith("FREQ=WEEKLY")
    assert club["repeats"].startswith("weekly on ")
    assert ", 12:30 C" in club["repeats"]  # in Chicago time (CST or CDT)
    assert datetime.fromisoformat(club["end"]) >= NOW
    page = client.get("/").get_data(as_text=True)
    assert page.count(">Journal club</a>") == 2  # once in Conferences, once in the stream


def test_a_series_page_lists_its_coming_dates_and_the_calendar_keeps_the_rule(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    client = site(
        tmp_path, database_url, store, server, {"cal": (calendar(weekly_series()), "conference")}
    )
    (club,) = api_items(client)
    detail = client.get(f"/api/items/{club['id']}").get_json()["event"]
    assert len(detail["occurrences"]) == 12
    starts = [datetime.fromisoformat(o["start"]) for o in detail["occurrences"]]
    assert starts == sorted(starts) and starts[1] - starts[0] == timedelta(weeks=1)
    page = client.get(f"/items/{club['id']}").get_data(as_text=True)
    assert "Coming dates" in page and page.count("<li><time datetime=") == 12
    assert "(America/Chicago)" in page and "UTC" in page  # local time, UTC on hover
    (event,) = Calendar.from_ical(client.get("/conferences.ics").data).walk("VEVENT")
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]
    assert event.decoded("DTSTART").tzinfo.key == "America/Chicago"


def test_kind_conference_api_and_page_agree_with_the_home_section(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    events = [
        vevent(f"e{n}", f"Event {n}", NOW + timedelta(days=n * 10)) for n in (4, 1, 6, 3, 5, 2, 7)
    ]
    events.append(vevent("over", "Ended event", NOW - timedelta(days=2)))
    client = site(tmp_path, database_url, store, server, {"cal": (calendar(*events), "conference")})
    expected = [f"Event {n}" for n in range(1, 8)]
    assert [e["title"] for e in api_items(client, "&kind=conference")] == expected
    home = client.get("/").get_data(as_text=True)
    section = home.split('id="section-conference"')[1].split("</section>")[0]
    assert [f"Event {n}" for n in range(1, 6) if f">Event {n}</a>" in section] == expected[:5]
    assert section.index(">Event 1<") < section.index(">Event 2<") < section.index(">Event 5<")
    kind_page = client.get("/?kind=conference").get_data(as_text=True)
    stream = kind_page.split('class="stream-list"')[1]
    positions = [stream.index(f">{title}</a>") for title in expected]
    assert positions == sorted(positions) and ">Ended event</a>" not in stream
    past = client.get("/?kind=conference&when=past").get_data(as_text=True)
    assert ">Ended event</a>" in past.split('class="stream-list"')[1]


# --- titles and proxies -------------------------------------------------------------------


def test_a_titleless_rss_092_item_gets_its_first_sentence_as_a_derived_title(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    long_text = "word " * 60
    feed = rss_items(
        "<item><description>The clinic opens on Monday. Bring your card.</description>"
        "<link>https://clinic.example.org/news/1</link></item>",
        f"<item><description>{long_text}</description><link>https://clinic.example.org/2</link></item>",
        version="0.92",
    )
    client = site(tmp_path, database_url, store, server, {"clinic": (feed, "news")})
    items = by_title(client)
    opens = items["The clinic opens on Monday."]
    assert opens["title_derived"] is True
    (cut,) = [title for title in items if title.startswith("word")]
    assert len(cut) <= 120 and cut.endswith("word…")
    page = client.get(f"/items/{opens['id']}").get_data(as_text=True)
    assert "<title>The clinic opens on Monday. — medfeed</title>" in page
    assert "<h1></h1>" not in page
    assert "" not in atom_titles(client)


def test_feedburner_origlink_is_the_items_link_and_merges_with_the_publishers_copy(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    proxied = rss_items(
        "<item><title>Trial results</title>"
        "<link>https://feedproxy.google.com/~r/publisher/~3/abc123/</link>"
        "<guid isPermaLink='false'>fb-1</guid>"
        "<feedburner:origLink>https://publisher.example.org/2026/trial-results?utm_source=feedburner"
        "</feedburner:origLink><pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate></item>",
        namespaces=' xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"',
    )
    own = rss_items(
        item(
            "Trial results",
            "https://publisher.example.org/2026/trial-results",
            "Tue, 24 Nov 2026 10:00:00 GMT",
        )
    )
    client = site(
        tmp_path, database_url, store, server, {"burner": (proxied, "news"), "own": (own, "news")}
    )
    (story,) = api_items(client)
    assert story["url"].startswith("https://publisher.example.org/2026/trial-results")
    assert sorted(source["id"] for source in story["sources"]) == ["burner", "own"]


def test_an_edited_event_keeps_its_place_in_the_stream(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    versions = [
        calendar(vevent("c", "Congress", NOW + timedelta(days=40))),
        calendar(
            vevent("c", "Congress", NOW + timedelta(days=40), extra="DESCRIPTION:New venue\r\n")
            .replace(f"CREATED:{ics_time(NOW - timedelta(days=20))}\r\n", "")
            .replace(f"DTSTAMP:{ics_time(NOW)}", f"DTSTAMP:{ics_time(NOW + timedelta(hours=1))}")
        ),
    ]
    client = site(tmp_path, database_url, store, server, {"cal": (versions[0], "conference")})
    (before,) = api_items(client)
    server.route("/cal", served(versions[1], content_type="text/calendar"))
    settings = load_settings(tmp_path / "config.yaml")
    (outcome,) = Refresher(settings, store).refresh(due_only=False)
    assert outcome.updated == 1
    (after,) = api_items(client)
    assert after["summary"] == "<p>New venue</p>"
    assert after["published"] == before["published"]


# --- charsets: the server's against the document's ---------------------------------


def refreshed_with(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer, body: bytes, charset: str
) -> tuple[SourceOutcome, list[str]]:
    """Serve ``body`` with ``charset`` in its Content-Type, refresh it: the outcome, and the
    stored titles as the API gives them."""
    server.route("/feed", served(body, content_type=f"application/rss+xml; charset={charset}"))
    config = tmp_path / "config.yaml"
    config.write_text(config_text(database_url, [("wire", server.url("/feed"), "news")]))
    settings = load_settings(config)
    store.sync_sources(settings.configured_sources())
    (outcome,) = Refresher(settings, store).refresh(due_only=False)
    app = create_app(settings=settings, store=store)
    app.config["TESTING"] = True
    return outcome, [entry["title"] for entry in api_items(app.test_client())]


def declared(title: str, encoding: str, written: str) -> bytes:
    """An RSS feed that declares ``encoding``, its one item titled ``title``, its bytes
    written in ``written``."""
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        "<title>Publisher</title><link>https://publisher.example.org/</link>"
        f"<item><title>{title}</title><link>https://publisher.example.org/1</link></item>"
        "</channel></rss>"
    ).encode(written)


@pytest.mark.parametrize(
    ("charset", "encoding", "title", "document_reads", "server_reads"),
    [("windows-1252", "iso-8859-2", "Naïve “quoted” café", "Naďve", "Naïve"),
     ("iso-8859-2", "windows-1252", "Łódź clinics", "£ód¼", "Łódź")],
    ids=["windows-1252 over iso-8859-2", "iso-8859-2 over windows-1252"],
)  # fmt: skip
def test_a_legacy_http_charset_wins_over_another_the_document_declares_and_reads_right(
    tmp_path: Path,
    database_url: str,
    store: Store,
    server: LocalServer,
    charset: str,
    encoding: str,
    title: str,
    document_reads: str,
    server_reads: str,
) -> None:
    """RFC 7303: for an XML media type the HTTP charset wins over the XML declaration; the
    text written in it is stored exactly. The document's charset would read it otherwise,
    which the source's warning shows."""
    body = declared(title, encoding, charset)
    outcome, titles = refreshed_with(tmp_path, database_url, store, server, body, charset)
    assert (outcome.status, titles) == ("ok", [title])
    (warning,) = outcome.warnings
    assert warning == (
        f"the server says charset={charset} (application/rss+xml; charset={charset}), but "
        f'the document declares {encoding}, which reads it otherwise: "{document_reads}" '
        f'where {charset} reads "{server_reads}"; read as {charset}, the server\'s charset '
        "(RFC 7303)"
    )


def test_a_feed_written_in_its_declared_charset_that_the_server_calls_another_is_not_silent(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """The server is wrong this time: iso-8859-2 bytes served as windows-1252. Both read
    cleanly and no rule tells which is right, so the server's word stands (RFC 7303) and
    the title is mojibake, as it was; but it was silent, and now the source says so,
    with the document's reading."""
    body = declared("Łódź clinics", "iso-8859-2", "iso-8859-2")
    outcome, titles = refreshed_with(tmp_path, database_url, store, server, body, "windows-1252")
    assert titles == ["£ód¼ clinics"]
    (warning,) = outcome.warnings
    assert 'declares iso-8859-2, which reads it otherwise: "Łódź" where windows-1252' in warning


def test_charsets_that_read_the_document_alike_stand_without_a_warning(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """windows-1252 against iso-8859-1 (C1 controls shown as windows-1252's, as feedparser
    shows them): the same text either way."""
    body = declared("Café “quoted” résumé", "iso-8859-1", "windows-1252")
    outcome, titles = refreshed_with(tmp_path, database_url, store, server, body, "windows-1252")
    assert (titles, outcome.warnings) == (["Café “quoted” résumé"], ())
