"""Bound what one document may cost before and after it is parsed.

A body under the byte cap can still hold 150,000 entries, or 100,000
categories on one entry, which feedparser's ``_add_tag`` checks against each
other (quadratic: 20,000 of them took 18 s, 100,000 minutes). So, on the raw
XML, before feedparser sees it: an entry's categories past
``max_categories`` are cut, and of a document with more than twice
``max_entries`` entries only the first and the last ``max_entries`` are kept
(feeds list newest first, a few oldest first); after parsing, the newest
``max_entries`` by date are kept, whatever the format. Each cut is a warning
on the source. The scans are single passes of bounded regular expressions:
linear in the body. This module decides nothing else and parses nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import pairwise

from aggregator.records import DocumentLimits, ParsedItem

# An entry start (RSS/RDF <item>, Atom <entry>, any prefix); not <items>, <itemref>.
_ENTRY = rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)(?=[\s/>])"
_ENTRIES = re.compile(_ENTRY)
# One entry start, or one whole category element (<category>, <dc:subject>, <atom:category
# term=…/>, …). Attributes and text are bounded so that a scan that fails (an unclosed
# element) stops after 4 KB instead of reading to the end of the body at every start.
_CATEGORY = rb"<(?P<name>(?:[A-Za-z_][\w.-]*:)?(?:category|subject))(?=[\s/>])[^<>]{0,4096}?"
_MARKS = re.compile(
    rb"(?P<entry>"
    + _ENTRY
    + rb")|"
    + _CATEGORY
    + rb"(?:/>|>(?:[^<]{0,4096}|\s*<!\[CDATA\[.{0,4096}?\]\]>\s*)</(?P=name)\s*>)",
    re.DOTALL,
)
# The start of a category held in a CDATA section: the only element ``_MARKS`` reads across
# a "<", and so the only place where an entry start can hide from it.
_CDATA_CATEGORY = re.compile(_CATEGORY + rb">\s*<!\[CDATA\[")
_OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Trimmed:
    body: bytes
    entries: int | None  # entries the body held, when it held too many (else None)
    warnings: tuple[str, ...] = ()


def trim_xml(body: bytes, limits: DocumentLimits) -> Trimmed:
    """The XML body with its surplus entries and categories cut (see the module's docstring)."""
    entries: int | None = None
    # Cheap upper bounds first: nearly every feed is left alone after two counts.
    if body.count(b"item") + body.count(b"entry") > 2 * limits.max_entries:
        starts = [match.start() for match in _ENTRIES.finditer(body)]
        if len(starts) > 2 * limits.max_entries:
            entries = len(starts)
            keep = limits.max_entries
            body = body[: starts[keep]] + body[starts[-keep] :]
    warnings: tuple[str, ...] = ()
    if _may_hold_too_many(body, limits.max_categories):
        body, cut = _cut_categories(body, limits.max_categories)
        if cut:
            warnings = (
                f"{cut:,} categories past the first {limits.max_categories:,} of an entry "
                "were dropped",
            )
    return Trimmed(body, entries, warnings)


def _may_hold_too_many(body: bytes, cap: int) -> bool:
    """False when no entry (nor the head before the first) can hold more than ``cap``
    categories, so that ``_cut_categories`` would cut nothing.

    The document's count was the only test, and a 50-entry feed with a few categories
    each passed it, so the cut's scan (a regular expression tried at every "<", with a
    Python call per category) ran over nearly every feed: a twentieth of preparing one.
    The names "category" and "subject" counted between two entry starts are at least the
    category elements the cut counts for that entry; entry starts are found by the cut's
    own pattern, and none can hide from it inside a category unless one holds a CDATA
    section (then the cut decides, as before).
    """
    if body.count(b"category") + body.count(b"subject") <= cap:
        return False
    if b"<![CDATA[" in body and _CDATA_CATEGORY.search(body):
        return True
    edges = [0, *(match.start() for match in _ENTRIES.finditer(body)), len(body)]
    return any(
        body.count(b"category", start, end) + body.count(b"subject", start, end) > cap
        for start, end in pairwise(edges)
    )


def _cut_categories(body: bytes, cap: int) -> tuple[bytes, int]:
    seen = cut = 0

    def keep_or_cut(match: re.Match[bytes]) -> bytes:
        nonlocal seen, cut
        if match.group("entry"):
            seen = 0
            return match.group()
        seen += 1
        if seen <= cap:
            return match.group()
        cut += 1
        return b""

    return _MARKS.sub(keep_or_cut, body), cut


def keep_newest(
    items: tuple[ParsedItem, ...], limits: DocumentLimits, *, entries: int | None = None
) -> tuple[tuple[ParsedItem, ...], tuple[str, ...]]:
    """At most ``max_entries`` items, the newest by date (undated ones last, in document
    order), in document order; ``entries``: how many the body held before ``trim_xml``."""
    total = max(entries or 0, len(items))
    if total <= limits.max_entries:
        return items, ()
    by_date = sorted(
        range(len(items)), key=lambda i: items[i].published or items[i].updated or _OLDEST,
        reverse=True,
    )  # fmt: skip
    kept = sorted(by_date[: limits.max_entries])
    warning = f"kept the newest {len(kept):,} of {total:,} entries ({limits.entries_setting})"
    return tuple(items[i] for i in kept), (warning,)


def cap_tags(
    items: tuple[ParsedItem, ...], limits: DocumentLimits
) -> tuple[tuple[ParsedItem, ...], tuple[str, ...]]:
    """Items with at most ``max_categories`` tags each (JSON Feed tags never pass
    ``trim_xml``); the same tuple when none has more, as nearly always."""
    cap = limits.max_categories
    if all(len(item.tags) <= cap for item in items):
        return items, ()
    cut = sum(max(0, len(item.tags) - cap) for item in items)
    capped = tuple(
        item if len(item.tags) <= cap else replace(item, tags=item.tags[:cap]) for item in items
    )
    return capped, (f"{cut:,} categories past the first {cap:,} of an entry were dropped",)
