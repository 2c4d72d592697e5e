"""Read when and where a conference entry of an RSS/Atom feed takes place.

Event feeds say it with the RSS event module (``ev:startdate``, ``ev:enddate``,
``ev:location``) or xCal elements; conference listings without them only say it
in prose ("12–14 March 2027, Vienna"). This module turns either into an
``EventInfo``, and decides whether an event is online. It does not read
iCalendar files (``aggregator.parse.ical`` does) and never consults the clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from aggregator.parse import dates
from aggregator.records import EventInfo
from aggregator.sanitize import html_to_text

_ONLINE_RE = re.compile(
    r"\b(?:virtual|online|webinar|zoom|ms teams|microsoft teams|teams meeting|livestream|"
    r"live stream|web ?conference|remote)\b|zoom\.us/|teams\.microsoft\.com|meet\.google\.com",
    re.IGNORECASE,
)
_START_KEYS = ("ev_startdate", "xcal_dtstart", "ical_dtstart")
_END_KEYS = ("ev_enddate", "xcal_dtend", "ical_dtend")
_LOCATION_KEYS = ("ev_location", "xcal_location", "ical_location")
_DATE_ONLY_RE = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")
_BASIC_DATETIME_RE = re.compile(r"^\d{8}T\d{6}Z?$")  # xCal / iCalendar "basic" form


def looks_online(*texts: str | None) -> bool:
    """True when a location, URL or conference link says the event is virtual."""
    return any(text and _ONLINE_RE.search(text) for text in texts)


def _first(entry: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _event_time(value: str | None) -> tuple[datetime | None, bool]:
    """A namespace date and whether it was a bare date (an all-day event)."""
    if value is None:
        return None, False
    try:
        if _DATE_ONLY_RE.match(value):
            day = datetime.strptime(value.replace("-", ""), "%Y%m%d").date()
            return dates.midnight(day), True
        if _BASIC_DATETIME_RE.match(value):
            parsed = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
            return dates.to_utc(parsed), False
    except ValueError:
        return None, False
    return dates.from_text(value), False


def event_from_entry(entry: Mapping[str, Any], text: str) -> EventInfo | None:
    """EventInfo from event-namespace elements, else from a date range in ``text``."""
    start, all_day = _event_time(_first(entry, _START_KEYS))
    location_raw = _first(entry, _LOCATION_KEYS)
    location = html_to_text(location_raw) if location_raw else None
    if start is not None:
        end, end_is_date = _event_time(_first(entry, _END_KEYS))
        if end is not None and end_is_date:
            end += timedelta(days=1)  # the event module's end date is inclusive; ours is not
        return EventInfo(
            start=start,
            end=end,
            location=location,
            online=looks_online(location),
            all_day=all_day,
        )
    timed = dates.timed_range_in_text(text)
    if timed is not None:
        start, end, zone = timed
        return EventInfo(start=start, end=end, timezone=zone, location=location,
                         online=looks_online(location, text), all_day=False)  # fmt: skip
    found = dates.date_range_in_text(text)
    if found is None:
        return None
    return EventInfo(
        start=found[0],
        end=found[1],
        location=location,
        online=looks_online(location, text),
        all_day=True,
    )
