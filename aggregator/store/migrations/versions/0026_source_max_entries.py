"""a source's max_entries: the cap its document was last read under, so that a new one reads it again

``sources[].max_entries`` in config.yaml caps one source's entries per document
(``parse.max_entries`` for the others). A changed cap keeps another set of the
same document's entries, but a server answering 304, or sending the body last
stored, would never show it to the refresh: the cap the config last gave is
mirrored here, and a change of it has the source read its whole document at
its next fetch (``store.sources._read_whole``). NULL until the first config
sync after this migration: an unknown cap is no change.

Revision ID: 0026_source_max_entries
Revises: 0025_link_addresses
Create Date: 2026-12-03 09:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_source_max_entries"
down_revision = "0025_link_addresses"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sources", sa.Column("max_entries", sa.Integer(), nullable=True))


def downgrade() -> None:
    # Not in batch mode: rebuilding ``sources`` on SQLite would cascade its deletion to every
    # table referring to it; SQLite 3.35+ drops a column in place.
    op.drop_column("sources", "max_entries")
