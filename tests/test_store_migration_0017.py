"""Migration 0017: guid keys longer than their column, which SQLite held as they were, are
hashed as the identity stage now keys such entries, so that the next fetch finds them."""

from __future__ import annotations

from sqlalchemy import text

from aggregator.identity import storable_key
from aggregator.store.database import make_engine
from tests.test_store_migration_0004 import add_source, migrate
from tests.test_store_migration_0008 import add_item

LONG_GUID = "tag:news.example," + "g" * 1500


def test_a_long_guid_key_is_hashed_where_it_is_stored(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine, "0016_text_cells")
        add_source(engine, "wire", "news")
        # PostgreSQL refused such keys: there, a short one shows the rest is left alone
        guid = "tag:news.example,short" if engine.dialect.name == "postgresql" else LONG_GUID
        add_item(engine, guid, linked=False, title="Long guid")
        migrate(engine, "head")
        with engine.connect() as connection:
            keys = {
                table: connection.execute(text(f"SELECT guid_key FROM {table}")).scalar_one()
                for table in ("items", "item_sources")
            }
        assert keys == {"items": storable_key(guid), "item_sources": storable_key(guid)}
    finally:
        engine.dispose()
