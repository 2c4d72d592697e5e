"""Turn a fetched document into a ParsedFeed: the parse stage of the pipeline.

``parse_document`` sniffs the format from the bytes (JSON Feed, iCalendar, or
XML for feedparser: RSS 0.9x/2.0, RSS 1.0/RDF, Atom) and hands it to the reader
for that format. Every reader returns the same records: plain-text titles,
sanitized HTML, absolute URLs, UTC datetimes, and event / video / article
details where the entry carries them. Parsing does not fetch, does not decide
identity or duplicates, and does not touch the database.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import fields, is_dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urlsplit

from aggregator.errors import ParseError
from aggregator.parse.feeds import parse_xml_feed
from aggregator.parse.ical import looks_like_ical, parse_ical
from aggregator.parse.jsonfeed import parse_json_feed
from aggregator.parse.limits import cap_tags, keep_newest, trim_xml
from aggregator.parse.text import derived_title
from aggregator.records import DocumentLimits, Kind, ParsedFeed, ParsedItem
from aggregator.sanitize import xml_safe

__all__ = ["ParseError", "parse_document"]

_JSON_START = (b"{", b"[")
MAX_URL = 2048  # characters: the URL columns' size (aggregator.store.models)
_T = TypeVar("_T")


def parse_document(
    body: bytes,
    *,
    url: str,
    content_type: str | None = None,
    kind: Kind | None = None,
    now: datetime | None = None,
    limits: DocumentLimits = DocumentLimits(),  # noqa: B008 (frozen)
) -> ParsedFeed:
    """Parse one fetched document; ParseError with a human message when it is unusable.

    ``kind`` is the source's kind from config: conference sources get event
    details read out of RSS/Atom entries. ``now`` anchors the window in which
    recurring calendar events are expanded (tests pass a fixed one). ``limits``: the
    entries and categories kept of one document (the ``parse`` settings), each cut a warning.
    """
    if not body or not body.strip():
        raise ParseError("empty document: the server sent no content")
    entries: int | None = None
    cuts: tuple[str, ...] = ()
    if _looks_like_json(body):
        feed = parse_json_feed(body, url=url, kind=kind)
    elif looks_like_ical(body):
        feed = parse_ical(body, url=url, now=now or datetime.now(UTC))
    else:
        trimmed = trim_xml(body, limits)
        entries, cuts = trimmed.entries, trimmed.warnings
        feed = parse_xml_feed(trimmed.body, url=url, content_type=content_type, kind=kind)
    kept, newest = keep_newest(feed.items, limits, entries=entries)
    kept, tagged = cap_tags(kept, limits)
    items = _guids_told_apart(_with_storable_links(_printable(item)) for item in kept)
    warnings = (*feed.warnings, *cuts, *newest, *tagged)
    feed = replace(feed, title=_printable(feed.title), items=items, warnings=warnings)
    if all(item.title for item in feed.items):
        return feed
    return replace(feed, items=tuple(_titled(item) for item in feed.items))


def _guids_told_apart(items: Iterable[ParsedItem]) -> tuple[ParsedItem, ...]:
    """Entries that share a guid but link to different pages are different entries: a
    feed that gives every entry its home page as guid ("https://news.example.org/")
    would otherwise keep one, and its next story would overwrite that one in place.
    Each of them is keyed by the guid and its link; the same entry repeated (same
    link) stays one. An iCalendar's events are told apart by their dates already."""
    items = tuple(items)
    links: dict[str, set[str | None]] = {}
    for item in items:
        if item.guid and item.event is None:
            links.setdefault(item.guid, set()).add(item.url)
    shared = {guid for guid, urls in links.items() if len(urls) > 1}
    if not shared:
        return items
    return tuple(
        replace(item, guid=f"{item.guid}#{item.url}")
        if item.guid in shared and item.event is None and item.url
        else item
        for item in items
    )


def _with_storable_links(item: ParsedItem) -> ParsedItem:
    """An item without the links too long for any database to store (``MAX_URL``): one
    such link made PostgreSQL refuse the whole feed's batch. The item stays, with its
    permalink for a link; a real page address is far shorter."""
    event, video = item.event, item.video
    changed: dict[str, object] = {
        name: None for name in ("url", "image") if _too_long(getattr(item, name))
    }
    if event is not None and _too_long(event.url):
        changed["event"] = replace(event, url=None)
    if video is not None and (_too_long(video.thumbnail) or _too_long(video.embed_url)):
        changed["video"] = replace(
            video,
            thumbnail=None if _too_long(video.thumbnail) else video.thumbnail,
            embed_url=None if _too_long(video.embed_url) else video.embed_url,
        )
    return replace(item, **changed) if changed else item  # type: ignore[arg-type]


def _too_long(url: str | None) -> bool:
    return url is not None and len(url) > MAX_URL


def _printable(value: _T) -> _T:
    """``value`` (a record, a tuple or a string) without the characters XML cannot hold
    (``sanitize.xml_safe``), in every string it holds; the same object when it has none,
    as nearly every item."""
    if isinstance(value, str):
        return xml_safe(value)  # type: ignore[return-value]
    if isinstance(value, tuple):
        cleaned = tuple(map(_printable, value))
        return value if all(map(operator.is_, cleaned, value)) else cleaned  # type: ignore[return-value]
    if is_dataclass(value) and not isinstance(value, type):
        changed = {}
        for field in fields(value):
            before = getattr(value, field.name)
            after = _printable(before)
            if after is not before:
                changed[field.name] = after
        return replace(value, **changed) if changed else value
    return value


def _titled(item: ParsedItem) -> ParsedItem:
    """Every item gets a title (RSS 0.92 items may have none): never an empty link.

    The first sentence of its text, else its link's address, else "Untitled";
    flagged as derived either way.
    """
    if item.title:
        return item
    title = derived_title(item.summary, item.content) or _address(item.url) or "Untitled"
    return replace(item, title=title, title_derived=True)


def _address(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/") or None


def _looks_like_json(body: bytes) -> bool:
    return body[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_JSON_START)
