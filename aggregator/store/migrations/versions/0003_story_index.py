"""stories: the candidate index moves to memory; items carry what rebuilding it needs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 19:30:00

``story_bands`` (MinHash LSH band rows, over half of the database) is dropped:
candidates are now found in a per-process index built from the items
themselves. ``items.story_levels`` keeps which terms the item's own feed
repeated (the weights learned when it was parsed), ``items.story_seq`` stamps
story changes so that other processes can catch up with them. Plain ADD
COLUMN on SQLite: a batch rebuild of ``items`` would cascade into its children.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_story_bands_key_published", table_name="story_bands")
    op.drop_index("ix_story_bands_item", table_name="story_bands")
    op.drop_table("story_bands")
    op.add_column("items", sa.Column("story_levels", sa.Text(), nullable=True))
    op.add_column("items", sa.Column("story_seq", sa.Integer(), nullable=True))
    op.create_index("ix_items_story_seq", "items", ["story_seq"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_items_story_seq", table_name="items")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of items
    # would cascade into its children.
    for column in ("story_seq", "story_levels"):
        op.execute(f"ALTER TABLE items DROP COLUMN {column}")
    op.create_table(
        "story_bands",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("band_key", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("published", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_story_bands_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_bands")),
    )
    op.create_index("ix_story_bands_item", "story_bands", ["item_id"], unique=False)
    op.create_index(
        "ix_story_bands_key_published", "story_bands", ["band_key", "published"], unique=False
    )
