"""A conference as the VEVENTs of ``/conferences.ics``, for a subscriber's calendar.

A single event is one VEVENT in UTC. A recurring series keeps its RRULE, from
its next occurrence on, in its own time zone; a series given as dates keeps
them, as RDATE (in UTC). An occurrence its calendar cancelled is an EXDATE of the
series (a series given as dates just lists it no longer). One its calendar moved,
or gave a title or place of its own, is an override VEVENT (RFC 5545 3.8.4.4),
in either kind of series: the series' UID, a RECURRENCE-ID naming the date the
rule (or the RDATE) gives it, and its own times: an EXDATE alone, as it was
exported before, took the moved date from subscribers altogether. Builds
``icalendar`` components from stored records; reads nothing and formats nothing
else.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import islice

from dateutil.rrule import rrulestr
from flask import url_for
from icalendar import Event, vRecur

from aggregator.records import EventInfo, EventStatus, Occurrence, StoredItem
from aggregator.sanitize import html_to_text, xml_safe

from .eventtime import zone_of
from .present import web_link

MAX_SERIES_DATES = 1000  # rule dates weighed against a series' known occurrences (EXDATE)


def conference_vevents(item: StoredItem, event: EventInfo, host: str) -> list[Event]:
    """The item's VEVENTs; ``event`` is the item's, at its next occurrence (``upcoming``).

    The UID is the item's, so an edited event replaces its old copy.
    """
    if not event.occurrences:
        vevent = _vevent(item, event, host, title=item.title)
        if event.rule:
            vevent.add("rrule", _rule(event, [event.start]))
        return [vevent]
    coming = [o for o in event.occurrences if o.start >= event.start] or [event.occurrences[-1]]
    series, title = _series_event(event, coming), _series_title(item, coming)
    vevent = _vevent(item, series, host, title=title)
    if event.rule:
        rule = _rule(series, [o.rule_date for o in coming])
        vevent.add("rrule", rule)
        if cancelled := _cancelled(series, rule, coming):
            vevent.add("exdate", cancelled)
    elif later := _later_dates(series, coming):
        vevent.add("rdate", later)
    changed = [o for o in coming if o.recurrence_id is not None]
    return [vevent, *(_override(item, series, o, host) for o in changed)]


def _series_event(event: EventInfo, coming: list[Occurrence]) -> EventInfo:
    """The series as its rule gives it: from the rule date of its next occurrence (a moved
    one started the series on its new date, and the rule repeated from there), as long
    and where its first occurrence the calendar left alone is."""
    plain = next((o for o in coming if o.recurrence_id is None), coming[0])
    start = min(o.rule_date for o in coming)
    end = start + (plain.end - plain.start) if plain.end else None
    return replace(event, start=start, end=end, location=plain.location or event.location)


def _series_title(item: StoredItem, coming: list[Occurrence]) -> str:
    """The item's title is its next occurrence's, which may be one renamed."""
    plain = next((o for o in coming if o.recurrence_id is None), None)
    return (plain.title if plain else None) or item.title


def _override(item: StoredItem, series: EventInfo, occurrence: Occurrence, host: str) -> Event:
    """One changed occurrence: its own times, title and place under the series' UID."""
    moved = replace(
        series,
        start=occurrence.start,
        end=occurrence.end,
        location=occurrence.location or series.location,
    )
    vevent = _vevent(item, moved, host, title=occurrence.title or item.title)
    rule_date = _span(replace(series, start=occurrence.rule_date, end=None))[0]
    vevent.add("recurrence-id", rule_date)
    return vevent


def _vevent(item: StoredItem, event: EventInfo, host: str, *, title: str) -> Event:
    """One VEVENT's times and texts, without its recurrence.

    Its texts go without the controls RFC 5545 forbids (``xml_safe`` drops the same
    ones but the tab): rows stored before the parse stage dropped them may hold some.
    """
    permalink = url_for("pages.item", item_id=item.id, _external=True)
    vevent = Event()
    vevent.add("uid", f"item-{item.id}@{host}")
    # The item's own revision time, not "now": the body stays the same between edits.
    vevent.add("dtstamp", (item.updated or item.published).astimezone(UTC))
    start, end = _span(event)
    vevent.add("dtstart", start)
    if end is not None:
        vevent.add("dtend", end)
    if event.status is EventStatus.TENTATIVE:
        vevent.add("status", "TENTATIVE")
    vevent.add("summary", xml_safe(title))
    if event.location:
        vevent.add("location", xml_safe(event.location))
    vevent.add("url", web_link(event.url) or web_link(item.url) or permalink)
    vevent.add("description", xml_safe(_description(item, permalink)))
    if event.online:
        vevent.add("x-medfeed-online", "TRUE")
        if web_link(event.url):
            vevent.add("conference", event.url, parameters={"VALUE": "URI"})
    return vevent


def _span(event: EventInfo) -> tuple[date | datetime, date | datetime | None]:
    """All-day events as DATE values with the exclusive end iCalendar expects; others in
    UTC, or in the event's own zone for a series (its rule repeats in local time).

    A timed event without a known end gets no DTEND (iCalendar forbids an end
    that is not after the start).
    """
    zone = zone_of(event) if event.rule else UTC
    start, end = event.start.astimezone(zone), (event.end or event.start).astimezone(zone)
    if event.all_day:
        first = start.date()
        return first, max(end.date(), first + timedelta(days=1))
    return start, end if end > start else None


def _rule(event: EventInfo, rule_dates: list[datetime]) -> vRecur:
    """The series' RRULE from its next occurrence on: a COUNT would count from there, so
    it becomes an UNTIL at the last rule date medfeed knows (the parse stage gives a
    COUNT of up to 1,000 dates as the UNTIL of its last date already: this is for a
    longer one, and for series stored before it did). An all-day series' UNTIL
    is a date, as its DTSTART is (RFC 5545 asks for the same type)."""
    rule = vRecur.from_ical(event.rule or "")
    if "COUNT" in rule and event.occurrences:
        del rule["COUNT"]
        rule["UNTIL"] = [max(rule_dates).astimezone(UTC)]
    if event.all_day and "UNTIL" in rule:
        rule["UNTIL"] = [u.date() if isinstance(u, datetime) else u for u in rule["UNTIL"]]
    return rule


def _later_dates(series: EventInfo, coming: list[Occurrence]) -> list[date | datetime]:
    """A series given as dates (RDATE, no rule): its coming dates after the one it starts
    on (it went out as that one date alone). A moved one is listed at the date it was
    moved from, which its override names: listed at its new date, it went out without
    its own title or place."""
    later = sorted(o.rule_date for o in coming if o.rule_date > series.start)
    return [moment.date() if series.all_day else moment for moment in later]


def _cancelled(event: EventInfo, rule: vRecur, coming: list[Occurrence]) -> list[date | datetime]:
    """The dates ``rule`` gives from the series' start to its last known rule date that
    no coming occurrence stands on or was moved from: the ones its calendar cancelled
    (EXDATE, or an occurrence moved to a date already past), which a subscriber's
    client would otherwise bring back."""
    known = {o.rule_date for o in coming}
    last = max(known)
    start = _span(event)[0]
    if isinstance(start, datetime):
        first: datetime = start
    else:  # all day: walk the dates as naive midnights, as the rule is read for DATE values
        first = datetime(start.year, start.month, start.day)
        rule = vRecur(rule)
        if "UNTIL" in rule:
            rule["UNTIL"] = [datetime(u.year, u.month, u.day) for u in rule["UNTIL"]]
    cancelled: list[date | datetime] = []
    dates = rrulestr(rule.to_ical().decode(), dtstart=first)
    for moment in islice(dates, MAX_SERIES_DATES):
        at_utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        if at_utc > last:
            break
        if at_utc not in known:
            cancelled.append(moment.date() if event.all_day else moment)
    return cancelled


def _description(item: StoredItem, permalink: str) -> str:
    parts = [html_to_text(item.summary)]
    if item.event is not None and item.event.online:
        parts.append("Online event.")
    parts.append(f"{item.source.name} — {permalink}")
    return "\n\n".join(part for part in parts if part)
