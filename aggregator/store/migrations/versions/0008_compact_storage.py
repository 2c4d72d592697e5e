"""compact storage: shorter content hashes, rowid-less link tables, one unused index dropped

Measured on the generated 100 feeds x 50 corpus (docs/benchmarks.md,
2026-12-01): these bytes were stored for nothing.

- ``content_hash`` (items, item_sources) and the ``sha256:`` guid keys of
  entries without guid or link keep the first 128 bits of their sha256 (32
  hex digits instead of 64). They only tell "changed?" and "same entry?",
  where 128 bits are as safe as 256; ``aggregator.identity`` makes new ones
  the same length, so stored and fresh hashes still compare equal.
- On SQLite, ``item_tags``, ``item_citations`` and ``item_identifiers`` become
  ``WITHOUT ROWID`` tables: their primary key is then the table itself
  instead of a rowid table beside a copy of the key.
- ``ix_items_changed`` goes: nothing looks items up by ``changed_at``.

Downgrading restores the rowid tables and the index; the hashes stay short
(an older medfeed then rewrites each item once, as changed, when its feed
next carries it).

Revision ID: 0008_compact_storage
Revises: 0006
Create Date: 2026-12-01 02:30:00
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision = "0008_compact_storage"
down_revision = "0006"
branch_labels = None
depends_on = None

HASH_DIGITS = 32
GUID_PREFIX = "sha256:"


def upgrade() -> None:
    for table in ("items", "item_sources"):
        op.execute(
            f"UPDATE {table} SET content_hash = substr(content_hash, 1, {HASH_DIGITS}) "
            f"WHERE length(content_hash) > {HASH_DIGITS}"
        )
    keep = len(GUID_PREFIX) + HASH_DIGITS
    for table in ("items", "item_sources", "purged_items"):
        op.execute(
            f"UPDATE {table} SET guid_key = substr(guid_key, 1, {keep}) "
            f"WHERE guid_key LIKE '{GUID_PREFIX}%' AND length(guid_key) > {keep}"
        )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_changed")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_link_tables(with_rowid=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_link_tables(with_rowid=True)
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index("ix_items_changed", ["changed_at"], unique=False)


class LinkTable(NamedTuple):
    """A table of (item, key) pairs: its key column, primary key and secondary index.

    A named tuple, not a dataclass: Alembic loads this file outside ``sys.modules``.
    """

    name: str
    key: str
    key_length: int
    primary: tuple[str, ...]
    secondary: tuple[str, tuple[str, ...]]


LINK_TABLES = (
    LinkTable(
        "item_tags",
        "tag",
        64,
        ("item_id", "tag"),
        ("ix_item_tags_tag_item", ("tag", "item_id")),
    ),
    LinkTable(
        "item_citations",
        "doi",
        255,
        ("item_id", "doi"),
        ("ix_item_citations_doi", ("doi",)),
    ),
    LinkTable(
        "item_identifiers",
        "identifier",
        300,
        ("identifier",),
        ("ix_item_identifiers_item", ("item_id",)),
    ),
)


def _rebuild_link_tables(*, with_rowid: bool) -> None:
    """SQLite cannot switch a table's rowid off (or on) in place: copy each into a new table."""
    for link in LINK_TABLES:
        staging = f"_{link.name}_rebuilt"
        op.create_table(
            staging,
            sa.Column("item_id", sa.Integer(), nullable=False),
            sa.Column(link.key, sa.String(length=link.key_length), nullable=False),
            sa.ForeignKeyConstraint(
                ["item_id"],
                ["items.id"],
                name=f"fk_{link.name}_item_id_items",
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint(*link.primary, name=f"pk_{link.name}"),
            sqlite_with_rowid=with_rowid,
        )
        columns = f"item_id, {link.key}"
        op.execute(f"INSERT INTO {staging} ({columns}) SELECT {columns} FROM {link.name}")
        op.drop_index(link.secondary[0], table_name=link.name)
        op.drop_table(link.name)
        op.rename_table(staging, link.name)
        op.create_index(link.secondary[0], link.name, list(link.secondary[1]), unique=False)
