"""Search reads an item's details: where an event is held, its authors, journal, DOI, PMID

A search for a conference's city ("Las Vegas"), an author's surname or a DOI
found nothing: the index held the title and the text only. The indexed text
now ends with those details, one a line (``search.search_details``). SQLite's
view ``items_fts_text`` (0010, 0012) gains them through the function
``medfeed_search_details``; both databases' indexes are rebuilt from the items.

Revision ID: 0019_search_details
Revises: 0018_event_status
Create Date: 2026-12-02 18:00:00
"""

from __future__ import annotations

from alembic import op

from aggregator.store.search import (
    BODY_FUNCTION,
    DETAILS,
    DETAILS_FUNCTION,
    TEXT_VIEW,
    TITLE_FUNCTION,
    rebuild,
)

revision = "0019_search_details"
down_revision = "0018_event_status"
branch_labels = None
depends_on = None

# An item's whole content, where it is stored after its summary (0012).
WHOLE = "CASE WHEN content_extends_summary THEN summary || content ELSE content END"


def upgrade() -> None:
    _search_view(f"{BODY_FUNCTION}(summary, {WHOLE}) || {DETAILS_FUNCTION}({', '.join(DETAILS)})")
    rebuild(op.get_bind())


def downgrade() -> None:
    _search_view(f"{BODY_FUNCTION}(summary, {WHOLE})")
    rebuild(op.get_bind())  # PostgreSQL's rows are those of the code running it


def _search_view(body: str) -> None:
    """SQLite's search view, its body being ``body``. The index is emptied first: FTS5
    must remove exactly the words it indexed, and the view is what it reads them from."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("INSERT INTO items_fts (items_fts) VALUES ('delete-all')")
    op.execute(f"DROP VIEW {TEXT_VIEW}")
    op.execute(
        f"CREATE VIEW {TEXT_VIEW} AS SELECT id, {TITLE_FUNCTION}(title) AS title, "
        f"{body} AS body FROM items"
    )
