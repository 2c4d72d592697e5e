"""an item's content stored without the summary it begins with

Every content of the generated 100 feeds x 50 first pass begins with its
item's summary: ~137 bytes an entry stored twice (docs/benchmarks.md,
2026-12-01). Such a content keeps only what follows the summary, and the new
column ``content_extends_summary`` says so (``aggregator.store.contenttail``).
On SQLite the search view (0010) puts the two back together in SQL, so the
text it gives, and with it the search index, is unchanged.

Downgrading writes every content out whole again.

Revision ID: 0012_content_after_summary
Revises: 0011_urls_stored_once
Create Date: 2026-12-01 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aggregator.store.search import BODY_FUNCTION, TEXT_VIEW, TITLE_FUNCTION

revision = "0012_content_after_summary"
down_revision = "0011_urls_stored_once"
branch_labels = None
depends_on = None

WHOLE = "CASE WHEN content_extends_summary THEN summary || content ELSE content END"


def upgrade() -> None:
    op.add_column(
        "items",
        sa.Column(
            "content_extends_summary", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
    )
    op.execute(
        "UPDATE items SET content = substr(content, length(summary) + 1),"
        " content_extends_summary = true"
        " WHERE content IS NOT NULL AND summary <> ''"
        " AND substr(content, 1, length(summary)) = summary"
    )
    _search_view(WHOLE)


def downgrade() -> None:
    _search_view("content")
    op.execute(
        "UPDATE items SET content = summary || content, content_extends_summary = false"
        " WHERE content_extends_summary"
    )
    op.drop_column("items", "content_extends_summary")


def _search_view(content: str) -> None:
    """SQLite's search view (0010), reading ``content`` as this expression."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"DROP VIEW {TEXT_VIEW}")
    op.execute(
        f"CREATE VIEW {TEXT_VIEW} AS SELECT id, {TITLE_FUNCTION}(title) AS title, "
        f"{BODY_FUNCTION}(summary, {content}) AS body FROM items"
    )
