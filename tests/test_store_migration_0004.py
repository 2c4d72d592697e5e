"""Migration 0004 on a database written by the previous schema: dates learn where they came
from, and calendars stored one row per occurrence are cleared for one row per series."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, select, text

from aggregator.store.database import alembic_config, make_engine
from aggregator.store.models import Item, ItemSource, Source

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OCCURRENCE = "club@hospital.example@2026-12-02T18:30:00+00:00"


@pytest.fixture
def at_0002(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine, "0002")
    yield engine
    engine.dispose()


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def add_item(engine: Engine, source: str, kind: str, guid: str, published: datetime) -> None:
    with engine.begin() as connection:
        item_id = connection.execute(
            text(
                "INSERT INTO items (kind, label, source_id, guid_key, title, summary, published,"
                " tags, content_hash, is_representative, nct, authors, flags, word_count,"
                " first_seen_at, changed_at) VALUES (:kind, 'news', :source, :guid, 'T', '',"
                " :published, '[]', 'h', true, '[]', '[]', '[]', 0, :now, :now) RETURNING id"
            ),
            {"kind": kind, "source": source, "guid": guid, "published": published, "now": NOW},
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO item_sources (item_id, source_id, guid_key, content_hash,"
                " first_seen_at) VALUES (:item, :source, :guid, 'h', :now)"
            ),
            {"item": item_id, "source": source, "guid": guid, "now": NOW},
        )


def add_source(engine: Engine, source_id: str, kind: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sources (id, name, url, kind, label, tags, interval_seconds,"
                " enabled, in_config, consecutive_failures, created_at, etag) VALUES (:id, 'S',"
                " 'https://e.org/f', :kind, 'news', '[]', 60, true, true, 0, :now, '\"v1\"')"
            ),
            {"id": source_id, "kind": kind, "now": NOW},
        )


def test_items_dated_at_first_sight_are_marked_first_seen(at_0002: Engine) -> None:
    add_source(at_0002, "wire", "news")
    add_item(at_0002, "wire", "news", "dated", NOW - timedelta(days=2))
    add_item(at_0002, "wire", "news", "undated", NOW)
    migrate(at_0002, "head")
    with at_0002.connect() as connection:
        rows = dict(connection.execute(select(Item.guid_key, Item.published_from)).all())
    assert rows == {"dated": "source", "undated": "first_seen"}


def test_occurrence_rows_are_removed_and_their_calendar_fetched_again(at_0002: Engine) -> None:
    add_source(at_0002, "cal", "conference")
    add_source(at_0002, "wire", "news")
    add_item(at_0002, "cal", "conference", OCCURRENCE, NOW)
    add_item(at_0002, "cal", "conference", "congress@e.org", NOW)
    add_item(at_0002, "wire", "news", "story", NOW)
    migrate(at_0002, "head")
    with at_0002.connect() as connection:
        assert sorted(connection.execute(select(Item.guid_key)).scalars()) == [
            "congress@e.org",
            "story",
        ]
        assert len(connection.execute(select(ItemSource.id)).all()) == 2
        etags = dict(connection.execute(select(Source.id, Source.etag)).all())
    assert etags == {"cal": None, "wire": '"v1"'}


def test_migration_0004_keeps_every_link_and_downgrades_cleanly(at_0002: Engine) -> None:
    add_source(at_0002, "wire", "news")
    add_item(at_0002, "wire", "news", "story", NOW)
    migrate(at_0002, "head")
    migrate(at_0002, "0002", down=True)
    with at_0002.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        links = connection.execute(text("SELECT guid_key FROM item_sources")).scalars().all()
    assert version == "0002"
    assert links == ["story"]
