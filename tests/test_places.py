"""Places a text names, from ISO 3166 (pycountry): countries and the first-level regions
of the countries whose regions English medical news headlines."""

from __future__ import annotations

import pytest

from aggregator.dedupe import _tokens
from aggregator.places import places, with_countries


def named(text: str) -> frozenset[str]:
    return places(_tokens(text))


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("California reports H5N1 case in dairy worker", {"US-CA"}),
        ("Avian influenza A(H5N1) – Kingdom of Cambodia", {"KH"}),
        ("Kerala's second Nipah death", {"IN-KL"}),  # a possessive
        ("Measles outbreak in Texas' Lubbock County grows", {"US-TX"}),
        ("U.S. and UK regulators act", {"US", "GB"}),  # short forms
        ("Cholera in Guinea-Bissau and Tamil Nadu", {"GW", "IN-TN"}),  # hyphens, accents
        ("Cases rise in New South Wales and South Korea", {"AU-NSW", "KR"}),  # longest name
        ("Flu season starts early in England", {"GB-ENG"}),
    ],
)
def test_places_are_named_as_headlines_write_them(text: str, codes: set[str]) -> None:
    assert named(text) == codes


@pytest.mark.parametrize(
    "text",
    [
        "New England Journal of Medicine study finds",  # a name holding a place's name
        "A hanging chad of a trial",  # written in lower case: a word
        "Western diet linked to central obesity",  # other countries' regions are left out
    ],
)
def test_words_that_are_not_places_here_name_none(text: str) -> None:
    assert named(text) == frozenset()


def test_a_name_two_places_share_means_both() -> None:
    assert named("Georgia outbreak grows") == {"GE", "US-GA"}


def test_a_region_is_in_its_country() -> None:
    assert with_countries(frozenset({"US-TX", "KH"})) == {"US-TX", "US", "KH"}
