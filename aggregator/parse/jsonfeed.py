"""Read JSON Feed 1.0 and 1.1 documents.

Only documents whose ``version`` names jsonfeed.org and whose ``items`` is a
list are JSON Feeds; other JSON (Scripting News' RSS-in-JSON, API errors, a
truncated download) is a ParseError. Fields of the wrong type are ignored one by
one, the way feedparser shrugs off odd XML. This module does not sniff formats
and does not sanitize on its own: it hands HTML to ``aggregator.sanitize``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

from aggregator.errors import ParseError
from aggregator.parse import dates, media, scholarly
from aggregator.parse.events import event_from_entry
from aggregator.parse.feeds import EMPTY
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
    unescaped,
)
from aggregator.records import Kind, ParsedFeed, ParsedItem, VideoInfo
from aggregator.sanitize import clean_html, html_to_text

_VERSION_PREFIXES = ("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")
_KNOWN_VERSIONS = frozenset({"1", "1.1"})


MAX_DEPTH = 64  # a real JSON Feed nests 4 or 5 levels
_MAX_DIGITS = sys.get_int_max_str_digits()


def _depth(document: Any) -> int:
    """How deeply ``document`` nests, found without recursion (a hostile feed may nest deep)."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict | list):
            stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_json_feed(body: bytes, *, url: str, kind: Kind | None) -> ParsedFeed:
    """Parse a JSON Feed; ParseError for invalid JSON, other JSON, or items none of which is
    usable. A feed whose ``items`` is an empty list is read, with a note: it is quiet."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"invalid JSON Feed: {exc}") from exc
    except RecursionError as exc:
        raise ParseError(f"invalid JSON Feed: nested more than {MAX_DEPTH} levels deep") from exc
    except ValueError as exc:  # Python's limit on the digits of an int read from text
        raise ParseError(
            f"invalid JSON Feed: a number of more than {_MAX_DIGITS:,} digits"
        ) from exc
    if _depth(document) > MAX_DEPTH:
        raise ParseError(f"invalid JSON Feed: nested more than {MAX_DEPTH} levels deep")
    if not isinstance(document, Mapping):
        raise ParseError("invalid JSON Feed: the document is not a JSON object")
    version = document.get("version")
    if not isinstance(version, str) or not version.startswith(_VERSION_PREFIXES):
        raise ParseError("invalid JSON Feed: no jsonfeed.org version (this is some other JSON)")
    raw_items = document.get("items")
    if not isinstance(raw_items, list):
        raise ParseError("invalid JSON Feed: 'items' is not a list")
    warnings: list[str] = []
    if version.rsplit("/", 1)[-1] not in _KNOWN_VERSIONS:
        warnings.append(f"unknown JSON Feed version {version}, read as 1.1")
    local = is_local_url(url)
    home_page = clean_str(document.get("home_page_url"))
    home = absolute_url(home_page, url, local=local)
    resolver = _Resolver(base=item_base(url, home_page), local=local)
    title = title_text(clean_str(document.get("title")) or "") or None
    feed_authors = _authors(document)
    items = tuple(
        item
        for raw in raw_items
        if isinstance(raw, Mapping)
        for item in [_item(raw, resolver, feed_authors=feed_authors, kind=kind, feed_title=title)]
        if item is not None
    )
    unread = [
        text
        for raw in raw_items
        if isinstance(raw, Mapping)
        for text in [clean_str(raw.get("date_published"))]
        if text and dates.from_text(text) is None
    ]
    if unread:
        warnings.append(dates.unread_warning(unread, len(raw_items)))
    if raw_items and not items:
        raise ParseError("feed has no usable entries: none has an id, link, title or text")
    if not items:
        warnings.append(EMPTY)
    return ParsedFeed(title=title, link=home, items=items, warnings=tuple(warnings))


def _authors(node: Mapping[str, Any]) -> tuple[str, ...]:
    """1.1's ``authors`` list, falling back to 1.0's single ``author`` object."""
    found: list[str] = []
    authors = node.get("authors")
    candidates = authors if isinstance(authors, list) else [node.get("author")]
    for author in candidates:
        if isinstance(author, Mapping):
            name = clean_str(author.get("name"))
            if name:
                found.append(name)
    return tuple(dict.fromkeys(found))


class _Resolver:
    """Where relative item URLs point: the feed's base, and whether file:// URLs may stay."""

    __slots__ = ("base", "local")

    def __init__(self, *, base: str, local: bool) -> None:
        self.base = base
        self.local = local

    def __call__(self, href: str | None) -> str | None:
        return absolute_url(href, self.base, local=self.local)


def _item(
    raw: Mapping[str, Any],
    resolve: _Resolver,
    *,
    feed_authors: tuple[str, ...],
    kind: Kind | None,
    feed_title: str | None,
) -> ParsedItem | None:
    guid = _id(raw.get("id"))
    # A link-blog item's external_url is what RSS/Atom put in <link>; using it
    # the same way lets the same post match across formats.
    link = unwrapped(resolve(clean_str(raw.get("external_url")) or clean_str(raw.get("url"))))
    title = title_text(clean_str(raw.get("title")) or "")
    entry_base = link or resolve.base
    content = _content(raw, entry_base)
    summary_text = clean_str(raw.get("summary"))
    summary = _summary(summary_text) if summary_text else (excerpt(content) if content else "")
    if not (guid or link or title or content):
        return None
    authors = _authors(raw) or feed_authors
    text = " ".join(part for part in (title, html_to_text(summary), html_to_text(content or "")))
    video = _video(raw, link, resolve, video_source=kind in (Kind.VIDEO, None))
    image = resolve(clean_str(raw.get("image")) or clean_str(raw.get("banner_image")))
    return ParsedItem(
        guid=guid,
        url=link,
        title=title,
        summary=summary,
        content=content,
        author=", ".join(authors) or None,
        published=dates.from_text(raw.get("date_published")),
        updated=dates.from_text(raw.get("date_modified")),
        image=image or (video.thumbnail if video else None) or first_image(content),
        tags=_tags(raw),
        event=event_from_entry({}, text, title=title) if kind is Kind.CONFERENCE else None,
        video=video,
        article=scholarly.article_info(
            explicit_dois=(),
            urls=(link, guid, clean_str(raw.get("url"))),
            text=text,
            markup=summary + (content or ""),
            title=title,
            journal=feed_title if kind is Kind.ARTICLE else None,
            authors=authors,
            pub_type=None,
            ids_from_text=kind in (Kind.ARTICLE, None),
        ),
    )


def _id(value: object) -> str | None:
    """JSON Feed ids are strings, but numbers are common in the wild; keep them as text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return clean_str(value)


def _content(raw: Mapping[str, Any], base: str) -> str | None:
    html = clean_str(raw.get("content_html"))
    if html:
        return clean_html(html, base_url=base) or None
    text = clean_str(raw.get("content_text"))
    return plain_to_html(text) if text else None


def _summary(text: str) -> str:
    """A summary (plain text in JSON Feed) as HTML, its entities decoded before it is
    escaped, as its title's are (``text.title_text``): escaped as it came, "Blackletter
    &amp; thick" showed its "&amp;" in the API and in the item page's description."""
    return plain_to_html(unescaped(text))


def _tags(raw: Mapping[str, Any]) -> tuple[str, ...]:
    tags = raw.get("tags")
    if not isinstance(tags, list):
        return ()
    return tuple(dict.fromkeys(tag.strip() for tag in tags if isinstance(tag, str) and tag.strip()))


def _video(
    raw: Mapping[str, Any], link: str | None, resolve: _Resolver, *, video_source: bool
) -> VideoInfo | None:
    """A JSON Feed item is a video when it links to one or attaches a video/* file."""
    attachments = raw.get("attachments")
    media_content = [
        {
            "url": attachment.get("url"),
            "type": attachment.get("mime_type"),
            "duration": attachment.get("duration_in_seconds"),
        }
        for attachment in (attachments if isinstance(attachments, list) else ())
        if isinstance(attachment, Mapping) and isinstance(attachment.get("url"), str)
    ]
    entry: dict[str, Any] = {"media_content": media_content}
    return media.video_info(
        entry,
        link=link,
        thumbnail=clean_str(raw.get("image")),
        base=resolve.base,
        local=resolve.local,
        video_source=video_source,
    )
