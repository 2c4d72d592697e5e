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

# English, then French, German, Spanish, Italian and Portuguese (medical societies
# announce in them): "en ligne", "virtuell", "a distancia", "videoconferenza".
_ONLINE_RE = re.compile(
    r"\b(?:virtual|online|webinar|zoom|ms teams|microsoft teams|teams meeting|livestream|"
    r"live stream|web ?conference|remote"
    r"|en ligne|virtuel(?:le)?s?|webinaire|visioconf[ée]rence|[àa] distance"
    r"|virtuell(?:e[nrs]?)?|videokonferenz"
    r"|en l[íi]nea|videoconferencia|a distancia"
    r"|virtuale|videoconferenza|a distanza"
    r"|videoconfer[êe]ncia|a dist[âa]ncia)\b"
    r"|zoom\.us/|teams\.microsoft\.com|meet\.google\.com",
    re.IGNORECASE,
)
_START_KEYS = ("ev_startdate", "xcal_dtstart", "ical_dtstart")
_END_KEYS = ("ev_enddate", "xcal_dtend", "ical_dtend")
_LOCATION_KEYS = ("ev_location", "xcal_location", "ical_location")


def _inflected(stem: str, endings: str, status: EventStatus) -> dict[str, EventStatus]:
    """A past participle in each gender and number it takes: "annul" + "é ée és ées"."""
    return {stem + ending: status for ending in endings.split()}


_CANCELLED, _POSTPONED = EventStatus.CANCELLED, EventStatus.POSTPONED
# Nouns: "Cancellation of the ERS Congress", "Annulation du congrès", "Absage der Tagung".
_STATUS_NOUNS = {
    "cancellation": _CANCELLED, "postponement": _POSTPONED,
    "annulation": _CANCELLED,  # French ("report" is also an English word: left out)
    "absage": _CANCELLED, "verschiebung": _POSTPONED,  # German
    "cancelación": _CANCELLED, "aplazamiento": _POSTPONED,  # Spanish
    "annullamento": _CANCELLED, "rinvio": _POSTPONED,  # Italian
    "cancelamento": _CANCELLED, "adiamento": _POSTPONED,  # Portuguese
}  # fmt: skip
# Participles of French, Spanish, Italian and Portuguese, whose event names put the noun
# first ("Congrès annuel annulé", "Corso di aggiornamento rinviato": ``_is_event_subject``).
_HEAD_FIRST_WORDS = {
    **_inflected("annul", "é ée és ées", _CANCELLED),
    **_inflected("report", "é ée és ées", _POSTPONED),
    **_inflected("ajourn", "é ée és ées", _POSTPONED),
    **_inflected("cancelad", "o a os as", _CANCELLED),  # Spanish and Portuguese
    **_inflected("aplazad", "o a os as", _POSTPONED),
    **_inflected("pospuest", "o a os as", _POSTPONED),
    **_inflected("annullat", "o a i e", _CANCELLED),
    **_inflected("cancellat", "o a i e", _CANCELLED),
    **_inflected("rinviat", "o a i e", _POSTPONED),
    **_inflected("posticipat", "o a i e", _POSTPONED),
    **_inflected("adiad", "o a os as", _POSTPONED),
}
# Every word or phrase that calls an event off, lower case: English, German, the above.
_STATUS_WORDS = {
    "cancelled": _CANCELLED,
    "canceled": _CANCELLED,
    "called off": _CANCELLED,
    "postponed": _POSTPONED,
    "rescheduled": _POSTPONED,
    "abgesagt": _CANCELLED,
    "entfällt": _CANCELLED,
    "fällt aus": _CANCELLED,
    "verschoben": _POSTPONED,
    **_HEAD_FIRST_WORDS,
    **_STATUS_NOUNS,
}
_STATUS_RE = re.compile(
    r"\b(?:"
    + "|".join(
        re.escape(word).replace(r"\ ", r"\s+") for word in sorted(_STATUS_WORDS, key=len)[::-1]
    )
    + r")\b",
    re.IGNORECASE,
)
# "of" before an event's name after a status noun: "of the", "du", "des", "der", "del" ...
_OF_EVENT_RE = re.compile(
    r"\s+(?:of\s+(?:the\s+)?|du\s+|de\s+la\s+|de\s+l['’]|des\s+|d['’]|de\s+|der\s+|des\s+"
    r"|del\s+|de\s+los\s+|de\s+las\s+|della\s+|dello\s+|dell['’]|degli\s+|delle\s+|dei\s+"
    r"|do\s+|da\s+|dos\s+|das\s+)(?P<event>.+)",
    re.IGNORECASE,
)
# A negation just before the status word: "ESC Congress 2027 is NOT cancelled", "won't be
# postponed", "n'est pas annulé", "nicht abgesagt", "no cancelado", "non annullato".
_NEGATION_RE = re.compile(
    r"(?:\b(?:not|never|no|pas|jamais|nicht|kein|nie|nunca|non|mai|não|nao)|n['’]t)\s*$",
    re.IGNORECASE,
)
# Where a headline's parts meet: "ECR 2027 – CANCELLED", "AAN Annual Meeting: Cancelled",
# "ECR 2027 | Cancelled". A dash between digits ("3–5 May") joins a range, not parts.
_SEPARATOR_RE = re.compile(r"\s[–-]\s|\s*—\s*|:(?!\d)|[|;]")
# What may follow a status word that ends its clause: "cancelled.", "postponed until 2028",
# "cancelled in light of COVID-19", "postponed by one year". A noun instead ("cancelled
# surgeries") makes the word describe something else.
_CLAUSE_END_RE = re.compile(
    r"\s*(?:$|[.!?,;)\]}(|–—-]|(?:again|indefinitely|to|until|till|due|because|amid|amidst"
    r"|over|after|following|as|in|by|and|then|for|from|owing|pending|this|next|but"
    r"|à|au|aux|jusqu|pour|en|suite|de|et|sine"  # French: "reporté à 2028", "en raison de"
    r"|wegen|bis|aufgrund|auf|nach|und|im"  # German: "verschoben auf 2028"
    r"|por|hasta|debido|al|para|y|a|e|ed|per|fino|causa|até|devido)\b)",
    re.IGNORECASE,
)
_AUXILIARY_RE = re.compile(
    r"(?:\s+(?:is|are|has|have|been|was|were|will|be|now|officially|formally|being"
    r"|est|sont|a|ont|été|sera|seront|officiellement|définitivement"
    r"|ist|sind|wird|werden|wurde|wurden|offiziell|endgültig"
    r"|es|son|ha|han|sido|fue|fueron|será|serán|oficialmente|definitivamente"
    r"|è|sono|stato|stata|stati|viene|vengono|sarà|ufficialmente"
    r"|é|são|foi|foram|está))+\s*$",
    re.IGNORECASE,
)
# A headline about cancellations, not one: "When the congress is cancelled: a workshop".
_ABOUT_RE = re.compile(
    r"^\W*(?:why|how|when|what|managing|avoiding|reducing|preventing"
    r"|pourquoi|comment|quand|warum|wie|wann|por\s+qu[ée]|c[óo]mo|cuando|cuándo|perch[ée]"
    r"|come|quando|como)\b",
    re.IGNORECASE,
)
_YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b|\b[A-Za-z]{2,}(?:19|20)?\d\d\b")  # "2027", "EAU27"
_ACRONYM_RE = re.compile(r"\b[A-Z][A-Za-z]*[A-Z][A-Z0-9]*\b")  # "ESC", "EuroPCR", "ECCMID"
_EVENT_NOUN_RE = re.compile(
    r"\b(?:congress|meeting|summit|rounds|school|symposium|symposia|conference|course|workshop"
    r"|webinar|session|seminar|forum|colloquium|convention|assembly|lecture|masterclass"
    r"|journal\s+club|(?:study|update|training|teaching|education|open)\s+days?"
    r"|congr[èe]s|colloque|symposium|séminaire|atelier|cours|conférence|webinaire"
    r"|journées?|rencontres?|assises"  # French
    r"|\w*(?:kongress(?:es)?|tagung|fortbildung|konferenz|veranstaltung)|kurs|kolloquium"
    r"|sitzung|symposiums?"  # German, compounds too: "Jahrestagung", "Fachkongress"
    r"|congreso|jornadas?|simposio|reuni[óo]n|curso|seminario|conferencia|encuentro"  # Spanish
    r"|congresso|convegno|giornat[ae]|corso|conferenza|riunione|incontro"  # Italian
    r"|simpósio|seminário|conferência|encontro|reunião)\b",  # Portuguese
    re.IGNORECASE,
)
# "rescheduled to 3–5 May 2027", "now 12–14 June 2027", "new dates: 3–5 May 2027".
_NEW_DATES_CUE_RE = re.compile(r"\b(?:to|until|till|now|new\s+dates?)\b", re.IGNORECASE)
_SPACES_RE = re.compile(r"\s+")
_DATE_ONLY_RE = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")
_BASIC_DATETIME_RE = re.compile(r"^\d{8}T\d{6}Z?$")  # xCal / iCalendar "basic" form


# What a listing writes where it does not know the place yet: "Not announced", "TBD".
_PLACEHOLDER_RE = re.compile(
    r"(?:not (?:yet )?(?:announced|confirmed|known|decided)|tb[adc]|t\.b\.[adc]\.?"
    r"|to be (?:announced|determined|decided|confirmed)|n/?a|unknown|none|-+|\?+)",
    re.IGNORECASE,
)


def known_place(location: str | None) -> str | None:
    """``location`` without the placeholders a listing fills its fields with: "Not announced,
    Sydney, Australia" -> "Sydney, Australia"; "Not announced, TBD, TBD" -> None. A reader
    was shown "Not announced" as the venue."""
    if not location:
        return location
    parts = location.split(",")
    kept = [part.strip() for part in parts if not _PLACEHOLDER_RE.fullmatch(part.strip())]
    if len(kept) == len(parts):
        return location
    return ", ".join(part for part in kept if part) or None


def looks_online(*texts: str | None) -> bool:
    """True when a location, URL or conference link says the event is virtual."""
    return any(text and _ONLINE_RE.search(text) for text in texts)


def status_in_title(title: str) -> EventStatus | None:
    """The status a headline gives its event: "Nephrology Winter School 2027 postponed",
    "CANCELLED: Grand Rounds", "ECR 2027 (Cancelled)", "Cancellation of the ERS Congress".

    A status word counts only where it applies to the event: as a label standing alone
    at a part's start or end, or said of a subject that looks like an event. Conference
    feeds also carry sessions *about* cancellations ("Surgery Cancelled - Perioperative
    Summit", "The day my surgery was cancelled"), which must stay on the calendar. The
    first word that counts wins. None as well when the headline names new dates
    ("rescheduled to 3–5 May 2027"): the item's dates are then likely the new ones."""
    shouting = not any(char.islower() for char in title)
    for found in _STATUS_RE.finditer(title):
        before, after = _clause_around(title, found)
        word = _SPACES_RE.sub(" ", found[0].lower())
        if _calls_event_off(before, word, after, shouting=shouting):
            if _names_new_dates(word, title[found.end() :]):
                return None
            return _STATUS_WORDS[word]
    return None


def _clause_around(title: str, found: re.Match[str]) -> tuple[str, str]:
    """The text of the status word's part of the headline before and after it."""
    head, tail = title[: found.start()], title[found.end() :]
    starts = [separator.end() for separator in _SEPARATOR_RE.finditer(head)]
    end = _SEPARATOR_RE.search(tail)
    return head[starts[-1] if starts else 0 :], tail[: end.start() if end else len(tail)]


def _calls_event_off(before: str, word: str, after: str, *, shouting: bool) -> bool:
    if re.search(r"[(\[{]\s*$", before) and re.match(r"\s*[)\]}]", after):
        return True  # "ECR 2027 (Cancelled)", "[POSTPONED]"
    if word in _STATUS_NOUNS:
        named = _OF_EVENT_RE.match(after)
        return not before.strip(" \t([{") and (
            not after.strip() or (named is not None and _names_event(named["event"]))
        )
    if not re.sub(r"[\W_]", "", before):
        return _is_label(word, after, shouting=shouting)
    subject = _AUXILIARY_RE.sub("", before).strip()
    return (
        _CLAUSE_END_RE.match(after) is not None
        and not _NEGATION_RE.search(subject)
        and not _ABOUT_RE.search(subject)
        and _is_event_subject(subject, shouting=shouting, head_first=word in _HEAD_FIRST_WORDS)
    )


def _is_label(word: str, after: str, *, shouting: bool) -> bool:
    """A status word opening its part: alone ("CANCELLED: Grand Rounds", "ECR 2027 –
    postponed until 2028"), shouted before a name ("CANCELED Grand Rounds 12 May"), or
    before an event's name; not before what it describes ("Cancelled surgeries")."""
    if _CLAUSE_END_RE.match(after) is not None:
        return True
    return (word.isupper() and not shouting) or _names_event(after)


def _names_event(text: str) -> bool:
    return bool(_YEAR_RE.search(text) or _EVENT_NOUN_RE.search(text))


def _is_event_subject(subject: str, *, shouting: bool, head_first: bool = False) -> bool:
    """Whether the words before a status word name an event ("ESC Congress 2027 in Paris",
    "EAU27", "Stroke Update Day") rather than what an event is about ("Elective surgery",
    "NHS operations"): an event word, a year or an acronym, and a name's head (the last
    word capitalised, a number or an event word). ``head_first``: a language that puts
    the event word before its modifiers, so it may be any of the last three words
    ("Corso di aggiornamento", "Congrès annuel")."""
    marked = _names_event(subject) or (not shouting and _ACRONYM_RE.search(subject))
    words = re.findall(r"[\w’']+", subject)
    if not marked or not words:
        return False
    if head_first and _EVENT_NOUN_RE.search(" ".join(words[-3:])):
        return True
    last_two = " ".join(words[-2:])
    noun = _EVENT_NOUN_RE.search(last_two)
    return not words[-1].islower() or (noun is not None and noun.end() == len(last_two))


def _names_new_dates(word: str, rest: str) -> bool:
    """Whether the headline gives the event's new dates after its status word: any date
    after "rescheduled", a date after "to", "until", "now" or "new dates" otherwise."""
    if word == "rescheduled":
        return dates.date_range_in_text(rest) is not None
    return any(
        dates.date_range_in_text(rest[cue.end() :]) is not None
        for cue in _NEW_DATES_CUE_RE.finditer(rest)
    )


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
    location = known_place(html_to_text(location_raw)) if location_raw else None
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
