"""The common-word list, derived from the package's web2 file by a child process and cached:
a capitalised word that opens a sentence may be a common word, not a name."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator import derived, english
from aggregator.english import is_common_word


@pytest.mark.parametrize(
    "word", ["Only", "Late", "Among", "Psychiatrists", "Somnolence", "Studies", "nothing"]
)
def test_a_sentence_opening_with_a_common_word_names_nothing(word: str) -> None:
    assert is_common_word(word)


@pytest.mark.parametrize("word", ["Sandoz", "Medtronic", "Pfizer", "England", "Colorectal"])
def test_a_company_a_country_or_a_word_the_dictionary_lacks_is_no_common_word(word: str) -> None:
    assert not is_common_word(word)


def test_a_possessive_is_read_as_its_word() -> None:
    assert is_common_word("Doctor's")
    assert not is_common_word("Pfizer's")


def read_list() -> object:
    """The digests as a new process reads them (the per-process memo bypassed)."""
    return english._common_digests.__wrapped__()


def test_the_next_process_reads_the_list_from_the_cache(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = read_list()
    assert len(list(cache.glob("english-*.bin"))) == 1

    def no_child(module: str, *args: str) -> bytes:
        raise AssertionError("the data file was read again")

    monkeypatch.setattr(derived, "run_child", no_child)
    assert read_list() == first


@pytest.mark.parametrize("damage", [b"", b"1234567", bytes(range(16))[::-1] * 500])
def test_a_damaged_cache_is_derived_afresh_and_rewritten(cache: Path, damage: bytes) -> None:
    first = read_list()
    [cached] = cache.glob("english-*.bin")
    cached.write_bytes(damage)
    assert read_list() == first
    assert cached.read_bytes() == first.tobytes()  # type: ignore[attr-defined]


def test_a_cache_folder_that_cannot_be_written_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("MEDFEED_CACHE_DIR", str(blocked / "cache"))
    assert len(read_list()) > 200_000  # type: ignore[arg-type]


def test_a_data_file_that_cannot_be_read_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDFEED_CACHE_DIR", str(tmp_path))
    broken = tmp_path / "web2.pickle"
    broken.write_bytes(b"not a pickle")
    with pytest.raises(derived.DerivationError, match=r"web2\.pickle"):
        derived.run_child("aggregator.english", str(broken))
