"""guid keys longer than their column kept as their hash, as new ones are

``identity`` now keys an entry whose guid (or link) is longer than the 1,024
characters ``guid_key`` holds by a hash of it (PostgreSQL refused such a row, and
with it the source's whole batch). SQLite does not check lengths, so it may hold
such keys already: they are hashed the same way here, or the next fetch of the
entry would not find its item, and would store it a second time.

Revision ID: 0017_long_guid_keys
Revises: 0016_text_cells
Create Date: 2026-12-02 14:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aggregator.identity import MAX_KEY, storable_key

revision = "0017_long_guid_keys"
down_revision = "0016_text_cells"
branch_labels = None
depends_on = None

TABLES = ("items", "item_sources", "purged_items")


def upgrade() -> None:
    bind = op.get_bind()
    for name in TABLES:
        table = sa.table(name, sa.column("guid_key", sa.String))
        long_keys = bind.execute(
            sa.select(table.c.guid_key).where(sa.func.length(table.c.guid_key) > MAX_KEY)
        ).scalars()
        for key in list(long_keys):
            bind.execute(
                table.update().where(table.c.guid_key == key).values(guid_key=storable_key(key))
            )


def downgrade() -> None:
    """The keys stay hashed: their guids are not stored anywhere else."""
