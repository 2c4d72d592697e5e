"""iCalendar in, one event item per occurrence out; broken events are skipped with a warning."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.errors import ParseError
from aggregator.parse import parse_document
from aggregator.records import EventInfo, ParsedFeed, ParsedItem

DATA = Path(__file__).resolve().parent / "data" / "parse"
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def parse_ics(body: bytes, now: datetime = NOW) -> ParsedFeed:
    return parse_document(body, url="https://e.org/cal.ics", now=now)


def test_all_day_event_keeps_its_dates_location_url_and_categories() -> None:
    feed = parse_ics((DATA / "events.ics").read_bytes())
    assert feed.title == "Medical Congresses"
    assert feed.items[0] == ParsedItem(
        guid="ecr-2027@example.org",
        url="https://congress.example.org/ecr2027",
        title="European Congress of Radiology 2027",
        summary="<p>Five days of imaging.<br>Register early.</p>",
        tags=("Radiology", "Imaging"),
        event=EventInfo(
            start=datetime(2027, 3, 3, tzinfo=UTC),
            end=datetime(2027, 3, 8, tzinfo=UTC),
            location="Austria Center Vienna, Vienna & Austria",
            url="https://congress.example.org/ecr2027",
            all_day=True,
        ),
    )


def test_recurring_event_becomes_one_item_per_occurrence_in_utc() -> None:
    feed = parse_ics((DATA / "events.ics").read_bytes())
    webinars = [item for item in feed.items if item.title == "Grand rounds webinar"]
    assert [item.guid for item in webinars] == [
        "webinar-series@example.org@2026-12-02T17:00:00+00:00",
        "webinar-series@example.org@2027-01-02T17:00:00+00:00",
        "webinar-series@example.org@2027-02-02T17:00:00+00:00",
    ]
    assert webinars[0].event == EventInfo(
        start=datetime(2026, 12, 2, 17, 0, tzinfo=UTC),
        end=datetime(2026, 12, 2, 18, 0, tzinfo=UTC),
        timezone="Europe/Vienna",
        location="Zoom",
        online=True,
    )


def test_an_event_without_a_start_is_skipped_with_a_warning() -> None:
    feed = parse_ics((DATA / "events.ics").read_bytes())
    assert feed.warnings == ("skipped event 'Event without a start': no usable DTSTART",)
    assert len(feed.items) == 4


def test_recurrences_outside_the_horizon_are_not_expanded() -> None:
    later = datetime(2028, 1, 1, tzinfo=UTC)
    feed = parse_ics((DATA / "events.ics").read_bytes(), now=later)
    assert [item.title for item in feed.items] == ["European Congress of Radiology 2027"]


def test_a_calendar_wrapped_in_an_html_comment_with_a_bom_is_read() -> None:
    body = b"\xef\xbb\xbf<!--\n" + (DATA / "events.ics").read_bytes() + b"\n-->"
    assert len(parse_ics(body).items) == 4


def test_a_calendar_without_events_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="calendar has no usable events"):
        parse_ics(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")


def test_an_unfinished_calendar_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="invalid iCalendar"):
        parse_ics(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\n")
