"""Migration 0018: conferences already stored get the status their headline gives, so a
stored postponement notice leaves the calendar at once; other items get none."""

from __future__ import annotations

from sqlalchemy import Engine, text

from aggregator.store.database import make_engine
from tests.test_store_migration_0004 import NOW, add_source, migrate
from tests.test_store_migration_0008 import add_item


def add_conference(engine: Engine, guid: str, title: str) -> None:
    add_item(engine, guid, linked=False, title=title)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE items SET kind = 'conference', event_start = :start WHERE guid_key = :g"),
            {"start": NOW, "g": guid},
        )


def statuses(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT title, event_status FROM items")).all()
    return {title: status for title, status in rows}


def test_stored_conferences_get_the_status_their_headline_gives(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine, "0017_long_guid_keys")
        add_source(engine, "wire", "conference")
        add_conference(engine, "ws", "Nephrology Winter School 2027 postponed")
        add_conference(engine, "gr", "CANCELLED: Grand Rounds")
        add_conference(engine, "sc", "Session on cancelled surgeries")
        add_conference(engine, "ecr", "ECR 2027 (Cancelled)")
        add_conference(engine, "ps", "Surgery Cancelled - Perioperative Medicine Summit 2027")
        add_item(engine, "news", linked=False, title="Renal congress postponed")  # news: no event
        migrate(engine, "head")
        assert statuses(engine) == {
            "Nephrology Winter School 2027 postponed": "postponed",
            "CANCELLED: Grand Rounds": "cancelled",
            "Session on cancelled surgeries": None,
            "ECR 2027 (Cancelled)": "cancelled",
            "Surgery Cancelled - Perioperative Medicine Summit 2027": None,
            "Renal congress postponed": None,
        }
    finally:
        engine.dispose()


def test_the_status_column_goes_on_downgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine, "head")
        migrate(engine, "0017_long_guid_keys", down=True)
        with engine.connect() as connection:
            columns = connection.execute(text("SELECT * FROM items")).keys()
        assert "event_status" not in columns
    finally:
        engine.dispose()
