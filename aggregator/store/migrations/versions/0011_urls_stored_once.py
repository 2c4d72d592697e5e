"""item and link URLs stored only where they differ from the URL they would repeat

An item's ``url`` equals its ``canonical_url`` in 89 % of the items of the
generated 100 feeds x 50 first pass, and a link's (``item_sources.url``) its
item's in 91 % of the links: ~200 bytes an entry (docs/benchmarks.md,
2026-12-01). Such URLs become NULL, and a URL that is missing where the one it
would repeat is not becomes ``''`` (``aggregator.store.sameurl``). Items are
folded first: a link is compared with its item's URL as stored after.

Downgrading writes every URL out again.

Revision ID: 0011_urls_stored_once
Revises: 0010_search_text_derived
Create Date: 2026-12-01 05:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0011_urls_stored_once"
down_revision = "0010_search_text_derived"
branch_labels = None
depends_on = None

ITEM_URL = "(SELECT nullif(coalesce(i.url, i.canonical_url), '') FROM items i WHERE i.id = item_id)"


def upgrade() -> None:
    op.execute("UPDATE items SET url = '' WHERE url IS NULL AND canonical_url IS NOT NULL")
    op.execute("UPDATE items SET url = NULL WHERE url = canonical_url")
    op.execute(
        f"UPDATE item_sources SET url = '' WHERE url IS NULL AND {ITEM_URL} IS NOT NULL"
    )
    op.execute(f"UPDATE item_sources SET url = NULL WHERE url = {ITEM_URL}")


def downgrade() -> None:
    op.execute(f"UPDATE item_sources SET url = {ITEM_URL} WHERE url IS NULL")
    op.execute("UPDATE item_sources SET url = NULL WHERE url = ''")
    op.execute("UPDATE items SET url = canonical_url WHERE url IS NULL")
    op.execute("UPDATE items SET url = NULL WHERE url = ''")
