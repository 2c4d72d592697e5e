"""Decide an item's place in time: which date the stream shows, and whether it is listed.

``published`` is the source's own date whenever the document gives a usable
one; first-seen only when it gives none, or one more than a day ahead of us
(a clock or template error; it would sit atop the stream for years). Events
carry their announcement date from the parser (never an occurrence date); an
event already over when medfeed first sees it is kept for the calendar but
never enters the stream or the feeds as new. Pure decisions over records and a
``now`` the caller passes: no database, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aggregator.records import EventInfo, ParsedItem

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)  # before this a feed date is a placeholder
LATEST = datetime(2200, 1, 1, tzinfo=UTC)  # after this, too (9999-12-31 is common)
FUTURE_SLACK = timedelta(days=1)
FROM_SOURCE = "source"
FROM_FIRST_SEEN = "first_seen"


@dataclass(frozen=True)
class Dating:
    published: datetime
    published_from: str  # FROM_SOURCE | FROM_FIRST_SEEN
    in_stream: bool


def source_date(item: ParsedItem, now: datetime) -> datetime | None:
    """The source's date when it can be believed at ``now``; None means "use first-seen"."""
    published = item.published
    if published is None or published > now + FUTURE_SLACK:
        return None
    return published


def date_new_item(item: ParsedItem, now: datetime) -> Dating:
    """The dating of an item seen for the first time at ``now``."""
    published = source_date(item, now)
    listed = not has_ended(item.event, now)
    if published is None:
        return Dating(now, FROM_FIRST_SEEN, listed)
    return Dating(published, FROM_SOURCE, listed)


def has_ended(event: EventInfo | None, now: datetime) -> bool:
    """True for an event (or a whole series) that is over at ``now``."""
    if event is None:
        return False
    return last_end(event) < now


def last_end(event: EventInfo) -> datetime:
    """When an event, or the last known occurrence of a series, is over."""
    ends = [o.end or o.start for o in event.occurrences] + [event.end or event.start]
    return max(ends)


def revised(
    published: datetime, source_updated: datetime | None, written: datetime, ours: datetime | None
) -> datetime | None:
    """When a stored item last changed in a way its readers should be told of, or None.

    The source's own updated date when it can be believed (not before the item's
    publication, and not more than a day past ``written``, when the row was last
    written: a template's year 2099 would date the whole feed), or ``ours``, when
    medfeed rewrote its text after first storing it, whichever is later.
    """
    believed = (
        source_updated
        if source_updated is not None and published <= source_updated <= written + FUTURE_SLACK
        else None
    )
    dates = [date for date in (believed, ours) if date is not None and date >= published]
    return max(dates, default=None)
