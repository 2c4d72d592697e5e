"""An event that is called off says so: iCalendar's STATUS, or a conference headline
("Nephrology Winter School 2027 postponed"), becomes ``EventInfo.status``; a headline
whose status word describes its subject ("Session on cancelled surgeries") does not."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from aggregator.parse import parse_document
from aggregator.parse.events import status_in_title
from aggregator.records import EventInfo, EventStatus, Kind
from tests.feeds import Entry, rss

NOW = datetime(2026, 11, 20, tzinfo=UTC)
WINTER_SCHOOL = Entry(
    title="Nephrology Winter School 2027 postponed",
    link="https://society.example.org/events/winter-school",
    summary="<p>The Winter School planned for 25–27 January 2027 in Innsbruck is postponed"
    " to the autumn.</p>",
)


@pytest.mark.parametrize(
    ("title", "status"),
    [
        ("Nephrology Winter School 2027 postponed", EventStatus.POSTPONED),
        ("Winter School postponed to the autumn", EventStatus.POSTPONED),
        ("Stroke Update Day rescheduled", EventStatus.POSTPONED),
        ("[Postponed] Stroke Update Day", EventStatus.POSTPONED),
        ("CANCELLED: Grand Rounds", EventStatus.CANCELLED),
        ("Canceled - Journal club", EventStatus.CANCELLED),
        ("ESC Congress 2027 has been cancelled due to strike action", EventStatus.CANCELLED),
        ("Regional Hepatology Meeting called off", EventStatus.CANCELLED),
        ("Oncology Summit cancelled again", EventStatus.CANCELLED),
    ],
)
def test_a_headline_calling_its_event_off_gives_its_status(title: str, status: EventStatus) -> None:
    assert status_in_title(title) is status


@pytest.mark.parametrize(
    "title",
    [
        "Session on cancelled surgeries",
        "Cancelled operations and waiting lists: a symposium",
        "Managing postponed elective care",
        "Why surgeries get cancelled: a workshop",
        "When surgery is cancelled: a workshop",
        "Webinar: rescheduled appointments and no-shows",
        "Elective surgeries postponed: lessons from the pandemic",
        "Nephrology Winter School 2027",
    ],
)
def test_a_headline_about_cancellations_gives_no_status(title: str) -> None:
    assert status_in_title(title) is None


def test_a_headline_naming_the_new_dates_leaves_the_event_on() -> None:
    assert status_in_title("Grand Rounds rescheduled to 3–5 May 2027") is None


def test_a_postponed_conference_in_an_rss_feed_is_postponed_on_its_old_dates() -> None:
    feed = parse_document(rss([WINTER_SCHOOL]), url="https://e.org/f", kind=Kind.CONFERENCE)
    event = feed.items[0].event
    assert event is not None
    assert (event.start, event.status) == (datetime(2027, 1, 25, tzinfo=UTC), "postponed")


def test_a_postponed_conference_in_a_json_feed_is_postponed() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Society events",
            "items": [
                {
                    "id": "ws",
                    "url": WINTER_SCHOOL.link,
                    "title": WINTER_SCHOOL.title,
                    "content_html": WINTER_SCHOOL.summary,
                }
            ],
        }
    ).encode()
    feed = parse_document(body, url="https://e.org/feed.json", kind=Kind.CONFERENCE)
    event = feed.items[0].event
    assert event is not None
    assert event.status is EventStatus.POSTPONED


def test_a_conference_with_a_plain_headline_has_no_status() -> None:
    entry = Entry(
        title="Nephrology Winter School 2027",
        link=WINTER_SCHOOL.link,
        summary="<p>25–27 January 2027, Innsbruck.</p>",
    )
    feed = parse_document(rss([entry]), url="https://e.org/f", kind=Kind.CONFERENCE)
    event = feed.items[0].event
    assert event is not None
    assert event.status is None


def calendar(*events: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
        + "".join(events)
        + "END:VCALENDAR\r\n"
    ).encode()


def vevent(uid: str, summary: str, start: str, *extra: str) -> str:
    lines = [f"UID:{uid}", f"SUMMARY:{summary}", "DTSTAMP:20261101T000000Z", start, *extra]
    return "BEGIN:VEVENT\r\n" + "".join(f"{line}\r\n" for line in lines) + "END:VEVENT\r\n"


def ics_event(*events: str) -> EventInfo:
    """The event of the one item a calendar of ``events`` gives."""
    (item,) = parse_document(calendar(*events), url="https://e.org/cal.ics", now=NOW).items
    assert item.event is not None
    return item.event


SERIES = ("gr", "Grand Rounds", "DTSTART:20261202T170000Z", "RRULE:FREQ=WEEKLY;COUNT=3")


@pytest.mark.parametrize(
    ("line", "status"),
    [
        ("STATUS:CANCELLED", EventStatus.CANCELLED),
        ("STATUS:TENTATIVE", EventStatus.TENTATIVE),
        ("STATUS:CONFIRMED", None),
    ],
)
def test_a_calendar_events_status_is_read(line: str, status: EventStatus | None) -> None:
    event = ics_event(vevent("c1", "Congress", "DTSTART;VALUE=DATE:20270125", line))
    assert event.status is status


def test_a_calendar_event_renamed_canceled_by_outlook_is_cancelled() -> None:
    event = ics_event(vevent("c1", "Canceled: Grand Rounds", "DTSTART:20270125T120000Z"))
    assert event.status is EventStatus.CANCELLED


def test_a_cancelled_occurrence_of_a_series_is_not_one_of_its_dates() -> None:
    cancelled = ("DTSTART:20261209T170000Z", "RECURRENCE-ID:20261209T170000Z", "STATUS:CANCELLED")
    event = ics_event(vevent(*SERIES), vevent("gr", "Grand Rounds", *cancelled))
    assert [o.start.day for o in event.occurrences] == [2, 16]
    assert event.status is None


def test_a_series_cancelled_as_a_whole_keeps_its_dates_and_is_cancelled() -> None:
    event = ics_event(vevent(*SERIES, "STATUS:CANCELLED"))
    assert len(event.occurrences) == 3
    assert event.status is EventStatus.CANCELLED
