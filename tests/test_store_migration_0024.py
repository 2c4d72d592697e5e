"""Migration 0024: the sources carrying a recurring series read their calendar in full at
their next fetch, once, so that a series stored in the form before moved dates kept their
original date (or before a later cancellation changed its hash) is stored anew, even when
the server answers a conditional GET with 304."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import Engine, text

from aggregator.config import Settings, load_settings
from aggregator.identity import content_hash
from aggregator.parse import parse_document
from aggregator.records import Occurrence, ParsedItem
from aggregator.refresh import Refresher
from aggregator.store import Store
from aggregator.store.database import make_engine
from tests.feeds import config_text, served
from tests.localserver import LocalServer
from tests.test_moved_occurrence import MOVED, MOVED_FROM, MOVED_TO, NOW, series
from tests.test_store_migration_0004 import add_item, add_source, migrate
from web import create_app

BEFORE = "0023_body_digest"
VALIDATORS = ('"v1"', "Tue, 01 Dec 2026 10:00:00 GMT", "d" * 64)


@pytest.fixture
def before(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine, BEFORE)
    yield engine
    engine.dispose()


def add_carrier(engine: Engine, source: str, kind: str, **event: str) -> None:
    """A source with validators and a body digest, carrying one item with ``event`` columns."""
    add_source(engine, source, kind)
    add_item(engine, source, kind, f"{source}-item", NOW)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE sources SET last_modified = :m, body_digest = :d WHERE id = :s"),
            {"m": VALIDATORS[1], "d": VALIDATORS[2], "s": source},
        )
        for column, value in event.items():
            connection.execute(
                text(f"UPDATE items SET {column} = :value WHERE source_id = :s"),
                {"value": value, "s": source},
            )


def validators(engine: Engine) -> dict[str, tuple[str | None, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, etag, last_modified, body_digest FROM sources")
        ).all()
    return {source: tuple(values) for source, *values in rows}


def test_sources_carrying_a_series_forget_their_validators_and_others_keep_them(
    before: Engine,
) -> None:
    pair = [NOW.isoformat(), None]
    add_carrier(before, "rounds", "conference", event_rule="FREQ=WEEKLY;COUNT=6",
                event_occurrences=json.dumps([pair, pair]))  # fmt: skip
    add_carrier(before, "dates", "conference", event_occurrences=json.dumps([pair, pair]))
    add_carrier(before, "congress", "conference", event_start=NOW.isoformat())
    add_carrier(before, "wire", "news")
    migrate(before, "head")
    assert validators(before) == {
        "rounds": (None, None, None),
        "dates": (None, None, None),
        "congress": VALIDATORS,
        "wire": VALIDATORS,
    }


def read(settings: Settings, store: Store) -> str:
    (outcome,) = Refresher(settings, store).refresh(due_only=False)
    return outcome.status


def as_stored_before(store: Store, item: ParsedItem) -> None:
    """The series as medfeed stored it before occurrences kept their RECURRENCE-ID: each
    occurrence a [start, end] pair, and the hash of that."""
    assert item.event is not None
    plain = tuple(Occurrence(o.start, o.end) for o in item.event.occurrences)
    old = replace(item, event=replace(item.event, occurrences=plain, cancelled=()))
    pairs = [[o.start.isoformat(), o.end.isoformat() if o.end else None] for o in plain]
    with store.engine.begin() as connection:
        connection.execute(
            text("UPDATE items SET event_occurrences = :o, content_hash = :h"),
            {"o": json.dumps(pairs), "h": content_hash(old)},
        )
        connection.execute(text("UPDATE item_sources SET content_hash = :h"),
                           {"h": content_hash(old)})  # fmt: skip


def subscribed_starts(settings: Settings, store: Store) -> list[datetime]:
    """The dates a subscriber to ``/conferences.ics`` sees for the coming months."""
    app = create_app(settings=settings, store=store)
    calendar = Calendar.from_ical(app.test_client().get("/conferences.ics").data)
    expanded = recurring_ical_events.of(calendar).between(NOW, NOW + timedelta(days=90))
    return sorted(o.decoded("DTSTART") for o in expanded)


def test_a_series_stored_in_the_old_form_is_stored_anew_at_the_next_fetch_after_it(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    body = series(MOVED)
    (item,) = parse_document(body, url="https://e.org/rounds.ics", now=NOW).items
    with LocalServer() as server:
        server.route("/rounds.ics", served(body, content_type="text/calendar"))
        config = tmp_path / "config.yaml"
        calendar = server.url("/rounds.ics")
        config.write_text(config_text(database_url, [("rounds", calendar, "conference")]))
        settings = load_settings(config)
        store.sync_sources(settings.configured_sources())
        assert read(settings, store) == "ok"
        as_stored_before(store, item)
        assert read(settings, store) == "not-modified"  # a 304: the old form stays
        assert MOVED_TO not in subscribed_starts(settings, store)
        migrate(store.engine, BEFORE, down=True)
        migrate(store.engine, "head")
        assert read(settings, store) == "ok"
    assert MOVED_TO in subscribed_starts(settings, store)
    assert MOVED_FROM not in subscribed_starts(settings, store)
