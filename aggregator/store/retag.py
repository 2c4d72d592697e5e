"""The re-tag of stored items: its plan in the ``meta`` table, and one batch of it.

The plan (``records.RetagPlan``, one JSON value under ``specialty_tags``) says
which vocabulary the items carry or are being moved to, and how far the move
got. A batch locks the plan (``FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE``
on SQLite), re-tags the next items by id and moves the plan on, all in one
transaction: a process killed mid-batch leaves the plan where it was, and two
processes never re-tag the same items. Between batches the plan is leased to
its holder (``host:pid:start``, ``aggregator.leases``) so that one process does
the whole re-tag; a lease whose holder is gone, or that ran out, is taken over.
What the new tags are is ``aggregator.retagging``'s decision, passed in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from .. import retagging
from ..leases import holder_gone
from ..records import RetagBatch, RetagPlan, StoredTags
from ..retagging import replan
from . import meta
from .models import Item, ItemSource, ItemTag, Meta
from .upsert import insert_ignore

KEY = "specialty_tags"
LEASE = timedelta(minutes=2)  # a batch takes well under a second: ample for a slow disk

Decide = Callable[[Sequence[StoredTags], Collection[str]], dict[int, tuple[str, ...]]]

_ITEMS = cast(Table, Item.__table__)
_SET_TAGS = update(_ITEMS).where(_ITEMS.c.id == bindparam("b_id")).values(tags=bindparam("tags"))


def stored_plan(session: Session, *, lock: bool = False) -> RetagPlan | None:
    """The plan in the database; ``lock``: hold its row until the transaction ends."""
    return _read(session, "update" if lock else None)


def hold(session: Session) -> RetagPlan | None:
    """The plan, kept from changing until the transaction ends: an ingest holds it so that
    no re-tag batch or new plan commits between its reads and its writes (``FOR KEY
    SHARE`` on PostgreSQL: ingests do not wait for each other, ``batch`` and ``plan``
    wait for them; SQLite has one writer at a time)."""
    return _read(session, "key share")


def revisit(
    session: Session,
    held: RetagPlan | None,
    tagged_with: dict[str, str],
    ids: Sequence[int],
    now: datetime,
) -> None:
    """Move the re-tag back to ``ids``, items just written with tags of ``tagged_with``, if
    that is not the planned vocabulary (``retagging.revisit``); ``held``: the plan
    ``hold`` read, whose vocabulary cannot have changed since."""
    if held is None or held.vocabulary == tagged_with or not ids:
        return
    # FOR NO KEY UPDATE: other ingests keep their FOR KEY SHARE (two that both moved
    # the plan under FOR UPDATE deadlocked), and this one reads what they moved.
    current = _read(session, "no key update") or held
    moved = retagging.revisit(current, tagged_with, min(ids))
    if moved is not None:
        meta.put(session, KEY, _encoded(moved), now)


_LOCKS = {  # PostgreSQL's row locks, as SQLAlchemy spells them: (read, key_share)
    "update": (False, False),
    "no key update": (False, True),
    "key share": (True, True),
}


def _read(session: Session, lock: str | None) -> RetagPlan | None:
    query = select(Meta.value).where(Meta.key == KEY)
    if lock is not None and session.get_bind().dialect.name == "postgresql":
        read, key_share = _LOCKS[lock]
        query = query.with_for_update(read=read, key_share=key_share)
    value = session.scalar(query)
    return None if value is None else _decoded(value)


def plan(session: Session, vocabulary: dict[str, str], now: datetime) -> bool:
    """Store the plan for ``vocabulary`` if it is new; True while items remain to re-tag."""
    stored = stored_plan(session, lock=True)
    planned = replan(stored, vocabulary)
    if planned is not None:
        meta.put(session, KEY, _encoded(planned), now)
    return (planned or stored or RetagPlan(vocabulary)).pending


def batch(
    session: Session,
    vocabulary: dict[str, str],
    decide: Decide,
    *,
    holder: str,
    now: datetime,
    limit: int,
) -> RetagBatch | None:
    """Re-tag the next ``limit`` items; None when there is nothing to do for ``vocabulary``
    or another live process holds the re-tag."""
    current = stored_plan(session, lock=True)
    if current is None or current.after is None or current.vocabulary != vocabulary:
        return None
    if _held_by_other(current, holder, now):
        return None
    items = _items_after(session, current.after, limit)
    changes = decide(items, current.changed)
    _write_tags(session, changes)
    if len(items) < limit:
        moved = replace(current, changed=frozenset(), after=None, holder=None, until=None)
    else:
        moved = replace(current, after=items[-1].id, holder=holder, until=now + LEASE)
    meta.put(session, KEY, _encoded(moved), now)
    if changes:
        meta.bump(session, "generation", now)  # lists and feeds show tags: new ETags
    return RetagBatch(items=len(items), changed=len(changes), done=moved.after is None)


def _held_by_other(current: RetagPlan, holder: str, now: datetime) -> bool:
    if current.holder is None or current.holder == holder:
        return False
    live = current.until is not None and current.until > now
    return live and not holder_gone(current.holder)


def _items_after(session: Session, after: int, limit: int) -> list[StoredTags]:
    """The next items by id, locked on PostgreSQL: an ingest merging tags into one of them
    waits for this batch rather than having its tags overwritten."""
    query = (
        select(Item.id, Item.title, Item.summary, Item.source_id, Item.tags)
        .where(Item.id > after)
        .order_by(Item.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    rows = session.execute(query).all()
    carriers: dict[int, set[str]] = {row.id: {row.source_id} for row in rows}
    if rows:
        links = select(ItemSource.item_id, ItemSource.source_id).where(
            ItemSource.item_id.between(rows[0].id, rows[-1].id)
        )
        for item_id, source_id in session.execute(links):
            if item_id in carriers:
                carriers[item_id].add(source_id)
    return [
        StoredTags(
            id=row.id,
            title=row.title,
            summary=row.summary or "",
            source_ids=tuple(sorted(carriers[row.id])),
            tags=tuple(row.tags or ()),
        )
        for row in rows
    ]


def _write_tags(session: Session, changes: dict[int, tuple[str, ...]]) -> None:
    """The ``tags`` column and the ``item_tags`` rows the filters probe, together."""
    if not changes:
        return
    # here: every pass plans a re-tag, few write one, and reconcile's records cost ~5 ms
    from ..reconcile import TAG_LENGTH

    ids = sorted(changes)
    session.connection().execute(
        _SET_TAGS, [{"b_id": item_id, "tags": list(changes[item_id])} for item_id in ids]
    )
    session.execute(delete(ItemTag).where(ItemTag.item_id.in_(ids)))
    rows = [
        {"item_id": item_id, "tag": tag[:TAG_LENGTH]}
        for item_id in ids
        for tag in dict.fromkeys(changes[item_id])
    ]
    insert_ignore(session, ItemTag.__table__, rows)


def _encoded(plan: RetagPlan) -> str:
    return json.dumps(
        {
            "vocabulary": plan.vocabulary,
            "changed": sorted(plan.changed),
            "after": plan.after,
            "holder": plan.holder,
            "until": plan.until.isoformat() if plan.until else None,
        },
        sort_keys=True,
    )


def _decoded(value: str) -> RetagPlan | None:
    """The stored plan; None for one this code cannot read (then it is planned afresh)."""
    try:
        data = json.loads(value)
        return RetagPlan(
            vocabulary={str(k): str(v) for k, v in data["vocabulary"].items()},
            changed=frozenset(data.get("changed") or ()),
            after=data.get("after"),
            holder=data.get("holder"),
            until=datetime.fromisoformat(data["until"]) if data.get("until") else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
