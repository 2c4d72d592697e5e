"""SQLite's search index rebuilt: table cells no longer run together, formulas are kept

``sanitize.html_to_text`` now ends a word at the end of a table cell, a
definition, a caption and other blocks ("<th>Age</th><th>Dose</th>" was "AgeDose",
and searching "dose" missed it), and keeps a MathML formula's text ("p<0.001",
dropped before). SQLite's search index reads its text through
that function (0010), and FTS5 must remove exactly the words it indexed, so the
index is rebuilt from the items. PostgreSQL keeps the text it indexed; its rows
follow as their items are rewritten.

Revision ID: 0016_text_cells
Revises: 0015_revised_at
Create Date: 2026-12-02 13:30:00
"""

from __future__ import annotations

from alembic import op

from aggregator.store.search import rebuild

revision = "0016_text_cells"
down_revision = "0015_revised_at"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        rebuild(bind)


def downgrade() -> None:
    upgrade()  # the index follows whichever html_to_text the code running it has
