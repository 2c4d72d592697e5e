"""Dates in conference prose, and the date strings JSON Feed and event modules use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aggregator.parse.dates import date_range_in_text, from_text


def day(year: int, month: int, date: int) -> datetime:
    return datetime(year, month, date, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Vienna, 12–14 March 2027", day(2027, 3, 12), day(2027, 3, 15)),
        ("March 12-14, 2027 in Boston", day(2027, 3, 12), day(2027, 3, 15)),
        ("March 30 – April 2, 2027", day(2027, 3, 30), day(2027, 4, 3)),
        ("30 March to 2 April 2027", day(2027, 3, 30), day(2027, 4, 3)),
        ("on Sept. 3, 2026", day(2026, 9, 3), day(2026, 9, 4)),
        ("the 5th June 2027", day(2027, 6, 5), day(2027, 6, 6)),
    ],
)
def test_date_ranges_in_prose_become_all_day_spans(
    text: str, start: datetime, end: datetime
) -> None:
    assert date_range_in_text(text) == (start, end)


@pytest.mark.parametrize("text", ["in 2027", "31 February 2027", "14–12 March 2027", "no date"])
def test_text_without_a_real_date_gives_none(text: str) -> None:
    assert date_range_in_text(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-05T14:00:00+02:00", datetime(2026, 11, 5, 12, 0, tzinfo=UTC)),
        ("2026-11-05T14:00:00Z", datetime(2026, 11, 5, 14, 0, tzinfo=UTC)),
        ("2026-11-05", datetime(2026, 11, 5, tzinfo=UTC)),
        ("Thu, 05 Nov 2026 14:00:00 GMT", datetime(2026, 11, 5, 14, 0, tzinfo=UTC)),
        ("not a date", None),
        (None, None),
    ],
)
def test_date_strings_become_utc_datetimes(value: str | None, expected: datetime | None) -> None:
    assert from_text(value) == expected
