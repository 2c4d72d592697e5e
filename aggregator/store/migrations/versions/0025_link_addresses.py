"""links' canonical URLs, indexed: a pasted address finds every copy of an item and an event

A search that is one address looked up ``items.canonical_url`` only: the address of a
copy joined to another item by its DOI or video id (dedupe layer 3, a late join,
``medfeed db fold``) lives in ``item_sources.url``, as its feed gave it, neither
canonical nor indexed; and a single event's layer-2 key holds its date
(``…#event=2027-03-01``), which no pasted page address equals. Each link now keeps
the page it names, as layer 2 reads it (``identity.page_of`` its key), under an
index that is not unique: one page holds several events, and several sources' copies.

The page is stored as a link's URL is (``aggregator.store.sameurl``, migration
0011): NULL where it is the item's key (nine links in ten, found by that key), ``''``
where the link names none, else written out. Existing links are filled here, in
batches, by ``identity.canonical_url`` itself, so they hold what ingest writes:

- a link whose URL is its item's (``url`` NULL) names that URL's canonical form,
  or nothing when the item has no canonical URL (its feed gave the URL to several
  entries: it names a site, ``identity.shared_urls``);
- a link with a URL of its own names that URL's canonical form; ``''`` (none) none;
- then, as ingest cannot tell it without the document the entry came in, a page one
  source gave the links of several items (with URLs of their own) is taken back:
  that source's page names a site as well.

Downgrading drops the column and its index.

Revision ID: 0025_link_addresses
Revises: 0024_series_read_again
Create Date: 2026-12-03 07:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aggregator.identity import MAX_URL, canonical_url
from aggregator.store import sameurl

revision = "0025_link_addresses"
down_revision = "0024_series_read_again"
branch_labels = None
depends_on = None

BATCH = 5000  # links read and written at a time: a million are a few hundred round trips
LINKS = sa.table(
    "item_sources",
    sa.column("id", sa.Integer),
    sa.column("item_id", sa.Integer),
    sa.column("source_id", sa.String),
    sa.column("url", sa.String),
    sa.column("canonical_url", sa.String),
)
ITEMS = sa.table(
    "items",
    sa.column("id", sa.Integer),
    sa.column("url", sa.String),
    sa.column("canonical_url", sa.String),
)
_WRITE = (
    LINKS.update()
    .where(LINKS.c.id == sa.bindparam("b_id"))
    .values(canonical_url=sa.bindparam("b_page"))
)


def upgrade() -> None:
    op.add_column("item_sources", sa.Column("canonical_url", sa.String(2048), nullable=True))
    bind = op.get_bind()
    after = 0
    while True:
        rows = bind.execute(
            sa.select(LINKS.c.id, LINKS.c.url, ITEMS.c.url, ITEMS.c.canonical_url)
            .join(ITEMS, ITEMS.c.id == LINKS.c.item_id)
            .where(LINKS.c.id > after)
            .order_by(LINKS.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        after = rows[-1][0]
        pages = [
            {"b_id": link_id, "b_page": page}
            for link_id, url, item_url, item_key in rows
            if (page := stored_page(url, item_url, item_key)) is not None
        ]
        if pages:
            bind.execute(_WRITE, pages)
    _take_back_shared(bind)
    op.create_index("ix_item_sources_canonical_url", "item_sources", ["canonical_url"])


def stored_page(url: str | None, item_url: str | None, item_key: str | None) -> str | None:
    """What a stored link keeps of the page it names (``sameurl.stored`` beside its item's
    key): NULL (nothing to write) where that is the key."""
    if item_key is None and url is None:
        return None  # none, as its item has none
    return sameurl.stored(link_page(url, item_url, item_key), item_key)


def link_page(url: str | None, item_url: str | None, item_key: str | None) -> str | None:
    """The page a stored link names: its URL's canonical form, or None where it names no
    item. ``url`` NULL is the item's URL: ``item_url``, itself NULL when ``item_key`` is it."""
    if url is None:
        if item_key is None:
            return None
        url = item_key if item_url is None else item_url
    page = canonical_url(url)
    return page if page is not None and len(page) <= MAX_URL else None


def _take_back_shared(bind: sa.Connection) -> None:
    """Pages one source gave the links (with URLs of their own) of several items."""
    spelled = sa.and_(LINKS.c.url.is_not(None), LINKS.c.canonical_url.not_in([sameurl.NONE]))
    shared = (
        sa.select(LINKS.c.source_id, LINKS.c.canonical_url)
        .where(spelled)
        .group_by(LINKS.c.source_id, LINKS.c.canonical_url)
        .having(sa.func.count(sa.distinct(LINKS.c.item_id)) > 1)
        .subquery()
    )
    taken = bind.scalars(
        sa.select(LINKS.c.id).join(
            shared,
            sa.and_(
                LINKS.c.source_id == shared.c.source_id,
                LINKS.c.canonical_url == shared.c.canonical_url,
            ),
        )
        .where(LINKS.c.url.is_not(None))
    ).all()
    for start in range(0, len(taken), BATCH):
        taking = taken[start : start + BATCH]
        bind.execute(_WRITE, [{"b_id": link_id, "b_page": sameurl.NONE} for link_id in taking])


def downgrade() -> None:
    op.drop_index("ix_item_sources_canonical_url", table_name="item_sources")
    # Not in batch mode, as 0023: SQLite 3.35+ drops a column in place.
    op.drop_column("item_sources", "canonical_url")
