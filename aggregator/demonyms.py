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

It answers which country a demonym names; where demonyms count is
``aggregator.places``'s business.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from . import derived

_PACKAGE = "countryinfo"
_DATA_FOLDER = "data"
_FORMAT = 1  # of the cached table: bump when _derive keeps other demonyms


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
    return derived.cache_file("demonyms", folder, ".json", _FORMAT, *derived.stamp(_countries()))


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


def _derive(countries: dict[str, Any], known: frozenset[str]) -> dict[str, str]:
    """Each demonym of ``countries`` (``CountryInfo.all()``) -> the code of the most
    populous country it is the demonym of, among the codes ``known``. An entry may hold
    two ("Antiguan,Barbudan"), each the country's."""
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
    return {demonym: code for demonym, (_, code) in sorted(best.items())}


def _read() -> bytes:
    """The table ``demonyms`` keeps, from the package's own data, as JSON."""
    import pycountry
    from countryinfo import CountryInfo

    known = frozenset(country.alpha_2 for country in pycountry.countries)
    return json.dumps(_derive(CountryInfo.all(), known), separators=(",", ":")).encode()


if __name__ == "__main__":  # the child of ``demonyms``: the table, as JSON, on stdout
    sys.stdout.buffer.write(_read())
