"""RSS 2.0, Atom and RSS 1.0 (RDF) documents in, exact ParsedItems out."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import pytest

from aggregator.identity import canonical_url
from aggregator.parse import parse_document
from aggregator.records import ArticleInfo, EventInfo, Kind, ParsedFeed, ParsedItem

DATA = Path(__file__).resolve().parent / "data" / "parse"
REL = 'rel="noopener noreferrer nofollow"'


def parse(name: str, kind: Kind | None = None) -> ParsedFeed:
    return parse_document(
        (DATA / name).read_bytes(), url=f"https://feeds.example.org/{name}", kind=kind
    )


def test_rss2_feed_gives_plain_titles_sanitized_html_and_absolute_urls() -> None:
    feed = parse("rss2.xml")
    assert (feed.title, feed.link, feed.warnings) == (
        "Cardiology Daily & News",
        "https://news.example.org/cardio/",
        (),
    )
    assert feed.items == (
        ParsedItem(
            guid="cardio-7",
            url="https://news.example.org/cardio/statins?utm_source=rss&id=7",
            title="New statin guidance for adults & teens",
            summary=f'<p>Short <a href="https://news.example.org/cardio/lipids" {REL}>lipid</a>'
            " summary.</p>",
            content='<p>Full text with <img src="https://news.example.org/img/heart.png"'
            f' alt="heart"> and <a {REL}>a bad link</a>.</p>',
            author="Ann Author",
            published=datetime(2026, 11, 3, 8, 30, tzinfo=UTC),
            image="https://news.example.org/img/heart.png",
            tags=("Cardiology", "Guidelines"),
        ),
        ParsedItem(
            guid=None,
            url="https://news.example.org/cardio/second",
            title="Second item",
            summary="Plain summary",
            published=datetime(2026, 11, 4, 12, 0, tzinfo=UTC),
            image="https://cdn.example.org/second.jpg",
        ),
    )


def test_atom_feed_gives_article_details_and_resolves_against_xml_base() -> None:
    feed = parse("atom.xml", Kind.ARTICLE)
    assert (feed.title, feed.link) == ("Journal of Examples", "https://journal.example.org/")
    assert feed.items == (
        ParsedItem(
            guid="tag:journal.example.org,2026:42",
            url="https://doi.org/10.5555/JEX.2026.0042",
            title="Randomised trial of aspirin (NCT01234567)",
            summary="<p>Aspirin &amp; outcomes in 2,000 adults. PMID: 31234567</p>",
            content='<h2>Background</h2><p>See <a href="https://journal.example.org/articles/42/'
            f'full" {REL}>full text</a>.</p>',
            author="Bea Researcher, Carl Coauthor",
            published=datetime(2026, 11, 1, 13, 0, tzinfo=UTC),
            updated=datetime(2026, 11, 2, 13, 0, tzinfo=UTC),
            article=ArticleInfo(
                doi="10.5555/jex.2026.0042",
                pmid="31234567",
                nct=("NCT01234567",),
                journal="Journal of Examples",
                authors=("Bea Researcher", "Carl Coauthor"),
            ),
        ),
        ParsedItem(
            guid="tag:journal.example.org,2026:43",
            url="https://journal.example.org/articles/43",
            title="Erratum: Randomised trial of aspirin",
            summary="<p>Correction notice.</p>",
            published=datetime(2026, 11, 3, 8, 0, tzinfo=UTC),
            updated=datetime(2026, 11, 3, 8, 0, tzinfo=UTC),
            article=ArticleInfo(journal="Journal of Examples", pub_type="Erratum"),
        ),
    )


def test_rdf_feed_gives_doi_pmcid_journal_and_type() -> None:
    feed = parse("rdf.xml", Kind.ARTICLE)
    url = "https://preprints.example.org/content/10.1101/2026.10.30.1234v1?rss=1"
    assert feed.items == (
        ParsedItem(
            guid=url,
            url=url,
            title="Measles incidence after school closures",
            summary="We estimate incidence in PMC1234567 cohorts.",
            author="Dee Epi",
            published=datetime(2026, 10, 30, tzinfo=UTC),
            updated=datetime(2026, 10, 30, tzinfo=UTC),
            article=ArticleInfo(
                doi="10.1101/2026.10.30.1234v1",
                pmcid="PMC1234567",
                journal="Example Preprint Server",
                authors=("Dee Epi",),
                pub_type="Preprint",
            ),
        ),
    )


def test_conference_entries_get_events_from_the_event_namespace_or_the_text() -> None:
    feed = parse("conference.xml", Kind.CONFERENCE)
    assert [item.event for item in feed.items] == [
        EventInfo(
            start=datetime(2027, 5, 20, tzinfo=UTC),
            end=datetime(2027, 5, 23, tzinfo=UTC),
            location="Lisbon, Portugal",
            all_day=True,
        ),
        EventInfo(
            start=datetime(2027, 3, 30, tzinfo=UTC),
            end=datetime(2027, 4, 2, tzinfo=UTC),
            online=True,
            all_day=True,
        ),
        None,
    ]


def test_entries_of_other_kinds_get_no_event_from_dates_in_their_text() -> None:
    assert all(item.event is None for item in parse("conference.xml", Kind.NEWS).items)


def test_a_declared_content_type_charset_decodes_a_feed_without_declaration() -> None:
    body = (
        b"<rss version='2.0'><channel><title>Psy</title><item><title>Caf\xe9 cr\xe8me</title>"
        b"<link>https://e.org/1</link></item></channel></rss>"
    )
    feed = parse_document(
        body, url="https://e.org/feed", content_type="application/rss+xml; charset=ISO-8859-1"
    )
    assert feed.items[0].title == "Café crème"


CITING_STORY = (
    b"<rss version='2.0'><channel><title>News</title><link>https://news.example.org/</link>"
    b"<item><title>Aspirin study covered</title><link>https://news.example.org/story</link>"
    b"<description>The paper (doi:10.5555/jex.2026.0042, PMID: 31234567) tested NCT01234567."
    b"</description></item></channel></rss>"
)


def test_a_news_story_citing_a_paper_does_not_take_its_doi_or_pmid() -> None:
    item = parse_document(CITING_STORY, url="https://news.example.org/rss", kind=Kind.NEWS).items[0]
    assert item.article == ArticleInfo(nct=("NCT01234567",), cites=("10.5555/jex.2026.0042",))


def test_a_journal_entry_takes_its_doi_and_pmid_from_the_text() -> None:
    item = parse_document(CITING_STORY, url="https://j.example.org/rss", kind=Kind.ARTICLE).items[0]
    assert item.article is not None
    assert (item.article.doi, item.article.pmid) == ("10.5555/jex.2026.0042", "31234567")


def test_relative_item_links_resolve_against_the_channel_link() -> None:
    body = (
        b"<rss version='2.0'><channel><title>t</title><link>https://site.example.org/blog/</link>"
        b"<item><title>a</title><link>posts/1</link><guid isPermaLink='false'>a-1</guid>"
        b"</item></channel></rss>"
    )
    item = parse_document(body, url="https://feeds.example.org/rss").items[0]
    assert (item.url, item.guid) == ("https://site.example.org/blog/posts/1", "a-1")


def test_script_urls_in_links_and_thumbnails_are_dropped() -> None:
    body = (
        b"<rss version='2.0' xmlns:media='http://search.yahoo.com/mrss/'><channel><title>t</title>"
        b"<item><title>a</title><link>javascript:alert(1)</link><guid>a-1</guid>"
        b"<media:thumbnail url='data:image/png;base64,AAAA'/></item></channel></rss>"
    )
    item = parse_document(body, url="https://feeds.example.org/rss").items[0]
    assert (item.url, item.image) == (None, None)


def test_a_news_story_lists_the_dois_it_cites_in_its_text_and_links() -> None:
    body = (
        b"<rss version='2.0'><channel><title>News</title><item><title>Covered</title>"
        b"<link>https://news.example.org/s</link><description>&lt;p&gt;The "
        b"&lt;a href='https://doi.org/10.5555/Linked.7'&gt;paper&lt;/a&gt; and doi:10.5555/x.1."
        b"&lt;/p&gt;</description></item></channel></rss>"
    )
    item = parse_document(body, url="https://news.example.org/rss", kind=Kind.NEWS).items[0]
    assert item.article == ArticleInfo(cites=("10.5555/x.1", "10.5555/linked.7"))


def test_a_journal_entry_does_not_cite_its_own_doi() -> None:
    item = parse_document(CITING_STORY, url="https://j.example.org/rss", kind=Kind.ARTICLE).items[0]
    assert item.article is not None
    assert item.article.cites == ()


RDF_CORRECTION = (
    b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'"
    b" xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'"
    b" xmlns:prism='http://prismstandard.org/namespaces/basic/2.0/'>"
    b"<channel rdf:about='https://j.example.org/toc'><title>TOC</title>"
    b"<link>https://j.example.org/toc</link></channel>"
    b"<item rdf:about='https://j.example.org/doi/10.5555/nmj.1210'>"
    b"<title>Household Transmission of RSV from Infants</title>"
    b"<link>https://j.example.org/doi/10.5555/nmj.1210</link>"
    b"<description>In the article (doi:10.5555/nmj.0931), 31.4% not 41.3%.</description>"
    b"<dc:source>Northern Medical Journal, Volume 395, Issue 21, Page 2056-.</dc:source>"
    b"<prism:publicationName>Northern Medical Journal</prism:publicationName>"
    b"<prism:doi>10.5555/nmj.1210</prism:doi><prism:section>Correction</prism:section>"
    b"</item></rdf:RDF>"
)


def test_rdf_journal_name_comes_from_prism_publication_name_before_dc_source() -> None:
    item = parse_document(RDF_CORRECTION, url="https://j.example.org/rss", kind=Kind.ARTICLE)
    article = item.items[0].article
    assert article is not None
    assert article.journal == "Northern Medical Journal"


def test_a_correction_known_by_its_section_cites_the_doi_it_corrects() -> None:
    item = parse_document(RDF_CORRECTION, url="https://j.example.org/rss", kind=Kind.ARTICLE)
    article = item.items[0].article
    assert article is not None
    assert (article.doi, article.pub_type, article.cites) == (
        "10.5555/nmj.1210",
        "Correction",
        ("10.5555/nmj.0931",),
    )


def test_an_atom_text_title_keeps_what_looks_like_a_tag() -> None:
    """A type="text" title is text: "Why <script> tags …" was cut to "Why"."""
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id>'
        b"<updated>2026-01-01T00:00:00Z</updated><entry><id>urn:1</id>"
        b'<updated>2026-01-01T00:00:00Z</updated><link href="https://e.org/1"/>'
        b'<title type="text">Why &lt;script&gt; tags in EHR portals leak PHI</title></entry>'
        b"<entry><id>urn:2</id><updated>2026-01-01T00:00:00Z</updated>"
        b'<link href="https://e.org/2"/><title type="html">&lt;i&gt;Lancet&lt;/i&gt; study</title>'
        b"</entry></feed>"
    )
    titles = [item.title for item in parse_document(body, url="https://e.org/atom").items]
    assert titles == ["Why <script> tags in EHR portals leak PHI", "Lancet study"]


@pytest.mark.parametrize(
    "feed",
    [
        b'<rss version="2.0"><channel><title>T</title><item><link>https://e.org/1</link>'
        b"<title>Die R\xc3\xbcckkehr von &lt;i&gt; und &lt;b&gt;</title></item></channel></rss>",
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>urn:1</id>'
        b'<link href="https://e.org/1"/><title type="text">'
        b"Die R\xc3\xbcckkehr von &lt;i&gt; und &lt;b&gt;</title></entry></feed>",
    ],
    ids=["rss", "atom-text"],
)
def test_a_text_title_naming_tags_that_never_close_keeps_them(feed: bytes) -> None:
    """A lone <i> made the whole title HTML: "Die Rückkehr von <i> und <b>" showed as
    "Die Rückkehr von und"."""
    (item,) = parse_document(feed, url="https://e.org/feed").items
    assert item.title == "Die Rückkehr von <i> und <b>"


def test_an_entrys_own_title_wins_over_a_nested_one() -> None:
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>urn:1</id>'
        b'<link href="https://e.org/1"/><title>Correct Value</title>'
        b"<image><title>Incorrect Value</title></image></entry></feed>"
    )
    (item,) = parse_document(body, url="https://e.org/atom").items
    assert item.title == "Correct Value"


@pytest.mark.parametrize("content_type", ["text/xml", "application/octet-stream", "text/plain"])
def test_a_vague_content_type_without_charset_reads_the_feed_by_its_own_declaration(
    content_type: str,
) -> None:
    """feedparser applied RFC 3023's us-ascii to text/xml, and a valid UTF-8 feed was shown
    as "not well-formed" on the sources page."""
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Ä</title>'
        "<item><title>Übersicht – Leitlinie</title><link>https://x.example/1</link></item>"
        "</channel></rss>"
    ).encode()
    feed = parse_document(body, url="https://x.example/feed", content_type=content_type)
    assert feed.items[0].title == "Übersicht – Leitlinie"
    assert feed.warnings == ()


UTF8_FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
    "<item><guid>1</guid><title>Grüße Ärzte café €0</title>"
    "<description>Grüße Ärzte café €0</description></item></channel></rss>"
).encode()


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html; charset=windows-1251",
        "application/rss+xml; charset=windows-1252",
        "text/xml; charset=iso-8859-1",
        "text/plain; charset=utf-16",
        "application/xml; charset=no-such-charset",
    ],
)
def test_a_utf8_feed_served_with_a_wrong_charset_reads_as_utf8_with_a_warning(
    content_type: str,
) -> None:
    """A single-byte charset made the titles mojibake with the source "ok"; utf-16 made the
    whole feed "not well-formed"."""
    feed = parse_document(UTF8_FEED, url="https://x.example/feed", content_type=content_type)
    assert (feed.items[0].title, feed.items[0].summary) == ("Grüße Ärzte café €0",) * 2
    (warning,) = feed.warnings
    assert f"the server says charset={content_type.split('=')[1]}" in warning
    assert warning.endswith("the document declares utf-8, which reads cleanly: read as utf-8")


def test_a_byte_order_mark_wins_over_the_servers_charset() -> None:
    body = codecs.BOM_UTF16_LE + UTF8_FEED.decode().replace("utf-8", "utf-16").encode("utf-16-le")
    feed = parse_document(
        body, url="https://x.example/feed", content_type="text/xml; charset=utf-8"
    )
    assert feed.items[0].title == "Grüße Ärzte café €0"
    assert "its byte-order mark says utf-16-le" in feed.warnings[0]


def test_a_latin1_feed_the_server_calls_utf8_reads_by_its_declaration() -> None:
    body = UTF8_FEED.decode().replace("€0", "").replace("utf-8", "iso-8859-1").encode("latin-1")
    feed = parse_document(
        body, url="https://x.example/feed", content_type="text/xml; charset=utf-8"
    )
    assert feed.items[0].title == "Grüße Ärzte café"
    assert "the document declares iso-8859-1" in feed.warnings[0]


@pytest.mark.parametrize(
    "content_type", ["application/rss+xml; charset=UTF8", "text/xml; charset=windows-1252"]
)
def test_a_charset_the_document_does_not_contradict_stands_without_a_warning(
    content_type: str,
) -> None:
    """windows-1252 against iso-8859-1: both read, neither is UTF-8; the server's word stands."""
    body = UTF8_FEED.decode().replace("€0", "").replace("utf-8", "iso-8859-1").encode("latin-1")
    if "UTF8" in content_type:
        body = UTF8_FEED
    feed = parse_document(body, url="https://x.example/feed", content_type=content_type)
    assert feed.items[0].title.startswith("Grüße Ärzte café")
    assert feed.warnings == ()


@pytest.mark.parametrize(
    ("text", "start", "zone"),
    [("Thursday 10 December 2026, 14:00–15:30 CET, online.",
      datetime(2026, 12, 10, 13, 0, tzinfo=UTC), "Europe/Paris"),
     ("December 3, 2026 from 9:00 - 10:30 EST.",
      datetime(2026, 12, 3, 14, 0, tzinfo=UTC), "America/New_York"),
     # the abbreviation fixes the offset, whatever the season
     ("10 July 2026, 14:00–15:30 CET", datetime(2026, 7, 10, 13, 0, tzinfo=UTC), "Europe/Paris"),
     ("10 July 2026, 14:00–15:30 GMT", datetime(2026, 7, 10, 14, 0, tzinfo=UTC), "Europe/London")],
)  # fmt: skip
def test_a_one_day_event_whose_text_gives_its_hours_and_zone_is_timed(
    text: str, start: datetime, zone: str
) -> None:
    """It was an all-day event, though its text said when it began and ended."""
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>S</title><item>'
        "<title>Webinar: antimicrobial stewardship</title><link>https://s.example/w</link>"
        f"<description>{text}</description></item></channel></rss>"
    ).encode()
    (item,) = parse_document(body, url="https://s.example/feed", kind=Kind.CONFERENCE).items
    assert item.event is not None and not item.event.all_day
    assert (item.event.start, item.event.end - item.event.start) == (start, timedelta(minutes=90))
    assert item.event.timezone == zone


def test_hours_in_a_zone_of_several_names_leave_the_event_all_day() -> None:
    text = "10 December 2026, 14:00–15:30 IST"  # India, Ireland or Israel
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>S</title><item>'
        f"<title>Webinar</title><link>https://s.example/w</link><description>{text}</description>"
        "</item></channel></rss>"
    ).encode()
    (item,) = parse_document(body, url="https://s.example/feed", kind=Kind.CONFERENCE).items
    assert item.event is not None and item.event.all_day


ORIGINAL = "http://www.washingtonpost.com/wellness/schools.html"
REDIRECTOR = "http://feeds.washingtonpost.com/click.phdo?i=0ca90d46"


@pytest.mark.parametrize(
    ("prefix", "namespace", "link"),
    [
        ("pheedo", "http://www.pheedo.com/namespace/pheedo", ORIGINAL),
        ("pheedly", "http://www.pheedo.com/namespace/pheedo", ORIGINAL),
        ("fb", "http://rssnamespace.org/feedburner/ext/1.0", ORIGINAL),
        ("pheedo", "https://example.org/not-pheedo", REDIRECTOR),  # the usual prefix, rebound
    ],
)
def test_a_feed_proxys_original_link_is_found_by_its_namespace(
    prefix: str, namespace: str, link: str
) -> None:
    """With Pheedo's namespace bound to ``pheedly:`` (corpus wapowellness-altns.xml) items
    linked to the proxy's redirector and did not merge with the publisher's own copies."""
    body = (
        f'<rss version="2.0" xmlns:{prefix}="{namespace}"><channel><title>Wellness</title>'
        f"<item><title>Schools minister to kids</title><link>{REDIRECTOR}</link>"
        f"<{prefix}:origLink>{ORIGINAL}</{prefix}:origLink></item></channel></rss>"
    ).encode()
    (item,) = parse_document(body, url="https://feeds.washingtonpost.com/rss/wellness").items
    assert item.url == link


DECLARED = (
    '<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>AJPH</title>'
    "<item><title>Quit rates</title><link>https://ajph.example.org/1</link></item></channel></rss>"
)


@pytest.mark.parametrize(
    ("mark", "encoding"),
    [(b"", "utf-8"), (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16")],
    ids=["no-bom", "utf-8-bom", "utf-16-bom"],
)
def test_whitespace_before_the_xml_declaration_is_dropped_without_a_warning(
    mark: bytes, encoding: str
) -> None:
    """Atypon's and YouTube's feeds begin with a newline; expat refused the declaration after
    it and the sources page said "feed is not well-formed" of a good feed."""
    codec = "utf-16-le" if mark == codecs.BOM_UTF16_LE else "utf-8"
    body = mark + ("\n  " + DECLARED.format(encoding=encoding)).encode(codec)
    feed = parse_document(body, url="https://ajph.example.org/feed")
    assert ([item.title for item in feed.items], feed.warnings) == (["Quit rates"], ())


def test_a_feed_naming_no_encoding_that_is_not_utf8_is_warned_of_as_such() -> None:
    """feedparser's "document declared as utf-8, but parsed as windows-1252" named a
    declaration the feed never made."""
    body = (
        b'<rss version="2.0"><channel><title>Le Cercle Psy</title><item><title>Caf\xe9 et '
        b"cerveau</title><link>https://psy.example.org/1</link></item></channel></rss>"
    )
    feed = parse_document(body, url="https://psy.example.org/feed")
    assert feed.items[0].title == "Café et cerveau"
    assert feed.warnings == (
        "feed declares no character encoding and is not UTF-8; read as windows-1252",
    )


def test_google_alerts_links_are_the_articles_not_googles_redirector(corpus: Path) -> None:
    """Its "Read at" went through Google's click tracker, and the alert never merged by
    address with the same article from another source."""
    body = (corpus / "quirks/feedjira--google_alerts_atom.xml").read_bytes()
    feed = parse_document(body, url="https://www.google.com/alerts/feeds/1/2", kind=Kind.NEWS)
    urls = [item.url for item in feed.items]
    assert urls[1] == "https://investorplace.com/2019/07/slack-stock-truly-compelling/"
    assert all(url and not url.startswith("https://www.google.com/") for url in urls), urls
    assert canonical_url(urls[1]) == canonical_url(
        "https://investorplace.com/2019/07/slack-stock-truly-compelling/?utm_source=x"
    )


KEPT = None  # the link is no known redirector's, or leads nowhere readable: kept as given


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (
            "https://www.google.com/url?rct=j&sa=t&url=https://outlet.example/a%3Fid%3D1&ct=ga",
            "https://outlet.example/a?id=1",
        ),
        ("https://www.google.com/url?q=http://outlet.example/b&sa=U", "http://outlet.example/b"),
        (
            "https://l.facebook.com/l.php?u=https%3A%2F%2Foutlet.example%2Fc&h=AT0",
            "https://outlet.example/c",
        ),
        ("https://www.google.com/url?url=javascript:alert(1)", KEPT),
        ("https://www.google.com/search?q=https://outlet.example/d", KEPT),
        ("https://outlet.example/e?url=https://other.example/", KEPT),
    ],
)
def test_known_redirectors_are_unwrapped_to_an_http_target_only(
    link: str, expected: str | None
) -> None:
    body = (
        "<rss version='2.0'><channel><title>t</title><item><title>x</title>"
        f"<link>{escape(link)}</link></item></channel></rss>"
    ).encode()
    (item,) = parse_document(body, url="https://feeds.example.org/f").items
    assert item.url == (expected or link)
