"""canonical URLs written under earlier default-port rules, as ``identity`` writes them now

``identity.canonical_url`` has had three port rules. Until 2026-12-02 14:22
(e6aa5c3; but for 06:45-06:57 that morning) it dropped 80 and 443 whatever the
scheme, so an item linked as ``https://host:80/a`` was stored under
``https://host/a``: another server's page, which a second source's
``https://host/a`` then joined, while the next fetch of the item itself named it
``https://host:80/a``, which matched nothing. From 06:45 to 06:57 it dropped only
the scheme's own default, so ``http://host:443/a`` was stored as
``https://host:443/a``, which canonicalises to ``https://host/a`` now. Both are
rewritten here:

- a stored ``https://host:443/...`` loses its ``:443`` (443 is https's default:
  no current rule keeps it);
- an item whose link is ``https://host:80/...`` and whose stored URL is that
  link's canonical form without ``:80`` gets the ``:80`` back (an event's
  ``#event=`` or ``#series`` suffix kept). An item whose stored URL is not its
  link's (a link changed while another item held its new URL) is left alone.

A stored ``https://host:80/...`` is the current form (80 is kept under https),
so it is not touched. Where the rewritten URL is already another item's (the
unique constraint is on the URL, whatever the source), the row is left as it is
and logged; the item's link (``url``, NULL when it is the canonical URL,
``aggregator.store.sameurl``) always reads as before. Guid keys of guid-less
entries, which repeat the old canonical URL, are not rewritten.

Downgrading leaves the URLs as they are: the old rules are gone.

Revision ID: 0021_default_ports
Revises: 0020_merged_items
Create Date: 2026-12-02 22:00:00
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

from aggregator.identity import canonical_url

revision = "0021_default_ports"
down_revision = "0020_merged_items"
branch_labels = None
depends_on = None

log = logging.getLogger("aggregator.store.migrations")
ITEMS = sa.table(
    "items",
    sa.column("id", sa.Integer),
    sa.column("url", sa.String),
    sa.column("canonical_url", sa.String),
)
HTTPS = "https://"


def upgrade() -> None:
    bind = op.get_bind()
    candidates = bind.execute(
        sa.select(ITEMS.c.id, ITEMS.c.url, ITEMS.c.canonical_url)
        .where(
            sa.or_(
                ITEMS.c.canonical_url.like(f"{HTTPS}%:443%"),
                sa.func.lower(ITEMS.c.url).like(f"{HTTPS}%:80%"),
            )
        )
        .order_by(ITEMS.c.id)
    ).all()
    for item_id, url, stored in candidates:
        new = rewritten(url, stored)
        if new is None:
            continue
        holder = bind.execute(sa.select(ITEMS.c.id).where(ITEMS.c.canonical_url == new)).scalar()
        if holder is not None:
            log.warning(
                "item %d keeps its URL %s: %s, its form under the current port rule, is item %d's",
                item_id,
                stored,
                new,
                holder,
            )
            continue
        link = stored if url is None else url
        bind.execute(
            ITEMS.update()
            .where(ITEMS.c.id == item_id)
            .values(canonical_url=new, url=None if link == new else link)
        )


def rewritten(url: str | None, stored: str | None) -> str | None:
    """The current form of an item's stored canonical URL, or None when it is current
    (or cannot be told)."""
    if not stored or not stored.startswith(HTTPS):
        return None
    netloc, slash, rest = stored[len(HTTPS) :].partition("/")
    if netloc.endswith(":443"):
        return f"{HTTPS}{netloc[: -len(':443')]}{slash}{rest}"
    if not url or not _https_on_80(url):
        return None
    current = canonical_url(url)
    if current is None:
        return None
    netloc, slash, rest = current[len(HTTPS) :].partition("/")
    if not netloc.endswith(":80"):
        return None
    old = f"{HTTPS}{netloc[: -len(':80')]}{slash}{rest}"
    if stored != old and not stored.startswith(f"{old}#"):
        return None  # not this link's URL under the old rule
    return current + stored[len(old) :]


def _https_on_80(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() == "https" and parts.port == 80
    except ValueError:
        return False


def downgrade() -> None:
    """The URLs stay in their current form: the old rules are gone."""
