"""A date no zone can convert (0001-01-01 in Tokyo is before 0001-01-01 UTC) listed beside a
series' rule skips that series with a warning; it failed the whole calendar, and a hub's push
of such a calendar stopped the refresh pass before any source was fetched."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from aggregator.config import load_settings
from aggregator.parse.ical import parse_ical
from aggregator.refresh import Refresher
from aggregator.store import Store
from aggregator.store.models import Item
from tests.feeds import always_sent, config_text
from tests.localserver import LocalServer


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def stored_titles(store: Store) -> list[str]:
    with store.session() as session:
        return sorted(session.scalars(select(Item.title)))


def calendar(series_extra: str) -> bytes:
    """One single event and one monthly series, the series carrying ``series_extra``."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
        "BEGIN:VEVENT\r\nUID:single\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Cardiology congress\r\n"
        "DTSTART:20270301T090000Z\r\nDTEND:20270301T170000Z\r\nURL:https://ex.org/congress\r\n"
        "END:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:series\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Monthly grand rounds\r\n"
        "DTSTART:20270201T100000Z\r\nDTEND:20270201T110000Z\r\nURL:https://ex.org/rounds\r\n"
        "RRULE:FREQ=MONTHLY;COUNT=3\r\n" + series_extra + "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_a_series_rdate_beyond_the_datetime_range_skips_that_date_not_the_calendar(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """The series with the broken date is skipped with a warning; the calendar's other
    events are stored (they were before ``_with_listed_dates``)."""
    body = calendar("RDATE;TZID=Asia/Tokyo:00010101T000000\r\n")
    server.route("/cal.ics", always_sent(body, content_type="text/calendar"))
    path = tmp_path / "config.yaml"
    path.write_text(config_text(database_url, [("cal", server.url("/cal.ics"), "conference")]))
    settings = load_settings(path)
    store.sync_sources(settings.configured_sources())
    (outcome,) = Refresher(settings, store).refresh(due_only=False)
    assert outcome.status == "ok", outcome.error
    assert "Cardiology congress" in stored_titles(store)


def test_a_pushed_calendar_that_breaks_the_parser_fails_only_its_delivery(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """``ingest_pushed`` catches MedfeedError only: the push leaves ``Refresher.refresh``
    before any source is fetched, and the deliveries taken with it are gone."""
    server.route("/cal.ics", always_sent(calendar(""), content_type="text/calendar"))
    path = tmp_path / "config.yaml"
    path.write_text(config_text(database_url, [("cal", server.url("/cal.ics"), "conference")]))
    settings = load_settings(path).model_copy(update={"public_url": "https://news.example.org/"})
    store.sync_sources(settings.configured_sources())
    hostile = calendar("RDATE;TZID=Asia/Tokyo:00010101T000000\r\n")
    store.websub.queue("cal", hostile, "text/calendar", datetime.now(UTC))
    store.websub.queue("cal", calendar(""), "text/calendar", datetime.now(UTC))
    outcomes = Refresher(settings, store).refresh(due_only=False)
    assert "pushed" in {o.status for o in outcomes}
    assert "Cardiology congress" in stored_titles(store)


NOW = datetime(2026, 12, 3, tzinfo=UTC)


def test_an_exdate_no_zone_can_convert_skips_its_series_not_the_calendar() -> None:
    feed = parse_ical(
        calendar("EXDATE;TZID=Asia/Tokyo:00010101T000000\r\n"), url="https://ex.org/c", now=NOW
    )
    assert [item.title for item in feed.items] == ["Cardiology congress"]
    assert any("'series'" in warning for warning in feed.warnings)


def test_a_rule_that_never_moves_on_skips_its_series_not_the_calendar() -> None:
    """INTERVAL=0 (RFC 5545 wants a positive integer) made the rule's expansion loop for good."""
    body = calendar("").replace(b"FREQ=MONTHLY;COUNT=3", b"FREQ=DAILY;INTERVAL=0")
    feed = parse_ical(body, url="https://ex.org/c", now=NOW)
    assert [item.title for item in feed.items] == ["Cardiology congress"]
    assert any("repeats every second or minute, or never" in w for w in feed.warnings)
