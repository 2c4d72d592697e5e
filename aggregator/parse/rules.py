"""A recurring series' RRULE as dates, read with dateutil, for the iCalendar reader.

Two questions ``parse.ical`` asks before it expands a series with
``recurring_ical_events``, which builds a whole event for each date: where to
stop so that a rule repeating every hour is not 10,000 events, and which date a
COUNT ends on, so that the series can be handed on from any of its dates. Both
are answered from the rule's text and its DTSTART alone, a date at a time and
never more than asked for; this module reads no calendar and no clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import islice

from dateutil.rrule import rrulestr
from icalendar import vRecur

# dateutil and icalendar raise these on a rule they cannot read, or an UNTIL of the
# wrong kind for its DTSTART (RFC 5545 asks for UTC beside a zoned start).
_UNREADABLE = (ValueError, TypeError, KeyError, IndexError, OverflowError)


def nth_date_from(rule: str, dtstart: date, start: datetime, n: int) -> datetime | None:
    """The rule's date ``n`` places after its first at or after ``start`` (counting from 0),
    None when it has no such date or the rule cannot be read."""
    moments = _dates(rule, dtstart)
    if moments is None:
        return None
    first = _comparable(start, dtstart)
    try:
        found = list(islice((m for m in moments if m >= first), n, n + 1))
    except _UNREADABLE:
        return None
    return _as_aware(found[0]) if found else None


def counted_to_until(rule: str, dtstart: date, most: int) -> str:
    """The rule with its COUNT turned into the UNTIL of its last date, so that it says the
    same read from any of its dates (``/conferences.ics`` gives a series from its next
    date on: a COUNT would count again from there, and was cut to the dates medfeed
    listed). Unchanged without a COUNT, with one over ``most``, or when unreadable."""
    try:
        recur = vRecur.from_ical(rule)
        count = int(str(recur.get("COUNT", [0])[0]))
    except _UNREADABLE:
        return rule
    moments = _dates(rule, dtstart)
    if not 0 < count <= most or moments is None:
        return rule
    try:
        last = list(islice(moments, count))[-1]
    except (*_UNREADABLE, IndexError):
        return rule
    del recur["COUNT"]
    if not isinstance(dtstart, datetime):
        recur["UNTIL"] = [last.date()]
    elif dtstart.tzinfo is None:
        recur["UNTIL"] = [last]  # floating, as its start is
    else:
        recur["UNTIL"] = [last.astimezone(UTC)]
    text = recur.to_ical()
    return text.decode() if isinstance(text, bytes) else str(text)


def _dates(rule: str, dtstart: date) -> Iterator[datetime] | None:
    start = dtstart if isinstance(dtstart, datetime) else datetime(*dtstart.timetuple()[:3])
    try:
        return iter(rrulestr(rule, dtstart=start))
    except _UNREADABLE:
        return None


def _comparable(moment: datetime, dtstart: date) -> datetime:
    """``moment`` as the rule's dates are given: zoned for a zoned start, else a naive UTC
    time (floating times and dates are taken as UTC by the reader)."""
    if isinstance(dtstart, datetime) and dtstart.tzinfo is not None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _as_aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
