"""SQLite's search index reads its text from the items instead of keeping a copy

``items_fts`` (0006) stored the plain text of every item's title, summary and
content beside its inverted index: 419 of the 3,842 bytes per entry of the
generated 100 feeds x 50 first pass (docs/benchmarks.md, 2026-12-01), a copy
of what ``items`` already holds as HTML. It becomes an external-content FTS5
table over the view ``items_fts_text``, which derives the same text from the
item's columns with the functions every connection registers
(``aggregator.store.search.register_functions``). Snippets and highlights read
the view; the trigger that takes a deleted item out of the index runs before
the delete, while the view still has the row, and only for an item the index
holds (FTS5 would otherwise remove words it never indexed, and report the
index corrupt). The index is rebuilt from the items. PostgreSQL is unchanged: ``ts_headline`` needs the text at hand.

A file keeps the pages the old copy freed until a ``VACUUM`` (new items
reuse them meanwhile).

Revision ID: 0010_search_text_derived
Revises: 0009_event_index_id
Create Date: 2026-12-01 04:40:00
"""

from __future__ import annotations

from alembic import op

from aggregator.store.search import (
    BODY_FUNCTION,
    TEXT_VIEW,
    TITLE_FUNCTION,
    UNINDEX,
    rebuild,
)

revision = "0010_search_text_derived"
down_revision = "0009_event_index_id"
branch_labels = None
depends_on = None

TOKENIZE = "tokenize = 'porter unicode61 remove_diacritics 2'"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER items_fts_delete")
    op.execute("DROP TABLE items_fts")
    op.execute(
        f"CREATE VIEW {TEXT_VIEW} AS SELECT id, {TITLE_FUNCTION}(title) AS title, "
        f"{BODY_FUNCTION}(summary, content) AS body FROM items"
    )
    op.execute(
        "CREATE VIRTUAL TABLE items_fts USING fts5(title, body, "
        f"content = '{TEXT_VIEW}', content_rowid = 'id', {TOKENIZE})"
    )
    op.execute(
        "CREATE TRIGGER items_fts_delete BEFORE DELETE ON items "
        f"BEGIN {UNINDEX.format(ids='(old.id)')}; END"
    )
    rebuild(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER items_fts_delete")
    op.execute("DROP TABLE items_fts")
    op.execute(f"DROP VIEW {TEXT_VIEW}")
    op.execute(f"CREATE VIRTUAL TABLE items_fts USING fts5(title, body, {TOKENIZE})")
    op.execute(
        "CREATE TRIGGER items_fts_delete AFTER DELETE ON items "
        "BEGIN DELETE FROM items_fts WHERE rowid = old.id; END"
    )
    rebuild(bind)
