"""a source's warnings: what its last read document gave medfeed to say

A feed read with something wrong in it (dates medfeed cannot read, no entries at
the moment, an encoding it had to guess) said so only in the refresh's output,
which the scheduler in ``medfeed run`` shows nobody. ``last_warning`` keeps the
warnings of the last document read, for ``/sources``, the API and
``medfeed sources``.

Revision ID: 0022_source_warnings
Revises: 0021_default_ports
Create Date: 2026-12-02 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_source_warnings"
down_revision = "0021_default_ports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sources", sa.Column("last_warning", sa.Text(), nullable=True))


def downgrade() -> None:
    # Not in batch mode: rebuilding ``sources`` on SQLite would cascade its deletion to every
    # table referring to it; SQLite 3.35+ drops a column in place.
    op.drop_column("sources", "last_warning")
