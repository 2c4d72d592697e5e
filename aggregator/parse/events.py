"""Read when and where a conference entry of an RSS/Atom feed takes place.

Event feeds say it with the RSS event module (``ev:startdate``, ``ev:enddate``,
``ev:location``) or xCal elements; conference listings without them only say it
in prose ("12–14 March 2027, Vienna"). This module turns either into an
``EventInfo``, decides whether an event is online, and reads a headline that
calls the event off ("Winter School 2027 postponed"). It does not read
iCalendar files (``aggregator.parse.ical`` does) and never consults the clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from aggregator.parse import dates
from aggregator.records import EventInfo, EventStatus
from aggregator.sanitize import html_to_text

_ONLINE_RE = re.compile(
    r"\b(?:virtual|online|webinar|zoom|ms teams|microsoft teams|teams meeting|livestream|"
    r"live stream|web ?conference|remote)\b|zoom\.us/|teams\.microsoft\.com|meet\.google\.com",
    re.IGNORECASE,
)
_START_KEYS = ("ev_startdate", "xcal_dtstart", "ical_dtstart")
_END_KEYS = ("ev_enddate", "xcal_dtend", "ical_dtend")
_LOCATION_KEYS = ("ev_location", "xcal_location", "ical_location")
_STATUS_WORDS = {
    "cancelled": EventStatus.CANCELLED,
    "canceled": EventStatus.CANCELLED,
    "called off": EventStatus.CANCELLED,
    "postponed": EventStatus.POSTPONED,
    "rescheduled": EventStatus.POSTPONED,
}
_STATUS = r"(?P<status>cancell?ed|called\s+off|postponed|rescheduled)"
# "CANCELLED: Grand Rounds", "[Postponed] …", "Canceled - …" (Outlook prefixes "Canceled:").
_STATUS_FIRST_RE = re.compile(rf"^\W*{_STATUS}\s*(?:[]):|–—-]|$)", re.IGNORECASE)
# "Winter School 2027 postponed", "… has been cancelled due to …": the status word ends
# the clause. Followed by a noun ("cancelled surgeries") it describes something else, and
# by a colon it heads a session's subtitle ("Elective surgeries postponed: lessons …").
_STATUS_AFTER_RE = re.compile(
    rf"\w[\w\s.'’&/-]*?\s(?:(?:is|has\s+been|was|will\s+be|now|officially)\s+)?{_STATUS}"
    r"(?P<rest>\s*(?:$|[.!,;(|–—-]|\s(?:again|indefinitely|to|until|till|due|because|amid"
    r"|over|after|following|as)\b).*)",
    re.IGNORECASE,
)
# A headline about cancellations, not one: "Why surgeries get cancelled: a workshop".
_ABOUT_RE = re.compile(
    r"^\W*(?:why|how|when|what|managing|avoiding|reducing|preventing)\b"
    r"|\b(?:get|gets|got|getting|being|are|were)$",
    re.IGNORECASE,
)
_SPACES_RE = re.compile(r"\s+")
_DATE_ONLY_RE = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")
_BASIC_DATETIME_RE = re.compile(r"^\d{8}T\d{6}Z?$")  # xCal / iCalendar "basic" form


def looks_online(*texts: str | None) -> bool:
    """True when a location, URL or conference link says the event is virtual."""
    return any(text and _ONLINE_RE.search(text) for text in texts)


def status_in_title(title: str) -> EventStatus | None:
    """The status a headline gives its event: "Nephrology Winter School 2027 postponed",
    "CANCELLED: Grand Rounds". None when the word describes the subject ("Session on
    cancelled surgeries") or when the headline names the new date ("rescheduled to
    3–5 May 2027"): the item's dates are then likely the new ones, and the event is on."""
    first = _STATUS_FIRST_RE.match(title)
    if first is not None:
        return _STATUS_WORDS[_SPACES_RE.sub(" ", first["status"].lower())]
    after = _STATUS_AFTER_RE.search(title)
    if after is None or _ABOUT_RE.search(title[: after.start("status")].strip()):
        return None
    if dates.date_range_in_text(after["rest"]) is not None:
        return None
    return _STATUS_WORDS[_SPACES_RE.sub(" ", after["status"].lower())]


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


def event_from_entry(entry: Mapping[str, Any], text: str, *, title: str = "") -> EventInfo | None:
    """EventInfo from event-namespace elements, else from a date range in ``text``; its
    status from the ``title``."""
    event = _event_from_entry(entry, text)
    status = status_in_title(title) if event is not None else None
    return replace(event, status=status) if event is not None and status else event


def _event_from_entry(entry: Mapping[str, Any], text: str) -> EventInfo | None:
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
