"""Event times for readers: in the event's own zone, a series by its next date and its rule
in words (``web.eventtime``; pure functions over ``EventInfo``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aggregator.records import EventInfo, Occurrence
from web.eventtime import coming, event_dates, event_dates_utc, repeats, upcoming

CHICAGO_NOON = datetime(2026, 12, 2, 18, 30, tzinfo=UTC)  # 12:30 CST


def club(rule: str | None = "FREQ=WEEKLY;UNTIL=20270630T235900Z;BYDAY=WE") -> EventInfo:
    dates = tuple(
        Occurrence(CHICAGO_NOON + timedelta(weeks=n), CHICAGO_NOON + timedelta(weeks=n, hours=1))
        for n in range(20)
    )
    return EventInfo(
        start=dates[0].start,
        end=dates[0].end,
        timezone="America/Chicago",
        rule=rule,
        occurrences=dates,
    )


def test_a_timed_event_reads_in_its_own_zone_with_utc_for_the_hover() -> None:
    event = EventInfo(CHICAGO_NOON, CHICAGO_NOON + timedelta(hours=1), timezone="America/Chicago")
    assert event_dates(event) == "2 Dec 2026, 12:30 CST"
    assert event_dates_utc(event) == "2 Dec 2026, 18:30 UTC"


def test_summer_dates_use_the_daylight_saving_abbreviation() -> None:
    july = datetime(2027, 7, 7, 17, 30, tzinfo=UTC)
    assert event_dates(EventInfo(july, timezone="America/Chicago")) == "7 Jul 2027, 12:30 CDT"


def test_an_unknown_zone_falls_back_to_utc() -> None:
    event = EventInfo(CHICAGO_NOON, timezone="Mars/Olympus_Mons")
    assert event_dates(event) == "2 Dec 2026, 18:30 UTC"


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (
            "FREQ=WEEKLY;UNTIL=20270630T235900Z;BYDAY=WE",
            "weekly on Wednesdays, 12:30 CST, until 30 Jun 2027",
        ),
        ("FREQ=WEEKLY;BYDAY=MO,TH", "weekly on Mondays and Thursdays, 12:30 CST"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", "every 2 weeks on Wednesdays, 12:30 CST"),
        ("FREQ=MONTHLY;BYDAY=1WE;COUNT=6", "monthly on the first Wednesday, 12:30 CST, 6 times"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "monthly on the last Friday, 12:30 CST"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "monthly on day 15, 12:30 CST"),
        ("FREQ=DAILY", "daily, 12:30 CST"),
        ("FREQ=SECONDLY", "on several dates"),
    ],
)
def test_a_rule_reads_in_words(rule: str, words: str) -> None:
    assert repeats(club(rule)) == words


def test_an_all_day_series_says_the_date_it_runs_until() -> None:
    """A COUNT is read as the UNTIL of its last date, a DATE for an all-day series: its
    end was not said at all."""
    course = EventInfo(CHICAGO_NOON, all_day=True, rule="FREQ=WEEKLY;UNTIL=20270630")
    assert repeats(course) == "weekly, until 30 Jun 2027"


def test_a_single_event_has_no_rule_in_words() -> None:
    assert repeats(EventInfo(CHICAGO_NOON)) == ""


def test_a_series_shows_its_next_occurrence_not_yet_over() -> None:
    later = CHICAGO_NOON + timedelta(weeks=2, minutes=30)  # during the third meeting
    assert upcoming(club(), later).start == CHICAGO_NOON + timedelta(weeks=2)  # type: ignore[union-attr]
    after = CHICAGO_NOON + timedelta(weeks=2, hours=2)
    assert upcoming(club(), after).start == CHICAGO_NOON + timedelta(weeks=3)  # type: ignore[union-attr]


def test_a_series_page_lists_at_most_twelve_coming_dates() -> None:
    dates = coming(club(), CHICAGO_NOON + timedelta(days=1))
    assert len(dates) == 12
    assert dates[0].event.start == CHICAGO_NOON + timedelta(weeks=1)
