"""What a reader is shown of the shared corpus's real feeds, entry by entry.

Each test parses one real feed of ``../shared/corpus`` as its source kind would
and checks a fault that was seen on the site: an advertiser's banner listed as
news, a summary ending on the platform's "Read full article >>" link and the
blank lines of its share buttons, a preprint abstract reading ".nnResults".
"""

from __future__ import annotations

from pathlib import Path

from aggregator.parse import parse_document
from aggregator.records import Kind, ParsedFeed
from aggregator.sanitize import html_to_text

WAPO = "medical/node-feedparser--wapowellness.xml"
AJPH = "medical/feedjira--AtyponRSSFeed_AJPH.xml"
BIORXIV = "medical/RSParser--bio.rdf"
RADAR = "ics/zhaim--global-conference-radar_conferences.ics"
BRISTOL = "ics/LEAP-festival--schedule_BristolDataWeek2025.ics"
PETS = "quirks/feedjira--pet_atom.xml"
DORNY = "jsonfeed/feedjira--json_feed_with_escaped_uris.json"
CURT = "jsonfeed/RSParser--curt.json"
GUARDIAN = "quirks/rss-parser--guardian.rss"


def parsed(corpus: Path, name: str, kind: Kind) -> ParsedFeed:
    return parse_document(
        (corpus / name).read_bytes(), url=f"https://corpus.example.org/{name}", kind=kind
    )


def test_the_washington_posts_featured_advertiser_entries_are_not_items(corpus: Path) -> None:
    feed = parsed(corpus, WAPO, Kind.NEWS)
    assert [item.title for item in feed.items if "Advertiser" in item.title] == []
    assert not [item.url for item in feed.items if item.url and "pheedo.com" in item.url]
    assert len(feed.items) == 26  # 29 entries, three of them pheedo's banners


def test_no_wapo_summary_ends_on_its_read_on_link_or_blank_lines(corpus: Path) -> None:
    feed = parsed(corpus, WAPO, Kind.NEWS)
    for item in feed.items:
        assert "Read full article" not in item.summary, item.title
        assert not item.summary.rstrip().endswith("<br>"), item.title
    calendar = next(i for i in feed.items if i.title.startswith("Loudoun County wellness"))
    assert calendar.summary.endswith("Free. Registration required.</p>")


def test_guardian_summaries_lose_continue_reading_but_keep_their_other_links(
    corpus: Path,
) -> None:
    feed = parsed(corpus, GUARDIAN, Kind.NEWS)
    assert not [item.title for item in feed.items if "Continue reading" in item.summary]
    first = feed.items[0]
    assert "Fact check: Donald Trump's State of the Union address analyzed</a>" in first.summary


def test_biorxiv_abstracts_read_their_lost_paragraph_breaks_as_breaks(corpus: Path) -> None:
    feed = parsed(corpus, BIORXIV, Kind.ARTICLE)
    texts = [html_to_text(item.summary) for item in feed.items]
    assert not [t for t in texts if ".nn" in t]
    nitrogen = next(i for i in feed.items if i.title.startswith("Co-catabolism of arginine"))
    assert "nitrogen fixation.<br><br>Significance Statement<br>Symbiotic" in nitrogen.summary
    assert not [t for t in texts if "ResultsHere" in t or "SummaryIncreased" in t]
    assert any("Key Message<br>Significant allele" in item.summary for item in feed.items)


def test_conference_radar_places_leave_out_not_announced_and_tbd(corpus: Path) -> None:
    feed = parsed(corpus, RADAR, Kind.CONFERENCE)
    places = {item.title: item.event.location for item in feed.items if item.event}
    assert len(places) == 46
    shown = [place for place in places.values() if place]
    assert not [p for p in shown if "Not announced" in p or "TBD" in p.split(", ")]
    assert places["HICOOL Global Entrepreneur Summit 2026"] == "Beijing, China"
    assert places["GitHub Universe 2026"] is None  # "Not announced, TBD, TBD"
    assert places["Meta Connect 2026"] == (
        "Virtual livestream; physical venue not announced on official page, United States"
    )
    assert places["Step SF 2026"] == "The Midway, 900 Marin St, San Francisco, United States"


def test_the_ajph_bodies_end_on_their_citation_not_a_line_break(corpus: Path) -> None:
    feed = parsed(corpus, AJPH, Kind.ARTICLE)
    assert len(feed.items) == 20
    for item in feed.items:
        assert item.content and item.content.endswith("April 2015."), item.content
        assert item.summary.endswith("April 2015."), item.summary


def test_bristol_data_week_sessions_do_not_open_their_text_with_their_title(
    corpus: Path,
) -> None:
    feed = parsed(corpus, BRISTOL, Kind.CONFERENCE)
    assert len(feed.items) == 21
    for item in feed.items:
        assert not html_to_text(item.summary).startswith(item.title), item.summary
    python = next(item for item in feed.items if item.title == "Introduction to Python")
    assert python.summary.startswith("<p>JGI Team<br>")


def test_a_vets_blog_and_a_json_feed_keep_their_embedded_videos_as_links(corpus: Path) -> None:
    pets = parsed(corpus, PETS, Kind.NEWS)
    bolt = next(item for item in pets.items if item.title.startswith("FroliCat BOLT"))
    assert bolt.content and 'href="https://www.youtube.com/watch?v=PZyAD14QR6o"' in bolt.content
    dorny = parsed(corpus, DORNY, Kind.NEWS)
    glass = next(item for item in dorny.items if item.title == "MacinGlass")
    assert glass.content and "<figure></figure>" not in glass.content
    assert '<a href="https://www.youtube.com/watch?v=zc3sPoqOFG8"' in glass.content
    curt = parsed(corpus, CURT, Kind.NEWS)
    assert any('href="https://vimeo.com/176687322"' in (item.content or "") for item in curt.items)
