"""dates and series: published_from, in_stream, title_derived, event_rule, event_occurrences

Items learn where their date came from (the source, or first-seen), whether they
belong in the stream (an event already over when first seen does not), whether
their title was derived from the text, and, for a recurring series stored as
one item, its RRULE and coming occurrences.

Calendars used to be stored one item per occurrence (guid "<UID>@<start>"); a
series is now one item under its UID. Those occurrence rows are removed and
their sources' validators cleared, so the next refresh stores each series once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# An occurrence's guid: "<UID>@" + the UTC start as isoformat().
_OCCURRENCE_GUID = "%@____-__-__T__:__:__+00:00"


def upgrade() -> None:
    # Plain ADD COLUMN, never batch mode: SQLite's batch copies and drops ``items``, and
    # the drop cascades (ON DELETE CASCADE) to item_sources, tags and identifiers.
    op.add_column(
        "items", sa.Column("published_from", sa.String(16), server_default="source", nullable=False)
    )
    op.add_column(
        "items", sa.Column("in_stream", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column(
        "items", sa.Column("title_derived", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("items", sa.Column("event_rule", sa.String(500), nullable=True))
    op.add_column(
        "items", sa.Column("event_occurrences", sa.JSON(), server_default="[]", nullable=False)
    )
    op.execute("UPDATE items SET published_from = 'first_seen' WHERE published = first_seen_at")
    _drop_occurrence_rows()


def _drop_occurrence_rows() -> None:
    occurrences = (
        f"SELECT id FROM items WHERE kind = 'conference' AND guid_key LIKE '{_OCCURRENCE_GUID}'"
    )
    op.execute(
        "UPDATE sources SET etag = NULL, last_modified = NULL WHERE id IN "
        f"(SELECT source_id FROM items WHERE id IN ({occurrences}))"
    )
    for table in ("item_sources", "item_identifiers", "item_tags", "item_citations"):
        op.execute(f"DELETE FROM {table} WHERE item_id IN ({occurrences})")
    op.execute(f"DELETE FROM items WHERE id IN ({occurrences})")


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+, PostgreSQL): no table copy, no cascade.
    for column in (
        "event_occurrences",
        "event_rule",
        "title_derived",
        "in_stream",
        "published_from",
    ):
        op.execute(f"ALTER TABLE items DROP COLUMN {column}")
