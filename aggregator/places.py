"""Where an item says its news happened: countries and their first-level regions.

The near-duplicate matcher (``aggregator.dedupe``) keeps apart two reports that
headline different places: a human H5N1 case in California and one in Cambodia
share every word but the place, and so do one company's launches in Germany and
in Brazil, or two states' measles counts.

The names are ISO 3166 (``pycountry``): every country, and the states,
provinces, territories and nations of the countries whose regions English
medical news names in headlines (the United States, Canada, Australia, India,
the United Kingdom's four nations). Other countries' regions are left out:
their lists hold words such as "Central" and "Western" that headlines use for
other things. A region counts as being in its country ("Texas" is in the
United States), so a headline naming the country agrees with a report naming
the region.

A place is matched only as written, capitalised ("Chad" the country, not
"chad"), and a few everyday short forms are added ("US", "UK", "Britain",
"Russia", "Turkey").

On request, a country's demonym names it too ("Danish", "Americans":
``aggregator.demonyms``), singular or plural: where an item's places meet another
item's names, "Danish researchers" mention Denmark. Headlines' places are read
without them: "American Heart Association" and "British Medical Journal" name
no place a headline is about, and two headlines' places disagreeing keep two
reports apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import pycountry

from .demonyms import demonyms

# Regions of these countries are named (ISO 3166-2, first level).
REGION_COUNTRIES = ("US", "CA", "AU", "IN", "GB")
_REGION_TYPES = frozenset(
    "State Province Territory Country Nation District Union territory Outlying area".split()
)
# Short forms headlines use that ISO 3166 does not list.
ALIASES = {
    "US": "US",
    "U.S": "US",
    "USA": "US",
    "UK": "GB",
    "U.K": "GB",
    "Britain": "GB",
    "Great Britain": "GB",
    "Russia": "RU",
    "Turkey": "TR",
    "Czech Republic": "CZ",
    "Ivory Coast": "CI",
}
# Joining words a place's name may hold in lower case ("Isle of Man", "Trinidad and Tobago").
_JOINING = frozenset({"of", "and", "the"})
# A capitalised word before a place that makes it another name ("New England" is no
# place of ISO 3166, and not England).
_NOT_BEFORE = frozenset({"New"})
# A demonym inside a longer word for a region or a body names no country of its own:
# the Pan American Health Organization, Latin American countries, nor do its people
# ("Latin Americans", read as "Americans" without it).
_NOT_DEMONYMS = (
    *("Latin American", "North American", "South American", "Central American"),
    "Pan American",
)
_BRACKETED = re.compile(r"\s*\[.*?\]")
_Table = dict[tuple[str, ...], frozenset[str]]


def places(words: Sequence[str], *, with_demonyms: bool = False) -> frozenset[str]:
    """The ISO 3166 codes of the places ``words`` (raw words, as written) name, and with
    ``with_demonyms`` of the countries their demonyms name."""
    table, longest = _table(with_demonyms)
    firsts = _first_words(with_demonyms)
    found: set[str] = set()
    at, end = 0, len(words)
    while at < end:
        word = words[at]
        # Most words are lower case or begin no place: one test each.
        if not (word[:1].isupper() and _key(word) in firsts) or (
            at and words[at - 1] in _NOT_BEFORE
        ):
            at += 1
            continue
        for length in range(min(longest, end - at), 0, -1):
            phrase = tuple(map(_key, words[at : at + length]))
            codes = table.get(phrase)
            if codes is not None and phrase[-1][:1].isupper():
                found |= codes
                at += length
                break
        else:
            at += 1
    return frozenset(found)


def place_names() -> dict[tuple[str, ...], frozenset[str]]:
    """Every place name and demonym the table holds, as its words ("United", "States";
    "Americans"), with the codes it may mean."""
    return _table(True)[0]


def with_countries(codes: frozenset[str]) -> frozenset[str]:
    """``codes`` and the countries of the regions among them ("US-TX" -> "US")."""
    return codes | {code.split("-", 1)[0] for code in codes if "-" in code}


@lru_cache(maxsize=1 << 16)
def _key(word: str) -> str:
    """A raw word as the table has it: accents folded, a possessive dropped."""
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    return _folded(word)


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=2)
def _first_words(with_demonyms: bool) -> frozenset[str]:
    return frozenset(name[0] for name in _table(with_demonyms)[0])


@lru_cache(maxsize=2)
def _table(with_demonyms: bool) -> tuple[_Table, int]:
    """Place name (its words) -> the codes it may mean ("Georgia": GE and US-GA); with
    ``with_demonyms``, demonyms too, and names that hold one but mean no country (no
    codes: the longest name read wins)."""
    if with_demonyms:
        named = dict(_table(False)[0])
        for demonym, code in demonyms().items():
            for form in (demonym, _plural(demonym)):
                words = _words(form)
                if form and all(word[:1].isupper() for word in words):
                    named[words] = named.get(words, frozenset()) | {code}
        bodies = (form for name in _NOT_DEMONYMS for form in (name, _plural(name)))
        named.update(dict.fromkeys(map(_words, bodies), frozenset()))
        return named, max(map(len, named))
    table: dict[tuple[str, ...], set[str]] = {}

    def put(name: str, code: str) -> None:
        words = _words(name)
        if all(word[:1].isupper() or word in _JOINING for word in words):
            table.setdefault(words, set()).add(code)

    for country in pycountry.countries:
        put(country.name.split(",")[0], country.alpha_2)
        common = getattr(country, "common_name", None)
        if common:
            put(common, country.alpha_2)
    for name, code in ALIASES.items():
        put(name, code)
    for country_code in REGION_COUNTRIES:
        for region in pycountry.subdivisions.get(country_code=country_code) or ():
            if region.parent_code is None and region.type in _REGION_TYPES:
                put(_BRACKETED.sub("", region.name).split(",")[0], region.code)
    return {k: frozenset(v) for k, v in table.items()}, max(map(len, table))


def _words(name: str) -> tuple[str, ...]:
    return tuple(_folded(word) for word in name.replace("-", " ").split())


def _plural(demonym: str) -> str:
    """The people a demonym names, when English makes them a plural by an "s"
    ("Americans", "Pakistanis"); empty when it does not ("Danish", "Swiss", "Chinese")."""
    if demonym.endswith(("s", "sh", "tch", "nch", "ese", "x")):
        return ""
    return demonym + "s"
