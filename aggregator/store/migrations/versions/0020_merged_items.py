"""the ids of items merged into another, so that their links lead on instead of to a 404

Since dedup layer 3 joins items when an identifier arrives late (``store.folds``),
the absorbed item is deleted; its id, the public name of a bookmarked page, an API
URL and a feed entry, answered 404 for an article that still exists. Each merged-away
id now leads to the item it went into (``ON DELETE CASCADE``: with that item
deleted by retention, the id is a 404 again). Items merged before this migration
left no trace, so there is nothing to fill in.

Revision ID: 0020_merged_items
Revises: 0019_search_details
Create Date: 2026-12-02 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aggregator.store.models import UTCDateTime

revision = "0020_merged_items"
down_revision = "0019_search_details"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merged_items",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("merged_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_merged_items_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merged_items")),
    )
    op.create_index("ix_merged_items_item", "merged_items", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_merged_items_item", table_name="merged_items")
    op.drop_table("merged_items")
