"""Item and link URLs stored only where they differ from the URL they would repeat.

An item's ``url`` is its canonical URL in nine items out of ten, and a link's
(``item_sources.url``) is its item's in nine links out of ten: ~200 bytes an
entry stored twice (docs/benchmarks.md, 2026-12-01; migration 0011). So a
stored URL means:

- NULL: the same as the default (an item's ``canonical_url``; a link's item URL);
- ``''``: no URL, where the default has one;
- anything else: that URL.

A link's page (``item_sources.canonical_url``: its URL as dedupe layer 2 reads it,
``identity.page_of``) is stored the same way beside its item's ``canonical_url``: a
pasted address finds the item by the one or the other (``addresses.items_at``), so
only the pages an item's key does not repeat cost bytes and index entries: copies
under other addresses, and events' pages (an event's key holds its date).

Writers encode with ``stored``; readers decode with ``decoded``, or in SQL with
``item_url`` / ``link_url``. A link that says "the same as my item" must not silently follow its
item to a new URL: ``spell_out_links`` writes such links' URL and page out before their
item is rewritten, and ``fold_links`` turns the ones equal to it back into NULL
afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Connection, bindparam, func, literal, select, update
from sqlalchemy.orm import InstrumentedAttribute

from .models import Item, ItemSource
from .upsert import chunks

NONE = ""  # stored for "no URL" where the default has one


def stored(url: str | None, default: str | None) -> str | None:
    """What to store for ``url`` beside ``default``."""
    return None if url == default else spelled(url)


def spelled(url: str | None) -> str:
    """``url`` written out, whatever the default (``fold_links`` may fold it later)."""
    return NONE if url is None else url


def decoded(url: str | None, default: str | None) -> str | None:
    """The URL a stored ``url`` stands for, beside ``default``."""
    return (default if url is None else url) or None


def item_url() -> ColumnElement[str | None]:
    """An item's URL, from its stored ``url`` and ``canonical_url``."""
    return func.nullif(func.coalesce(Item.url, Item.canonical_url), NONE)


def link_url() -> ColumnElement[str | None]:
    """A link's URL, from its stored ``url`` and its item's (``Item`` joined to ``ItemSource``)."""
    return func.nullif(func.coalesce(ItemSource.url, Item.url, Item.canonical_url), NONE)


def _item_of_link(
    value: ColumnElement[str | None] | InstrumentedAttribute[str | None],
) -> ColumnElement[str | None]:
    return select(value).where(Item.id == ItemSource.item_id).scalar_subquery()


_SPELL_OUT = (
    update(ItemSource)
    .where(ItemSource.item_id.in_(bindparam("ids", expanding=True)), ItemSource.url.is_(None))
    .values(url=_item_of_link(func.coalesce(Item.url, Item.canonical_url, literal(NONE))))
)
_FOLD = (
    update(ItemSource)
    .where(
        ItemSource.item_id.in_(bindparam("ids", expanding=True)),
        ItemSource.url == _item_of_link(item_url()),
    )
    .values(url=None)
)
_SPELL_OUT_PAGE = (
    update(ItemSource)
    .where(
        ItemSource.item_id.in_(bindparam("ids", expanding=True)),
        ItemSource.canonical_url.is_(None),
    )
    .values(canonical_url=_item_of_link(func.coalesce(Item.canonical_url, literal(NONE))))
)
_FOLD_PAGE = (
    update(ItemSource)
    .where(
        ItemSource.item_id.in_(bindparam("ids", expanding=True)),
        ItemSource.canonical_url == _item_of_link(Item.canonical_url),
    )
    .values(canonical_url=None)
)


def spell_out_links(connection: Connection, item_ids: Sequence[int]) -> None:
    """Links that repeat their item's URL or key get it written out: the item's is about
    to change."""
    for chunk in chunks(sorted(set(item_ids))):
        connection.execute(_SPELL_OUT, {"ids": chunk})
        connection.execute(_SPELL_OUT_PAGE, {"ids": chunk})


def fold_links(connection: Connection, item_ids: Sequence[int]) -> None:
    """Links whose URL is their item's, or whose page is its key, store NULL instead."""
    for chunk in chunks(sorted(set(item_ids))):
        connection.execute(_FOLD, {"ids": chunk})
        connection.execute(_FOLD_PAGE, {"ids": chunk})
