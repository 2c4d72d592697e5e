"""The offline demo's data: every file parses, every item is dated, every local link resolves,
and the stories designed for deduplication (demo/README.md) are really in the files."""

from __future__ import annotations

import importlib.util
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser
import icalendar
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "demo"
FEEDS = DEMO / "feeds"
XML_FEEDS = sorted(p.name for p in FEEDS.iterdir() if p.suffix in {".xml", ".atom", ".rdf"})
RELATIVE_REFERENCE = re.compile(r"""(?:["'>(])(\.\./[^"'<>\s)]+)""")


def parse(name: str) -> Any:
    return feedparser.parse(str(FEEDS / name), sanitize_html=False, resolve_relative_uris=False)


def json_feed() -> dict[str, Any]:
    return json.loads((FEEDS / "ward-round-news.json").read_text(encoding="utf-8"))


def calendar() -> icalendar.Calendar:
    return icalendar.Calendar.from_ical((FEEDS / "conferences.ics").read_bytes())


def links(name: str) -> list[str]:
    if name.endswith(".json"):
        return [item["url"] for item in json_feed()["items"]]
    return [entry.link for entry in parse(name).entries]


def titles(name: str) -> list[str]:
    if name.endswith(".json"):
        return [item["title"] for item in json_feed()["items"]]
    return [entry.title for entry in parse(name).entries]


def canonical(url: str) -> str:
    """A minimal stand-in for layer 2: scheme, host case, tracking, fragment, trailing slash."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.startswith("utm_")]
    query = [(k, v) for k, v in query if k not in {"fbclid", "gclid"}]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", parts.netloc.lower(), path, urlencode(query), ""))


def load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_build", DEMO / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- every file parses, every item is dated ---------------------------------------------


def test_the_demo_has_nine_feeds_of_every_kind() -> None:
    config = yaml.safe_load((REPO / "config.demo.yaml").read_text(encoding="utf-8"))
    kinds = [source["kind"] for source in config["sources"]]
    assert len(kinds) >= 8
    assert set(kinds) == {"news", "article", "conference", "video"}


def test_every_demo_source_points_at_an_existing_file() -> None:
    config = yaml.safe_load((REPO / "config.demo.yaml").read_text(encoding="utf-8"))
    for source in config["sources"]:
        assert (REPO / source["url"]).is_file(), source["id"]


@pytest.mark.parametrize("name", XML_FEEDS)
def test_xml_feed_parses_without_bozo(name: str) -> None:
    feed = parse(name)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.entries


@pytest.mark.parametrize("name", XML_FEEDS)
def test_every_xml_feed_item_has_a_date(name: str) -> None:
    for entry in parse(name).entries:
        assert entry.get("published_parsed") or entry.get("updated_parsed"), entry.title


def test_json_feed_is_version_1_1_and_every_item_is_dated() -> None:
    feed = json_feed()
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    for item in feed["items"]:
        assert item["id"] and item["url"] and item["title"]
        assert datetime.fromisoformat(item["date_published"]).tzinfo is not None


@pytest.mark.parametrize(
    ("name", "minimum"),
    [("clinical-wire.xml", 12), ("health-policy-daily.atom", 12), ("ward-round-news.json", 12)],
)
def test_news_feeds_carry_twelve_to_twenty_five_items(name: str, minimum: int) -> None:
    assert minimum <= len(titles(name)) <= 25


def test_calendar_parses_and_every_event_has_a_start() -> None:
    events = list(calendar().walk("VEVENT"))
    assert len(events) >= 10
    for event in events:
        assert event.get("DTSTART") is not None, event.get("SUMMARY")
        assert event.get("URL") and event.get("LOCATION")


def test_calendar_has_a_weekly_recurring_journal_club() -> None:
    rules = [e for e in calendar().walk("VEVENT") if e.get("RRULE")]
    assert [str(e["SUMMARY"]) for e in rules] == ["Internal Medicine Journal Club"]
    assert rules[0]["RRULE"].to_ical() == b"FREQ=WEEKLY;UNTIL=20270630T235900Z;BYDAY=WE"


def test_calendar_has_an_event_ongoing_on_25_november_2026() -> None:
    def as_date(value: date | datetime) -> date:
        return value.astimezone(UTC).date() if isinstance(value, datetime) else value

    today = date(2026, 11, 25)
    ongoing = [
        str(e["SUMMARY"])
        for e in calendar().walk("VEVENT")
        if as_date(e.decoded("DTSTART")) <= today < as_date(e.decoded("DTEND"))
    ]
    assert ongoing == ["Asia-Pacific Oncology Congress 2026"]


def test_calendar_has_an_online_webinar_and_events_in_several_timezones() -> None:
    cal = calendar()
    assert any(str(e["LOCATION"]).startswith("Online") for e in cal.walk("VEVENT"))
    assert len(cal.walk("VTIMEZONE")) >= 5


# --- local references ------------------------------------------------------------------


def test_every_relative_reference_resolves_to_a_demo_file() -> None:
    checked = 0
    for path in [*FEEDS.iterdir(), *(DEMO / "pages").iterdir()]:
        for reference in RELATIVE_REFERENCE.findall(path.read_text(encoding="utf-8")):
            assert (path.parent / reference).resolve().is_file(), f"{path.name}: {reference}"
            checked += 1
    assert checked >= 20


def test_video_thumbnails_are_local_files() -> None:
    for name in ("clined-explained.youtube.xml", "riverside-grand-rounds.vimeo.xml"):
        for entry in parse(name).entries:
            thumbnail = entry.media_thumbnail[0]["url"]
            assert not urlsplit(thumbnail).scheme
            assert (FEEDS / thumbnail).resolve().is_file()


def test_youtube_feed_carries_ids_and_view_counts() -> None:
    entries = parse("clined-explained.youtube.xml").entries
    assert len(entries) >= 8
    assert all(len(e.yt_videoid) == 11 and int(e.media_statistics["views"]) > 0 for e in entries)


def test_full_text_item_links_to_a_local_page_of_about_800_words() -> None:
    entry = next(
        e for e in parse("meridian-online-first.atom").entries if e.link.startswith("../pages/")
    )
    page = (FEEDS / entry.link).resolve().read_text(encoding="utf-8")
    article = page[page.index("<article") : page.index("</article>")]
    assert 700 <= len(re.sub(r"<[^>]+>", " ", article).split()) <= 1000
    assert len(re.sub(r"<[^>]+>", " ", entry.summary).split()) < 60


def test_the_newest_article_is_the_full_text_one() -> None:
    entries = [*parse("meridian-online-first.atom").entries]
    entries += parse("northern-medical-journal.rdf").entries
    newest = max(entries, key=lambda e: e.get("published_parsed") or e.updated_parsed)
    assert newest.link.startswith("../pages/")


def test_some_abstracts_are_long_enough_to_feature() -> None:
    entries = [*parse("meridian-online-first.atom").entries]
    entries += parse("northern-medical-journal.rdf").entries
    words = [
        len(re.sub(r"<[^>]+>", " ", e.content[0].value).split()) for e in entries if "content" in e
    ]
    assert sum(count > 300 for count in words) >= 3


# --- the designed stories ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "copy"),
    [
        ("clinical-wire.xml", "health-policy-daily.atom"),  # E1: utm_* and a fragment
        ("clinical-wire.xml", "ward-round-news.json"),  # E2: http and an upper-case host
        ("health-policy-daily.atom", "ward-round-news.json"),  # E3, E4: slash; utm + fbclid
        ("clinical-societies-calendar", "society-events.xml"),  # E5: the same congress page
    ],
)
def test_syndicated_copies_share_a_canonical_url_but_not_the_raw_url(
    original: str, copy: str
) -> None:
    if original == "clinical-societies-calendar":
        first = [str(e["URL"]) for e in calendar().walk("VEVENT")]
    else:
        first = links(original)
    second = links(copy)
    shared = {canonical(u) for u in first} & {canonical(u) for u in second}
    assert shared
    assert not set(first) & set(second)


@pytest.mark.parametrize(
    ("word", "feeds"),
    [
        ("tarvelimab", ("clinical-wire.xml", "health-policy-daily.atom", "ward-round-news.json")),
        ("LPA-HORIZON", ("health-policy-daily.atom", "ward-round-news.json")),
        ("130/80", ("health-policy-daily.atom", "ward-round-news.json")),
        ("Lakeland", ("clinical-wire.xml", "health-policy-daily.atom")),
    ],
)
def test_rewritten_stories_appear_in_several_outlets_under_different_urls(
    word: str, feeds: tuple[str, ...]
) -> None:
    found = []
    for name in feeds:
        if name.endswith(".json"):
            texts = [(i["url"], i["title"] + i["content_html"]) for i in json_feed()["items"]]
        else:
            texts = [(e.link, e.title + e.summary) for e in parse(name).entries]
        found.append({canonical(url) for url, text in texts if word.lower() in text.lower()})
    assert all(found)
    assert not set.intersection(*found)


def test_two_tarvelimab_trials_read_out_the_same_day() -> None:
    same_day = [
        e
        for e in parse("clinical-wire.xml").entries
        if e.title.startswith("Tarvelimab plus chemotherapy") and e.published.startswith("Thu, 12")
    ]
    assert len(same_day) == 2
    ncts = {re.search(r"NCT\d{8}", e.summary).group(0) for e in same_day}  # type: ignore[union-attr]
    assert len(ncts) == 2


def test_weekly_digests_share_a_boilerplate_title() -> None:
    digests = [t for t in titles("ward-round-news.json") if t == "This week in cardiology"]
    digests += [t for t in titles("clinical-wire.xml") if t == "This week in cardiology"]
    assert len(digests) == 3


def test_one_doi_is_in_both_journal_feeds_under_different_urls() -> None:
    issue = {e.prism_doi: e.link for e in parse("northern-medical-journal.rdf").entries}
    first = {e.prism_doi: e.link for e in parse("meridian-online-first.atom").entries}
    shared = issue.keys() & first.keys()
    assert shared == {"10.5555/nmj.2026.1187"}
    assert all(issue[doi] != first[doi] for doi in shared)


def test_the_correction_names_the_doi_it_corrects() -> None:
    correction = next(
        e for e in parse("northern-medical-journal.rdf").entries if e.prism_section == "Correction"
    )
    assert "doi:10.5555/nmj.2026.0931" in correction.content[0].value


def test_news_items_cite_a_doi_and_an_nct_number() -> None:
    summaries = [e.summary for e in parse("clinical-wire.xml").entries]
    assert any("doi:10.5555/" in s and re.search(r"NCT\d{8}", s) for s in summaries)


def test_no_placeholder_text_in_the_demo() -> None:
    for path in DEMO.rglob("*"):
        if path.is_file() and path.suffix in {".xml", ".atom", ".rdf", ".json", ".ics", ".html"}:
            assert "lorem" not in path.read_text(encoding="utf-8").lower(), path.name


# --- the files are what demo/build.py writes ---------------------------------------------


def test_committed_files_match_the_builder_output() -> None:
    """The content lives in demo/content; the files must not be edited by hand."""
    for path, text in load_builder().render().items():
        committed = (DEMO / path).read_bytes().decode("utf-8")
        assert committed == text, f"demo/{path} is stale: run demo/build.py"
