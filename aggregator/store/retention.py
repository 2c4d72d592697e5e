"""Delete expired items in batches, and remember their guids so feeds cannot bring them back.

``purge`` takes a ``PurgePlan`` (what ``aggregator.retention`` decided may go)
and deletes at most ``batch`` items per transaction, oldest first: each item
leaves its story first (``stories.detach``, so the rest of a story keeps a
representative and a first item of each kind), then every ``(source, guid)``
that carried it goes into ``purged_items`` and the row is deleted (its links,
tags, identifiers, bands and citations go with it: ``ON DELETE CASCADE``).
Ingest reads which entries of a fetched feed were purged, skips them and marks
them still carried (``mark_still_carried``); a purged guid is kept while its
feed still carries it and dropped ``FORGET_AFTER`` after it stopped.

Never purged: the featured article (and the refresh's next candidate for it),
the pinned item, and conferences that have not ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, not_, select, update
from sqlalchemy.orm import Session

from ..records import FeaturedPolicy
from . import itemids, stories
from .models import Item, ItemSource, PurgedItem
from .reads import _featured_row
from .retired import removed_sources
from .upsert import chunks, insert_ignore

FORGET_AFTER = timedelta(days=90)  # a purged guid no feed has carried for this long is dropped


@dataclass(frozen=True)
class PurgePlan:
    """What may go: items published before ``older_than``, and each source's items beyond
    its newest ``per_source`` (only ``source_ids``' when given, every source's otherwise)."""

    now: datetime
    older_than: datetime | None = None
    per_source: int | None = None
    source_ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PurgeResult:
    items: int = 0
    batches: int = 0
    forgotten: int = 0  # purged guids dropped because no feed carries them any more
    complete: bool = True  # False when the batch budget ran out first


def expired_batch(session: Session, plan: PurgePlan, keep: set[int], limit: int) -> list[int]:
    """Up to ``limit`` ids that ``plan`` lets go, locked (PostgreSQL) against a concurrent purge."""
    found: list[int] = []
    if plan.older_than is not None:
        query = _purgeable(plan.now, keep).where(Item.published < plan.older_than)
        found += _ids(session, query.order_by(Item.published, Item.id).limit(limit))
    if plan.per_source is not None:
        # One statement for every source: building it is most of the cost of an idle pass.
        query = (
            _purgeable(plan.now, keep)
            .where(Item.source_id == bindparam("source_id"))
            .order_by(Item.published.desc(), Item.id.desc())
            .offset(bindparam("skip"))
            .limit(bindparam("room"))
        )
        newest = _NewestOfSources(session, plan.per_source)
        for source_id in _sources(session, plan):
            # Past the items another source keeps: they must not end the source's purge.
            skip = plan.per_source
            while len(found) < limit:
                room = limit - len(found)
                more = _ids(session, query, source_id=source_id, skip=skip, room=room)
                kept = newest.among(more, besides=source_id).union(found)
                found += [item_id for item_id in more if item_id not in kept]
                skip += len(more)
                if len(more) < room:
                    break
    return found[:limit]


class _NewestOfSources:
    """Which items are among the newest ``per_source`` of a source that carries them.

    An item counts against its owner's ``per_source`` (the source whose copy it shows), but
    other sources may carry it too: a clinic's only item, linked by a wire that ranks
    first, was purged as the wire's oldest, and the clinic's next fetch could not bring it
    back. So an item goes only when it is beyond the newest ``per_source`` of every source
    carrying it. Each source's boundary is read once, when an item it carries is asked about.
    """

    def __init__(self, session: Session, per_source: int) -> None:
        self._session = session
        self._per_source = per_source
        self._boundary: dict[str, tuple[datetime, int] | None] = {}

    def among(self, ids: Sequence[int], *, besides: str) -> set[int]:
        if not ids:
            return set()
        rows = self._session.execute(
            select(ItemSource.item_id, ItemSource.source_id, Item.published)
            .join(Item, Item.id == ItemSource.item_id)
            .where(ItemSource.item_id.in_(ids), ItemSource.source_id != besides)
        )
        within = set()
        for item_id, source_id, published in rows:
            boundary = self._boundary_of(source_id)
            if boundary is None or (published, item_id) >= boundary:
                within.add(item_id)
        return within

    def _boundary_of(self, source_id: str) -> tuple[datetime, int] | None:
        """The (published, id) of the source's ``per_source``-th newest item; None: it has fewer."""
        if source_id not in self._boundary:
            row = self._session.execute(
                select(Item.published, Item.id)
                .join(ItemSource, ItemSource.item_id == Item.id)
                .where(ItemSource.source_id == source_id)
                .order_by(Item.published.desc(), Item.id.desc())
                .offset(self._per_source - 1)
                .limit(1)
            ).first()
            self._boundary[source_id] = None if row is None else (row[0], row[1])
        return self._boundary[source_id]


def purge_items(session: Session, ids: Sequence[int], now: datetime) -> None:
    """Remember the guids of ``ids``, take them out of their stories, delete them."""
    if not ids:
        return
    carried = session.execute(
        select(ItemSource.source_id, ItemSource.guid_key).where(ItemSource.item_id.in_(ids))
    )
    tombstones = [
        {"source_id": source_id, "guid_key": key, "purged_at": now, "seen_at": now}
        for source_id, key in carried
    ]
    insert_ignore(session, PurgedItem.__table__, tombstones)
    stories.detach(session, _members_of_kept_stories(session, ids))
    itemids.remember_deleted(session.connection(), ids, now)
    session.execute(
        delete(Item).where(Item.id.in_(ids)).execution_options(synchronize_session=False)
    )


def mark_still_carried(
    session: Session, source_id: str, keys: Sequence[str], now: datetime
) -> None:
    """A feed still carries these purged guid keys: keep remembering them."""
    for chunk in chunks(sorted(keys)):
        session.execute(
            update(PurgedItem)
            .where(PurgedItem.source_id == source_id, PurgedItem.guid_key.in_(chunk))
            .values(seen_at=now)
        )


def drop_stale_tombstones(session: Session, now: datetime) -> int:
    result = session.execute(delete(PurgedItem).where(PurgedItem.seen_at < now - FORGET_AFTER))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _purgeable(now: datetime, keep: set[int]) -> Select[Any]:
    upcoming = and_(Item.kind == "conference", Item.event_end.is_not(None), Item.event_end >= now)
    query = select(Item.id).where(not_(upcoming))
    return query.where(Item.id.not_in(keep)) if keep else query


def _ids(session: Session, query: Select[Any], **params: Any) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query, params))


def _sources(session: Session, plan: PurgePlan) -> Sequence[str]:
    if plan.source_ids is not None:
        return plan.source_ids
    return session.scalars(select(Item.source_id).distinct().order_by(Item.source_id)).all()


def kept(session: Session, featured: FeaturedPolicy) -> set[int]:
    """The featured article, the refresh's candidate for it, and the pinned item, as
    readers see them: never an item only sources removed from the config carry
    (``retired``), which ages out as any other does."""
    removed = removed_sources(session)
    rows = (
        _featured_row(session, featured, removed=removed),
        _featured_row(session, featured, untried=True, removed=removed),
    )
    keep = {row.id for row in rows if row is not None}
    if featured.pinned:
        pinned = replace(featured, policy="pinned")
        row = _featured_row(session, pinned, removed=removed)
        if row is not None:
            keep.add(row.id)
    return keep


def _members_of_kept_stories(session: Session, ids: Sequence[int]) -> list[int]:
    """The purged items whose story keeps other members: only they need detaching.

    A story purged whole (the usual case: its items are equally old) needs no
    relabelling, which saves a few statements per item on a large first purge.
    """
    purged = set(ids)
    rows = session.execute(
        select(Item.id, func.coalesce(Item.story_id, Item.id)).where(Item.id.in_(ids))
    )
    story_of: dict[int, int] = {item_id: story_id for item_id, story_id in rows}
    survivors = set(
        session.scalars(
            select(Item.story_id)
            .where(Item.story_id.in_(set(story_of.values())), Item.id.not_in(purged))
            .distinct()
        )
    )
    return sorted(item_id for item_id, story_id in story_of.items() if story_id in survivors)
