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


def demonyms_named(text: str) -> frozenset[str]:
    return places(_tokens(text), with_demonyms=True)


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Danish researchers report", {"DK"}),
        ("Colorectal cancer kills more Americans under 50", {"US"}),  # a plural
        ("British and Swiss regulators agree", {"GB", "CH"}),
        ("South African trial sites enrol", {"ZA"}),  # the longest name read
        ("French doctors strike", {"FR"}),  # shared with its territories: the country's
    ],
)
def test_a_demonym_names_its_country_when_asked(text: str, codes: set[str]) -> None:
    assert demonyms_named(text) == codes


def test_a_headline_demonym_names_no_place_by_default() -> None:
    assert named("American Heart Association issues Danish study alert") == frozenset()


@pytest.mark.parametrize(
    "text",
    [
        "Pan American Health Organization warns of measles",  # a body, not the country
        "Latin American and North American sites enrolled",
        "Latin Americans and Central Americans enrolled",  # their people: no country either
        "danish pastries and french fries",  # written in lower case: words
    ],
)
def test_words_holding_a_demonym_that_name_no_country(text: str) -> None:
    assert demonyms_named(text) == frozenset()
