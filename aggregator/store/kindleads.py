"""Keep ``items.leads_kind``: which item of each story heads that kind's list.

A story shows one item in the stream (its representative, ``is_representative``),
but the News, Articles, Conferences and Videos lists each show the story's
first item of their kind: a news item in a story that a journal article leads
still heads the News list. "First" is the representative when it is of that
kind, else the earliest published, then the lowest id. An item alone (no
``story_id``) leads its kind.

``follow`` sets the flag for every member of some stories with one set-based
UPDATE per chunk of story ids: the writers of story membership
(``aggregator.store.stories``, ingest's rewrites) call it with the stories they
touched, including the ones items left. It decides nothing else and does not
commit.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import (
    ColumnElement,
    Update,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from .models import Base
from .upsert import chunks

_ITEMS = Base.metadata.tables["items"]
_OTHER = _ITEMS.alias("other")


def first_of_kind() -> ColumnElement[bool]:
    """True for an ``items`` row that no member of its story of its kind comes before."""
    row, other = _ITEMS.c, _OTHER.c
    earlier = or_(
        other.published < row.published,
        and_(other.published == row.published, other.id < row.id),
    )
    before = or_(
        and_(other.is_representative, not_(row.is_representative)),
        and_(other.is_representative == row.is_representative, earlier),
    )
    # ``kind || ''`` keeps the kind out of index look-ups: without statistics SQLite probed
    # ``ix_items_kind_stream`` (every item of the kind) rather than ``ix_items_story`` (the
    # story's few), and a first refresh stored a third fewer items a second.
    same_kind = other.kind.concat(literal_column("''")) == row.kind
    ahead = (
        exists()
        .where(other.story_id == row.story_id, same_kind, other.id != row.id, before)
        .correlate(_ITEMS)
    )
    return not_(ahead)


def _follow() -> Update:
    """The statement of ``follow``, built once: it is run on every story decision."""
    first = first_of_kind()
    wanted: BindParameter[list[int]] = bindparam("ids", expanding=True)
    return (
        update(_ITEMS)
        .where(or_(_ITEMS.c.story_id.in_(wanted), _ITEMS.c.id.in_(wanted)))
        .where(_ITEMS.c.leads_kind != first)
        .values(leads_kind=first)
        .execution_options(synchronize_session=False)
    )


def set_all() -> Update:
    """Every row's flag from scratch (migration 0013's backfill)."""
    return update(_ITEMS).values(leads_kind=first_of_kind())


def follow(session: Session, story_ids: Iterable[int]) -> None:
    """Set the flag right for every member of these stories (ids of their leaders).

    Only rows whose flag changes are written: most stories a batch touches are
    new single items, already right, and on PostgreSQL every rewritten row is a
    new row version and new entries in ``ix_items_kind_stream``.
    """
    wanted = sorted(set(story_ids))
    for chunk in chunks(wanted):
        session.execute(_FOLLOW, {"ids": chunk})


_FOLLOW = _follow()


def stories_of(session: Session, item_ids: Collection[int]) -> set[int]:
    """The stories these items are in now (an item alone is its own story)."""
    found: set[int] = set()
    for chunk in chunks(sorted(item_ids)):
        query = select(func.coalesce(_ITEMS.c.story_id, _ITEMS.c.id)).where(_ITEMS.c.id.in_(chunk))
        found.update(session.scalars(query))
    return found
