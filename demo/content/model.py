"""Plain records for the demo content; ``demo/build.py`` renders them into feed formats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone


def at(local: str, offset_hours: float) -> datetime:
    """A local wall-clock time ("2026-11-19 16:40") at a fixed UTC offset."""
    zone = timezone(timedelta(hours=offset_hours))
    return datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=zone)


@dataclass(frozen=True)
class News:
    guid: str
    url: str
    published: datetime
    title: str
    summary: str  # HTML
    categories: tuple[str, ...] = ()
    author: str | None = None
    image: str | None = None  # relative to the feed file


@dataclass(frozen=True)
class Article:
    doi: str
    url: str
    published: datetime
    title: str
    authors: tuple[str, ...]
    journal: str
    section: str  # "Original Article", "Review", "Correction" ...
    abstract: str  # HTML
    summary: str = ""  # short teaser, when the feed carries one
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None


@dataclass(frozen=True)
class Event:
    uid: str
    title: str
    start: datetime
    end: datetime
    tzid: str | None  # None: all-day (dates only) or UTC
    location: str
    url: str
    description: str
    all_day: bool = False
    rrule: dict[str, object] | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Video:
    id: str
    title: str
    published: datetime
    description: str
    duration: int  # seconds
    views: int
    thumbnail: str  # relative to the feed file
    updated: datetime | None = None
