"""Migration 0008 on a database written by the previous schema: stored hashes are cut to the
length new ones have, the link tables keep every row, and nothing else changes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, inspect, text

from aggregator.identity import HASH_DIGITS
from aggregator.store.database import make_engine
from tests.test_store_migration_0004 import NOW, add_source, migrate

OLD_HASH = hashlib.sha256(b"an entry as the previous schema hashed it").hexdigest()
LINKED = {
    "item_tags": {("oncology",), ("cardiology",)},
    "item_citations": {("10.1000/cited",)},
    "item_identifiers": {("doi:10.1000/own",)},
}


@pytest.fixture
def at_0006(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine, "0006")
    yield engine
    engine.dispose()


def add_item(
    engine: Engine, guid: str, *, linked: bool = True, title: str = "T", summary: str = ""
) -> int:
    """An item with its source link (and, if ``linked``, tags, a citation and an identifier),
    as 0006 stored them."""
    with engine.begin() as connection:
        item_id = int(
            connection.execute(
                text(
                    "INSERT INTO items (kind, label, source_id, guid_key, title, summary,"
                    " published, tags, content_hash, is_representative, nct, authors, flags,"
                    " word_count, first_seen_at, changed_at) VALUES ('news', 'news', 'wire',"
                    ' :guid, :title, :summary, :now, \'["oncology", "cardiology"]\', :hash, true,'
                    " '[]', '[]', '[]', 0, :now, :now) RETURNING id"
                ),
                {"guid": guid, "title": title, "summary": summary, "hash": OLD_HASH, "now": NOW},
            ).scalar_one()
        )
        connection.execute(
            text(
                "INSERT INTO item_sources (item_id, source_id, guid_key, content_hash,"
                " first_seen_at) VALUES (:item, 'wire', :guid, :hash, :now)"
            ),
            {"item": item_id, "guid": guid, "hash": OLD_HASH, "now": NOW},
        )
        if not linked:
            return item_id
        for tag in ("oncology", "cardiology"):
            connection.execute(
                text("INSERT INTO item_tags (item_id, tag) VALUES (:item, :tag)"),
                {"item": item_id, "tag": tag},
            )
        connection.execute(
            text("INSERT INTO item_citations (item_id, doi) VALUES (:item, '10.1000/cited')"),
            {"item": item_id},
        )
        connection.execute(
            text("INSERT INTO item_identifiers (identifier, item_id) VALUES (:key, :item)"),
            {"key": "doi:10.1000/own", "item": item_id},
        )
    return item_id


def linked_rows(engine: Engine) -> dict[str, set[tuple[str, ...]]]:
    queries = {
        "item_tags": "SELECT tag FROM item_tags",
        "item_citations": "SELECT doi FROM item_citations",
        "item_identifiers": "SELECT identifier FROM item_identifiers",
    }
    with engine.connect() as connection:
        return {
            table: {tuple(row) for row in connection.execute(text(query))}
            for table, query in queries.items()
        }


def test_stored_hashes_are_cut_to_the_length_new_ones_have(at_0006: Engine) -> None:
    add_source(at_0006, "wire", "news")
    add_item(at_0006, "https://wire.example/story", linked=False)
    add_item(at_0006, f"sha256:{OLD_HASH}", linked=False)
    migrate(at_0006, "head")
    with at_0006.connect() as connection:
        hashes = set(connection.execute(text("SELECT content_hash FROM items")).scalars())
        hashes |= set(connection.execute(text("SELECT content_hash FROM item_sources")).scalars())
        guids = {
            table: set(connection.execute(text(f"SELECT guid_key FROM {table}")).scalars())
            for table in ("items", "item_sources")
        }
    assert hashes == {OLD_HASH[:HASH_DIGITS]}
    expected = {"https://wire.example/story", f"sha256:{OLD_HASH[:HASH_DIGITS]}"}
    assert guids == {"items": expected, "item_sources": expected}


def test_tags_citations_and_identifiers_survive_the_rebuild_and_the_way_back(
    at_0006: Engine,
) -> None:
    add_source(at_0006, "wire", "news")
    add_item(at_0006, "story")
    migrate(at_0006, "head")
    assert linked_rows(at_0006) == LINKED
    migrate(at_0006, "0006", down=True)
    assert linked_rows(at_0006) == LINKED
    assert "ix_items_changed" in {i["name"] for i in inspect(at_0006).get_indexes("items")}


def test_deleting_an_item_still_removes_its_tags_citations_and_identifiers(
    at_0006: Engine,
) -> None:
    add_source(at_0006, "wire", "news")
    item_id = add_item(at_0006, "story")
    migrate(at_0006, "head")
    with at_0006.begin() as connection:
        connection.execute(text("DELETE FROM items WHERE id = :id"), {"id": item_id})
    assert linked_rows(at_0006) == {table: set() for table in LINKED}


def test_on_sqlite_the_link_tables_are_their_primary_key(at_0006: Engine) -> None:
    if at_0006.dialect.name != "sqlite":
        pytest.skip("WITHOUT ROWID is SQLite's")
    migrate(at_0006, "head")
    with at_0006.connect() as connection:
        definitions = dict(
            connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE name IN (:a, :b, :c)"),
                {"a": "item_tags", "b": "item_citations", "c": "item_identifiers"},
            ).all()
        )
    assert set(definitions) == set(LINKED)
    assert all("WITHOUT ROWID" in sql for sql in definitions.values())
