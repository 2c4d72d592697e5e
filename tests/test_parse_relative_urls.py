"""Relative URLs in feeds: what they resolve against, and which schemes may come out.

Atom resolves against xml:base, else the document's own URL (RFC 4287); RSS
against its channel link when that and the document are web URLs, else the
document. ``file://`` results are kept only when the document is a local file.
"""

from __future__ import annotations

import json
from pathlib import Path

from aggregator.parse import parse_document
from aggregator.records import Kind

REPO = Path(__file__).resolve().parents[1]
DEMO_FEEDS = REPO / "demo" / "feeds"
MEDIA = "xmlns:media='http://search.yahoo.com/mrss/'"


def atom(entry: str, *, feed_attrs: str = "", feed_link: str = "") -> bytes:
    return (
        f"<feed xmlns='http://www.w3.org/2005/Atom' {MEDIA} {feed_attrs}><title>t</title>"
        f"{feed_link}<entry><id>e-1</id><title>a</title>{entry}</entry></feed>"
    ).encode()


def rss(item: str, *, channel_link: str = "") -> bytes:
    return (
        f"<rss version='2.0' {MEDIA}><channel><title>t</title>{channel_link}"
        f"<item><title>a</title><guid isPermaLink='false'>a-1</guid>{item}</item></channel></rss>"
    ).encode()


def test_atom_links_resolve_against_the_document_url_not_the_feed_alternate_link() -> None:
    body = atom(
        "<link href='../pages/x.html'/><media:thumbnail url='img/y.png'/>",
        feed_link="<link rel='alternate' href='https://site.example.org/home/'/>",
    )
    item = parse_document(body, url="https://feeds.example.org/a/b/feed.atom").items[0]
    assert (item.url, item.image) == (
        "https://feeds.example.org/a/pages/x.html",
        "https://feeds.example.org/a/b/img/y.png",
    )


def test_atom_thumbnails_honour_the_entry_xml_base() -> None:
    body = atom("<media:thumbnail url='y.png'/>").replace(
        b"<entry>", b"<entry xml:base='https://cdn.example.org/thumbs/'>"
    )
    item = parse_document(body, url="https://feeds.example.org/feed.atom").items[0]
    assert item.image == "https://cdn.example.org/thumbs/y.png"


def test_a_relative_xml_base_is_resolved_against_the_document_url() -> None:
    body = atom("<link href='posts/1'/>", feed_attrs="xml:base='/blog/'")
    item = parse_document(body, url="https://feeds.example.org/x/feed.atom").items[0]
    assert item.url == "https://feeds.example.org/blog/posts/1"


def test_rss_items_resolve_against_an_absolute_channel_link() -> None:
    body = rss(
        "<link>posts/1</link><media:thumbnail url='i/1.png'/>",
        channel_link="<link>https://site.example.org/blog/</link>",
    )
    item = parse_document(body, url="https://feeds.example.org/rss").items[0]
    assert (item.url, item.image) == (
        "https://site.example.org/blog/posts/1",
        "https://site.example.org/blog/i/1.png",
    )


def test_rss_items_resolve_against_the_document_when_the_channel_link_is_relative() -> None:
    body = rss("<link>posts/1</link>", channel_link="<link>/blog/</link>")
    feed = parse_document(body, url="https://feeds.example.org/f/rss.xml")
    assert (feed.link, feed.items[0].url) == (
        "https://feeds.example.org/blog/",
        "https://feeds.example.org/f/posts/1",
    )


def test_rss_items_resolve_against_the_document_when_the_channel_link_is_missing() -> None:
    item = parse_document(rss("<link>posts/1</link>"), url="https://feeds.example.org/f/rss").items[
        0
    ]
    assert item.url == "https://feeds.example.org/f/posts/1"


def test_a_local_rss_feed_resolves_against_its_file_not_its_web_channel_link() -> None:
    body = rss(
        "<link>../pages/x.html</link><media:thumbnail url='../thumbs/y.svg'/>",
        channel_link="<link>https://site.example.org/</link>",
    )
    item = parse_document(body, url="file:///srv/demo/feeds/wire.xml").items[0]
    assert (item.url, item.image) == (
        "file:///srv/demo/pages/x.html",
        "file:///srv/demo/thumbs/y.svg",
    )


def test_a_remote_feed_never_yields_file_urls() -> None:
    body = rss(
        "<link>file:///etc/passwd</link><media:thumbnail url='file:///etc/hosts'/>",
        channel_link="<link>https://site.example.org/</link>",
    )
    item = parse_document(body, url="https://feeds.example.org/rss").items[0]
    assert (item.url, item.image) == (None, None)


def test_a_remote_feed_cannot_rebase_onto_local_files_with_xml_base() -> None:
    body = atom(
        "<link href='passwd'/><media:thumbnail url='hosts'/>", feed_attrs="xml:base='file:///etc/'"
    )
    item = parse_document(body, url="https://feeds.example.org/feed.atom").items[0]
    assert (item.url, item.image) == (None, "https://feeds.example.org/hosts")


def test_json_feed_image_resolves_against_a_local_feed_file() -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "t",
        "home_page_url": "https://news.example.org/",
        "items": [{"id": "1", "url": "https://news.example.org/1", "image": "../thumbs/1.svg"}],
    }
    body = json.dumps(document).encode()
    item = parse_document(body, url="file:///srv/demo/feeds/news.json").items[0]
    assert item.image == "file:///srv/demo/thumbs/1.svg"


def test_json_feed_image_resolves_against_the_home_page_of_a_remote_feed() -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "home_page_url": "https://news.example.org/",
        "items": [{"id": "1", "url": "stories/1", "image": "img/1.png"}],
    }
    body = json.dumps(document).encode()
    item = parse_document(body, url="https://cdn.example.org/feed.json").items[0]
    assert (item.url, item.image) == (
        "https://news.example.org/stories/1",
        "https://news.example.org/img/1.png",
    )


def test_demo_thumbnails_and_the_full_text_page_resolve_to_the_demo_folder() -> None:
    demo = (REPO / "demo").as_uri()

    def first(name: str, kind: Kind) -> tuple[str | None, str | None]:
        path = DEMO_FEEDS / name
        item = parse_document(path.read_bytes(), url=path.as_uri(), kind=kind).items[0]
        return item.url, item.image

    assert first("meridian-online-first.atom", Kind.ARTICLE)[0] == (
        f"{demo}/pages/mcard-2026-0388.html"
    )
    assert first("clined-explained.youtube.xml", Kind.VIDEO)[1] == (
        f"{demo}/thumbs/gLP1kdN3y0u.svg"
    )
    assert first("riverside-grand-rounds.vimeo.xml", Kind.VIDEO)[1] == (
        f"{demo}/thumbs/vimeo-1021874411.svg"
    )


def test_one_entrys_xml_base_does_not_run_on_into_the_entries_after_it() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>J</title><id>urn:j</id>
<updated>2026-01-01T00:00:00Z</updated>
<entry xml:base="https://news.example.org/2026/01/"><title>First</title><id>urn:1</id>
<updated>2026-01-02T00:00:00Z</updated><link href="first.html"/></entry>
<entry><title>Second</title><id>urn:2</id><updated>2026-01-03T00:00:00Z</updated>
<link href="second.html"/></entry></feed>"""
    items = parse_document(body, url="https://news.example.org/feeds/atom.xml").items
    assert [item.url for item in items] == [
        "https://news.example.org/2026/01/first.html",
        "https://news.example.org/feeds/second.html",  # was .../2026/01/second.html
    ]


def test_an_rss_feed_mentioning_xml_base_still_resolves_against_its_channel_link() -> None:
    """Any "xml:base" in the document (here in an entry's text) made the feed's own host
    the base, and moved every link off the site's."""
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>
<link>https://www.example.org/</link><description>d</description>
<item><title>On xml:base</title><link>/news/b</link>
<description>Our post about the xml:base attribute.</description></item></channel></rss>"""
    (item,) = parse_document(body, url="https://feeds.example.net/site/rss.xml").items
    assert item.url == "https://www.example.org/news/b"
