"""JSON Feed 1.0/1.1 in, exact ParsedItems out; other JSON is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.errors import ParseError
from aggregator.parse import parse_document
from aggregator.records import ArticleInfo, ParsedItem

DATA = Path(__file__).resolve().parent / "data" / "parse"
REL = 'rel="noopener noreferrer nofollow"'


def test_json_feed_items_become_parsed_items() -> None:
    feed = parse_document((DATA / "feed.json").read_bytes(), url="https://onco.example.org/f.json")
    assert (feed.title, feed.link, feed.warnings) == (
        "Oncology Wire – Updates",
        "https://onco.example.org/",
        (
            "1 of 2 entries has a date medfeed cannot read (e.g. 'not a date'); "
            "they are dated when first seen",
        ),
    )
    assert feed.items == (
        ParsedItem(
            guid="101",
            url="https://onco.example.org/2026/11/trial/#comments",
            title="Trial results & reactions",
            summary="<p>Results are in.<br>Reactions follow.</p>",
            content=f'<p>Results of <a href="https://onco.example.org/trials/NCT09876543" {REL}>'
            'NCT09876543</a>.</p><img src="https://onco.example.org/img/chart.png">',
            author="Eve Writer",
            published=datetime(2026, 11, 5, 12, 0, tzinfo=UTC),
            updated=datetime(2026, 11, 5, 15, 0, tzinfo=UTC),
            image="https://onco.example.org/img/chart.png",
            tags=("oncology", "trials"),
            article=ArticleInfo(nct=("NCT09876543",), authors=("Eve Writer",)),
        ),
        ParsedItem(
            guid="text-only",
            url=None,
            title="Line one Line",  # no title: the start of its text (markup-free), flagged
            summary="Line one Line &lt;two&gt;",
            content="<p>Line one<br>Line &lt;two&gt;</p>",
            author="Desk",
            title_derived=True,
        ),
    )


def feed_with(**fields: object) -> bytes:
    return json.dumps({"version": "https://jsonfeed.org/version/1", **fields}).encode()


def test_json_that_is_not_a_json_feed_is_refused() -> None:
    body = json.dumps({"rss": {"channel": {"item": [{"title": "x"}]}}}).encode()
    with pytest.raises(ParseError, match=r"invalid JSON Feed: no jsonfeed\.org version"):
        parse_document(body, url="https://e.org/rss.json")


def test_truncated_json_is_refused() -> None:
    body = feed_with(items=[{"id": "1", "title": "x"}])[:-10]
    with pytest.raises(ParseError, match="invalid JSON Feed"):
        parse_document(body, url="https://e.org/f.json")


def test_a_json_feed_with_an_empty_item_list_is_read_with_no_items_and_a_note() -> None:
    feed = parse_document(feed_with(title="Quiet", items=[]), url="https://e.org/f.json")
    assert (feed.title, feed.items) == ("Quiet", ())
    assert feed.warnings == ("the feed has no entries at the moment",)


def test_a_json_feed_whose_items_are_all_unusable_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="feed has no usable entries"):
        parse_document(feed_with(items=[{}, 3, {"tags": ["x"]}]), url="https://e.org/f.json")


def test_fields_of_the_wrong_type_are_ignored_one_by_one() -> None:
    body = feed_with(
        title=["list"],
        items=[{"id": "2", "title": 1000, "url": 1.2, "content_html": True, "tags": "x"}],
    )
    feed = parse_document(body, url="https://e.org/f.json")
    assert feed.title is None
    assert feed.items == (ParsedItem(guid="2", url=None, title="Untitled", title_derived=True),)


def test_web_addresses_in_a_plain_text_summary_and_content_are_links() -> None:
    """As in a calendar's description: plain text's links were shown as text."""
    text = "Slides: https://e.org/slides.pdf."
    body = feed_with(items=[{"id": "1", "summary": text, "content_text": text}])
    (item,) = parse_document(body, url="https://e.org/f.json").items
    link = f'<a href="https://e.org/slides.pdf" {REL}>https://e.org/slides.pdf</a>'
    assert item.summary == item.content == f"<p>Slides: {link}.</p>"


def test_a_run_of_closing_brackets_after_an_address_is_text_not_part_of_a_link() -> None:
    """A hostile feed's 100,000 brackets: trimmed in one pass (they were counted again
    for each one, minutes of a parse worker), and a scheme with nothing after it is no link."""
    text = "See (https://e.org/a_(b)" + ")" * 100_000 + " and https://)))"
    body = feed_with(items=[{"id": "1", "content_text": text}])
    (item,) = parse_document(body, url="https://e.org/f.json").items
    link = f'<a href="https://e.org/a_(b)" {REL}>https://e.org/a_(b)</a>'
    assert item.content == f"<p>See ({link}{')' * 100_000} and https://)))</p>"


def test_a_video_attachment_makes_the_item_a_video() -> None:
    body = feed_with(
        items=[
            {
                "id": "v",
                "url": "https://vimeo.com/123456789",
                "attachments": [
                    {
                        "url": "https://cdn.e.org/v.mp4",
                        "mime_type": "video/mp4",
                        "duration_in_seconds": 90,
                    }
                ],
            }
        ]
    )
    video = parse_document(body, url="https://e.org/f.json").items[0].video
    assert video is not None
    assert (video.provider, video.id, video.duration, video.embed_url) == (
        "vimeo",
        "123456789",
        90,
        "https://player.vimeo.com/video/123456789",
    )


def test_an_unknown_version_is_read_with_a_warning() -> None:
    body = json.dumps(
        {"version": "https://jsonfeed.org/version/1234", "items": [{"id": "1", "title": "t"}]}
    ).encode()
    feed = parse_document(body, url="https://e.org/f.json")
    assert feed.warnings == (
        "unknown JSON Feed version https://jsonfeed.org/version/1234, read as 1.1",
    )


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("The <video> element in patient education", "The <video> element in patient education"),
        ("Use <style> sparingly", "Use <style> sparingly"),
        ("<i>Lancet</i> study &amp; editorial", "Lancet study & editorial"),
        ("Die Rückkehr von <i> und <b>", "Die Rückkehr von <i> und <b>"),
        ("Rounds<br/>week 12", "Rounds week 12"),
    ],
)
def test_a_json_feed_title_is_text_unless_it_carries_inline_formatting(
    title: str, shown: str
) -> None:
    """JSON Feed titles are plain text: "The <video> element …" was cut to "The element …"."""
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "F",
            "items": [{"id": "1", "url": "https://e.org/1", "title": title}],
        }
    ).encode()
    (item,) = parse_document(body, url="https://e.org/feed.json").items
    assert item.title == shown


@pytest.mark.parametrize(
    ("summary", "html"),
    [
        ("Blackletter &amp; thick", "<p>Blackletter &amp; thick</p>"),
        ("Web-Entwickler <i>- und <b>-Tags", "<p>Web-Entwickler &lt;i&gt;- und &lt;b&gt;-Tags</p>"),
    ],
)
def test_a_json_feed_summary_is_text_whose_entities_are_decoded_once(
    summary: str, html: str
) -> None:
    """An entity-encoded summary was escaped again: the API and the item page's description
    showed "Blackletter &amp; thick Tschichold beauty"."""
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1",
            "title": "F",
            "items": [{"id": "1", "url": "https://e.org/1", "title": "T", "summary": summary}],
        }
    ).encode()
    (item,) = parse_document(body, url="https://e.org/feed.json").items
    assert item.summary == html
