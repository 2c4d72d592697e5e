"""each story's first item of each kind heads that kind's list

The News, Articles, Conferences and Videos lists read ``kind = K AND
is_representative``: a news item in a story that a journal article leads was
in no list of news at all. The new column ``leads_kind`` marks each story's
first item of each kind (the representative when it is of that kind, else the
earliest published, then the lowest id; ``aggregator.store.kindleads``), and
the per-kind index reads it instead of ``is_representative``. The rows already
stored get it here.

Revision ID: 0013_leads_kind
Revises: 0012_content_after_summary
Create Date: 2026-12-01 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aggregator.store.kindleads import set_all

revision = "0013_leads_kind"
down_revision = "0012_content_after_summary"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "items", sa.Column("leads_kind", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.execute(set_all())
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_kind_stream")
        batch_op.create_index("ix_items_kind_stream", ["kind", "leads_kind", "published", "id"])


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_kind_stream")
        batch_op.create_index(
            "ix_items_kind_stream", ["kind", "is_representative", "published", "id"]
        )
    op.drop_column("items", "leads_kind")
