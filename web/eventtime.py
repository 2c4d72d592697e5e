"""Event times as a reader wants them: in the event's own zone, a series by its next date.

A conference in Chicago reads "2 Dec 2026, 12:30 CST" (UTC in the hover text),
a recurring series shows its next occurrence not yet over and its rule in
words ("weekly on Wednesdays, 12:30 CST, until 30 Jun 2027"). Template filters
over ``EventInfo`` records; no query, and the clock only to pick "next".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import vRecur

from aggregator.records import EventInfo, Occurrence

COMING_SHOWN = 12  # occurrences listed on a series' page
_DAYS = {
    "MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday",
    "FR": "Friday", "SA": "Saturday", "SU": "Sunday",
}  # fmt: skip
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
_UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
_ADVERBS = {"DAILY": "daily", "WEEKLY": "weekly", "MONTHLY": "monthly", "YEARLY": "yearly"}


_SAYS_ONLINE = re.compile(r"\b(?:online|virtual(?:ly)?|web(?:inar|cast))\b", re.IGNORECASE)


def online_unsaid(event: EventInfo) -> bool:
    """Whether "online" is worth adding after the place: an event online whose place
    does not already say so ("Conference Room 4B, and online" read "… and online ·
    online")."""
    return event.online and not _SAYS_ONLINE.search(event.location or "")


def zone_of(event: EventInfo) -> tzinfo:
    """The event's own zone (an IANA name from its calendar), else UTC."""
    if event.timezone and not event.all_day:
        try:
            return ZoneInfo(event.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder ("America")
            pass
    return UTC


def upcoming(event: EventInfo | None, now: datetime | None = None) -> EventInfo | None:
    """A series as its next occurrence not yet over at ``now`` (a single event unchanged)."""
    if event is None or not event.occurrences:
        return event
    moment = now or datetime.now(UTC)
    chosen = next((o for o in event.occurrences if (o.end or o.start) >= moment), None)
    chosen = chosen or event.occurrences[-1]
    return replace(event, start=chosen.start, end=chosen.end)


@dataclass(frozen=True)
class ComingDate:
    """One coming date of a series, for its page and the API.

    A date its calendar moved says where from: a reader who noted the original
    date looks for it there, and found the series on another day without a word.
    A date its calendar renamed or gave another place says so too: the one session
    in another hall was otherwise only in the ``.ics`` export.
    """

    event: EventInfo  # the series at this date
    moved_from: EventInfo | None = None  # the series at the date it was moved from (no end)
    title: str | None = None  # its own, where its calendar gave it another than the series'
    location: str | None = None  # likewise


def coming(event: EventInfo | None, now: datetime | None = None) -> list[ComingDate]:
    """A series' occurrences not yet over, each as an event, for its page (at most 12)."""
    if event is None:
        return []
    moment = now or datetime.now(UTC)
    dates: list[Occurrence] = [o for o in event.occurrences if (o.end or o.start) >= moment]
    return [_coming_date(event, o) for o in dates[:COMING_SHOWN]]


def _coming_date(event: EventInfo, occurrence: Occurrence) -> ComingDate:
    """Moved: its calendar gave it another start than its rule's (an override that only
    renamed it or gave it a place of its own keeps its date)."""
    original = occurrence.recurrence_id
    moved_from = None
    if original is not None and original != occurrence.start:
        moved_from = replace(event, start=original, end=None)
    return ComingDate(
        replace(event, start=occurrence.start, end=occurrence.end),
        moved_from,
        title=occurrence.title,
        location=occurrence.location,
    )


def event_dates(event: EventInfo | None) -> str:
    """ "3–5 Mar 2027", or "2 Dec 2026, 12:30 CST" for a one-day timed event, in its own zone."""
    return _dates(event, None)


def event_dates_utc(event: EventInfo | None) -> str:
    """The same dates in UTC, for the hover text."""
    return _dates(event, UTC)


def _dates(event: EventInfo | None, zone: tzinfo | None) -> str:
    """All-day ends are exclusive (the day after), as in iCalendar: the last day steps back."""
    if event is None:
        return ""
    zone = zone or zone_of(event)
    start = event.start.astimezone(zone)
    end = (event.end or event.start).astimezone(zone)
    if event.all_day and end > start:
        end -= timedelta(days=1)
    if end.date() <= start.date():
        return _day(start) if event.all_day else f"{_day(start)}, {_clock(start)}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{_day(end)}"
    if start.year == end.year:
        return f"{start.strftime('%-d %b')} – {_day(end)}"
    return f"{_day(start)} – {_day(end)}"


def _day(moment: datetime) -> str:
    return moment.strftime("%-d %b %Y")


def _clock(moment: datetime) -> str:
    """ "12:30 CST": the zone's own abbreviation for that date (daylight saving included)."""
    return f"{moment:%H:%M} {moment.tzname() or 'UTC'}"


def repeats(event: EventInfo | None) -> str:
    """A series' rule in words: "weekly on Wednesdays, 12:30 CST, until 30 Jun 2027".

    "" for a single event; "on several dates" for a series given only as dates
    (RDATE) or a rule too unusual to say briefly.
    """
    if event is None:
        return ""
    if not event.rule:
        return "on several dates" if len(event.occurrences) > 1 else ""
    try:
        rule = vRecur.from_ical(event.rule)
    except ValueError:
        return "on several dates"
    frequency = str(_first(rule, "FREQ") or "")
    if frequency not in _UNITS:
        return "on several dates"
    parts = [_how_often(frequency, int(str(_first(rule, "INTERVAL") or 1)))]
    on = _on_days(rule, frequency)
    if on:
        parts[0] += f" on {on}"
    if not event.all_day:
        parts.append(_clock(event.start.astimezone(zone_of(event))))
    until, count = _first(rule, "UNTIL"), _first(rule, "COUNT")
    if isinstance(until, datetime):
        parts.append(f"until {_day(until.astimezone(zone_of(event)))}")
    elif isinstance(until, date):  # an all-day series' (a COUNT is read as one: ``parse.rules``)
        parts.append(f"until {until:%-d %b %Y}")
    elif count:
        parts.append(f"{count} times")
    return ", ".join(parts)


def _first(rule: vRecur, key: str) -> object:
    values = rule.get(key) or []
    return values[0] if values else None


def _how_often(frequency: str, interval: int) -> str:
    if interval <= 1:
        return _ADVERBS[frequency]
    return f"every {interval} {_UNITS[frequency]}s"


def _on_days(rule: vRecur, frequency: str) -> str:
    """ "Wednesdays", "Mondays and Thursdays", "the first Monday", "day 15"."""
    days = [str(day) for day in rule.get("BYDAY") or []]
    if days:
        return _join([_weekday(day) for day in days])
    month_days = [int(day) for day in rule.get("BYMONTHDAY") or []]
    if month_days and frequency in ("MONTHLY", "YEARLY"):
        return "day " + _join([str(day) for day in month_days])
    return ""


def _weekday(day: str) -> str:
    name = _DAYS.get(day[-2:].upper(), day)
    ordinal = day[:-2]
    if ordinal.lstrip("+-").isdigit():
        return f"the {_ORDINALS.get(int(ordinal), ordinal)} {name}"
    return f"{name}s"


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
