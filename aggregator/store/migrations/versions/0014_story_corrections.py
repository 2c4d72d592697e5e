"""an editor's corrections to stories: two items one story, or never one

``medfeed stories join`` and ``stories split`` store a pair of items here,
lower id first; story assignment (``aggregator.storyindex``) weighs it above
what the items' text says. Rows go with their items (``ON DELETE CASCADE``).

Revision ID: 0014_story_corrections
Revises: 0013_leads_kind
Create Date: 2026-12-02 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aggregator.store.models import UTCDateTime

revision = "0014_story_corrections"
down_revision = "0013_leads_kind"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story_corrections",
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("same", sa.Boolean(), nullable=False),
        sa.Column("made_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("first_id < second_id", name=op.f("ck_story_corrections_ordered")),
        sa.ForeignKeyConstraint(
            ["first_id"],
            ["items.id"],
            name=op.f("fk_story_corrections_first_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["second_id"],
            ["items.id"],
            name=op.f("fk_story_corrections_second_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("first_id", "second_id", name=op.f("pk_story_corrections")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_story_corrections_second", "story_corrections", ["second_id"])


def downgrade() -> None:
    op.drop_index("ix_story_corrections_second", table_name="story_corrections")
    op.drop_table("story_corrections")
