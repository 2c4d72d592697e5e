"""Move a source's stored items to its configured kind and label after a config edit.

Items carry their owner's kind and label, copied when they are stored; the
config mirror (``sources.sync_sources``) calls ``follow_source`` when an admin
changes a source's ``kind`` or ``label``, so that the items it owns (its own
copies, and items merged from others that it owns) move with it: a journal
first configured as news lists its papers under Articles, and the label badge
and the featured article's label rule (``featured.labels``) see the new label.
Items another source owns keep that source's kind and label.

One set-based UPDATE per source, then ``kindleads.follow`` for the stories whose
kind lists the move changes; ``stories.relabelled`` and ``stories.rekinded`` have
the stories whose order a new label changes, and those a new kind's veto can change,
decided again (by the next decision over marked items, as a refresh pass makes).
It decides nothing else and does not commit; the caller moves the page cache's
generation on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..records import Kind, Label
from . import kindleads, stories
from .models import Item


def follow_source(session: Session, source_id: str, kind: Kind, label: Label, now: datetime) -> int:
    """Give the items ``source_id`` owns ``kind`` and ``label``; how many changed.

    The story lock comes first, before any item row is written (``lock_stories``): a
    story decision holds it while it writes item rows, and an edit that wrote this
    source's rows and then waited for it deadlocked with one on PostgreSQL.
    """
    stories.lock_stories(session)
    owned = Item.source_id == source_id
    moved_kind = list(session.scalars(select(Item.id).where(owned, Item.kind != kind.value)))
    old_kinds = list(
        session.scalars(select(Item.kind).distinct().where(owned, Item.kind != kind.value))
    )
    for old_kind in old_kinds:
        # the kinds veto: the stories the items are in, and those they may now join
        stories.rekinded(session, source_id, old_kind, kind.value, now)
    old_labels = list(
        session.scalars(select(Item.label).distinct().where(owned, Item.label != label.value))
    )
    for old_label in old_labels:
        # the label orders copies published together: which one leads their story (read
        # while the items still carry the old label)
        stories.relabelled(session, source_id, old_label, label.value, now)
    result = session.execute(
        update(Item)
        .where(owned, or_(Item.kind != kind.value, Item.label != label.value))
        .values(kind=kind.value, label=label.value)
        .execution_options(synchronize_session=False)
    )
    if moved_kind:
        # the moved items may now come first of their new kind in their stories, and the
        # members of their old kind may now come first in their place
        kindleads.follow(session, kindleads.stories_of(session, moved_kind))
    return int(getattr(result, "rowcount", 0) or 0)
