"""search: full-text index of items (SQLite FTS5, PostgreSQL tsvector + GIN)

SQLite gets the FTS5 table ``items_fts`` (porter stemming over unicode61 with
diacritics removed) and a trigger that drops an item's row when the item is
deleted. PostgreSQL gets the ``unaccent`` extension (kept in ``public`` when
the database has that schema, so that dropping one schema never drops it for
the others), a Snowball English dictionary without a stop list, the
configuration ``medfeed_search`` (unaccent, then that stemmer) and the table
``item_search`` with a GIN index on its tsvector. The index is then filled
from the items already stored (``aggregator.store.search.rebuild``). These are
not ORM models: they differ by dialect and only ``aggregator.store.search``
reads or writes them.

Revision ID: 0006
Revises: 0007_retention_websub
Create Date: 2026-11-30 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from aggregator.store.search import rebuild

revision = "0006"
down_revision = "0007_retention_websub"
branch_labels = None
depends_on = None

WORD_TOKENS = "asciiword, asciihword, hword_asciipart, word, hword, hword_part"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _upgrade_postgresql(bind)
    else:
        op.execute(
            "CREATE VIRTUAL TABLE items_fts USING fts5("
            "title, body, tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER items_fts_delete AFTER DELETE ON items "
            "BEGIN DELETE FROM items_fts WHERE rowid = old.id; END"
        )
    rebuild(bind)


def _upgrade_postgresql(bind: sa.Connection) -> None:
    schema = _unaccent_schema(bind)
    op.execute("CREATE TEXT SEARCH DICTIONARY medfeed_stem (TEMPLATE = snowball, LANGUAGE = english)")
    op.execute("CREATE TEXT SEARCH CONFIGURATION medfeed_search (COPY = pg_catalog.english)")
    op.execute(
        f"ALTER TEXT SEARCH CONFIGURATION medfeed_search ALTER MAPPING FOR {WORD_TOKENS} "
        f"WITH {schema}.unaccent, medfeed_stem"
    )
    op.create_table(
        "item_search",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("document", postgresql.TSVECTOR(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name="fk_item_search_item_id_items", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("item_id", name="pk_item_search"),
    )
    op.create_index(
        "ix_item_search_document", "item_search", ["document"], postgresql_using="gin"
    )


def _unaccent_schema(bind: sa.Connection) -> str:
    """Where ``unaccent`` lives, installing it (a trusted extension) when it is missing."""
    query = "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent'"
    found = bind.execute(sa.text(query)).scalar()
    if found:
        return str(found)
    public = bind.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")).scalar()
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent" + (" SCHEMA public" if public else ""))
    return str(bind.execute(sa.text(query)).scalar())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_item_search_document", table_name="item_search")
        op.drop_table("item_search")
        op.execute("DROP TEXT SEARCH CONFIGURATION medfeed_search")
        op.execute("DROP TEXT SEARCH DICTIONARY medfeed_stem")
    else:
        op.execute("DROP TRIGGER items_fts_delete")
        op.execute("DROP TABLE items_fts")
