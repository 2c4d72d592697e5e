"""a source's body digest: the last document it stored, so that the same one is not read again

Many servers send neither ETag nor Last-Modified, or a new one on every request:
each pass got a 200 with the same bytes, and parsed and stored them all again
(a 2,000-entry feed, seconds a pass). ``body_digest`` is the digest of the last
body whose parse was stored, with what decides how it is read
(``prepare.PrepareJob.digest``); a 200 carrying the same one is recorded as
not modified, without parsing.

Revision ID: 0023_body_digest
Revises: 0022_source_warnings
Create Date: 2026-12-03 04:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_body_digest"
down_revision = "0022_source_warnings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sources", sa.Column("body_digest", sa.String(64), nullable=True))


def downgrade() -> None:
    # Not in batch mode: rebuilding ``sources`` on SQLite would cascade its deletion to every
    # table referring to it; SQLite 3.35+ drops a column in place.
    op.drop_column("sources", "body_digest")
