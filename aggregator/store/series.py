"""Keep a recurring series' stored start at its next occurrence as time passes.

A series is one row whose ``event_start`` is its next occurrence and whose
``event_end`` is its last (``store.ingest``), and the calendar lists are
ordered by ``event_start`` in the database (``store.reads``). The parse stage
sets it when the calendar is read; a calendar answered with 304 for hours, or
failing, is not read again, and the stored start would stay on an occurrence
long over, sorting the series before events that come sooner. After each
refresh pass the series whose stored start has begun are moved on to the
occurrence not yet over. It reads only the series' own stored occurrences.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aggregator.records import Kind
from aggregator.store import meta
from aggregator.store.models import Item
from aggregator.store.reads import stored_occurrence


def advance(session: Session, now: datetime) -> int:
    """Move each series not yet over whose stored start has begun to its occurrence not
    yet over at ``now``; how many moved (the data generation changes when any did)."""
    rows = session.execute(
        select(Item.id, Item.event_start, Item.event_occurrences).where(
            Item.kind == Kind.CONFERENCE.value,  # ix_items_event: the events going on now
            Item.event_end >= now,
            Item.event_start < now,
            Item.event_rule.is_not(None),
        )
    ).all()
    moved = 0
    for item_id, start, pairs in rows:
        occurrences = [stored_occurrence(pair) for pair in pairs or ()]
        coming = next((o.start for o in occurrences if (o.end or o.start) >= now), None)
        if coming is not None and coming != start:
            session.execute(update(Item).where(Item.id == item_id).values(event_start=coming))
            moved += 1
    if moved:
        meta.bump(session, "generation", now)
    return moved
