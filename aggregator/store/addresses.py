"""Find the items a pasted address names, by the canonical URL dedupe layer 2 keys them on.

A search that is one web address (``searchquery.pasted_address``) asks for the
item at that address, not for its words: the full-text index holds
"https www statnews com …" in no item. The address, in each spelling a stored key
may have (a punycode or Unicode host, "%7E" or "~": ``identity.spellings``), is
looked up in two indexed columns, each probe an index lookup:

- ``items.canonical_url`` (unique index ``uq_items_canonical_url``): the item
  whose layer-2 key the address is, or a recurring event series at that page;
- ``item_sources.canonical_url`` (``ix_item_sources_canonical_url``): the page
  each copy of an item links to, so the address of a copy joined to another
  item by its DOI or video id (layer 3, or later by ``medfeed db fold``) finds
  that item, and an event's page finds the event, whose layer-2 key holds its
  date (``…#event=2027-03-01``), with every other single event held there. A
  link whose page is its item's key holds NULL (``sameurl``): the first probe
  finds it.

An item whose URL its feed gave to several entries has no canonical URL and its
link none (``identity.shared_urls``): that address names a site, not an item, and
the words are searched instead.

It reads only; it does not read the query text and does not decide how the items
are listed (``reads`` does, through the same ``search.Match`` as a search of words).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Double, Select, literal, select, union

from ..identity import spellings
from .models import Item, ItemSource
from .search import Match

# A recurring event's layer-2 key is its page's URL so marked (``identity._occurrence_key``).
SERIES = "#series"


def items_at(connection: Connection, canonical: str) -> list[int]:
    """The ids of the items stored under ``canonical`` (an item, or an event series there)
    or carried from it by one of their copies (an event held there, among them), spelt
    any way ``identity.canonical_url`` keeps as the link gave it (``identity.spellings``)."""
    return sorted(set(connection.scalars(union(*probes_at(canonical)))))


def probes_at(canonical: str) -> tuple[Select[int], ...]:
    """``items_at`` as index probes, for a caller to unite with its own (SQLite takes no
    compound statement inside another)."""
    pages = spellings(canonical)
    keys = [key for page in pages for key in (page, page + SERIES)]
    keyed = select(Item.id).where(Item.canonical_url.in_(keys))
    linked = select(ItemSource.item_id).where(ItemSource.canonical_url.in_(pages))
    return keyed, linked


def is_event_key(address: str) -> bool:
    """Whether ``address`` is an event's or a series' layer-2 key as stored (its page, then
    ``#event=<date>`` or ``#series``): it names that one item, not every event at its page."""
    mark = address.partition("#")[2]
    return mark == SERIES[1:] or mark.startswith("event=")


def at_address(item_ids: Sequence[int]) -> Match:
    """These items as a search's match, all equally good: listed newest first."""
    hits = Item.__table__.alias("address_hits")
    return Match(
        target=hits,
        on=hits.c.id,
        condition=hits.c.id.in_(sorted(item_ids)),
        relevance=literal(1.0, Double),
    )
