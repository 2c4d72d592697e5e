"""Demonyms by country, derived from the package countryinfo's data by a child process and
cached: "Danish researchers" name Denmark."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aggregator import demonyms, derived, english
from aggregator.dedupe import veto
from tests.test_dedupe import item


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


@pytest.mark.parametrize(
    ("module", "name"),
    [
        (demonyms, "_countries"),  # the table keeps the codes ISO 3166 (pycountry) lists now
        (english, "_list"),  # and the peoples' nouns Webster's Second lists
    ],
)
def test_a_changed_list_it_is_derived_through_is_never_answered_from_the_old_cache(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: object, name: str
) -> None:
    listed = tmp_path / "list.json"
    listed.write_bytes(b"one")
    monkeypatch.setattr(module, name, lambda: listed)
    before = demonyms._cache_file(tmp_path)
    listed.write_bytes(b"other")
    os.utime(listed, ns=(1, 1))
    assert demonyms._cache_file(tmp_path) != before


@pytest.mark.parametrize(
    ("people", "code"),
    [("Danes", "DK"), ("Swedes", "SE"), ("Finns", "FI"), ("Poles", "PL"), ("Britons", "GB")],
)
def test_the_people_an_ish_demonym_names_name_its_country(
    cache: Path, people: str, code: str
) -> None:
    assert read_table()[people] == code


def test_a_peoples_noun_is_the_stem_with_an_ending_the_dictionary_lists() -> None:
    countries = {
        "denmark": {"demonym": "Danish", "population": 6, "ISO": {"alpha2": "DK"}},
        "spain": {"demonym": "Spanish", "population": 48, "ISO": {"alpha2": "ES"}},
        "finland": {"demonym": "Finnish", "population": 5, "ISO": {"alpha2": "FI"}},
    }
    words = frozenset({"Dan", "Dane", "Spaniard", "Finn", "Finnish"})  # "Dan": a name
    table = demonyms._derive(countries, frozenset({"DK", "ES", "FI"}), words)
    assert {name: code for name, code in table.items() if name.endswith("s")} == {
        "Danes": "DK",
        "Finns": "FI",
        "Spaniards": "ES",
    }


def test_a_report_on_danes_and_one_on_denmark_mention_each_other() -> None:
    """As "Danish researchers" and "researchers in Denmark" do (``dedupe._names_differ``)."""
    text = " from colorectal cancer rose again, according to a registry report."
    first = ("cancer registry report", "Researchers said deaths among Danes" + text)
    second = ("registry data", "Researchers said deaths in Denmark" + text)
    people, country = item(1, first, "a"), item(2, second, "b", 1)
    assert veto(people, country) is None
    assert veto(country, people) is None
