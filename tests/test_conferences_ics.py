"""``/conferences.ics``: upcoming conferences as an iCalendar a reader can subscribe to.

Events are dated relative to the real clock, because "upcoming" is decided by
the site at request time; the calendar is parsed back with ``icalendar``.
"""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import recurring_ical_events  # the library medfeed reads calendars with, as a client would
from flask.testing import FlaskClient
from icalendar import Calendar, Component
from webfactory import app, client, entry, save, settings

from aggregator.parse import parse_document
from aggregator.records import EventInfo, Kind, Occurrence
from aggregator.store import Store

NOW = datetime.now(UTC).replace(microsecond=0)


def add(store: Store, title: str, start: datetime, end: datetime | None, **event: object) -> None:
    info = EventInfo(start=start, end=end, **event)  # type: ignore[arg-type]
    save(store, [entry(Kind.CONFERENCE, title=title, event=info)])


def calendar(client: FlaskClient) -> Calendar:
    return Calendar.from_ical(client.get("/conferences.ics").data)


def events(client: FlaskClient) -> dict[str, Component]:
    return {str(vevent["SUMMARY"]): vevent for vevent in calendar(client).walk("VEVENT")}


def test_calendar_parses_back_as_a_named_icalendar(client: FlaskClient, store: Store) -> None:
    add(store, "Cardiology Congress", NOW + timedelta(days=10), NOW + timedelta(days=12))
    parsed = calendar(client)
    assert parsed.name == "VCALENDAR"
    assert str(parsed["VERSION"]) == "2.0"
    assert str(parsed["PRODID"]).startswith("-//medfeed//")
    assert str(parsed["X-WR-CALNAME"]) == "medfeed: upcoming conferences"
    assert list(events(client)) == ["Cardiology Congress"]


def test_calendar_is_served_as_utf8_text_calendar(client: FlaskClient) -> None:
    answer = client.get("/conferences.ics")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"


def test_event_that_ended_yesterday_is_absent(client: FlaskClient, store: Store) -> None:
    add(store, "Past Meeting", NOW - timedelta(days=3), NOW - timedelta(days=1))
    add(store, "Future Meeting", NOW + timedelta(days=3), NOW + timedelta(days=4))
    assert list(events(client)) == ["Future Meeting"]


def test_event_that_started_yesterday_and_ends_tomorrow_is_present(
    client: FlaskClient, store: Store
) -> None:
    add(store, "Ongoing Congress", NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert "Ongoing Congress" in events(client)


def test_every_event_carries_the_fields_a_calendar_shows(client: FlaskClient, store: Store) -> None:
    add(
        store,
        "Oncology Summit",
        datetime(2031, 3, 4, 8, 0, tzinfo=UTC),
        datetime(2031, 3, 6, 17, 0, tzinfo=UTC),
        location="Lisbon, Portugal",
        url="https://events.example.org/onc-2031",
    )
    vevent = events(client)["Oncology Summit"]
    assert vevent.decoded("DTSTART") == datetime(2031, 3, 4, 8, 0, tzinfo=UTC)
    assert vevent.decoded("DTEND") == datetime(2031, 3, 6, 17, 0, tzinfo=UTC)
    assert str(vevent["LOCATION"]) == "Lisbon, Portugal"
    assert str(vevent["URL"]) == "https://events.example.org/onc-2031"
    assert vevent.decoded("DTSTAMP").tzinfo is not None
    description = str(vevent["DESCRIPTION"])
    assert "<" not in description and "/items/" in description


def test_uid_is_stable_across_requests_and_unique_per_event(
    client: FlaskClient, store: Store
) -> None:
    add(store, "Meeting A", NOW + timedelta(days=5), NOW + timedelta(days=6))
    add(store, "Meeting B", NOW + timedelta(days=7), NOW + timedelta(days=8))
    first = {title: str(vevent["UID"]) for title, vevent in events(client).items()}
    second = {title: str(vevent["UID"]) for title, vevent in events(client).items()}
    assert first == second and len(set(first.values())) == 2
    assert all(uid.startswith("item-") and uid.endswith("@localhost") for uid in first.values())


def test_all_day_event_has_date_values_with_an_exclusive_end(
    client: FlaskClient, store: Store
) -> None:
    start = datetime(2031, 5, 10, tzinfo=UTC)
    add(store, "Three-Day Course", start, start + timedelta(days=3), all_day=True)
    vevent = events(client)["Three-Day Course"]
    assert vevent.decoded("DTSTART") == date(2031, 5, 10)
    assert vevent.decoded("DTEND") == date(2031, 5, 13)


def test_a_one_day_event_ending_on_its_start_date_is_upcoming_all_its_day(
    client: FlaskClient, store: Store
) -> None:
    """Calendars write a one-day event with DTEND on its DTSTART date: it was over at the
    start of its own day, so it left the calendar and the upcoming list on the day."""
    today = NOW.date()
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:kidney-day@example.org\r\nDTSTAMP:20261101T000000Z\r\n"
        f"DTSTART;VALUE=DATE:{today:%Y%m%d}\r\nDTEND;VALUE=DATE:{today:%Y%m%d}\r\n"
        "SUMMARY:World Kidney Day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    (item,) = parse_document(body, url="https://e.org/cal.ics", now=NOW).items
    save(store, [(Kind.CONFERENCE, item, ())])
    vevent = events(client)["World Kidney Day"]
    assert (vevent.decoded("DTSTART"), vevent.decoded("DTEND")) == (today, today + timedelta(1))
    listed = client.get("/api/items?kind=conference").get_json()["items"]
    assert [listed_item["title"] for listed_item in listed] == ["World Kidney Day"]


def test_timed_event_without_an_end_has_no_dtend(client: FlaskClient, store: Store) -> None:
    add(store, "Evening Lecture", datetime(2031, 1, 8, 18, 0, tzinfo=UTC), None)
    vevent = events(client)["Evening Lecture"]
    assert vevent.decoded("DTSTART") == datetime(2031, 1, 8, 18, 0, tzinfo=UTC)
    assert "DTEND" not in vevent


def test_online_event_is_marked_online_with_its_conference_link(
    client: FlaskClient, store: Store
) -> None:
    add(
        store,
        "GLP-1 Webinar",
        NOW + timedelta(days=2),
        NOW + timedelta(days=2, hours=1),
        online=True,
        url="https://webinar.example.org/glp1",
    )
    vevent = events(client)["GLP-1 Webinar"]
    assert str(vevent["X-MEDFEED-ONLINE"]) == "TRUE"
    assert str(vevent["CONFERENCE"]) == "https://webinar.example.org/glp1"
    assert vevent["CONFERENCE"].params["VALUE"] == "URI"


def test_second_request_with_the_etag_gets_304(client: FlaskClient, store: Store) -> None:
    add(store, "Meeting", NOW + timedelta(days=5), NOW + timedelta(days=6))
    etag = client.get("/conferences.ics").headers["ETag"]
    assert client.get("/conferences.ics", headers={"If-None-Match": etag}).status_code == 304


def test_pages_link_the_calendar_for_discovery_and_subscription(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="alternate" type="text/calendar"' in html
    assert 'href="/conferences.ics"' in html and "Subscribe (iCalendar)" in html


def test_a_conference_stored_with_control_characters_gives_a_calendar_without_them(
    client: FlaskClient, store: Store
) -> None:
    # Rows stored before the parse stage dropped controls may still hold them; RFC 5545
    # text allows none but the tab.
    start = NOW + timedelta(days=5)
    add(
        store,
        "Sepsis\u0001 Summit\u001f",
        start,
        start + timedelta(days=1),
        location="Hall\u0002 B",
    )
    body = client.get("/conferences.ics").data.decode()
    assert not any(ord(char) < 32 and char not in "\t\r\n" for char in body)
    (vevent,) = calendar(client).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Sepsis Summit"
    assert str(vevent["LOCATION"]) == "Hall B"


def _series_dates(client: FlaskClient, title: str) -> list[object]:
    found = recurring_ical_events.of(calendar(client)).between(NOW, NOW + timedelta(days=60))
    return sorted(event["DTSTART"].dt for event in found if str(event["SUMMARY"]) == title)


def test_a_cancelled_date_of_a_series_stays_cancelled_for_subscribers(
    client: FlaskClient, store: Store
) -> None:
    first = (NOW + timedelta(days=1)).replace(hour=12, minute=0, second=0)
    weeks = [first + timedelta(weeks=n) for n in (0, 2, 3)]  # the second week cancelled
    occurrences = tuple(Occurrence(start, start + timedelta(hours=1)) for start in weeks)
    add(store, "Grand rounds", first, first + timedelta(hours=1), rule="FREQ=WEEKLY;COUNT=4",
        occurrences=occurrences)  # fmt: skip
    assert _series_dates(client, "Grand rounds") == weeks


def test_an_all_day_series_ends_on_a_date_as_its_start_is_one(
    client: FlaskClient, store: Store
) -> None:
    first = (NOW + timedelta(days=1)).replace(hour=0, minute=0, second=0)
    days = [first + timedelta(weeks=n) for n in range(3)]
    occurrences = tuple(Occurrence(day, day + timedelta(days=1)) for day in days)
    add(store, "Workshop", first, first + timedelta(days=1), all_day=True,
        rule="FREQ=WEEKLY;COUNT=3", occurrences=occurrences)  # fmt: skip
    (vevent,) = calendar(client).walk("VEVENT")
    assert [type(u) for u in vevent["RRULE"]["UNTIL"]] == [date]  # RFC 5545: DATE like DTSTART
    assert _series_dates(client, "Workshop") == [day.date() for day in days]


def test_a_moved_day_of_an_all_day_series_names_the_date_it_was_moved_from(
    client: FlaskClient, store: Store
) -> None:
    """An all-day series' override gives its RECURRENCE-ID as a DATE, as its DTSTART is."""
    first = (NOW + timedelta(days=1)).replace(hour=0, minute=0, second=0)
    days = [first + timedelta(weeks=n) for n in range(3)]
    moved_to = days[1] + timedelta(days=2)
    occurrences = (
        Occurrence(days[0], days[0] + timedelta(days=1)),
        Occurrence(moved_to, moved_to + timedelta(days=1), recurrence_id=days[1]),
        Occurrence(days[2], days[2] + timedelta(days=1)),
    )
    add(store, "Workshop", first, first + timedelta(days=1), all_day=True,
        rule="FREQ=WEEKLY;COUNT=3", occurrences=occurrences)  # fmt: skip
    master, moved = calendar(client).walk("VEVENT")
    assert moved.decoded("RECURRENCE-ID") == days[1].date()
    assert "EXDATE" not in master
    assert _series_dates(client, "Workshop") == [days[0].date(), moved_to.date(), days[2].date()]


def _parsed_and_saved(store: Store, *vevent_lines: str) -> None:
    """A calendar of one series, read as a refresh reads it, and stored."""
    lines = "".join(f"{line}\r\n" for line in vevent_lines)
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:series@example.org\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Congress\r\n{lines}"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    (item,) = parse_document(body, url="https://e.org/cal.ics", now=NOW).items
    save(store, [(Kind.CONFERENCE, item, ())])


def _all_dates(client: FlaskClient) -> list[object]:
    found = recurring_ical_events.of(calendar(client)).between(NOW, NOW + timedelta(days=2000))
    return sorted(event["DTSTART"].dt for event in found)


def test_a_counted_series_beyond_the_stored_window_goes_out_with_all_its_dates(
    client: FlaskClient, store: Store
) -> None:
    """Stored by its one next date after the horizon, it went out as that date alone: its
    COUNT became an UNTIL at the one date medfeed knew."""
    first = (NOW + timedelta(days=500)).date()
    _parsed_and_saved(store, f"DTSTART;VALUE=DATE:{first:%Y%m%d}", "RRULE:FREQ=YEARLY;COUNT=3")
    assert _all_dates(client) == [first.replace(year=first.year + n) for n in range(3)]


def test_a_series_given_as_dates_goes_out_with_its_dates(client: FlaskClient, store: Store) -> None:
    """A series without a rule went out as its next date alone."""
    days = [(NOW + timedelta(days=n)).date() for n in (10, 40, 70)]
    rdates = ",".join(f"{day:%Y%m%d}" for day in days[1:])
    _parsed_and_saved(store, f"DTSTART;VALUE=DATE:{days[0]:%Y%m%d}", f"RDATE;VALUE=DATE:{rdates}")
    assert _all_dates(client) == days
