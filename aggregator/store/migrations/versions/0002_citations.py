"""citations: items.cites and the item_citations index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_citations",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("doi", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_item_citations_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "doi", name=op.f("pk_item_citations")),
    )
    with op.batch_alter_table("item_citations", schema=None) as batch_op:
        batch_op.create_index("ix_item_citations_doi", ["doi"], unique=False)
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cites", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    # Not in batch mode: rebuilding ``items`` on SQLite would cascade its deletion to every
    # table referring to it (their rows were lost); SQLite 3.35+ drops a column in place.
    op.drop_column("items", "cites")
    with op.batch_alter_table("item_citations", schema=None) as batch_op:
        batch_op.drop_index("ix_item_citations_doi")
    op.drop_table("item_citations")
