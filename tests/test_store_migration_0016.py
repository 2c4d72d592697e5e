"""Migration 0016 on SQLite: an index built while table cells ran together ("AgeDose") is
rebuilt from the items, so their words are found and the index stays consistent when the
item is deleted (FTS5 must remove exactly the words it indexed)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from aggregator.store.database import make_engine
from tests.test_store_migration_0004 import add_source, migrate
from tests.test_store_migration_0008 import add_item
from tests.test_store_migration_0010 import matching_titles

TABLE = "<table><tr><th>Age</th><th>Dose</th></tr><tr><td>65</td><td>10 mg</td></tr></table>"


def test_sqlites_index_of_glued_cells_is_rebuilt(database_url: str) -> None:
    engine = make_engine(database_url)
    if engine.dialect.name != "sqlite":
        engine.dispose()
        pytest.skip("PostgreSQL keeps the text it indexed: nothing to rebuild")
    try:
        migrate(engine, "0015_revised_at")
        add_source(engine, "wire", "news")
        item_id = add_item(engine, "g1", linked=False, title="Anticoagulants", summary=TABLE)
        with engine.begin() as connection:  # indexed as the text was before: cells glued
            connection.execute(
                text("INSERT INTO items_fts (rowid, title, body) VALUES (:id, :t, :b)"),
                {"id": item_id, "t": "Anticoagulants", "b": "AgeDose 6510 mg"},
            )
        assert matching_titles(engine, "dose") == []
        migrate(engine, "head")
        assert matching_titles(engine, "dose") == ["Anticoagulants"]
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM items WHERE id = :id"), {"id": item_id})
            connection.execute(text("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')"))
    finally:
        engine.dispose()
