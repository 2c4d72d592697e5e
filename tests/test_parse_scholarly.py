"""DOIs, PubMed ids and notice types as journal feeds spell them."""

from __future__ import annotations

import pytest

from aggregator.parse.scholarly import (
    find_dois,
    find_ncts,
    normalize_doi,
    notice_type,
    publication_type,
)


@pytest.mark.parametrize(
    ("value", "doi"),
    [
        ("10.1056/NEJMoa2034577", "10.1056/nejmoa2034577"),
        ("https://doi.org/10.1056/NEJMoa2034577.", "10.1056/nejmoa2034577"),
        ("doi:10.2105/AJPH.2014.302274", "10.2105/ajph.2014.302274"),
        ("http://j.org/doi/abs/10.2105/AJPH.2014.302274?af=R", "10.2105/ajph.2014.302274"),
        ("(see doi:10.1000/abc(12)x).", "10.1000/abc(12)x"),
        (
            "https://www.biorxiv.org/content/10.1101/2026.10.30.1234v1?rss=1",
            "10.1101/2026.10.30.1234v1",
        ),
        ("https://example.org/article/123", None),
        (None, None),
    ],
)
def test_dois_are_normalised(value: str | None, doi: str | None) -> None:
    assert normalize_doi(value) == doi


def test_trial_numbers_are_listed_once_in_order_of_mention() -> None:
    text = "NCT01234567 and NCT07654321, again NCT01234567; not NCT123"
    assert find_ncts(text) == ("NCT01234567", "NCT07654321")


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Erratum: Trial of X", "Erratum"),
        ("Correction to: Trial of X", "Correction"),
        ("Retraction Note: Trial of X", "Retraction"),
        ("Expression of Concern: Trial of X", "Expression of Concern"),
        ("A correction of vitamin D deficiency", None),
    ],
)
def test_notices_are_recognised_by_their_title(title: str, kind: str | None) -> None:
    assert notice_type(title) == kind


def test_a_word_that_merely_starts_like_a_notice_is_no_notice() -> None:
    assert notice_type("Correctional health services expand") is None


@pytest.mark.parametrize(
    ("declared", "section", "categories", "expected"),
    [
        ("Retraction Note", None, (), "Retraction"),
        ("article", "Correction", (), "Correction"),
        (None, None, ("Oncology", "Expression of Concern"), "Expression of Concern"),
        (None, "Original Article", (), "Original Article"),
        ("Research Article", "Original Article", (), "Research Article"),
    ],
)
def test_notices_are_recognised_by_type_section_or_category(
    declared: str | None, section: str | None, categories: tuple[str, ...], expected: str
) -> None:
    found = publication_type(
        declared=declared, section=section, categories=categories, title="Trial of X"
    )
    assert found == expected


def test_every_doi_in_a_text_is_found_once_in_order() -> None:
    text = "See doi:10.5555/A.1 and https://doi.org/10.5555/b.2, again 10.5555/a.1."
    assert find_dois(text, '<a href="https://doi.org/10.5555/c.3">c</a>') == (
        "10.5555/a.1",
        "10.5555/b.2",
        "10.5555/c.3",
    )
