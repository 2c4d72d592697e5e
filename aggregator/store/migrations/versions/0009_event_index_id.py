"""the calendar index carries the item id

The front page reads upcoming conferences in calendar order as (start, id)
keys from ``ix_items_event`` (``store/reads.py``). SQLite keeps the rowid in
every index, so that read never touches the table; PostgreSQL has to visit the
rows for the id, a bitmap heap scan of 19-46 ms at 100k items against 3.5 ms
index-only with the id in the index (docs/benchmarks.md, 2026-12-01).

Revision ID: 0009_event_index_id
Revises: 0008_compact_storage
Create Date: 2026-12-01 03:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0009_event_index_id"
down_revision = "0008_compact_storage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_event")
        batch_op.create_index("ix_items_event", ["kind", "event_end", "event_start", "id"])


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_event")
        batch_op.create_index("ix_items_event", ["kind", "event_end", "event_start"])
