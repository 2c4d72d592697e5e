"""Demonyms by country, derived from the package countryinfo's data by a child process and
cached: "Danish researchers" name Denmark."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aggregator import demonyms, derived


def read_table() -> dict[str, str]:
    """The table as a new process reads it (the per-process memo bypassed)."""
    return demonyms.demonyms.__wrapped__()


def test_a_demonym_names_its_country(cache: Path) -> None:
    table = read_table()
    assert {table[name] for name in ("Danish", "American", "British", "South African")} == {
        "DK",
        "US",
        "GB",
        "ZA",
    }


def test_a_demonym_several_entries_share_names_the_most_populous() -> None:
    countries = {
        "france": {"demonym": "French", "population": 66_000_000, "ISO": {"alpha2": "FR"}},
        "réunion": {"demonym": "French", "population": 840_000, "ISO": {"alpha2": "RE"}},
        "serbia and montenegro": {"demonym": "Serbian/Montenegrin", "ISO": {"alpha2": "CS"}},
        "bosnia": {"demonym": "Bosnian,Herzegovinian", "ISO": {"alpha2": "BA"}},
    }
    known = frozenset({"FR", "RE", "BA"})  # CS is no code of ISO 3166 any more
    assert demonyms._derive(countries, known) == {
        "Bosnian": "BA",
        "French": "FR",
        "Herzegovinian": "BA",
    }


def test_the_next_process_reads_the_table_from_the_cache(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = read_table()
    assert len(list(cache.glob("demonyms-*.json"))) == 1

    def no_child(module: str, *args: str) -> bytes:
        raise AssertionError("the package's data was read again")

    monkeypatch.setattr(derived, "run_child", no_child)
    assert read_table() == first


@pytest.mark.parametrize("damage", [b"", b"{", b"[]", b'{"Danish": 1}'])
def test_a_damaged_cache_is_derived_afresh_and_rewritten(cache: Path, damage: bytes) -> None:
    first = read_table()
    [cached] = cache.glob("demonyms-*.json")
    cached.write_bytes(damage)
    assert read_table() == first
    assert demonyms._from_bytes(cached.read_bytes()) == first


def test_a_changed_country_list_is_never_answered_from_the_old_cache(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table keeps the demonyms of the codes ISO 3166 (``pycountry``) lists now."""
    countries = tmp_path / "iso3166-1.json"
    countries.write_bytes(b"one")
    monkeypatch.setattr(demonyms, "_countries", lambda: countries)
    before = demonyms._cache_file(tmp_path)
    countries.write_bytes(b"other")
    os.utime(countries, ns=(1, 1))
    assert demonyms._cache_file(tmp_path) != before
