"""Format sniffing and the errors a human reads when a document is not a feed."""

from __future__ import annotations

import pytest

from aggregator.errors import ParseError
from aggregator.parse import parse_document

PAGE = b"""<!DOCTYPE html><html><head><title>Clinic news</title>
<link rel="stylesheet" href="/s.css">
<link rel="alternate" type="application/rss+xml" title="News" href="/news/feed.xml">
</head><body><p>Hello</p></body></html>"""


def test_an_html_page_is_not_a_feed_and_its_advertised_feed_is_named() -> None:
    with pytest.raises(ParseError) as raised:
        parse_document(PAGE, url="https://clinic.example.org/news/")
    assert str(raised.value) == (
        "not a feed: the server sent an HTML page; the page advertises a feed at "
        "https://clinic.example.org/news/feed.xml"
    )


def test_an_html_page_without_a_feed_link_says_only_that() -> None:
    with pytest.raises(ParseError, match=r"^not a feed: the server sent an HTML page$"):
        parse_document(b"<html><body>Moved</body></html>", url="https://e.org/")


def test_a_well_formed_feed_without_entries_is_read_with_no_items_and_a_note() -> None:
    """A quiet feed (a journal's "Online First" between batches) failed, and backed off."""
    body = b"<rss version='2.0'><channel><title>Empty</title></channel></rss>"
    feed = parse_document(body, url="https://e.org/feed")
    assert (feed.title, feed.items) == ("Empty", ())
    assert feed.warnings == ("the feed has no entries at the moment",)


def test_a_feed_whose_entries_are_all_unusable_is_a_parse_error() -> None:
    body = b"<rss version='2.0'><channel><title>t</title><item></item><item/></channel></rss>"
    with pytest.raises(ParseError, match=r"^feed has no usable entries"):
        parse_document(body, url="https://e.org/feed")


def test_a_truncated_feed_without_entries_is_a_parse_error() -> None:
    body = b"<rss version='2.0'><channel><title>Cut off"
    with pytest.raises(ParseError, match=r"^feed is not well-formed and has no entries"):
        parse_document(body, url="https://e.org/feed")


def test_an_empty_body_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="empty document"):
        parse_document(b"  \n", url="https://e.org/feed")


def test_a_recovered_feed_keeps_its_entries_and_warns() -> None:
    body = (
        b"<rss version='2.0'><channel><title>t</title><item><title>One &nbsp; two</title>"
        b"<link>https://e.org/1</link></item></channel></rss>"
    )
    feed = parse_document(body, url="https://e.org/feed")
    assert [item.title for item in feed.items] == ["One two"]
    assert feed.warnings and feed.warnings[0].startswith("feed is not well-formed")


def test_a_body_naming_a_local_file_is_parsed_as_text_not_opened() -> None:
    with pytest.raises(ParseError, match="not a feed"):
        parse_document(b"/etc/hostname", url="https://e.org/feed")


def test_entries_sharing_a_guid_but_not_a_link_are_kept_apart() -> None:
    # Some feeds give every entry the site's home page as guid: each is its own entry,
    # and the same entry repeated stays one.
    items = "".join(
        f"<item><title>Story {n}</title><link>https://news.example.org/{n}</link>"
        "<guid>https://news.example.org/</guid></item>"
        for n in (3, 2, 1, 1)
    )
    body = f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'
    feed = parse_document(body.encode(), url="https://news.example.org/feed")
    guids = [item.guid for item in feed.items]
    assert len(set(guids)) == 3
    assert guids[0] == "https://news.example.org/#https://news.example.org/3"
