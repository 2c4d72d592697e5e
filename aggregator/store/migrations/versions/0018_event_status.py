"""an event's status: cancelled, postponed or tentative

A postponed or cancelled conference was listed as upcoming on the dates it no
longer takes place, in the Conferences section, the API and ``/conferences.ics``.
``event_status`` holds what its calendar (STATUS) or its headline ("… postponed")
says, and the calendar leaves a called-off event out. Conferences stored before
get the status their title gives, so that a stored notice leaves the calendar at
once rather than at its source's next change; their calendars' STATUS is read at
the next fetch (the status is part of the content hash).

Revision ID: 0018_event_status
Revises: 0017_long_guid_keys
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_event_status"
down_revision = "0017_long_guid_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("event_status", sa.String(16), nullable=True))
    items = sa.table(
        "items",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("title", sa.Text),
        sa.column("event_start", sa.DateTime),
        sa.column("event_status", sa.String),
    )
    bind = op.get_bind()
    events = bind.execute(
        sa.select(items.c.id, items.c.title).where(
            items.c.kind == "conference", items.c.event_start.is_not(None)
        )
    )
    stored = list(events)
    if not stored:
        return  # a new database: the parsers need not load (a refresh parses in its pool)
    from aggregator.parse.events import status_in_title

    for item_id, title in stored:
        status = status_in_title(title or "")
        if status is not None:
            bind.execute(
                items.update().where(items.c.id == item_id).values(event_status=status.value)
            )


def downgrade() -> None:
    # Not in batch mode: rebuilding ``items`` on SQLite would cascade its deletion to every
    # table referring to it; SQLite 3.35+ drops a column in place.
    op.drop_column("items", "event_status")
