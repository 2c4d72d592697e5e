"""Find the items a pasted address names, by the canonical URL dedupe layer 2 keys them on.

A search that is one web address (``searchquery.pasted_address``) asks for the
item at that address, not for its words: the full-text index holds
"https www statnews com …" in no item. The address is looked up in
``items.canonical_url`` through its unique index (``uq_items_canonical_url``), so
the copy of a story that another outlet carried is found as well as the story's
first item: each is an item of its own. An item whose URL its feed gave to several
entries has no canonical URL (``identity.shared_urls``): that address names a site,
not an item, and the words are searched instead.

It reads only; it does not read the query text and does not decide how the items
are listed (``reads`` does, through the same ``search.Match`` as a search of words).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Double, literal, select

from .models import Item
from .search import Match

# A recurring event's layer-2 key is its page's URL so marked (``identity._occurrence_key``).
SERIES = "#series"


def items_at(connection: Connection, canonical: str) -> list[int]:
    """The ids of the items stored under ``canonical`` (an item, or an event series there)."""
    query = select(Item.id).where(Item.canonical_url.in_([canonical, canonical + SERIES]))
    return sorted(connection.scalars(query))


def at_address(item_ids: Sequence[int]) -> Match:
    """These items as a search's match, all equally good: listed newest first."""
    hits = Item.__table__.alias("address_hits")
    return Match(
        target=hits,
        on=hits.c.id,
        condition=hits.c.id.in_(sorted(item_ids)),
        relevance=literal(1.0, Double),
    )
