"""Read RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom documents through feedparser.

feedparser runs with its own sanitizer and relative-URI rewriting switched off
(twice as fast, see DESIGN.md); this module then makes every entry a
``ParsedItem``: titles as plain text, summaries and bodies through
``aggregator.sanitize`` with links resolved against the entry's base, dates in
UTC, the image, and the video / article / event details the entry carries.
It does not sniff formats (``aggregator.parse`` does) and never fetches.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import feedparser

from aggregator.errors import ParseError
from aggregator.parse import boilerplate, dates, media, scholarly
from aggregator.parse.charrefs import in_range_references
from aggregator.parse.discovery import html_page_message, looks_like_html
from aggregator.parse.events import event_from_entry
from aggregator.parse.prolog import declaration_first, declares_encoding, trusted_charset
from aggregator.parse.redirects import unwrapped
from aggregator.parse.text import (
    absolute_url,
    clean_str,
    excerpt,
    first_image,
    is_local_url,
    item_base,
    plain_to_html,
    title_text,
)
from aggregator.records import ArticleInfo, Kind, ParsedFeed, ParsedItem
from aggregator.sanitize import clean_html, html_to_text

_SCHOLARLY_KINDS = frozenset({Kind.ARTICLE, None})  # None: the caller did not say
_VIDEO_KINDS = frozenset({Kind.VIDEO, None})
_DEFAULT_TYPE = "application/xml"
EMPTY = "the feed has no entries at the moment"
_PLAIN_TYPES = frozenset({"text/plain", "text"})
# Proxies (FeedBurner, Pheedo) rewrite <link> to a redirector and keep the publisher's URL in
# an origLink element of their namespace; the usual prefix of each namespace.
_ORIGINAL_LINK_NAMESPACES = {
    "http://rssnamespace.org/feedburner/ext/1.0": "feedburner",
    "http://www.pheedo.com/namespace/pheedo": "pheedo",
}


def parse_xml_feed(
    body: bytes, *, url: str, content_type: str | None, kind: Kind | None
) -> ParsedFeed:
    """Parse with feedparser; ParseError when nothing usable came out.

    A feed that recovered from errors keeps its entries and carries the
    complaint as a warning. A well-formed feed with no entries is read, with no
    items and a note (it is quiet, not broken); a feed whose entries are all
    unusable and a document that is no feed at all (an HTML page, a truncated
    download) are errors with a human message.
    """
    # Without a content type feedparser flags every feed as bozo; XML's own
    # rules (BOM, declaration, else UTF-8) are what an unlabelled body gets.
    # No content-location: feedparser would urljoin every link against it
    # (a fifth of its time); we resolve the few URLs we keep ourselves. Except where
    # the document declares an xml:base: without an outer base, feedparser lets one
    # entry's base run on into the entries after it (their links went wrong).
    body = declaration_first(body)
    content_type, charset_warning = trusted_charset(body, content_type)
    headers = {"content-type": _declared_type(content_type)}
    if b"xml:base" in body:
        headers["content-location"] = _outer_base(body, url)
    # A BytesIO, never bare bytes: feedparser opens bytes that name a file on disk.
    parsed = feedparser.parse(
        io.BytesIO(dates.lift_time_elements(in_range_references(body))),
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    feed = parsed.get("feed") or {}
    local = is_local_url(url)
    document_base = _declared_base(feed, url, local=local) or url
    channel_link = clean_str(feed.get("link"))
    feed_link = absolute_url(channel_link, document_base, local=local)
    context = _FeedContext(
        url=url,
        base=_items_base(parsed, document_base, channel_link),
        local=local,
        title=_title(feed),
        original_link_keys=_original_link_keys(parsed.get("namespaces") or {}),
        journal=clean_str(feed.get("prism_publicationname")),
        generator=clean_str(feed.get("generator")),
        kind=kind,
    )
    items = tuple(
        item
        for entry in parsed.get("entries") or ()
        for item in [_item(entry, context)]
        if (item.guid or item.url or item.title or item.summary or item.content)
        and not boilerplate.is_ad(item)
    )
    warnings: tuple[str, ...] = (charset_warning,) if charset_warning else ()
    if parsed.get("bozo") and items:
        warnings += (_warning(parsed, declared=declares_encoding(body, headers["content-type"])),)
    entries = parsed.get("entries") or ()
    unread = [text for entry in entries for text in [_unread_date(entry)] if text]
    if unread:
        warnings = (*warnings, dates.unread_warning(unread, len(entries)))
    if not items:
        if looks_like_html(body):
            raise ParseError(html_page_message(body, url=url))
        if parsed.get("entries"):
            raise ParseError("feed has no usable entries: none has a link, title or text")
        if parsed.get("version"):
            if parsed.get("bozo") and not isinstance(
                parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride
            ):
                raise ParseError(f"feed is not well-formed and has no entries: {_bozo(parsed)}")
            # A journal's "Online First" between batches: read, nothing in it yet.
            return ParsedFeed(title=context.title, link=feed_link, items=(), warnings=(EMPTY,))
        if parsed.get("bozo"):
            raise ParseError(f"not a feed: {_bozo(parsed)}")
        raise ParseError("not a feed: no RSS, Atom or RDF root element")
    return ParsedFeed(title=context.title, link=feed_link, items=items, warnings=warnings)


class _FeedContext:
    """Feed-level facts every entry needs; built once per document."""

    __slots__ = (
        "base",
        "generator",
        "journal",
        "kind",
        "local",
        "original_link_keys",
        "title",
        "url",
    )

    def __init__(
        self,
        *,
        url: str,
        base: str,
        local: bool,
        title: str | None,
        original_link_keys: tuple[str, ...],
        journal: str | None,
        generator: str | None,
        kind: Kind | None,
    ) -> None:
        self.url = url
        self.base = base  # what relative item links and images resolve against
        self.local = local  # a file:// document: its file:// links are kept
        self.title = title
        self.original_link_keys = original_link_keys  # ``_original_link_keys``
        self.journal = journal
        self.generator = generator or ""
        self.kind = kind


def _item(entry: Mapping[str, Any], feed: _FeedContext) -> ParsedItem:
    item_base = _declared_base(entry, feed.url, local=feed.local) or feed.base
    link = _entry_link(entry, item_base, feed.original_link_keys, local=feed.local)
    base = _content_base(entry, link, feed, fallback=item_base)
    title = _title(entry) or ""
    summary_html = boilerplate.without_title(
        boilerplate.without_chrome(
            _html_of(_raw(entry, "summary_detail"), base, plain=_is_youtube(entry)), link
        ),
        title,
    )
    content_html = boilerplate.without_chrome(_content(entry, base) or "", link) or None
    if content_html and content_html == summary_html:
        content_html = None
    if not summary_html and content_html:
        summary_html = excerpt(content_html)
    text = " ".join(
        part
        for part in (title, html_to_text(summary_html), html_to_text(content_html or ""))
        if part
    )
    thumbnail = media.thumbnail_of(entry)
    video = media.video_info(
        entry,
        link=link,
        thumbnail=media.thumbnail_of(entry, contents=False),
        base=item_base,
        local=feed.local,
        generator=feed.generator,
        video_source=feed.kind in _VIDEO_KINDS,
    )
    image = (video.thumbnail if video else None) or thumbnail
    tags = _tags(entry)
    return ParsedItem(
        guid=clean_str(_raw(entry, "id")),
        url=link,
        title=title,
        summary=summary_html,
        content=content_html,
        author=_author(entry),
        published=_published(entry),
        updated=dates.from_struct(_raw(entry, "updated_parsed")),
        image=absolute_url(image, item_base, local=feed.local)
        or first_image(content_html)
        or first_image(summary_html),
        tags=tags,
        event=event_from_entry(entry, text, title=title) if feed.kind is Kind.CONFERENCE else None,
        video=video,
        article=_article(
            entry,
            feed,
            link=link,
            title=title,
            tags=tags,
            text=text,
            markup=summary_html + (content_html or ""),
        ),
    )


def _items_base(parsed: Mapping[str, Any], document_base: str, channel_link: str | None) -> str:
    """Atom items resolve against the document (RFC 4287, xml:base aside); RSS ones may not.

    RSS defines no base, and readers have long resolved its relative item links
    against the channel ``<link>``; ``item_base`` says when that still holds.
    """
    if str(parsed.get("version") or "").startswith("atom"):
        return document_base
    return item_base(document_base, channel_link)


def _outer_base(body: bytes, url: str) -> str:
    """The base relative links of the document resolve against, given to feedparser as its
    outer base: an RSS channel's absolute web link (as ``item_base`` has it), else the
    document's own URL. Given the document's URL alone, an RSS feed served from another
    host than its site had its links moved to the feed's host."""
    head = body[:16384]
    channel = head.find(b"<channel")
    start = head.find(b"<link>", channel) if channel >= 0 else -1
    end = head.find(b"</link>", start) if start >= 0 else -1
    if end < 0 or is_local_url(url):
        return url
    link = head[start + len(b"<link>") : end].decode("utf-8", "replace").strip()
    return link if link.startswith(("http://", "https://")) and " " not in link else url


def _declared_type(content_type: str | None) -> str:
    """The content type feedparser is told. A text/* or octet-stream type without a charset
    says nothing of the encoding (RFC 7303 leaves it to the XML declaration), but
    feedparser applies RFC 3023's us-ascii and flagged valid UTF-8 feeds "not well-formed"
    on the sources page; such a feed is read by XML's own rules, as an unlabelled one."""
    if not content_type:
        return _DEFAULT_TYPE
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    vague = media.startswith("text/") or media == "application/octet-stream"
    return _DEFAULT_TYPE if vague and "charset" not in params.lower() else content_type


def _declared_base(node: Mapping[str, Any], against: str, *, local: bool) -> str | None:
    """The xml:base in force on a feed or entry, made absolute; None when none was declared.

    feedparser records the base in scope on each text construct, already
    joined with the bases of enclosing elements (and applied to ``<link
    href>``), so it is made absolute against the document URL. A base that is
    no web URL (or no local one, for a local document) is ignored.
    """
    for key in ("title_detail", "subtitle_detail", "summary_detail"):
        detail = _raw(node, key)
        if isinstance(detail, Mapping):
            declared = clean_str(_raw(detail, "base"))
            if declared:
                return absolute_url(declared, against, local=local)
    return None


def _original_link_keys(namespaces: Mapping[str, str]) -> tuple[str, ...]:
    """The entry keys a feed proxy's origLink is under in this document.

    feedparser names an element of a namespace it does not know (Pheedo's) by the
    prefix the document bound it to: with ``xmlns:pheedly="…/pheedo"`` the original
    was under ``pheedly_origlink``, items linked to the proxy's redirector and did not
    merge with the same articles from the publisher's other feeds. So the keys come
    from the namespaces the document declares (``parsed.namespaces``, where a namespace
    feedparser knows has its usual prefix already); an undeclared usual prefix, which
    feedparser's loose parser keeps as written, is looked under too.
    """
    declared = {prefix.lower(): uri.strip().lower() for prefix, uri in namespaces.items()}
    keys: list[str] = []
    for uri, usual in _ORIGINAL_LINK_NAMESPACES.items():
        prefixes = [prefix for prefix, bound in declared.items() if bound == uri]
        if not prefixes and usual not in declared:
            prefixes = [usual]
        keys.extend(f"{prefix}_origlink" if prefix else "origlink" for prefix in prefixes)
    return tuple(keys)


def _entry_link(
    entry: Mapping[str, Any], base: str, original_link_keys: tuple[str, ...], *, local: bool
) -> str | None:
    """The publisher's URL: a feed proxy's original (``feedburner:origLink``), else the link,
    unwrapped when a click tracker wraps it (Google Alerts' ``google.com/url?url=``)."""
    for key in original_link_keys:
        original = absolute_url(clean_str(_raw(entry, key)), base, local=local)
        if original:
            return unwrapped(original)
    link = clean_str(_raw(entry, "link"))
    if link is None:
        for candidate in _raw(entry, "links") or ():
            if isinstance(candidate, Mapping) and _raw(candidate, "rel") in (None, "alternate"):
                link = clean_str(_raw(candidate, "href"))
                if link:
                    break
    return unwrapped(absolute_url(link, base, local=local))


def _content_base(
    entry: Mapping[str, Any], link: str | None, feed: _FeedContext, *, fallback: str
) -> str:
    """xml:base of the entry's content when the feed set one, else its link, else the item base.

    Relative links inside a body are relative to the page the body comes from
    far more often than to the feed, so the entry's link beats the feed here.
    """
    for detail in (*(_raw(entry, "content") or ()), _raw(entry, "summary_detail")):
        if isinstance(detail, Mapping):
            declared = clean_str(_raw(detail, "base"))
            if declared:
                return absolute_url(declared, feed.url, local=feed.local) or fallback
    return link or fallback


def _title(node: Mapping[str, Any]) -> str | None:
    """Plain-text title: entities decoded, markup stripped where it is HTML, whitespace
    collapsed (``text.title_text``)."""
    detail = _raw(node, "title_detail")
    # The title itself, not its detail's value: feedparser lets a nested <title> (in an
    # Atom entry's <source>, say) overwrite the detail but not the title.
    value = _raw(node, "title")
    if not isinstance(value, str) and isinstance(detail, Mapping):
        value = _raw(detail, "value")
    if not isinstance(value, str):
        return None
    plain = isinstance(detail, Mapping) and _raw(detail, "type") == "text/plain"
    # A title feedparser calls text may still carry inline tags (Atom 0.3's base64 mode).
    return title_text(value, markup=None if plain else True) or None


def _is_youtube(entry: Mapping[str, Any]) -> bool:
    """YouTube's media:description is plain text with line breaks, whatever feedparser says."""
    return bool(_raw(entry, "yt_videoid"))


def _html_of(detail: object, base: str, *, plain: bool = False) -> str:
    """Sanitized HTML of a feedparser text construct; plain text is escaped, not parsed."""
    if not isinstance(detail, Mapping):
        return ""
    value = _raw(detail, "value")
    if not isinstance(value, str) or not value.strip():
        return ""
    if plain or _raw(detail, "type") in _PLAIN_TYPES:
        return plain_to_html(value)
    return clean_html(boilerplate.restore_breaks(value), base_url=base)


def _content(entry: Mapping[str, Any], base: str) -> str | None:
    """The fullest body the entry carries (Atom may give several alternatives)."""
    best = ""
    for detail in _raw(entry, "content") or ():
        cleaned = _html_of(detail, base)
        if len(cleaned) > len(best):
            best = cleaned
    return best or None


def _author(entry: Mapping[str, Any]) -> str | None:
    """The byline: up to three names, then "et al." (journal entries list dozens)."""
    names = [html_to_text(name) for name in scholarly.entry_authors(entry)]
    return scholarly.byline([name for name in names if name])


def _raw(entry: Mapping[str, Any], key: str) -> Any:
    """Read a key as stored, without feedparser's aliasing.

    ``FeedParserDict.get`` maps aliases (``description`` -> ``summary``, ``url`` ->
    ``href``, ...), derives ``category``, ``enclosures`` and ``license``, and falls
    back from ``updated`` to ``published`` with a warning; an absent key costs it
    a raised KeyError. None of the keys read here is one of those, so the plain
    lookup gives the same value, several times faster. (``media`` reads ``url``,
    an alias: it keeps ``get``.)
    """
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def _published(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dates.from_struct(_raw(entry, key))
        if value is not None:
            return value
    return None


def _unread_date(entry: Mapping[str, Any]) -> str | None:
    """The date text of an entry that gives one but has none medfeed could read."""
    if _published(entry) is not None:
        return None
    for key in ("published", "updated", "created"):
        text = clean_str(_raw(entry, key))
        if text:
            return text
    return None


def _tags(entry: Mapping[str, Any]) -> tuple[str, ...]:
    terms: list[str] = []
    for tag in _raw(entry, "tags") or ():
        term = _raw(tag, "term") or _raw(tag, "label") if isinstance(tag, Mapping) else None
        if isinstance(term, str):
            cleaned = html_to_text(term)
            if cleaned:
                terms.append(cleaned)
    return tuple(dict.fromkeys(terms))


def _article(
    entry: Mapping[str, Any],
    feed: _FeedContext,
    *,
    link: str | None,
    title: str,
    tags: tuple[str, ...],
    text: str,
    markup: str,
) -> ArticleInfo | None:
    publication = clean_str(_raw(entry, "prism_publicationname"))
    if publication == title:  # Atypon repeats the article title here
        publication = None
    # prism:publicationName is the journal's name; Atypon's dc:source is a citation
    # ("Journal, Volume 395, Issue 21, Page 1987-, November 2026.").
    journal = publication or clean_str(_raw(entry, "dc_source")) or feed.journal
    return scholarly.article_info(
        explicit_dois=(
            clean_str(_raw(entry, "prism_doi")),
            clean_str(_raw(entry, "dc_identifier")),
        ),
        urls=(link, clean_str(_raw(entry, "id")), clean_str(_raw(entry, "prism_url"))),
        text=text,
        markup=markup,
        title=title,
        journal=journal or (feed.title if feed.kind is Kind.ARTICLE else None),
        authors=scholarly.entry_authors(entry),
        pub_type=scholarly.publication_type(
            declared=clean_str(_raw(entry, "dc_type")),
            section=clean_str(_raw(entry, "prism_section")),
            categories=tags,
            title=title,
        ),
        ids_from_text=feed.kind in _SCHOLARLY_KINDS,
    )


def _warning(parsed: Mapping[str, Any], *, declared: bool) -> str:
    """What the sources page says of a feed feedparser recovered. One that names no
    encoding and is not UTF-8 is no broken feed: feedparser's "document declared as
    utf-8, but parsed as windows-1252" named a declaration the feed never made."""
    exc = parsed.get("bozo_exception")
    if isinstance(exc, feedparser.CharacterEncodingOverride) and not declared:
        encoding = parsed.get("encoding") or "another encoding"
        return f"feed declares no character encoding and is not UTF-8; read as {encoding}"
    return f"feed is not well-formed, kept what was readable: {_bozo(parsed)}"


def _bozo(parsed: Mapping[str, Any]) -> str:
    exc = parsed.get("bozo_exception")
    message = str(exc).strip() if exc is not None else ""
    return message or (type(exc).__name__ if exc is not None else "unknown error")
