"""when an item's text last changed after it was first stored

Feed readers key an entry on its id and ``updated``: an item whose source corrected
it in place ("CORRECTION: …"), that another outlet's copy took over, or that was
flagged retracted kept the ``updated`` it was first shown with, so no reader showed
the change. ``revised_at`` is set on those changes only (not when tags are added or
the full text is fetched), and the Atom and JSON feeds and the API give the later of
it and the source's own updated date (``aggregator.dating.revised``). Items stored
before have none: they keep their source's date.

Revision ID: 0015_revised_at
Revises: 0014_story_corrections
Create Date: 2026-12-02 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aggregator.store.models import UTCDateTime

revision = "0015_revised_at"
down_revision = "0014_story_corrections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("revised_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Not in batch mode: rebuilding ``items`` on SQLite would cascade its deletion to every
    # table referring to it; SQLite 3.35+ drops a column in place.
    op.drop_column("items", "revised_at")
