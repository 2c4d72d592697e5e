"""The drug table, read from the package's data file by a child process: brands and code names
map to the one-word generic they name."""

from __future__ import annotations

from aggregator.drugs import drug_names, generic_names


def test_a_brand_maps_to_its_generic() -> None:
    assert generic_names()["wegovy"] == "semaglutide"


def test_only_one_word_alphanumeric_variants_of_four_letters_or_more_are_kept() -> None:
    variants = generic_names()
    assert all(len(v) >= 4 and v.isalnum() and v == v.lower() for v in variants)
    assert all(" " not in generic for generic in variants.values())


def test_the_generics_are_the_drug_names() -> None:
    assert "semaglutide" in drug_names()
