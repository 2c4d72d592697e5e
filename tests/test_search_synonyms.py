"""Search looks for a word's other names too: plain and clinical terms (``lexicon.EQUIVALENTS``),
brand and generic drug names (``drugs``), on both databases, through the store and the API."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

from flask.testing import FlaskClient
from webfactory import app, client, save, settings

from aggregator.searchquery import MAX_SPELLINGS, parse_search
from aggregator.store import Store
from tests.test_search import news, reads, titles

# --- the query language --------------------------------------------------------


def test_a_word_is_looked_for_under_its_other_names() -> None:
    assert parse_search("flu").fts5() == '("flu" OR "influenza")'
    assert parse_search("Influenza").tsquery() == "('Influenza' | 'flu')"
    assert parse_search('"heart attacks"').fts5() == '("heart attacks" OR "myocardial infarction")'
    assert parse_search("covid-19").fts5() == (
        '("covid 19" OR "covid" OR "coronavirus" OR "sars cov 2")'
    )
    assert parse_search("Wegovy").fts5() == '("Wegovy" OR "semaglutide")'
    (semaglutide,) = parse_search("semaglutide").terms
    assert {("ozempic",), ("wegovy",)} <= set(semaglutide.spellings())


def test_an_excluded_word_excludes_its_other_names() -> None:
    assert parse_search("vaccine -flu").fts5() == '("vaccine") NOT ("flu" OR "influenza")'
    assert parse_search("vaccine -flu").tsquery() == "'vaccine' & !('flu' | 'influenza')"


def test_words_broader_or_narrower_than_each_other_are_not_swapped() -> None:
    """ "cancer" sits with "tumour", "cut" with "lower", "children" with "pediatric" in the
    story tables: a search for one must not find items that only say the other. The drug
    dictionary lists "generics" as a name of oxazepam."""
    for word in ("cancer", "cut", "children", "linked", "pill", "died", "generics"):
        assert parse_search(word).fts5() == f'"{word}"'


def test_a_drug_of_many_names_stays_within_the_bound() -> None:
    (term,) = parse_search("aspirin").terms  # 30 brand names in the dictionary
    assert len(term.spellings()) == MAX_SPELLINGS
    assert term.spellings()[0] == ("aspirin",)


# --- matching, on both databases ---------------------------------------------


def test_a_plain_word_finds_the_clinical_one_and_back(reads: Store) -> None:
    save(
        reads,
        [
            news("Influenza admissions rise in the north"),
            news("Flu season starts early"),
            news("Weather report"),
        ],
    )
    both = ["Flu season starts early", "Influenza admissions rise in the north"]
    assert sorted(titles(reads, "flu")) == both
    assert sorted(titles(reads, "influenza")) == both


def test_covid_finds_sars_cov_2(reads: Store) -> None:
    save(reads, [news("New SARS-CoV-2 variant sequenced"), news("Measles in schools")])
    assert titles(reads, "covid") == ["New SARS-CoV-2 variant sequenced"]


def test_a_brand_finds_its_generic_and_back(reads: Store) -> None:
    save(
        reads,
        [
            news("Semaglutide cuts cardiovascular events"),
            news("Wegovy supply improves"),
            news("Tirzepatide trial readout"),
        ],
    )
    both = ["Semaglutide cuts cardiovascular events", "Wegovy supply improves"]
    assert sorted(titles(reads, "Wegovy")) == both
    assert sorted(titles(reads, "semaglutide")) == both


def test_an_everyday_word_the_drug_dictionary_lists_finds_only_itself(reads: Store) -> None:
    """The dictionary lists "luminal" (a brand of phenobarbital long ago) and "generics" (of
    oxazepam) as drugs' names: neither finds the drug, nor the drug them."""
    save(
        reads,
        [
            news("Luminal breast cancer responds to endocrine therapy"),
            news("Phenobarbital shortage hits epilepsy clinics"),
            news("Generics makers cut prices"),
            news("Oxazepam recall widens"),
        ],
    )
    assert titles(reads, "luminal") == ["Luminal breast cancer responds to endocrine therapy"]
    assert titles(reads, "phenobarbital") == ["Phenobarbital shortage hits epilepsy clinics"]
    assert titles(reads, "generics") == ["Generics makers cut prices"]
    assert titles(reads, "oxazepam") == ["Oxazepam recall widens"]


def test_an_excluded_word_removes_items_that_say_its_other_name(reads: Store) -> None:
    save(
        reads,
        [
            news("Influenza vaccine uptake falls"),
            news("Flu vaccine clinics open"),
            news("Measles vaccine catch-up"),
        ],
    )
    assert titles(reads, "vaccine -flu") == ["Measles vaccine catch-up"]
    assert titles(reads, "vaccine -influenza") == ["Measles vaccine catch-up"]


def test_a_phrase_stays_a_phrase(reads: Store) -> None:
    save(
        reads,
        [
            news("Myocardial infarction in young women"),
            news("Heart attack survivors return to work"),
            news("An attack on heart research funding"),
            news("Infarction of the myocardial wall after surgery"),
        ],
    )
    assert sorted(titles(reads, '"heart attack"')) == [
        "Heart attack survivors return to work",
        "Myocardial infarction in young women",
    ]
    assert sorted(titles(reads, '"myocardial infarction"')) == [
        "Heart attack survivors return to work",
        "Myocardial infarction in young women",
    ]


# --- the API -------------------------------------------------------------------


def test_the_api_finds_and_marks_the_other_name(client: FlaskClient, store: Store) -> None:
    save(store, [news("Influenza outbreak in care homes"), news("Gout flares in winter")])
    body = client.get("/api/items?q=flu").get_json()
    assert [item["title"] for item in body["items"]] == ["Influenza outbreak in care homes"]
    assert body["items"][0]["highlight"]["title"] == "<mark>Influenza</mark> outbreak in care homes"
