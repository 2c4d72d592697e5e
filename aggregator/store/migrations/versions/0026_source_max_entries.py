"""a source's document limits: the caps its document was last read under, so that new ones read it again

``sources[].max_entries`` in config.yaml caps one source's entries per document
(``parse.max_entries`` for the others), and ``parse.max_categories`` every
entry's categories. Changed caps give another set of the same document's
entries or categories, but a server answering 304, or sending the body last
stored, would never show it to the refresh: the caps the config last gave are
mirrored here, one column each, and a change of either has the source read its
whole document at its next fetch (``store.sources._read_whole``). NULL until
the first config sync after this migration: unknown caps are no change.

The revision keeps the name it had when it mirrored ``max_entries`` alone.

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

COLUMNS = ("max_entries", "max_categories")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("sources", sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    # Not in batch mode: rebuilding ``sources`` on SQLite would cascade its deletion to every
    # table referring to it; SQLite 3.35+ drops a column in place.
    for name in reversed(COLUMNS):
        op.drop_column("sources", name)
