"""Name the IANA zone a calendar's time is given in, whatever its TZID calls it.

Calendars name zones many ways: IANA names ("Europe/Vienna"), Windows ids
("Eastern Standard Time", mapped by CLDR's table), Outlook's display names
("(UTC-05:00) Eastern Time (US & Canada)"), an IANA name inside a vendor's own id
("/mozilla.org/.../Europe/Berlin", "custom_America/New_York"), or an id of their
own beside an X-LIC-LOCATION. This module turns such a TZID into an IANA name, or
says there is none; a guess is kept only when it gives the offsets the calendar
itself gives (its VTIMEZONE, or a display name's "(UTC-05:00)"), so that a name
never contradicts the times shown under it. It reads no calendar and no clock:
it is handed names and times.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone, tzinfo
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from tzlocal.windows_tz import win_tz

# Outlook's display name: "(UTC-05:00) Eastern Time (US & Canada)", "(UTC) Coordinated ..."
_DISPLAY_NAME = re.compile(r"\(UTC(?:\s*([+-])(\d{1,2}):(\d{2}))?\)\s*(.*)", re.DOTALL)
_PARENTHESES = re.compile(r"\([^)]*\)")
_PLACE_SEPARATORS = re.compile(r",|\(|\)| - ")
# What a display name adds to a place the zone database names: "Lord Howe Island",
# "Marquesas Islands", "City of Buenos Aires".
_PLACE_WORDS = re.compile(r"^City of |\s+(?:Islands?|Is\.)$")
_SYSTEM_COPY = re.compile(r"^(?:posix|right)/")
# Where a guessed zone's offsets are compared with the calendar's: a season apart, so that
# a zone with daylight saving time is told from one without, and one of the other hemisphere.
_SEASONS = tuple(timedelta(days=days) for days in (0, 91, 182, 273))


def known_zone(name: str) -> ZoneInfo | None:
    """The IANA zone of that name, None when the zone database has none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a folder of zones
        return None


def zone_name(value: datetime, tzid: str | None, places: Mapping[str, str]) -> str | None:
    """The IANA name of the zone ``value`` is given in, None when there is none to be had.

    ``tzid`` is the TZID it was written with, ``places`` each VTIMEZONE's X-LIC-LOCATION.
    The zone's abbreviation ("EDT"), which the API once gave, names no zone.
    """
    if value.tzinfo is None:
        return None
    key = getattr(value.tzinfo, "key", None) or getattr(value.tzinfo, "zone", None)
    if isinstance(key, str) and _iana(key):
        return _iana(key)
    for name in _named_by(tzid.strip(), places) if tzid else ():
        zone = known_zone(name) if name else None
        if zone is not None and _same_offsets(value, zone):
            return name
    return None


def display_name_zone(tzid: str, when: datetime) -> tzinfo | None:
    """The zone an Outlook display name means at ``when`` (a naive local time): the first
    IANA zone its words name whose standard offset is the one it shows, else a fixed
    offset (no daylight saving time), else None when it is no display name.

    Outlook writes it without a VTIMEZONE; read as its fixed offset alone, a time in
    New York's summer was an hour off.
    """
    match = _DISPLAY_NAME.search(tzid)
    if match is None:
        return None
    offset = _display_offset(match)
    if abs(offset) >= timedelta(hours=24):  # "(UTC+99:00)" is no offset: a broken calendar
        return None
    for name in _display_candidates(match[4], utc=match[1] is None):
        zone = known_zone(name)
        if zone is not None and _standard_offset(when.replace(tzinfo=zone)) == offset:
            return zone
    return timezone(offset)


def _named_by(tzid: str, places: Mapping[str, str]) -> Iterator[str]:
    """The IANA names a TZID may mean, the likeliest first ("" for none)."""
    yield from (_iana(places.get(tzid, "")), _iana(tzid), _iana(win_tz.get(tzid, "")))
    yield from _inner_names(tzid)
    match = _DISPLAY_NAME.search(tzid)
    if match is not None:
        yield from _display_candidates(match[4], utc=match[1] is None)


def _iana(name: str) -> str:
    """``name`` as the zone database spells it ("posix/Europe/Vaduz" is Europe/Vaduz), or ""
    when it is none: ZoneInfo also loads the system's copies under posix/ and right/, names
    another machine may not have."""
    name = _SYSTEM_COPY.sub("", name)
    return name if name in _iana_names() else ""


@lru_cache(maxsize=256)  # each of a series' dates asks again
def _inner_names(tzid: str) -> tuple[str, ...]:
    """IANA names written inside a vendor's id, longest first: "custom_America/New_York" and
    "/mozilla.org/20050126_1/America/New_York" are New York (names without an area, such
    as "EST" or "Cuba", are too short to be taken from inside a word)."""
    found = [name for name in _area_names() if name in tzid]
    return tuple(sorted(found, key=len, reverse=True))


def _display_offset(match: re.Match[str]) -> timedelta:
    if match[1] is None:
        return timedelta(0)
    sign = -1 if match[1] == "-" else 1
    return timedelta(hours=int(match[2]), minutes=int(match[3])) * sign


def _display_candidates(words: str, *, utc: bool) -> Iterator[str]:
    """The zones a display name's words may mean: the Windows id they stand for
    ("Eastern Time (US & Canada)" is "Eastern Standard Time"), then each place they list
    ("Amsterdam, Berlin, Bern, Rome" is Europe/Amsterdam)."""
    words = words.strip()
    if utc:
        yield "UTC"
    base = _PARENTHESES.sub("", words).strip()
    stems = (base[: -len(" Time")] if base.endswith(" Time") else base, base, words)
    for stem in stems:
        for windows_id in (f"{stem} Standard Time", stem):
            if _iana(win_tz.get(windows_id, "")):
                yield _iana(win_tz[windows_id])
    for place in _PLACE_SEPARATORS.split(words):
        place = _PLACE_WORDS.sub("", place.strip())
        yield from _places().get(place.replace(" ", "_"), ())


def _same_offsets(value: datetime, zone: ZoneInfo) -> bool:
    """Whether ``zone`` gives the offsets ``value``'s own zone gives, there and a season,
    two and three later."""
    try:
        moments = [value + season for season in _SEASONS]
    except OverflowError:  # a time in the year 9999
        return False
    return all(m.utcoffset() == m.replace(tzinfo=zone).utcoffset() for m in moments)


def _standard_offset(moment: datetime) -> timedelta:
    """The offset outside daylight saving time: the one a display name shows all year."""
    return (moment.utcoffset() or timedelta(0)) - (moment.dst() or timedelta(0))


@cache
def _iana_names() -> frozenset[str]:
    """The zone database's names."""
    return frozenset(available_timezones())


@cache
def _area_names() -> tuple[str, ...]:
    return tuple(sorted(name for name in _iana_names() if "/" in name))


@cache
def _places() -> Mapping[str, tuple[str, ...]]:
    """Each place the zone database names a zone after ("Kolkata"), and its zones."""
    places: dict[str, list[str]] = defaultdict(list)
    for name in _area_names():
        places[name.rsplit("/", 1)[-1]].append(name)
    return {place: tuple(sorted(names, key=len)) for place, names in places.items()}
