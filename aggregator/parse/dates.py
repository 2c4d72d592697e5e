"""Turn the date shapes feeds use into UTC-aware datetimes.

Feed dates arrive as feedparser's ``struct_time`` (already UTC), as ISO 8601 or
RFC 822 strings (JSON Feed, event namespaces), or as prose in a conference
announcement ("12–14 March 2027", "March 30 – April 2, 2027"). This module
reads all three; it does not decide which date of an entry is the published
one, and never consults the clock.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

from feedparser.datetimes import _parse_date as _feedparser_date

_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9
_MONTH = r"(?P<{}>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DASH = r"\s*(?:-|–|—|to|until|bis)\s*"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# "12–14 March 2027", "12 March – 2 April 2027", "12 March 2027"
_DAY_FIRST = re.compile(
    r"\b(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?(?:\s+" + _MONTH.format("m1") + r")?"
    r"(?:"
    + _DASH
    + r"(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?)?\s+"
    + _MONTH.format("m2")
    + r",?\s+"
    + _YEAR
    + r"\b",
    re.IGNORECASE,
)
# "March 12-14, 2027", "March 30 – April 2, 2027", "March 12, 2027"
_MONTH_FIRST = re.compile(
    r"\b" + _MONTH.format("m1") + r"\s+(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?"
    r"(?:" + _DASH + r"(?:" + _MONTH.format("m2") + r"\s+)?(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?)?"
    r",?\s+" + _YEAR + r"\b",
    re.IGNORECASE,
)


def from_struct(value: time.struct_time | None) -> datetime | None:
    """feedparser's ``*_parsed`` values are UTC struct_times; make them aware datetimes."""
    if value is None:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (ValueError, TypeError, OverflowError):
        return None


def to_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC: a feed that gives no zone gives us nothing better."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def from_text(value: object) -> datetime | None:
    """Parse an ISO 8601, RFC 822 or any other date feedparser knows; None when unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return to_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return to_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    return from_struct(_feedparser_date(text))


def midnight(day: date) -> datetime:
    """All-day dates become 00:00 UTC of that date, as EventInfo promises."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def date_range_in_text(text: str) -> tuple[datetime, datetime] | None:
    """Find the first "12–14 March 2027"-style date or range in prose.

    Returns the start and the exclusive end (midnight after the last day), the
    same convention iCalendar uses for all-day events.
    """
    for pattern in (_DAY_FIRST, _MONTH_FIRST):
        match = pattern.search(text)
        if match is None:
            continue
        found = _range_from_match(match)
        if found is not None:
            return found
    return None


def _range_from_match(match: re.Match[str]) -> tuple[datetime, datetime] | None:
    parts = match.groupdict()
    year = int(parts["year"])
    first_month = _MONTHS[(parts["m1"] or parts["m2"]).lower()]
    last_month = _MONTHS[(parts["m2"] or parts["m1"]).lower()]
    first_day = int(parts["d1"])
    last_day = int(parts["d2"]) if parts["d2"] else first_day
    try:
        start = date(year, first_month, first_day)
        last = date(year, last_month, last_day)
    except ValueError:
        return None
    if last < start:
        return None
    return midnight(start), midnight(last + timedelta(days=1))
