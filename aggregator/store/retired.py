"""Which items readers no longer see: those carried only by sources removed from config.yaml.

A source the admin removes (``medfeed sources remove``, or an edit of the file)
keeps its row (``in_config`` false) and its items keep theirs: history, and
re-adding the source brings them back as they were. Lists, feeds, search, the
API and the featured article leave out an item every carrier of which is such
a source; an item another configured source also carries stays, without the
removed one among its sources. A *disabled* source (``enabled: false``, or a
410 Gone) is paused, not removed: its items stay listed.

Cheap by construction: with no source removed (the usual case) nothing is added
to any query. Otherwise one condition a row, on a column the row already holds
(its owner, ``items.source_id``), and only for the rows a removed source owns a
probe of ``ix_item_sources_item`` for another carrier. It reads; it writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from ..records import SourceRef
from .models import ItemSource, Source


def removed_sources(session: Session) -> tuple[str, ...]:
    """The ids of the sources removed from the config, in id order (one read of a small
    table)."""
    query = select(Source.id).where(Source.in_config.is_(False)).order_by(Source.id)
    return tuple(session.scalars(query))


def listed(item: Any, removed: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """What ``item`` (``Item`` or an alias of it) must be to be shown while ``removed``
    are out of the config: owned by another source, else carried by one."""
    return list(_listed(item, removed)) if removed else []


@lru_cache(maxsize=64)
def _listed(item: Any, removed: tuple[str, ...]) -> tuple[ColumnElement[bool], ...]:
    """Built once for each set of removed sources: building it cost more than running it."""
    wanted = sorted(removed)
    carried = (
        select(ItemSource.id)
        .where(ItemSource.item_id == item.id, ItemSource.source_id.not_in(wanted))
        .exists()
    )
    return (or_(item.source_id.not_in(wanted), carried),)


def still_carried(refs: Sequence[SourceRef], removed: Sequence[str]) -> tuple[SourceRef, ...]:
    """``refs`` without the removed sources: an item's "also from" names only the sources
    readers can still follow; all of them when every one is removed (the item is then
    not listed, and its own address answers 410 Gone)."""
    kept = tuple(ref for ref in refs if ref.id not in removed)
    return kept or tuple(refs)
