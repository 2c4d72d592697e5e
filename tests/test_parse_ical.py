"""iCalendar in, one item per event or recurring series out; broken events are skipped with a
warning; events are dated by their announcement, never by when they take place."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.errors import ParseError
from aggregator.parse import parse_document
from aggregator.records import EventInfo, Occurrence, ParsedFeed, ParsedItem

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
        published=datetime(2026, 11, 1, tzinfo=UTC),  # DTSTAMP: announced, not held
        tags=("Radiology", "Imaging"),
        event=EventInfo(
            start=datetime(2027, 3, 3, tzinfo=UTC),
            end=datetime(2027, 3, 8, tzinfo=UTC),
            location="Austria Center Vienna, Vienna & Austria",
            url="https://congress.example.org/ecr2027",
            all_day=True,
        ),
    )


def test_recurring_series_is_one_item_at_its_next_occurrence_with_rule_and_dates() -> None:
    feed = parse_ics((DATA / "events.ics").read_bytes())
    webinars = [item for item in feed.items if item.title == "Grand rounds webinar"]
    assert [item.guid for item in webinars] == ["webinar-series@example.org"]
    dates = [
        (datetime(2026, 12, 2, 17, 0, tzinfo=UTC), datetime(2026, 12, 2, 18, 0, tzinfo=UTC)),
        (datetime(2027, 1, 2, 17, 0, tzinfo=UTC), datetime(2027, 1, 2, 18, 0, tzinfo=UTC)),
        (datetime(2027, 2, 2, 17, 0, tzinfo=UTC), datetime(2027, 2, 2, 18, 0, tzinfo=UTC)),
    ]
    assert webinars[0].event == EventInfo(
        start=dates[0][0],
        end=dates[0][1],
        timezone="Europe/Vienna",
        location="Zoom",
        online=True,
        rule="FREQ=MONTHLY;UNTIL=20270202T170000Z",  # COUNT=3: its last date
        occurrences=tuple(Occurrence(start, end) for start, end in dates),
    )
    assert webinars[0].published == datetime(2026, 11, 1, tzinfo=UTC)


def test_a_series_moves_on_to_its_next_occurrence_once_one_is_over() -> None:
    later = datetime(2026, 12, 20, tzinfo=UTC)
    feed = parse_ics((DATA / "events.ics").read_bytes(), now=later)
    (webinar,) = [item for item in feed.items if item.title == "Grand rounds webinar"]
    assert webinar.event is not None
    assert webinar.event.start == datetime(2027, 1, 2, 17, 0, tzinfo=UTC)
    assert [o.start.month for o in webinar.event.occurrences] == [1, 2]


def test_an_event_without_a_start_is_skipped_with_a_warning() -> None:
    feed = parse_ics((DATA / "events.ics").read_bytes())
    assert feed.warnings == ("skipped event 'Event without a start': no usable DTSTART",)
    assert len(feed.items) == 2  # the congress and the webinar series


def test_a_series_that_ended_before_the_horizon_stands_by_its_last_occurrence() -> None:
    """It was dropped, and a calendar of ended series failed as having no usable events."""
    later = datetime(2028, 1, 1, tzinfo=UTC)
    feed = parse_ics((DATA / "events.ics").read_bytes(), now=later)
    titles = ["European Congress of Radiology 2027", "Grand rounds webinar"]
    assert [item.title for item in feed.items] == titles
    last = Occurrence(datetime(2027, 2, 2, 17, tzinfo=UTC), datetime(2027, 2, 2, 18, tzinfo=UTC))
    webinar = feed.items[1].event
    assert webinar is not None
    assert (webinar.start, webinar.end, webinar.occurrences) == (last.start, last.end, (last,))
    assert webinar.rule == "FREQ=MONTHLY;UNTIL=20270202T170000Z"


def series_of(dtstart: str, rule: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:series@example.org\r\nDTSTAMP:20241101T000000Z\r\nDTSTART:{dtstart}\r\n"
        f"RRULE:{rule}\r\nSUMMARY:Journal club\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_a_calendar_of_one_series_that_ended_long_ago_is_read() -> None:
    (item,) = parse_ics(series_of("20250101T100000Z", "FREQ=DAILY;COUNT=10")).items
    assert item.guid == "series@example.org"
    assert item.event is not None and item.event.start == datetime(2025, 1, 10, 10, tzinfo=UTC)


def beside_a_meeting(rule_calendar: bytes) -> bytes:
    """The calendar with one ordinary meeting added, so that it is not empty without the series."""
    meeting = (
        b"BEGIN:VEVENT\r\nUID:meeting@example.org\r\nDTSTAMP:20241101T000000Z\r\n"
        b"DTSTART:20261210T100000Z\r\nSUMMARY:Tumour board\r\nEND:VEVENT\r\n"
    )
    return rule_calendar.replace(b"END:VCALENDAR", meeting + b"END:VCALENDAR")


def test_a_series_of_over_a_thousand_dates_all_long_past_is_skipped_not_shown_years_early() -> None:
    """Its 1,000th date (2012) is not its last (2025): it was shown as an event of 2012."""
    series = series_of("20100101T100000Z", "FREQ=DAILY;UNTIL=20251101T100000Z")
    feed = parse_ics(beside_a_meeting(series), now=datetime(2026, 12, 2, tzinfo=UTC))
    assert [item.guid for item in feed.items] == ["meeting@example.org"]
    assert any("over 1000 dates, all past" in warning for warning in feed.warnings)


@pytest.mark.parametrize("frequency", ["SECONDLY", "MINUTELY"])
def test_a_series_repeating_every_second_or_minute_is_skipped_unexpanded(frequency: str) -> None:
    """Expanded over the horizon it was 37 million dates: the parse never ended."""
    series = series_of("20261201T100000Z", f"FREQ={frequency};COUNT=10000000")
    feed = parse_ics(beside_a_meeting(series), now=datetime(2026, 12, 2, tzinfo=UTC))
    assert [item.guid for item in feed.items] == ["meeting@example.org"]
    assert any("every second or minute" in warning for warning in feed.warnings)


def test_an_hourly_series_keeps_its_first_thousand_dates_with_a_warning() -> None:
    """All 10,000 of its dates over the horizon were built into events and stored."""
    series = series_of("20261201T100000Z", "FREQ=HOURLY;COUNT=1000000")
    feed = parse_ics(series, now=datetime(2026, 12, 2, tzinfo=UTC))
    (item,) = feed.items
    assert item.event is not None and len(item.event.occurrences) <= 1000
    assert item.event.occurrences[-1].start == datetime(2027, 1, 12, 1, tzinfo=UTC)  # +999 h
    assert any("only its first 1000 dates" in warning for warning in feed.warnings)


def test_a_daily_series_keeps_every_date_of_the_horizon_without_a_warning() -> None:
    feed = parse_ics(
        series_of("20261201T100000Z", "FREQ=DAILY"), now=datetime(2026, 12, 2, tzinfo=UTC)
    )
    (item,) = feed.items
    assert item.event is not None and len(item.event.occurrences) == 400
    assert not feed.warnings


def test_a_series_of_dates_beyond_the_horizon_keeps_its_dates_not_only_its_next() -> None:
    """Three congresses from 2028 were stored as the first alone, and exported so."""
    series = series_of("20280401T090000Z", "").replace(
        b"RRULE:\r\n", b"RDATE:20280901T090000Z,20290101T090000Z\r\n"
    )
    (item,) = parse_ics(series).items
    assert item.event is not None and item.event.rule is None
    assert [o.start.date().isoformat() for o in item.event.occurrences] == [
        "2028-04-01", "2028-09-01", "2029-01-01"
    ]  # fmt: skip


def test_a_series_beyond_the_horizon_stands_by_its_next_occurrence_unexpanded() -> None:
    """Every third year, without end: nothing inside the horizon, and no end to expand to."""
    (item,) = parse_ics(series_of("20200601T100000Z", "FREQ=YEARLY;INTERVAL=3")).items
    assert item.event is not None
    assert item.event.start == datetime(2029, 6, 1, 10, tzinfo=UTC)
    assert item.event.occurrences == (Occurrence(item.event.start, item.event.start),)


def test_an_all_day_event_ending_on_its_start_date_lasts_that_day() -> None:
    """The pattern of example.ics: DTEND on the DTSTART date made a zero-length event."""
    body = calendar_of("DTEND;VALUE=DATE:20261210\r\n").replace(
        b"DTSTART:20261210T140000Z", b"DTSTART;VALUE=DATE:20261210"
    )
    (item,) = parse_ics(body).items
    assert item.event is not None and item.event.all_day
    assert (item.event.start, item.event.end) == (
        datetime(2026, 12, 10, tzinfo=UTC),
        datetime(2026, 12, 11, tzinfo=UTC),
    )


def test_a_calendar_wrapped_in_an_html_comment_with_a_bom_is_read() -> None:
    body = b"\xef\xbb\xbf<!--\n" + (DATA / "events.ics").read_bytes() + b"\n-->"
    assert len(parse_ics(body).items) == 2


def test_a_calendar_without_events_is_read_with_no_items_and_a_note(corpus: Path) -> None:
    """A conference's calendar after its season is quiet, not broken (it failed, backing off)."""
    body = (corpus / "ics/icalendar-tests-calendars/issue_1050_empty_calendar.ics").read_bytes()
    feed = parse_ics(body)
    assert feed.items == ()
    assert feed.warnings == ("the calendar has no events at the moment",)


def test_a_calendar_whose_events_are_all_unusable_is_a_parse_error() -> None:
    body = (  # no DTSTART: no date to list it by
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:x\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(ParseError, match="calendar has no usable events"):
        parse_ics(body)


def test_an_unfinished_calendar_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="invalid iCalendar"):
        parse_ics(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\n")


def test_floating_times_are_read_in_the_calendars_own_zone_for_single_events_and_series() -> None:
    """Google exports floating times with X-WR-TIMEZONE: a single event was read as UTC (five
    hours early in New York) while a series of the same calendar was placed right."""
    body = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Google Inc//Google Calendar 70.9054//EN\r
X-WR-TIMEZONE:America/New_York\r
BEGIN:VEVENT\r
UID:single@example.org\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261210T090000\r
DTEND:20261210T100000\r
SUMMARY:Cardiology grand rounds\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:weekly@example.org\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261126T090000\r
DTEND:20261126T100000\r
RRULE:FREQ=WEEKLY;COUNT=10\r
SUMMARY:Tumour board\r
END:VEVENT\r
END:VCALENDAR\r
"""
    starts = {item.title: item.event.start for item in parse_ics(body).items if item.event}
    assert starts == {
        "Cardiology grand rounds": datetime(2026, 12, 10, 14, tzinfo=UTC),
        "Tumour board": datetime(2026, 11, 26, 14, tzinfo=UTC),
    }


def calendar_of(event_lines: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
        "UID:talk@example.org\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261210T140000Z\r\n"
        f"SUMMARY:Grand rounds\r\n{event_lines}END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_html_a_calendar_editor_wrote_into_a_description_is_shown_as_html() -> None:
    """Google Calendar writes its rich text into DESCRIPTION: it was shown as literal tags."""
    body = calendar_of(
        'DESCRIPTION:<b>Speaker:</b> Dr A<br>Register: <a href="https://e.org/r">here</a>'
        "<script>x()</script>\r\n"
    )
    (item,) = parse_ics(body).items
    assert item.summary == (
        '<b>Speaker:</b> Dr A<br>Register: <a href="https://e.org/r" '
        'rel="noopener noreferrer nofollow">here</a>'
    )


def test_an_html_copy_of_the_description_is_preferred_and_plain_text_stays_text() -> None:
    alternative = calendar_of(
        "DESCRIPTION:Speaker: Dr A\r\nX-ALT-DESC;FMTTYPE=text/html:<p><i>Speaker:</i> Dr A</p>\r\n"
    )
    assert parse_ics(alternative).items[0].summary == "<p><i>Speaker:</i> Dr A</p>"
    plain = calendar_of("DESCRIPTION:Dose < 5 mg & fasting\r\n")
    assert parse_ics(plain).items[0].summary == "<p>Dose &lt; 5 mg &amp; fasting</p>"


def test_a_registration_link_in_a_plain_description_is_a_link_and_the_events_url() -> None:
    """Without a URL property the link stayed plain text and the event had none to follow."""
    body = calendar_of("DESCRIPTION:Register (https://e.org/r?id=7&x=1).\\nDose < 5 mg\r\n")
    (item,) = parse_ics(body).items
    assert item.summary == (
        '<p>Register (<a href="https://e.org/r?id=7&amp;x=1" rel="noopener noreferrer nofollow">'
        "https://e.org/r?id=7&amp;x=1</a>).<br>Dose &lt; 5 mg</p>"
    )
    assert item.url == "https://e.org/r?id=7&x=1"
    assert item.event is not None and item.event.url == "https://e.org/r?id=7&x=1"


def test_the_url_property_is_the_events_url_and_only_web_addresses_become_links() -> None:
    body = calendar_of(
        "URL:https://e.org/event\r\nDESCRIPTION:See https://e.org/r or javascript:alert(1)\r\n"
    )
    (item,) = parse_ics(body).items
    assert item.url == "https://e.org/event"
    assert item.summary.count("<a ") == 1
    assert "javascript:alert(1)</p>" in item.summary


def outlook_calendar(tzid: str, start: str) -> bytes:
    """An Outlook calendar's event in its zone's display name, without its VTIMEZONE."""
    return calendar_of("").replace(
        b"DTSTART:20261210T140000Z", f'DTSTART;TZID="{tzid}":{start}'.encode()
    )


@pytest.mark.parametrize(
    ("tzid", "start", "utc", "zone"),
    [
        ("(UTC-05:00) Eastern Time (US & Canada)", "20270610T090000", 13, "America/New_York"),
        ("(UTC-05:00) Eastern Time (US & Canada)", "20261210T090000", 14, "America/New_York"),
        (
            "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
            "20270610T090000",
            7,
            "Europe/Amsterdam",
        ),
        ("(UTC+10:00) Canberra, Melbourne, Sydney", "20270110T090000", 22, "Australia/Canberra"),
    ],
)
def test_an_outlook_display_name_is_its_iana_zone_with_its_summer_time(
    tzid: str, start: str, utc: int, zone: str
) -> None:
    """Read at the display name's fixed offset, a summer time was an hour off, and the
    event had no zone."""
    (item,) = parse_ics(outlook_calendar(tzid, start)).items
    assert item.event is not None
    assert item.event.start.hour == utc
    assert item.event.timezone == zone


def test_an_outlook_display_name_naming_no_zone_is_read_at_its_offset_with_a_warning() -> None:
    feed = parse_ics(outlook_calendar("(UTC-03:00) Brasilia", "20270610T090000"))
    (item,) = feed.items
    assert item.event is not None and item.event.start.hour == 12
    assert item.event.timezone is None
    assert any("without daylight saving time" in warning for warning in feed.warnings)


def test_a_display_name_with_an_impossible_offset_is_an_unknown_zone_not_a_failure() -> None:
    feed = parse_ics(outlook_calendar("(UTC+99:00) Nowhere", "20270610T090000"))
    assert feed.items and any("unknown time zone" in warning for warning in feed.warnings)


def test_a_series_in_an_outlook_display_name_repeats_in_its_zone() -> None:
    """A weekly series across New York's change to summer time stays at 09:00 local."""
    body = outlook_calendar("(UTC-05:00) Eastern Time (US & Canada)", "20270301T090000")
    body = body.replace(b"END:VEVENT", b"RRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT")
    (item,) = parse_ics(body, now=datetime(2027, 2, 1, tzinfo=UTC)).items
    assert item.event is not None and item.event.timezone == "America/New_York"
    assert [o.start.hour for o in item.event.occurrences] == [14, 14, 13]


def sessions(*lines: str, rule: str = "RRULE:FREQ=HOURLY;COUNT=3") -> bytes:
    """A morning of sessions on the hour from 08:00 Chicago time (14:00 UTC in January)."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
        "UID:sessions@example.org\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Sessions\r\n"
        "DTSTART;TZID=America/Chicago:20270112T080000\r\n"
        f"DTEND;TZID=America/Chicago:20270112T084500\r\n{rule}\r\n"
        + "".join(f"{line}\r\n" for line in lines)
        + "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def hours_utc(body: bytes) -> list[int]:
    feed = parse_ics(body, now=datetime(2027, 1, 1, tzinfo=UTC))
    (item,) = feed.items
    assert item.event is not None and not feed.warnings
    return [o.start.hour for o in item.event.occurrences]


@pytest.mark.parametrize(
    "tzid", ["(UTC-05:00) Eastern Time (US & Canada)", "Eastern Standard Time"]
)
def test_an_exdate_in_an_outlook_zone_name_takes_off_the_occurrence_it_names(tzid: str) -> None:
    """09:00 in New York is 08:00 in Chicago; read in the series' zone, the display name's
    EXDATE took off the 09:00 session instead."""
    assert hours_utc(sessions(f'EXDATE;TZID="{tzid}":20270112T090000')) == [15, 16]


def test_an_rdate_in_an_outlook_display_name_adds_the_date_at_its_own_time() -> None:
    body = sessions(
        'RDATE;TZID="(UTC-05:00) Eastern Time (US & Canada)":20270119T090000',
        rule="RRULE:FREQ=WEEKLY;COUNT=1",
    )
    assert hours_utc(body) == [14, 14]


def test_a_moved_occurrence_keeps_the_date_it_was_moved_from_and_its_own_title_and_place() -> None:
    moved = (
        "END:VEVENT\r\nBEGIN:VEVENT\r\nUID:sessions@example.org\r\n"
        "DTSTAMP:20261101T000000Z\r\nSUMMARY:Sessions (moved)\r\nLOCATION:Hall B\r\n"
        "RECURRENCE-ID;TZID=America/Chicago:20270112T090000\r\n"
        "DTSTART;TZID=America/Chicago:20270112T113000\r\n"
        "DTEND;TZID=America/Chicago:20270112T121500"
    )
    (item,) = parse_ics(sessions(moved), now=datetime(2027, 1, 1, tzinfo=UTC)).items
    assert item.event is not None
    assert item.event.occurrences == (
        Occurrence(
            datetime(2027, 1, 12, 14, tzinfo=UTC), datetime(2027, 1, 12, 14, 45, tzinfo=UTC)
        ),
        Occurrence(
            datetime(2027, 1, 12, 16, tzinfo=UTC), datetime(2027, 1, 12, 16, 45, tzinfo=UTC)
        ),
        Occurrence(
            datetime(2027, 1, 12, 17, 30, tzinfo=UTC),
            datetime(2027, 1, 12, 18, 15, tzinfo=UTC),
            recurrence_id=datetime(2027, 1, 12, 15, tzinfo=UTC),
            title="Sessions (moved)",
            location="Hall B",
        ),
    )


def test_a_timezone_defined_after_the_event_that_uses_it_gives_its_times_and_zone(
    corpus: Path,
) -> None:
    """icalendar's corpus file (its DTSTART also given twice): the event had no start."""
    path = corpus / "ics" / "icalendar-tests-calendars" / "america_new_york_forward_reference.ics"
    feed = parse_ics(path.read_bytes())
    (item,) = feed.items
    assert item.event is not None
    assert item.event.start == datetime(2014, 8, 29, 12, tzinfo=UTC)  # 08:00 EDT, the first
    assert item.event.timezone == "America/New_York"


def test_an_outlook_zone_name_gives_its_offset_and_an_unknown_zone_is_warned_of() -> None:
    """Both were read as UTC without a word: five hours off for New York."""
    outlook = calendar_of('DTEND;TZID="(UTC-05:00) Eastern Time (US & Canada)":20261210T100000\r\n')
    outlook = outlook.replace(
        b"DTSTART:20261210T140000Z",
        b'DTSTART;TZID="(UTC-05:00) Eastern Time (US & Canada)":20261210T090000',
    )
    (item,) = parse_ics(outlook).items
    assert item.event is not None and item.event.start == datetime(2026, 12, 10, 14, tzinfo=UTC)
    unknown = calendar_of("").replace(
        b"DTSTART:20261210T140000Z", b"DTSTART;TZID=US-Eastern:20261210T090000"
    )
    feed = parse_ics(unknown)
    assert any("unknown time zone 'US-Eastern'" in warning for warning in feed.warnings)


def zoned_calendar(tzid: str, location: str = "") -> bytes:
    """An Exchange-style calendar: its own VTIMEZONE (New York's rules) under ``tzid``."""
    place = f"X-LIC-LOCATION:{location}\r\n" if location else ""
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VTIMEZONE\r\n"
        f"TZID:{tzid}\r\n{place}BEGIN:STANDARD\r\nDTSTART:16010101T020000\r\n"
        "TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\n"
        "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\n"
        "DTSTART:16010101T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\n"
        "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
        "BEGIN:VEVENT\r\nUID:talk@example.org\r\nDTSTAMP:20261101T000000Z\r\n"
        f'DTSTART;TZID="{tzid}":20270610T090000\r\nSUMMARY:Grand rounds\r\n'
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("tzid", "location", "zone"),
    [
        ("Eastern Standard Time", "", "America/New_York"),  # Exchange: a Windows name
        ("/example.org/2026/Eastern", "America/New_York", "America/New_York"),
        ("custom_America/New_York", "", "America/New_York"),  # not "EDT", its abbreviation
        ("custom_Europe/Berlin", "", None),  # a name its own VTIMEZONE's offsets contradict
        ("(UTC-05:00) Eastern Time (US & Canada)", "", "America/New_York"),  # Outlook's
        ("(UTC-05:00) Bogota, Lima, Quito", "", None),  # its VTIMEZONE's summer time says not
        ("posix/America/New_York", "", "America/New_York"),  # a system copy of the zone database
    ],
)
def test_an_events_zone_is_an_iana_name_or_none(tzid: str, location: str, zone: str) -> None:
    """The API gives the event's IANA zone: Exchange's zones came out null, so times showed
    in UTC, and a calendar's own zones as an abbreviation ("EDT") no zone database knows."""
    (item,) = parse_ics(zoned_calendar(tzid, location)).items
    assert item.event is not None
    assert item.event.start == datetime(2027, 6, 10, 13, tzinfo=UTC)
    assert item.event.timezone == zone


@pytest.mark.parametrize(
    ("lines", "summary"),
    [
        ("X-ALT-DESC;FMTTYPE=text/html:<p>Speaker <b>Dr A</b></p>\r\n"
         "X-ALT-DESC;FMTTYPE=text/html:<p>Speaker Dr A</p>\r\n", "<p>Speaker <b>Dr A</b></p>"),
        ("DESCRIPTION:Speaker Dr A\r\nX-ALT-DESC;FMTTYPE=text/html:<html><body></body></html>\r\n",
         "<p>Speaker Dr A</p>"),
        ("X-ALT-DESC;FMTTYPE=text/html:<html><head><title>Meeting</title></head><body>"
         "<p>Speaker Dr A</p></body></html>\r\n", "<p>Speaker Dr A</p>"),
        ("DESCRIPTION:Talk: why <br> tags break forms & why x<y\r\n",
         "<p>Talk: why &lt;br&gt; tags break forms &amp; why x&lt;y</p>"),
    ],
)  # fmt: skip
def test_the_html_copy_of_a_description_is_read_with_care(lines: str, summary: str) -> None:
    """Two copies failed the event; an empty one hid the text; Outlook's document title came
    into the summary; a text that named a tag was read as HTML and lost its end."""
    (item,) = parse_ics(calendar_of(lines)).items
    assert item.summary == summary


def test_a_calendar_zone_that_names_a_folder_of_zones_is_ignored() -> None:
    body = calendar_of("").replace(b"VERSION:2.0\r\n", b"VERSION:2.0\r\nX-WR-TIMEZONE:America\r\n")
    (item,) = parse_ics(body).items  # it failed the whole calendar
    assert item.event is not None
