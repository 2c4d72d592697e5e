"""Search looks for a word's other names too: plain and clinical terms (``lexicon.EQUIVALENTS``),
brand and generic drug names (``drugs``), on both databases, through the store and the API."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from webfactory import app, client, save, settings

from aggregator.searchquery import MAX_SPELLINGS, SearchSyntaxError, parse_search
from aggregator.store import Store
from tests.test_search import news, reads, titles

# --- the query language --------------------------------------------------------


def test_a_word_is_looked_for_under_its_other_names() -> None:
    assert parse_search("flu").fts5() == '("flu" OR "influenza")'
    assert parse_search("Influenza").tsquery() == "('Influenza' | 'flu')"
    assert parse_search('"heart attacks"').fts5() == '("heart attacks" OR "myocardial infarction")'
    assert parse_search("covid-19").fts5() == (
        '("covid 19" OR "covid19" OR "covid" OR "coronavirus" OR "sars cov 2" OR "sars cov2")'
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


def test_bare_words_that_make_a_phrase_are_also_looked_for_under_its_other_names() -> None:
    assert parse_search("heart attack risk").fts5() == (
        '(("heart" AND "attack") OR "myocardial infarction") AND "risk"'
    )
    assert parse_search("heart attack risk").tsquery() == (
        "(('heart' & 'attack') | 'myocardial infarction') & 'risk'"
    )


def test_the_longest_phrase_of_bare_words_is_read_first() -> None:
    """ "blood sugar" is a phrase of its own ("blood glucose"); "high blood sugar" is
    hyperglycaemia, and the words "high blood pressure" that follow are hypertension."""
    assert parse_search("high blood sugar high blood pressure").fts5() == (
        '(("high" AND "blood" AND "sugar") OR "hyperglycemia" OR "hyperglycaemia") AND '
        '(("high" AND "blood" AND "pressure") OR "hypertension" OR "hypertensive")'
    )


def test_each_bare_word_of_a_phrase_keeps_its_own_other_names() -> None:
    assert parse_search("bird flu").fts5() == (
        '(("bird" AND ("flu" OR "influenza")) OR "avian influenza" OR "avian flu")'
    )


def test_words_of_a_phrase_split_by_quotes_or_by_a_sign_stay_apart() -> None:
    assert parse_search('heart "attack"').fts5() == '"heart" AND "attack"'
    assert parse_search("-heart attack").fts5() == '("attack") NOT "heart"'
    assert parse_search("heart -attack").fts5() == '("heart") NOT "attack"'


def test_bare_words_that_make_no_phrase_of_the_lexicon_are_unchanged() -> None:
    assert parse_search("heart failure").fts5() == '"heart" AND "failure"'
    assert parse_search("weight loss").fts5() == '"weight" AND "loss"'  # NOT_SEARCHED


def test_excluded_bare_words_of_a_phrase_also_exclude_its_other_names() -> None:
    assert parse_search("statin -heart -attack").fts5() == (
        '("statin") NOT (("heart" OR "attack") OR "myocardial infarction")'
    )


def test_a_phrase_of_bare_words_counts_its_words_against_the_limit() -> None:
    words = " ".join(f"w{n}" for n in range(14))
    parse_search(f"{words} heart attack")
    with pytest.raises(SearchSyntaxError):
        parse_search(f"{words} w14 heart attack")


def test_a_phrase_of_bare_words_stays_within_the_bound() -> None:
    (term,) = parse_search("high blood sugar").terms
    assert len(term.other_names()) <= MAX_SPELLINGS - 1


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


HEART_ATTACK_ITEMS = [
    news("Myocardial infarction risk in young women"),
    news("Heart attack risk falls with statins"),
    news("Myocardial infarction registry opens"),
    news("An attack on heart research funding puts risk on labs"),
    news("Heart failure risk score"),
]


def test_unquoted_phrase_finds_its_other_name_and_back(reads: Store) -> None:
    save(reads, HEART_ATTACK_ITEMS)
    said_either_way = [
        "An attack on heart research funding puts risk on labs",  # the words, as before
        "Heart attack risk falls with statins",
        "Myocardial infarction registry opens",
        "Myocardial infarction risk in young women",
    ]
    assert sorted(titles(reads, "heart attack")) == said_either_way
    assert sorted(titles(reads, "myocardial infarction")) == [
        "Heart attack risk falls with statins",
        "Myocardial infarction registry opens",
        "Myocardial infarction risk in young women",
    ]


def test_unquoted_phrase_and_another_word_find_both(reads: Store) -> None:
    save(reads, HEART_ATTACK_ITEMS)
    assert sorted(titles(reads, "heart attack risk")) == [
        "An attack on heart research funding puts risk on labs",
        "Heart attack risk falls with statins",
        "Myocardial infarction risk in young women",
    ]


def test_excluded_unquoted_phrase_excludes_its_other_name(reads: Store) -> None:
    save(reads, HEART_ATTACK_ITEMS)
    assert titles(reads, "risk -heart -attack") == []
    assert sorted(titles(reads, "risk -myocardial -infarction")) == [
        "An attack on heart research funding puts risk on labs",
        "Heart failure risk score",
    ]


def test_unquoted_words_of_no_phrase_are_searched_as_words(reads: Store) -> None:
    save(reads, HEART_ATTACK_ITEMS)
    assert titles(reads, "heart failure") == ["Heart failure risk score"]


# --- the API -------------------------------------------------------------------


def test_the_api_finds_and_marks_the_other_name(client: FlaskClient, store: Store) -> None:
    save(store, [news("Influenza outbreak in care homes"), news("Gout flares in winter")])
    body = client.get("/api/items?q=flu").get_json()
    assert [item["title"] for item in body["items"]] == ["Influenza outbreak in care homes"]
    assert body["items"][0]["highlight"]["title"] == "<mark>Influenza</mark> outbreak in care homes"
