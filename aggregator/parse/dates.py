"""Turn the date shapes feeds use into UTC-aware datetimes.

Feed dates arrive as feedparser's ``struct_time`` (already UTC), as ISO 8601 or
RFC 822 strings (JSON Feed, event namespaces), or as prose in a conference
announcement ("12–14 March 2027", "March 30 – April 2, 2027"). This module
reads all three, and teaches feedparser three more shapes publishers use in date
elements: an HTML ``<time datetime>`` (FDA), readable English ("Friday,
January 29, 2021 04:42 PM", read by ``dateutil``) and RFC 822 in the words of
the common European languages ("Seg, 24 Set 2018 19:42:40 -0300"). A date outside the years a
feed can mean (0001, 9999) is no date. It does not decide which date of an
entry is the published one, and never consults the clock.
"""

from __future__ import annotations

import calendar
import html
import re
import time
import unicodedata
import warnings
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
from dateutil import parser as dateutil_parser
from dateutil import tz as dateutil_tz
from feedparser.datetimes import _parse_date as _feedparser_date
from feedparser.datetimes.rfc822 import _parse_date_rfc822
from feedparser.datetimes.w3dtf import _parse_date_w3dtf

from ..dating import EARLIEST, LATEST

_TIME_ATTR_RE = re.compile(r"""<time\b[^>]*?\bdatetime\s*=\s*(["'])(.*?)\1""", re.I | re.S)
# <pubDate><time datetime="2019-05-03T19:21:28Z">Fri, 05/03/2019 - 15:21</time></pubDate>:
# feedparser keeps only the element's text, so the attribute is lifted out beforehand.
_DATE_ELEMENT_TIME_RE = re.compile(
    rb"(<(?P<tag>(?:[\w.-]+:)?(?:pubDate|date|published|updated|created|issued|modified))"
    rb"(?:\s[^>]*)?>)\s*<time\b[^>]*?\bdatetime\s*=\s*([\"'])(?P<value>[^\"'<>]*)\3[^>]*>"
    rb".*?</time\s*>\s*(</(?P=tag)\s*>)",
    re.I | re.S,
)
# Zone abbreviations readable dates carry; dateutil knows only UTC/GMT by itself.
_ZONES = {
    name: dateutil_tz.tzoffset(name, hours * 3600)
    for name, hours in {
        "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8,
        "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "BST": 1, "CET": 1, "CEST": 2,
        "EET": 2, "EEST": 3, "IST": 5.5, "JST": 9, "AEST": 10, "AEDT": 11,
    }.items()
}  # fmt: skip
# Two defaults that differ in every field: a field dateutil filled in from the default
# differs between the two parses, so "a date without a year" is told from a date.
_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))

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


def plausible(value: datetime | None) -> datetime | None:
    """The date itself when a feed can mean it; None for year-0001/9999 placeholders."""
    if value is None or not EARLIEST <= value < LATEST:
        return None
    return value


def from_struct(value: time.struct_time | None) -> datetime | None:
    """feedparser's ``*_parsed`` values are UTC struct_times; make them aware datetimes."""
    if value is None:
        return None
    try:
        return plausible(datetime(*value[:6], tzinfo=UTC))
    except (ValueError, TypeError, OverflowError):
        return None


def to_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC: a feed that gives no zone gives us nothing better."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def lift_time_elements(body: bytes) -> bytes:
    """``<pubDate><time datetime="X">text</time></pubDate>`` becomes ``<pubDate>X</pubDate>``.

    Only date elements are touched, and only when the document has a ``<time``.
    """
    if b"<time" not in body and b"<TIME" not in body:
        return body
    return _DATE_ELEMENT_TIME_RE.sub(rb"\1\g<value>\5", body)


# RFC 822 in another language's words: "Seg, 24 Set 2018 19:42:40 -0300" (a Brazilian
# feed), "Mié, 02 Dic 2026 …", "Di, 03 Mär 2026 …". The weekday is dropped (RFC 822 makes it
# optional) and the month, known by its first letters without accents, becomes English.
_LOCAL_RFC822_RE = re.compile(
    r"^\s*(?:[^\W\d_]+\.?,?\s+)?(?P<day>\d{1,2})\.?\s+(?P<month>[^\W\d_]{3,})\.?,?\s+"
    r"(?P<rest>\d{2,4}\b.*)$"
)
_MONTH_PREFIXES = {
    prefix: number
    for number, prefixes in enumerate(
        (
            "jan ene gen sty",  # pt es it fr de nl sv da; es; it; pl
            "fev feb lut",
            "mar mrz mrt",
            "abr apr avr kwi",
            "mai may mag mei maj",
            "jun giu juin cze",
            "jul lug juil lip",
            "ago aug aou sie",
            "set sep wrz",
            "out oct ott okt paz",
            "nov lis",
            "dez dic dec gru",
        ),
        start=1,
    )
    for prefix in prefixes.split()
}


def local_rfc822(text: str) -> time.struct_time | None:
    """An RFC 822 date written with Portuguese, Spanish, Italian, French, German, Dutch,
    Scandinavian or Polish month and day names, read as feedparser reads the English one."""
    found = _LOCAL_RFC822_RE.match(text)
    if found is None:
        return None
    letters = unicodedata.normalize("NFKD", found["month"].lower())
    month = "".join(ch for ch in letters if not unicodedata.combining(ch))
    number = _MONTH_PREFIXES.get(month[:4]) or _MONTH_PREFIXES.get(month[:3])
    if number is None:
        return None
    english = f"{found['day']} {calendar.month_abbr[number]} {found['rest']}"
    try:
        return _parse_date_rfc822(english)
    except (ValueError, OverflowError, KeyError, AttributeError):
        return None


def _feed_date_handler(text: str) -> time.struct_time | None:
    """feedparser date handler: ``<time datetime>`` markup, then localised RFC 822, then
    readable English dates.

    feedparser tries handlers newest-registered first, so the two common forms
    (W3CDTF, RFC 822) are tried here before the slower ``dateutil``; anything
    this cannot read falls through to feedparser's other handlers.
    """
    found = _TIME_ATTR_RE.search(text)
    text = html.unescape(found.group(2)) if found else text.strip()
    for handler in (_parse_date_w3dtf, _parse_date_rfc822):
        try:
            parsed = handler(text)
        except (ValueError, OverflowError, KeyError, AttributeError):
            parsed = None
        if parsed:
            return parsed
    localised = local_rfc822(text)
    if localised:
        return localised
    readable = readable_date(text)
    return readable.utctimetuple() if readable else None


def unread_warning(unread: list[str], total: int) -> str:
    """What the sources page and the refresh say of entries whose dates could not be read
    (``unread``, their texts): they are dated when first seen, which is worth knowing."""
    example = unread[0] if len(unread[0]) <= 40 else unread[0][:39] + "…"
    return (
        f"{len(unread)} of {total} entries {'has' if len(unread) == 1 else 'have'} a date "
        "medfeed cannot read "
        f"(e.g. {example!r}); they are dated when first seen"
    )


def readable_date(text: str) -> datetime | None:
    """A full date in words or numbers ("Friday, January 29, 2021 04:42 PM"), via dateutil.

    Day, month and year must all be in the text; a missing zone means UTC.
    """
    if not text or len(text) > 80 or not any(ch.isdigit() for ch in text):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # UnknownTimezoneWarning for unlisted abbreviations
            first, second = (
                dateutil_parser.parse(text, default=default, tzinfos=_ZONES)
                for default in _DEFAULTS
            )
    except (ValueError, OverflowError, TypeError):
        return None
    if (first.year, first.month, first.day) != (second.year, second.month, second.day):
        return None
    try:
        return plausible(to_utc(first))
    except OverflowError:
        return None


feedparser.registerDateHandler(_feed_date_handler)


def from_text(value: object) -> datetime | None:
    """Parse ISO 8601, RFC 822, readable English or any date feedparser knows; else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return plausible(to_utc(datetime.fromisoformat(text.replace("Z", "+00:00"))))
    except (ValueError, OverflowError):
        pass
    # feedparser's chain (with the handler above) rather than email.utils, which reads
    # "04:42 PM" as 04:42 and year 0001 as 2001.
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


# "10 December 2026, 14:00–15:30 CET": a time range after a one-day date, in a zone named
# by an abbreviation that names one zone (IST, say, names three: left as an all-day event).
_TIMES_AFTER = re.compile(
    r"[,\s]*(?:from\s+)?(?P<h1>[0-2]?\d)[:.h](?P<m1>[0-5]\d)"
    + _DASH
    + r"\s*(?P<h2>[0-2]?\d)[:.h](?P<m2>[0-5]\d)\s*\(?(?P<zone>[A-Z]{2,4})\b",
)
_ZONE_NAMES = {
    "UTC": "UTC", "GMT": "Europe/London", "BST": "Europe/London",
    "CET": "Europe/Paris", "CEST": "Europe/Paris", "EET": "Europe/Athens",
    "EEST": "Europe/Athens", "EST": "America/New_York", "EDT": "America/New_York",
    "CST": "America/Chicago", "CDT": "America/Chicago", "MST": "America/Denver",
    "MDT": "America/Denver", "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
    "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney", "JST": "Asia/Tokyo",
}  # fmt: skip


def timed_range_in_text(text: str) -> tuple[datetime, datetime, str] | None:
    """A one-day event's start and end, and its zone, when the prose gives its hours:
    "Thursday 10 December 2026, 14:00–15:30 CET" (it was shown as all day)."""
    for pattern in (_DAY_FIRST, _MONTH_FIRST):
        match = pattern.search(text)
        if match is None:
            continue
        found = _range_from_match(match)
        times = _TIMES_AFTER.match(text, match.end())
        if found is None or times is None or found[1] - found[0] != timedelta(days=1):
            return None
        zone_name = _ZONE_NAMES.get(times["zone"])
        if zone_name is None:
            return None
        # the abbreviation fixes the offset ("CET" in July is still UTC+1); the zone is for show
        zone = _ZONES.get(times["zone"]) or (UTC if times["zone"] in ("UTC", "GMT") else None)
        zone = zone or ZoneInfo(zone_name)
        day = found[0].date()
        try:
            start = datetime(
                day.year, day.month, day.day, int(times["h1"]), int(times["m1"]), tzinfo=zone
            )
            end = datetime(
                day.year, day.month, day.day, int(times["h2"]), int(times["m2"]), tzinfo=zone
            )
        except ValueError:
            return None
        if end <= start:
            return None
        return start.astimezone(UTC), end.astimezone(UTC), zone_name
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
