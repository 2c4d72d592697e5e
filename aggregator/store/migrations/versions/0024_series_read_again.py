"""series read again: calendars carrying a recurring series are downloaded in full once

A series stored before its occurrences carried the date their calendar moved
them from kept its old form until its calendar was read again: the moved date a
date of its own, off its rule, so that ``/conferences.ics`` gave the original
date as an EXDATE and subscribers lost the moved one. One stored before a date
cancelled or added later changed its hash kept its dates as they were. A
refresh reads a calendar again only when it changed, or at its next
unconditional fetch (``schedule.unconditional_every``, 12 hours by default):
the server answers the conditional GET with 304, or sends the body last
stored. Forgetting the validators and the body digest of the sources that
carry a series makes their next fetch read the whole calendar, once; the
series' new hash then rewrites it. No schema change. (It stands in for raising
``prepare.PIPELINE_VERSION``, which would have every source's body read again,
not only these, and none behind a 304.)

Revision ID: 0024_series_read_again
Revises: 0023_body_digest
Create Date: 2026-12-03 07:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0024_series_read_again"
down_revision = "0023_body_digest"
branch_labels = None
depends_on = None

# A series has a rule, or dates (RDATE) without one; a single event stores no occurrences.
# Compared as text: JSON functions are optional in SQLite builds.
_SERIES = (
    "SELECT id FROM items WHERE event_rule IS NOT NULL"
    " OR CAST(event_occurrences AS TEXT) <> '[]'"
)


def upgrade() -> None:
    op.execute(
        "UPDATE sources SET etag = NULL, last_modified = NULL, body_digest = NULL WHERE id IN "
        f"(SELECT source_id FROM item_sources WHERE item_id IN ({_SERIES}))"
    )


def downgrade() -> None:
    pass  # nothing to undo: the sources' next fetch stored new validators
