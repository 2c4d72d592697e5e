"""Read iCalendar (.ics) conference and event calendars.

Every VEVENT becomes one ``ParsedItem`` with an ``EventInfo``. A recurring
series (RRULE/RDATE, with its moved or cancelled instances) is ONE item under
its UID: it is expanded with ``recurring_ical_events`` inside a horizon of 30
days back to 400 days ahead (at most ``MAX_DATES_KEPT`` dates, counted first by
``parse.rules``), its event is the next occurrence not yet over at ``now`` (else
the last one), and it carries the rule (a COUNT turned into the UNTIL of its last
date) and the coming occurrences, each one an override VEVENT changed with the date
it was moved from (its RECURRENCE-ID) and its own title and place. A series with no
occurrence inside the horizon stands by its dates over as long a window from its
next one after it, else by its last one before it. An event's zone is named by
``parse.zones``, which also places times given in an Outlook display name (EXDATE
and RDATE too; a series' EXDATEs are then given in its DTSTART's zone). Single
events and series are kept whatever their date: a listing's past conferences are
still items. A cancelled or tentative event (STATUS, or a "CANCELLED:" summary)
says so in its ``EventInfo.status``; a series' cancelled occurrences are left out of
it. The dates a series' calendar lists beside its rule are kept apart
(``EventInfo.added``, ``EventInfo.cancelled``): a date added or cancelled later
changes its hash. An item's date is when the event was announced (CREATED, else DTSTAMP, else
LAST-MODIFIED), never when it takes place. A broken event is skipped with a warning;
the calendar fails only when nothing usable is left. This module does not sniff
formats and never consults the clock (``now`` is passed in).
"""

from __future__ import annotations

import html as html_lib
import re
import warnings as python_warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta, tzinfo
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from aggregator.errors import ParseError
from aggregator.parse import dates
from aggregator.parse.boilerplate import without_title
from aggregator.parse.events import known_place, looks_online, status_in_title
from aggregator.parse.rules import counted_to_until, nth_date_from
from aggregator.parse.text import absolute_url, first_text_url, plain_to_html
from aggregator.parse.zones import display_name_zone, known_zone, zone_name
from aggregator.records import EventInfo, EventStatus, Occurrence, ParsedFeed, ParsedItem
from aggregator.sanitize import clean_html, html_to_text

HORIZON_PAST = timedelta(days=30)
HORIZON_FUTURE = timedelta(days=400)
# How many dates of a series that ended before the horizon are walked to find its last.
MAX_DATES_BEFORE = 1000
# How many dates of one series are kept: a daily series over the horizon is 430 of them.
MAX_DATES_KEPT = 1000
# A conference, a course or grand rounds never repeats every second or minute; expanding such
# a rule over the horizon is millions of dates (a hostile or broken calendar).
# Every second or minute, or never moving on (INTERVAL=0, not a positive integer as
# RFC 5545 requires: the rule's expansion loops without end).
_TOO_FREQUENT = re.compile(r"\bFREQ=(SECONDLY|MINUTELY)\b|\bINTERVAL=0*(;|$)", re.IGNORECASE)
_BEGIN = b"BEGIN:VCALENDAR"
_ANY_BEGIN = b"BEGIN:V"  # a bare VEVENT is a calendar fragment, not XML
_END = b"END:VCALENDAR"
# What a rich-text calendar editor writes into a DESCRIPTION (plain text by the standard):
# a closed element or a link, not a "<br>" a text mentions.
_RICH_TEXT_RE = re.compile(r"</(?:b|i|u|em|strong|p|ul|ol|li|div|span)>|<a\s+href=", re.IGNORECASE)
_HTML_TITLE_RE = re.compile(r"<title\b[^>]*>.*?</title\s*>", re.IGNORECASE | re.DOTALL)
_SPACE_RE = re.compile(r"\s+")
_RECURRENCE_PROPS = ("RRULE", "RDATE", "RECURRENCE-ID")
_STATUSES = {"CANCELLED": EventStatus.CANCELLED, "TENTATIVE": EventStatus.TENTATIVE}
# icalendar and recurring_ical_events raise a zoo of types on hostile input.
_BROKEN = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


def looks_like_ical(body: bytes) -> bool:
    """A calendar starts with BEGIN:VCALENDAR (or a bare BEGIN:VEVENT fragment), after a
    BOM, blank lines or an HTML comment."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<!--"):
        head = head[4:].lstrip()
    return head[: len(_ANY_BEGIN)].upper() == _ANY_BEGIN


def parse_ical(body: bytes, *, url: str, now: datetime) -> ParsedFeed:
    """Parse a calendar into one item per event or series; ParseError when none is usable."""
    text = _calendar_text(body)
    warnings: list[str] = []
    items: list[ParsedItem] = []
    title: str | None = None
    # icalendar warns (e.g. a guessed vendor TZID) instead of failing; those are
    # the admin's business, so they become feed warnings rather than log noise.
    with python_warnings.catch_warnings(record=True) as caught:
        python_warnings.simplefilter("always")
        try:
            calendars = icalendar.Calendar.from_ical(text, multiple=True)
        except _BROKEN as exc:
            raise ParseError(f"invalid iCalendar: {_first_line(exc)}") from exc
        if not calendars:
            raise ParseError("invalid iCalendar: no complete calendar (END:VCALENDAR missing)")
        for calendar in calendars:
            title = title or _text(calendar.get("X-WR-CALNAME")) or _text(calendar.get("NAME"))
            items.extend(_calendar_items(calendar, now=now, warnings=warnings))
    warnings.extend(dict.fromkeys(_first_line(Exception(w.message)) for w in caught))
    if not items and any(calendar.walk("VEVENT") for calendar in calendars):
        reason = f": {warnings[0]}" if warnings else ""
        raise ParseError(f"calendar has no usable events{reason}")
    if not items:  # a conference's calendar after its season: read, nothing in it
        warnings.append("the calendar has no events at the moment")
    return ParsedFeed(
        title=title,
        link=_text(calendars[0].get("URL")),
        items=tuple(_unique_guids(items)),
        warnings=tuple(warnings),
    )


def _calendar_text(body: bytes) -> str:
    """The VCALENDAR text alone, whatever page or comment it was wrapped in."""
    start = body.upper().find(_BEGIN)
    end = body.upper().rfind(_END)
    if start < 0:
        raise ParseError("invalid iCalendar: no BEGIN:VCALENDAR")
    chunk = body[start : end + len(_END)] if end > start else body[start:]
    return chunk.decode("utf-8", errors="replace")


def _first_line(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()
    return message[0] if message else type(exc).__name__


def _calendar_items(
    calendar: icalendar.Component, *, now: datetime, warnings: list[str]
) -> Iterator[ParsedItem]:
    recurring_uids: set[str] = set()
    for event in calendar.walk("VEVENT"):
        if any(prop in event for prop in _RECURRENCE_PROPS):
            recurring_uids.add(str(event.get("UID", "")))
    zone = _calendar_zone(calendar)
    places = _zone_places(calendar)
    for event in calendar.walk("VEVENT"):
        _place_unknown_zone_times(event, warnings)  # a series' too: it is expanded from these
        uid = str(event.get("UID", ""))
        try:
            _exdates_in_start_zone(event)
        except _BROKEN as exc:  # an EXDATE no zone can convert (0001-01-01 in Tokyo)
            warnings.append(f"skipped recurring event {uid!r}: {_first_line(exc)}")
            recurring_uids.discard(uid)
            continue
        if uid in recurring_uids:
            continue
        if zone is not None:
            _place_floating_times(event, zone)
        item = _safe_item(event, places=places, warnings=warnings)
        if item is not None:
            yield item
    if recurring_uids:
        yield from _occurrences(calendar, recurring_uids, now=now, warnings=warnings)


def _zone_places(calendar: icalendar.Component) -> dict[str, str]:
    """Each VTIMEZONE's TZID and the zone its X-LIC-LOCATION names (libical, Mozilla and
    others write it beside a TZID of their own, such as "/mozilla.org/.../Europe/Berlin")."""
    places: dict[str, str] = {}
    for vtimezone in calendar.walk("VTIMEZONE"):
        tzid, location = _text(vtimezone.get("TZID")), _text(vtimezone.get("X-LIC-LOCATION"))
        if tzid and location:
            places[tzid] = location
    return places


def _calendar_zone(calendar: icalendar.Component) -> ZoneInfo | None:
    """The zone a calendar says its floating times are in (Google's X-WR-TIMEZONE), if known."""
    name = _text(calendar.get("X-WR-TIMEZONE"))
    return known_zone(name) if name else None


def _place_floating_times(event: icalendar.Component, zone: ZoneInfo) -> None:
    """A single event's floating start and end, read in the calendar's own zone: they were
    taken as UTC (five hours off in New York), while its series, which
    ``recurring_ical_events`` reads, were placed in the zone."""
    for name in ("DTSTART", "DTEND"):
        value = _decoded(event, name)
        if isinstance(value, datetime) and value.tzinfo is None:
            del event[name]
            event.add(name, value.replace(tzinfo=zone))


def _place_unknown_zone_times(event: icalendar.Component, warnings: list[str]) -> None:
    """Times in a zone icalendar does not know ("US-Eastern", or Outlook's display name
    "(UTC-05:00) Eastern Time (US & Canada)" without its VTIMEZONE) come back without a
    zone, and were read as UTC without a word: a display name's zone is used (its fixed
    offset when its words name none, with a warning), else the admin is warned."""
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        value = _decoded(event, name)
        zone_id = getattr(_prop(event, name), "params", {}).get("TZID")  # a list when repeated
        if not (isinstance(value, datetime) and value.tzinfo is None and zone_id):
            continue
        zone = _named_zone(event, str(zone_id), value, warnings)
        if zone is None:
            return
        del event[name]
        event.add(name, value.replace(tzinfo=zone))
    _place_unknown_zone_lists(event, warnings)


def _place_unknown_zone_lists(event: icalendar.Component, warnings: list[str]) -> None:
    """EXDATE and RDATE in such a zone, placed as DTSTART is: left without a zone, an
    EXDATE in "(UTC-05:00) Eastern Time (US & Canada)" was read in the series' zone or
    as UTC, and took off another occurrence than the one its calendar cancelled."""
    for name in ("EXDATE", "RDATE"):
        props = _as_list(event.get(name))
        placed = [_placed_list(event, prop, warnings) for prop in props]
        if all(new is None for new in placed):
            continue
        del event[name]
        for prop, new in zip(props, placed, strict=True):
            if new is None:
                event.add(name, prop)
            else:
                event.add(name, new)


def _placed_list(
    event: icalendar.Component, prop: object, warnings: list[str]
) -> list[datetime] | None:
    """One EXDATE or RDATE line's times in the zone its TZID names, None when it needs
    nothing (or the zone is unknown: then the admin is warned)."""
    zone_id = getattr(prop, "params", {}).get("TZID")
    values = _line_dates(prop)
    naive = [v for v in values if isinstance(v, datetime) and v.tzinfo is None]
    if not (zone_id and naive and len(naive) == len(values)):
        return None
    zone = _named_zone(event, str(zone_id), naive[0], warnings)
    return None if zone is None else [value.replace(tzinfo=zone) for value in naive]


def _exdates_in_start_zone(event: icalendar.Component) -> None:
    """A series' EXDATEs at their own moments, given in the zone of its DTSTART.

    ``recurring_ical_events`` takes an EXDATE to cancel its moment and also the same
    clock time in the series' zone (it assumes one zone): 09:00 New York took off
    08:00 Chicago, and 09:00 Chicago too.
    """
    start = _decoded(event, "DTSTART")
    lines = _as_list(event.get("EXDATE"))
    if not (isinstance(start, datetime) and start.tzinfo is not None and lines):
        return
    zone, values = start.tzinfo, [_line_dates(line) for line in lines]
    elsewhere = (v for line in values for v in line if isinstance(v, datetime) and v.tzinfo)
    if all(value.tzinfo is zone for value in elsewhere):
        return
    del event["EXDATE"]
    for line, moments in zip(lines, values, strict=True):
        event.add("EXDATE", [_in_zone(value, zone) for value in moments] if moments else line)


def _in_zone(value: object, zone: tzinfo) -> object:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(zone)
    return value


def _line_dates(line: object) -> list[Any]:
    """An EXDATE or RDATE line's values; none from one icalendar could not read (it is
    the expansion's to skip the series with a warning)."""
    try:
        return [one.dt for one in getattr(line, "dts", [])]
    except _BROKEN:
        return []


def _named_zone(
    event: icalendar.Component, zone_id: str, value: datetime, warnings: list[str]
) -> tzinfo | None:
    """The zone a TZID icalendar did not know names (``zones.display_name_zone``), with a
    warning when it is only an offset; None, with a warning, when it names none."""
    summary = _text(event.get("SUMMARY")) or "an event"
    zone = display_name_zone(zone_id, value)
    if zone is None:
        warnings.append(f"event {summary!r}: unknown time zone {zone_id!r}: read as UTC")
    elif not isinstance(zone, ZoneInfo):
        warnings.append(
            f"event {summary!r}: time zone {zone_id!r} names no known zone: "
            "read at its offset, without daylight saving time"
        )
    return zone


def _occurrences(
    calendar: icalendar.Component, uids: set[str], *, now: datetime, warnings: list[str]
) -> Iterator[ParsedItem]:
    """Expand each recurring series inside the horizon, one series at a time.

    A series is expanded in a calendar of its own (with the time zones), so one
    broken series, or a broken unrelated event, cannot stop the others.
    """
    timezones = calendar.walk("VTIMEZONE")
    places = _zone_places(calendar)
    for uid in sorted(uids):
        series = icalendar.Calendar()
        series.update(calendar)
        for component in (*timezones, *calendar.walk("VEVENT")):
            if component.name == "VTIMEZONE" or str(component.get("UID", "")) == uid:
                series.add_component(component)
        master = _master(calendar, uid)
        rule = _rule_text(master) if master is not None else None
        if rule is not None and _TOO_FREQUENT.search(rule):
            warnings.append(
                f"skipped recurring event {uid!r}: it repeats every second or minute, or never"
            )
            continue
        try:
            item = _series(series, uid, rule, now=now, places=places, warnings=warnings)
        except _BROKEN as exc:
            warnings.append(f"skipped recurring event {uid!r}: {_first_line(exc)}")
            continue
        if item is not None:
            yield item


def _series(
    series: icalendar.Calendar,
    uid: str,
    rule: str | None,
    *,
    now: datetime,
    places: Mapping[str, str],
    warnings: list[str],
) -> ParsedItem | None:
    """One series' item, or None. Everything read from the series is read here, inside
    the caller's guard: a date listed beside the rule that no zone can convert (0001-01-01
    in Tokyo is before 0001-01-01 UTC) failed the whole calendar when it was read outside."""
    master = _master(series, uid)
    query = recurring_ical_events.of(series)
    occurrences = _dates(query, master, now=now, warnings=warnings)
    if rule is not None and master is not None:
        rule = counted_to_until(rule, _decoded(master, "DTSTART"), MAX_DATES_KEPT)
    if occurrences is None:
        warnings.append(f"skipped recurring event {uid!r}: over {MAX_DATES_BEFORE} dates, all past")
        return None
    changed = _changed_dates(series)
    item = _series_item(occurrences, rule, changed, now=now, places=places, warnings=warnings)
    if item is None or item.event is None:
        return None
    return replace(item, event=_with_listed_dates(item.event, series))


def _dates(
    query: recurring_ical_events.CalendarQuery,
    master: icalendar.Component | None,
    *,
    now: datetime,
    warnings: list[str],
) -> list[Any] | None:
    """A series' dates inside the horizon; for one with none there, those of a horizon's
    length from its next date after it (a series of five yearly congresses from 2029 was
    its first alone, and went out to subscribers as that one date), else its last
    before it (a series that ended is past, not gone: it was dropped, and a calendar of
    ended series failed as having no events).

    Read lazily and bounded: an infinite RRULE is never expanded. A series with more
    than ``MAX_DATES_BEFORE`` dates, all before the horizon, gives None: its last date
    reached would be years before its real last one.
    """
    kept = _dates_kept(query, master, now - HORIZON_PAST, warnings)
    later = [] if kept else list(islice(query.after(now + HORIZON_FUTURE), 1))
    if later:
        kept = _dates_kept(query, master, _as_utc(_decoded(later[0], "DTSTART")), warnings)
    if kept or later:
        return kept or later
    dates = list(islice(query.all(), MAX_DATES_BEFORE + 1))
    return dates[-1:] if len(dates) <= MAX_DATES_BEFORE else None


def _dates_kept(
    query: recurring_ical_events.CalendarQuery,
    master: icalendar.Component | None,
    start: datetime,
    warnings: list[str],
) -> list[Any]:
    """A series' dates over a horizon's length from ``start``, at most ``MAX_DATES_KEPT``
    of them: the window ends at the rule's date after the last one kept, with a warning.

    An hourly rule was expanded over the whole horizon, 10,000 dates, each made an
    event and an item, where a daily one is 430; its dates are counted first, cheaply.
    """
    stop, cut = start + HORIZON_PAST + HORIZON_FUTURE, False
    if master is not None:
        rule, dtstart = _rule_text(master), _decoded(master, "DTSTART")
        beyond = nth_date_from(rule, dtstart, start, MAX_DATES_KEPT)
        if beyond is not None and beyond < stop:
            stop, cut = beyond, True
    found = sorted(query.between(start, stop), key=lambda o: _as_utc(_decoded(o, "DTSTART")))
    if cut or len(found) > MAX_DATES_KEPT:
        uid = _text(found[0].get("UID")) if found else None
        warnings.append(
            f"recurring event {uid!r}: only its first {MAX_DATES_KEPT} dates from "
            f"{start:%d %b %Y} are kept (it repeats too often to list them all)"
        )
    return found[:MAX_DATES_KEPT]


def _changed_dates(series: icalendar.Component) -> frozenset[datetime]:
    """The rule dates (UTC) a series' override VEVENTs change: ``recurring_ical_events``
    gives every occurrence a RECURRENCE-ID, so only the calendar itself tells them apart."""
    found = (_decoded(event, "RECURRENCE-ID") for event in series.walk("VEVENT"))
    return frozenset(_as_utc(value) for value in found if isinstance(value, date))


def _with_listed_dates(event: EventInfo, series: icalendar.Component) -> EventInfo:
    """The series with the dates its calendar lists beside its rule: those it adds (RDATE)
    and those it takes off (EXDATE, an override with STATUS:CANCELLED), past ones too.
    A date added or cancelled later than the next one changes neither that date nor the
    rule: it reaches the store by these (``identity.content_hash``)."""
    added: set[datetime] = set()
    cancelled: set[datetime] = set()
    for component in series.walk("VEVENT"):
        if "RECURRENCE-ID" not in component:
            added.update(_listed(component, "RDATE"))
            cancelled.update(_listed(component, "EXDATE"))
        elif _status(component) is EventStatus.CANCELLED:
            value = _decoded(component, "RECURRENCE-ID")
            if isinstance(value, date):
                cancelled.add(_as_utc(value))
    return replace(event, added=tuple(sorted(added)), cancelled=tuple(sorted(cancelled)))


def _listed(event: icalendar.Component, name: str) -> Iterator[datetime]:
    """The dates (UTC) of an event's RDATE or EXDATE lines; a period's by its start."""
    for line in _as_list(event.get(name)):
        for value in _line_dates(line):
            start = value[0] if isinstance(value, tuple) else value
            if isinstance(start, date):
                yield _as_utc(start)


def _series_item(
    occurrences: list[icalendar.Component],
    rule: str | None,
    changed: frozenset[datetime],
    *,
    now: datetime,
    places: Mapping[str, str],
    warnings: list[str],
) -> ParsedItem | None:
    """One item for a series: the next occurrence not yet over, with the rule and what follows.

    An occurrence its calendar cancelled (a RECURRENCE-ID with STATUS:CANCELLED, which
    ``recurring_ical_events`` still returns) is not one of its dates; a series cancelled
    as a whole keeps them, and says so in its status.
    """
    dated = [
        (item.event, item, _recurrence_id(event, changed))
        for event in occurrences
        for item in [_safe_item(event, places=places, warnings=warnings)]
        if item is not None and item.event is not None
    ]
    if not dated:
        return None
    dated = [one for one in dated if one[0].status is not EventStatus.CANCELLED] or dated
    dated.sort(key=lambda one: one[0].start)
    coming = [one for one in dated if (one[0].end or one[0].start) >= now] or dated[-1:]
    info, item, _ = coming[0]
    listed = tuple(_occurrence(event, other, item, moved) for event, other, moved in coming)
    series = replace(info, rule=rule, occurrences=listed)
    return replace(item, guid=_text(occurrences[0].get("UID")), event=series)


def _recurrence_id(event: icalendar.Component, changed: frozenset[datetime]) -> datetime | None:
    """The occurrence's rule date (UTC) when an override VEVENT changed it, else None."""
    value = _decoded(event, "RECURRENCE-ID")
    moment = _as_utc(value) if isinstance(value, date) else None
    return moment if moment in changed else None


def _occurrence(
    event: EventInfo, item: ParsedItem, series: ParsedItem, recurrence_id: datetime | None
) -> Occurrence:
    """One date of the series, with its title and place where they are not the series
    item's (which is its next occurrence's: the rest differ when that one was renamed).
    An override without a LOCATION is taken to be where its series is: calendars that
    write overrides by hand often give only the new times."""
    series_place = series.event.location if series.event is not None else None
    return Occurrence(
        event.start,
        event.end,
        recurrence_id=recurrence_id,
        title=item.title if item.title != series.title else None,
        location=event.location if event.location not in (None, series_place) else None,
    )


def _master(calendar: icalendar.Component, uid: str) -> icalendar.Component | None:
    """The series' event that holds its RRULE (a series of RDATEs alone has none)."""
    for event in calendar.walk("VEVENT"):
        if str(event.get("UID", "")) == uid and "RRULE" in event and "RECURRENCE-ID" not in event:
            return event
    return None


def _rule_text(master: icalendar.Component) -> str:
    """The series' RRULE as iCalendar text."""
    rrule = master["RRULE"]
    rrule = rrule[0] if isinstance(rrule, list) else rrule
    text = rrule.to_ical()
    return (text.decode() if isinstance(text, bytes) else str(text))[:500]


def _safe_item(
    event: icalendar.Component, *, places: Mapping[str, str], warnings: list[str]
) -> ParsedItem | None:
    name = _text(event.get("SUMMARY")) or _text(event.get("UID")) or "an event"
    try:
        return _item(event, places)
    except _BROKEN as exc:
        warnings.append(f"skipped event {name!r}: {_first_line(exc)}")
    except _NoStart:
        warnings.append(f"skipped event {name!r}: no usable DTSTART")
    return None


class _NoStart(Exception):
    """An event without a readable start cannot be shown on a calendar."""


def _item(event: icalendar.Component, places: Mapping[str, str]) -> ParsedItem:
    info = _event_info(event, places)
    title = _text(event.get("SUMMARY")) or ""
    return ParsedItem(
        guid=_text(event.get("UID")),
        url=info.url,
        title=title,
        summary=without_title(_description(event), title),
        published=_announced(event),
        updated=_moment(event, "LAST-MODIFIED"),
        image=_image(event),
        tags=_categories(event),
        event=info,
    )


def _event_info(event: icalendar.Component, places: Mapping[str, str]) -> EventInfo:
    raw_start = _decoded(event, "DTSTART")
    if not isinstance(raw_start, date):
        raise _NoStart
    all_day = not isinstance(raw_start, datetime)
    start = _as_utc(raw_start)
    end = _end(event, raw_start, start, all_day=all_day)
    location = known_place(_text(event.get("LOCATION")))
    url = _event_url(event)
    conference = " ".join(str(value) for value in _as_list(event.get("CONFERENCE")))
    return EventInfo(
        start=start,
        end=end,
        timezone=_zone_name(raw_start, _prop(event, "DTSTART"), places),
        location=location,
        online=looks_online(location, url, conference) or bool(conference),
        url=url,
        all_day=all_day,
        status=_status(event),
    )


def _event_url(event: icalendar.Component) -> str | None:
    """URL, else the first web address of DESCRIPTION: calendars without a URL property
    write the registration link into the text, and the event had no link to follow."""
    url = absolute_url(_text(event.get("URL")), None)
    description = event.get("DESCRIPTION")
    if url is None and description is not None:
        return absolute_url(first_text_url(_unescaped(description)), None)
    return url


def _status(event: icalendar.Component) -> EventStatus | None:
    """STATUS:CANCELLED or TENTATIVE, else what the summary says ("Canceled: …", as Outlook
    renames a cancelled meeting); CONFIRMED, or no word, is None."""
    status = _STATUSES.get(str(event.get("STATUS", "")).strip().upper())
    return status or status_in_title(_text(event.get("SUMMARY")) or "")


def _end(
    event: icalendar.Component, raw_start: date, start: datetime, *, all_day: bool
) -> datetime | None:
    """DTEND, else DTSTART + DURATION, else the end of an all-day event's single day.

    An all-day DTEND at or before its DTSTART (calendars write a one-day event with
    both on the day) is that day's end too: kept as given, the event was over at the
    start of its own day and listed as past on it.
    """
    raw_end = _decoded(event, "DTEND")
    if isinstance(raw_end, date):
        end = _as_utc(raw_end)
        if all_day and end <= start:
            return start + timedelta(days=1)
        return end if end >= start else None
    duration = _decoded(event, "DURATION")
    if isinstance(duration, timedelta):
        return start + duration
    return start + timedelta(days=1) if all_day else None


def _decoded(event: icalendar.Component, name: str) -> Any:
    """A property's value; the first, when one the standard allows once is repeated (a
    DTSTART given twice left the event without a start)."""
    if name not in event:
        return None
    value = event.decoded(name)
    return value[0] if isinstance(value, list) and value else value


def _prop(event: icalendar.Component, name: str) -> Any:
    """A property as written, with its parameters; the first when it is repeated."""
    prop = event.get(name)
    return prop[0] if isinstance(prop, list) and prop else prop


def _as_utc(value: date) -> datetime:
    """Dates become 00:00 UTC; floating times are taken as UTC; zoned times are converted."""
    if isinstance(value, datetime):
        return dates.to_utc(value)
    return dates.midnight(value)


def _zone_name(value: date, prop: object, places: Mapping[str, str]) -> str | None:
    """The IANA name of the zone a start is given in (``zones``), None for a date or a
    floating time."""
    if not isinstance(value, datetime):
        return None
    tzid = getattr(prop, "params", {}).get("TZID")
    return zone_name(value, tzid if isinstance(tzid, str) else None, places)


def _moment(event: icalendar.Component, name: str) -> datetime | None:
    value = _decoded(event, name)
    return dates.plausible(_as_utc(value)) if isinstance(value, date) else None


def _announced(event: icalendar.Component) -> datetime | None:
    """When the event was announced: its place in the stream, never its own date."""
    return _moment(event, "CREATED") or _moment(event, "DTSTAMP") or _moment(event, "LAST-MODIFIED")


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _description(event: icalendar.Component) -> str:
    """The event's description as sanitized HTML.

    DESCRIPTION is plain text by the standard, but Google Calendar writes the HTML of its
    rich-text editor into it ("<b>Speaker:</b> Dr A<br>"), which was shown as tags;
    Outlook gives an HTML copy in X-ALT-DESC (FMTTYPE=text/html), taken first.
    """
    alternatives = event.get("X-ALT-DESC")
    for alternative in alternatives if isinstance(alternatives, list) else [alternatives]:
        if "html" in str(getattr(alternative, "params", {}).get("FMTTYPE", "")).lower():
            html = clean_html(_HTML_TITLE_RE.sub("", str(alternative)))
            if html_to_text(html):
                return html  # an empty HTML copy gives way to the text
    description = event.get("DESCRIPTION")
    if description is not None and _RICH_TEXT_RE.search(str(description)):
        return clean_html(str(description))
    return plain_to_html(_unescaped(description))


def _unescaped(value: object) -> str:
    """Calendar text with HTML entities some generators leave in it decoded."""
    return html_lib.unescape(str(value)) if value is not None else ""


def _text(value: object) -> str | None:
    """One-line plain text of a property (SUMMARY, LOCATION, UID, ...)."""
    if value is None:
        return None
    text = _SPACE_RE.sub(" ", _unescaped(value)).strip()
    return text or None


def _categories(event: icalendar.Component) -> tuple[str, ...]:
    found: list[str] = []
    for prop in _as_list(event.get("CATEGORIES")):
        for category in getattr(prop, "cats", [prop]):
            text = _text(category)
            if text:
                found.append(text)
    return tuple(dict.fromkeys(found))


def _image(event: icalendar.Component) -> str | None:
    for prop in _as_list(event.get("IMAGE")):
        url = absolute_url(_text(prop), None)
        if url:
            return url
    return None


def _unique_guids(items: Iterable[ParsedItem]) -> Iterator[ParsedItem]:
    """Two VEVENTs with one UID and no RECURRENCE-ID are a broken calendar; keep both apart."""
    seen: set[str] = set()
    for item in items:
        if item.guid is not None and item.guid in seen and item.event is not None:
            item = replace(item, guid=f"{item.guid}@{item.event.start.isoformat()}")
        if item.guid is not None:
            seen.add(item.guid)
        yield item
