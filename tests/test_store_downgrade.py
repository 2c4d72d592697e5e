"""Downgrading the schema step by step keeps every item and its links. On SQLite a
migration that dropped an ``items`` column in batch mode rebuilt the table, and dropping
the old one cascaded to every table referring to it: 0002's downgrade lost every link."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import text

from aggregator.store.database import alembic_config, make_engine
from tests.test_store_migration_0004 import add_source, migrate
from tests.test_store_migration_0008 import add_item


def test_every_downgrade_keeps_the_items_and_their_links(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine, "0002")
        add_source(engine, "wire", "news")
        add_item(engine, "g1", linked=False, title="Kept")
        migrate(engine, "head")
        revisions = [
            s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()
        ]
        for revision in revisions[1:]:
            migrate(engine, revision, down=True)
            with engine.connect() as connection:
                counts = [
                    connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                    for table in ("items", "item_sources")
                ]
            assert counts == [1, 1], f"after the downgrade to {revision}"
    finally:
        engine.dispose()
