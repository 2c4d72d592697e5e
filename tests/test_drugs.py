"""The drug table, read from the package's data file by a child process and cached: brands and
code names map to the one-word generic they name."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from aggregator import drugs
from aggregator.drugs import drug_names, generic_names, is_drug_name


def test_a_brand_maps_to_its_generic() -> None:
    assert generic_names()["wegovy"] == "semaglutide"


def test_only_one_word_alphanumeric_variants_of_four_letters_or_more_are_kept() -> None:
    variants = generic_names()
    assert all(len(v) >= 4 and v.isalnum() and v == v.lower() for v in variants)
    assert all(" " not in generic for generic in variants.values())


def test_the_generics_are_the_drug_names() -> None:
    assert "semaglutide" in drug_names()


@pytest.mark.parametrize(
    "word",
    [
        "donanemab",
        "zilebesiran",
        "tarvelimab",
        "nirmatrelvir",
        "orforglipron",  # -glipron: non-peptide GLP-1 agonists
        "obicetrapib",  # -trapib: CETP inhibitors
        "taniborbactam",  # -bactam: beta-lactamase inhibitors
        "retatrutide",  # peptides: -tide after a vowel or n (not "peptide")
        "desmoteplase",  # -plase: plasminogen activators
        "cagrilintide",  # -lintide: amylin analogues
        "survodutide",  # -utide
    ],
)
def test_a_generic_newer_than_the_dictionary_is_known_by_its_inn_stem(word: str) -> None:
    assert word not in drug_names() or word == "nirmatrelvir"
    assert is_drug_name(word)


@pytest.mark.parametrize(
    "word", ["april", "concept", "peptide", "riptide", "eventide", "clinical", "nivolumab2"]
)
def test_common_words_are_not_drug_names(word: str) -> None:
    assert not is_drug_name(word)


def read_table() -> dict[str, str]:
    """The table as a new process reads it (the per-process memo bypassed)."""
    return drugs.generic_names.__wrapped__()


def test_the_next_process_reads_the_table_from_the_cache(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = read_table()
    assert len(list(cache.glob("drugs-*.json"))) == 1

    def no_child(path: Path) -> dict[str, str]:
        raise AssertionError("the data file was read again")

    monkeypatch.setattr(drugs, "_read_in_child", no_child)
    assert read_table() == first


def test_a_damaged_cache_is_read_afresh_and_rewritten(cache: Path) -> None:
    read_table()
    [cached] = cache.glob("drugs-*.json")
    cached.write_text('{"wegovy": ')
    assert read_table()["wegovy"] == "semaglutide"
    assert json.loads(cached.read_text())["wegovy"] == "semaglutide"


def test_a_cache_folder_that_cannot_be_written_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("MEDFEED_CACHE_DIR", str(blocked / "cache"))
    assert read_table()["wegovy"] == "semaglutide"


def test_a_cache_folder_1200_levels_deep_is_made_and_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Path.mkdir(parents=True)`` calls itself once per missing folder: RecursionError,
    which no caller expects of a cache (an ``OSError`` only costs time)."""
    deep = tmp_path.joinpath(*["c"] * 1200)
    monkeypatch.setenv("MEDFEED_CACHE_DIR", str(deep))
    try:
        assert read_table()["wegovy"] == "semaglutide"
        assert len(list(deep.glob("drugs-*.json"))) == 1
    finally:  # shutil.rmtree, pytest's cleanup, recurses as deep as mkdir did
        for file in deep.glob("*"):
            file.unlink()
        for folder in (deep, *deep.parents):
            if folder == tmp_path:
                break
            if folder.exists():
                folder.rmdir()


def test_a_changed_data_file_is_never_answered_from_its_old_cache(
    cache: Path, tmp_path: Path
) -> None:
    data = tmp_path / "drugs.pkl.bz2"
    data.write_bytes(b"one")
    before = drugs._cache_file(data)
    data.write_bytes(b"other")
    os.utime(data, ns=(1, 1))
    assert drugs._cache_file(data) != before
