"""retention and websub: purged_items (guids not to fetch again), items by source and date,
websub_subscriptions and websub_deliveries

Revision ID: 0007_retention_websub
Revises: 0004
Create Date: 2026-11-30 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import aggregator.store.models

revision = "0007_retention_websub"
down_revision = "0004"
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
    op.create_table(
        "websub_subscriptions",
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("hub", sa.String(length=2048), nullable=False),
        sa.Column("topic", sa.String(length=2048), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_at", aggregator.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_until", aggregator.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("changed_at", aggregator.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_websub_subscriptions_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_websub_subscriptions")),
    )
    op.create_table(
        "websub_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("received_at", aggregator.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_websub_deliveries_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_websub_deliveries")),
    )


def downgrade() -> None:
    op.drop_table("websub_deliveries")
    op.drop_table("websub_subscriptions")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_source_published")
    with op.batch_alter_table("purged_items", schema=None) as batch_op:
        batch_op.drop_index("ix_purged_items_seen")
    op.drop_table("purged_items")
