"""parse_document over every file of the shared corpus: no crash, no markup, no script.

The corpus holds real feeds, feedparser's ill-formed and sanitizer test
documents, iCalendar test calendars and hostile JSON. Each document must come
out as a ParsedFeed or a ParseError, never another exception; titles must be
plain text; no summary or body may keep anything a browser would run. The
corpus is parsed once per module and the checks loop over the results, so a
failure lists every offending file at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_sanitize import executable_parts

from aggregator.errors import ParseError
from aggregator.identity import canonical_url
from aggregator.parse import parse_document
from aggregator.records import ParsedFeed, ParsedItem

NOW = datetime(2026, 11, 25, tzinfo=UTC)
# Tags that only survive in a title when markup was not stripped (a literal
# "<blink>" in a title about the blink tag is text, and allowed).
_MARKUP_RE = re.compile(
    r"<(?:a|b|i|em|strong|p|br|div|span|img|script|style|iframe|font|h[1-6])\b[^>]*>", re.I
)
_ENTITY_RE = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]*|#\d+|#x[0-9a-fA-F]+);")
# Plain-text titles whose words are tag names: shown as written, never read as markup.
TITLES_NAMING_TAGS = frozenset({"Die Rückkehr von <i> und <b>"})


@dataclass(frozen=True)
class Outcome:
    path: Path
    feed: ParsedFeed | None
    error: str | None


@pytest.fixture(scope="module")
def outcomes(corpus: Path) -> dict[str, Outcome]:
    """Every corpus file parsed once; any exception but ParseError fails right here."""
    results: dict[str, Outcome] = {}
    crashes: list[str] = []
    for path in sorted(p for p in corpus.rglob("*") if p.is_file() and p.name != "MANIFEST.md"):
        name = path.relative_to(corpus).as_posix()
        try:
            feed = parse_document(
                path.read_bytes(), url=f"https://corpus.example.org/{name}", now=NOW
            )
            results[name] = Outcome(path, feed, None)
        except ParseError as exc:
            results[name] = Outcome(path, None, str(exc))
        except Exception as exc:  # the point of this fixture: list them all
            crashes.append(f"{name}: {type(exc).__name__}: {exc}")
    assert not crashes, "parse_document raised something other than ParseError:\n" + "\n".join(
        crashes
    )
    return results


def parsed(outcomes: dict[str, Outcome], name: str) -> ParsedFeed:
    outcome = outcomes[name]
    assert outcome.feed is not None, f"{name}: {outcome.error}"
    return outcome.feed


def all_items(outcomes: dict[str, Outcome]) -> Iterator[tuple[str, ParsedItem]]:
    for name, outcome in outcomes.items():
        if outcome.feed is not None:
            for item in outcome.feed.items:
                yield name, item


def test_every_corpus_file_parses_or_raises_parse_error(outcomes: dict[str, Outcome]) -> None:
    assert len(outcomes) > 2300
    assert sum(1 for outcome in outcomes.values() if outcome.feed is not None) > 1000


def test_every_parse_error_has_a_message(outcomes: dict[str, Outcome]) -> None:
    silent = [
        name for name, outcome in outcomes.items() if outcome.feed is None and not outcome.error
    ]
    assert not silent, "\n".join(silent)


def test_every_title_is_plain_text(outcomes: dict[str, Outcome]) -> None:
    bad = [
        f"{name}: {item.title!r}"
        for name, item in all_items(outcomes)
        if (_MARKUP_RE.search(item.title) and item.title not in TITLES_NAMING_TAGS)
        or _ENTITY_RE.search(item.title)
        or item.title != " ".join(item.title.split())
    ]
    assert not bad, "\n".join(bad[:50])


def test_no_summary_or_content_keeps_anything_executable(outcomes: dict[str, Outcome]) -> None:
    bad = [
        f"{name}: {found}"
        for name, item in all_items(outcomes)
        for html in (item.summary, item.content or "")
        for found in [executable_parts(html) + (["<script"] if "<script" in html.lower() else [])]
        if found
    ]
    assert not bad, "\n".join(bad[:50])


def test_every_url_is_http_or_absent(outcomes: dict[str, Outcome]) -> None:
    bad = [
        f"{name}: {url!r}"
        for name, item in all_items(outcomes)
        for url in (
            item.url,
            item.image,
            item.event.url if item.event else None,
            item.video.thumbnail if item.video else None,
            item.video.embed_url if item.video else None,
        )
        if url is not None and not url.lower().startswith(("http://", "https://"))
    ]
    assert not bad, "\n".join(bad[:50])


def test_every_date_is_utc_aware(outcomes: dict[str, Outcome]) -> None:
    bad = [
        f"{name}: {item.title!r} {moment!r}"
        for name, item in all_items(outcomes)
        for moment in (
            item.published,
            item.updated,
            item.event.start if item.event else None,
            item.event.end if item.event else None,
        )
        if moment is not None and moment.utcoffset() != UTC.utcoffset(None)
    ]
    assert not bad, "\n".join(bad[:50])


def test_every_usable_calendar_yields_dated_events(outcomes: dict[str, Outcome]) -> None:
    calendars = {name: o for name, o in outcomes.items() if name.startswith("ics/")}
    usable = [o.feed for o in calendars.values() if o.feed is not None]
    assert len(calendars) == 123
    assert len(usable) > 40
    undated = [
        f"{name}: {item.title!r}"
        for name, o in calendars.items()
        if o.feed is not None
        for item in o.feed.items
        if item.event is None or item.event.start is None
    ]
    assert not undated, "\n".join(undated)


@pytest.mark.parametrize(
    ("name", "events"),
    [
        ("ics/zhaim--global-conference-radar_conferences.ics", 46),
        ("ics/LEAP-festival--schedule_BristolDataWeek2025.ics", 21),
    ],
)
def test_the_real_calendars_give_events_with_starts_and_locations(
    outcomes: dict[str, Outcome], name: str, events: int
) -> None:
    feed = parsed(outcomes, name)
    assert len(feed.items) == events
    assert all(item.event and item.event.start for item in feed.items)
    # one listing knows no place: "Not announced, TBD, TBD"
    unplaced = [item.title for item in feed.items if item.event and not item.event.location]
    assert unplaced in ([], ["GitHub Universe 2026"])
    assert all(item.title for item in feed.items)


def test_conference_radar_locations_are_unescaped(outcomes: dict[str, Outcome]) -> None:
    first = parsed(outcomes, "ics/zhaim--global-conference-radar_conferences.ics").items[0]
    assert first.event is not None
    assert (first.event.start, first.event.location, first.event.all_day) == (
        datetime(2026, 8, 26, tzinfo=UTC),
        "Beijing, China",  # "Not announced\, Beijing\, China": the placeholder left out
        True,
    )


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("youtube/feedjira--youtube_atom.xml", 15),
        ("youtube/feed-rs--atom_mediarss_youtube_1.xml", 1),
    ],
)
def test_youtube_feeds_give_video_ids_and_thumbnails(
    outcomes: dict[str, Outcome], name: str, count: int
) -> None:
    items = parsed(outcomes, name).items
    assert len(items) == count
    for item in items:
        assert item.video is not None and item.video.provider == "youtube"
        assert item.video.id and re.fullmatch(r"[A-Za-z0-9_-]{11}", item.video.id)
        assert item.video.thumbnail == f"https://i.ytimg.com/vi/{item.video.id}/hqdefault.jpg"
        assert item.video.embed_url == f"https://www.youtube-nocookie.com/embed/{item.video.id}"
        assert item.image == item.video.thumbnail


@pytest.mark.parametrize(
    ("name", "provider"),
    [
        ("youtube/feed-rs--rss_2.0_vimeo_media.xml", "vimeo"),
        ("youtube/feed-rs--rss_2.0_peertube.xml", "peertube"),
    ],
)
def test_vimeo_and_peertube_feeds_give_videos(
    outcomes: dict[str, Outcome], name: str, provider: str
) -> None:
    for item in parsed(outcomes, name).items:
        assert item.video is not None
        assert (item.video.provider, bool(item.video.id), bool(item.video.thumbnail)) == (
            provider,
            True,
            True,
        )
        assert item.video.duration and item.video.embed_url


def test_the_youtube_channel_page_points_at_its_feed(outcomes: dict[str, Outcome]) -> None:
    assert outcomes["youtube/RSParser--YouTubeTheVolvoRocks.html"].error == (
        "not a feed: the server sent an HTML page; the page advertises a feed at "
        "https://www.youtube.com/feeds/videos.xml?channel_id=UCct7QF2jcWRY6dhXWMSq9LQ"
    )


def test_the_atypon_journal_feed_gives_dois_and_resolved_links(
    outcomes: dict[str, Outcome],
) -> None:
    feed = parsed(outcomes, "medical/feedjira--AtyponRSSFeed_AJPH.xml")
    assert len(feed.items) == 20
    for item in feed.items:
        assert item.article is not None and item.article.doi
        assert item.article.doi.startswith("10.2105/ajph.")
        assert item.article.journal == "American Journal of Public Health"
        assert item.article.authors
        assert item.content and 'href="http://ajph.aphapublications.org/toc/ajph/' in item.content
        assert 'href="/' not in item.content
    first = feed.items[0]
    assert first.article is not None
    assert first.article.doi == "10.2105/ajph.2014.302274"
    assert canonical_url(first.url) == (
        "https://ajph.aphapublications.org/doi/abs/10.2105/AJPH.2014.302274"
    )


def test_an_iso_8859_1_feed_without_declaration_decodes(outcomes: dict[str, Outcome]) -> None:
    feed = parsed(outcomes, "medical/miniflux--no_encoding_ISO-8859-1.xml")
    titles = " ".join(item.title for item in feed.items)
    assert "é" in titles and "\ufffd" not in titles
    assert feed.items[0].title == "Perturbateurs endocriniens : quels effets sur le cerveau ?"


def test_daring_fireball_atom_and_json_give_the_same_canonical_urls(
    outcomes: dict[str, Outcome],
) -> None:
    """The Atom and JSON captures cover the same weeks (the RSS one is from 2015-16)."""
    atom = parsed(outcomes, "quirks/RSParser--DaringFireball.atom")
    json_feed = parsed(outcomes, "jsonfeed/RSParser--DaringFireball.json")
    atom_urls = [canonical_url(item.url) for item in atom.items]
    json_urls = [canonical_url(item.url) for item in json_feed.items]
    assert len(json_urls) == 48
    assert atom_urls == json_urls


def test_daring_fireball_rss_links_canonicalise_like_the_json_ones(
    outcomes: dict[str, Outcome],
) -> None:
    rss = parsed(outcomes, "quirks/RSParser--DaringFireball.rss")
    urls = [canonical_url(item.url) for item in rss.items]
    assert len(urls) == 47
    assert all(url and url.startswith("https://") for url in urls)


def test_json_look_alikes_and_truncated_json_are_refused(outcomes: dict[str, Outcome]) -> None:
    for name in (
        "jsonfeed/RSParser--ScriptingNews.json",
        "jsonfeed/RSParser--allthis-partial.json",
    ):
        error = outcomes[name].error
        assert error is not None and error.startswith("invalid JSON Feed"), name


def test_every_real_json_feed_parses(outcomes: dict[str, Outcome]) -> None:
    refused = {"RSParser--ScriptingNews.json", "RSParser--allthis-partial.json"}
    failed = [
        f"{name}: {outcome.error}"
        for name, outcome in outcomes.items()
        if name.startswith("jsonfeed/")
        and outcome.path.name not in refused
        and outcome.feed is None
    ]
    assert not failed, "\n".join(failed)


def test_every_medical_feed_parses_with_titles_and_links(outcomes: dict[str, Outcome]) -> None:
    problems = [
        f"{name}: {outcome.error or 'item without title or link'}"
        for name, outcome in outcomes.items()
        if name.startswith("medical/")
        and (outcome.feed is None or not all(i.title and i.url for i in outcome.feed.items))
    ]
    assert not problems, "\n".join(problems)
