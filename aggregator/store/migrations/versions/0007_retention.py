"""retention: purged_items (guids not to fetch again) and items by source and date

Revision ID: 0007_retention
Revises: 0002
Create Date: 2026-11-30 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import aggregator.store.models

revision = "0007_retention"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "purged_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("guid_key", sa.String(length=1024), nullable=False),
        sa.Column("purged_at", aggregator.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", aggregator.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_purged_items_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purged_items")),
        sa.UniqueConstraint("source_id", "guid_key", name="uq_purged_items_source_guid"),
    )
    with op.batch_alter_table("purged_items", schema=None) as batch_op:
        batch_op.create_index("ix_purged_items_seen", ["seen_at"], unique=False)
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_items_source_published", ["source_id", "published", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_source_published")
    with op.batch_alter_table("purged_items", schema=None) as batch_op:
        batch_op.drop_index("ix_purged_items_seen")
    op.drop_table("purged_items")
