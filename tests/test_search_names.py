"""A name of letters and digits is found however it is written: "GLP-1", "GLP1", "GLP 1".

SQLite's tokenizer reads "GLP-1" as "glp" "1" and PostgreSQL's as "glp" "-1"; both read
"GLP1" as one word. The query looks for each way (``searchquery._joined``, ``_Syntax.hyphen``).
"""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

from webfactory import app, client, save, settings

from aggregator.searchquery import parse_search
from aggregator.store import Store
from tests.test_search import news, reads, titles


def test_a_name_of_letters_and_digits_is_looked_for_joined_and_apart() -> None:
    for typed in ("glp1", "GLP-1"):
        (term,) = parse_search(typed).terms
        assert [w.casefold() for w in term.words] == ["glp", "1"]
    assert parse_search("glp1").fts5() == '("glp 1" OR "glp1")'
    assert parse_search("glp1").tsquery() == "(('glp 1' | 'glp-1') | 'glp1')"
    assert parse_search('"GLP-1 agonist"').fts5() == '("GLP 1 agonist" OR "GLP1 agonist")'


def test_other_names_are_kept_as_written() -> None:
    """Letters and letters are not joined ("car t" would be "cart"), nor a name of more parts
    ("H5N1"), nor digits then letters."""
    assert parse_search("CAR-T").fts5() == '"CAR T"'
    assert parse_search("cart").fts5() == '"cart"'
    assert parse_search("H5N1").fts5() == '"H5N1"'
    assert parse_search("2nd").fts5() == '"2nd"'


def test_a_name_written_joined_finds_it_hyphenated_and_back(reads: Store) -> None:
    save(
        reads,
        [
            news("GLP-1 agonists and weight"),
            news("GLP1 receptor agonist uptake"),
            news("Oral GLP 1 drug approved"),
            news("Weather report"),
        ],
    )
    for typed in ("glp1", "GLP1", "GLP-1", "glp-1", '"GLP 1"'):
        assert sorted(titles(reads, typed)) == [
            "GLP-1 agonists and weight",
            "GLP1 receptor agonist uptake",
            "Oral GLP 1 drug approved",
        ], typed
    assert titles(reads, "-glp1 report") == ["Weather report"]


def test_each_medical_name_finds_its_other_writing(reads: Store) -> None:
    save(
        reads,
        [
            news("COVID-19 wards reopen"),
            news("SGLT2 inhibitors in heart failure"),
            news("IL-6 blockade in sepsis"),
            news("HER2 positive breast cancer"),
            news("BRCA-1 carriers screened"),
        ],
    )
    assert titles(reads, "covid19") == ["COVID-19 wards reopen"]
    assert titles(reads, "SGLT-2") == ["SGLT2 inhibitors in heart failure"]
    assert titles(reads, "il6") == ["IL-6 blockade in sepsis"]
    assert titles(reads, "HER-2") == ["HER2 positive breast cancer"]
    assert titles(reads, "brca1") == ["BRCA-1 carriers screened"]


def test_cart_is_not_car_t(reads: Store) -> None:
    """ "CAR-T" joined is the word "cart": a shopping cart is no cell therapy."""
    save(reads, [news("CAR-T therapy for lymphoma"), news("A cart of supplies")])
    assert titles(reads, "cart") == ["A cart of supplies"]
    assert titles(reads, "CAR-T") == ["CAR-T therapy for lymphoma"]


def test_a_joined_name_is_marked_where_it_matched(reads: Store) -> None:
    save(reads, [news("GLP-1 agonists and weight")])
    (item,) = reads.list_items(q="glp1", limit=10, stories=False).items
    assert item.match is not None
    marked = " ".join(f.text for f in item.match.title if f.matched)
    assert "GLP" in marked and "1" in marked
