"""DOIs, PubMed ids and notice types as journal feeds spell them."""

from __future__ import annotations

import pytest

from aggregator.parse import parse_document
from aggregator.parse.scholarly import (
    article_info,
    entry_authors,
    find_dois,
    find_ncts,
    given_name_first,
    normalize_doi,
    notice_type,
    publication_type,
)
from aggregator.records import ArticleInfo


@pytest.mark.parametrize(
    ("value", "doi"),
    [
        ("10.1056/NEJMoa2034577", "10.1056/nejmoa2034577"),
        ("https://doi.org/10.1056/NEJMoa2034577.", "10.1056/nejmoa2034577"),
        ("doi:10.2105/AJPH.2014.302274", "10.2105/ajph.2014.302274"),
        ("http://j.org/doi/abs/10.2105/AJPH.2014.302274?af=R", "10.2105/ajph.2014.302274"),
        ("(see doi:10.1000/abc(12)x).", "10.1000/abc(12)x"),
        # A landing page's version and path are not the DOI's: the paper is one.
        (
            "https://www.biorxiv.org/content/10.1101/2026.10.30.1234v1?rss=1",
            "10.1101/2026.10.30.1234",
        ),
        ("https://www.biorxiv.org/content/10.1101/743294v2.full", "10.1101/743294"),
        (
            "https://www.frontiersin.org/articles/10.3389/fmed.2020.00001/full",
            "10.3389/fmed.2020.00001",
        ),
        ("https://doi.org/10.1016/S0140-6736%2820%2930183-5", "10.1016/s0140-6736(20)30183-5"),
        ("https://doi.org/10.1056%2FNEJMoa2034577", "10.1056/nejmoa2034577"),
        ("https://example.org/article/123", None),
        (None, None),
    ],
)
def test_dois_are_normalised(value: str | None, doi: str | None) -> None:
    assert normalize_doi(value) == doi


def journal_entry(title: str, text: str) -> ArticleInfo | None:
    return article_info(explicit_dois=(), urls=(), text=text, title=title, journal="J",
                        authors=(), pub_type=None, ids_from_text=True)  # fmt: skip


def test_a_doi_from_the_text_is_the_entrys_own_only_when_labelled_and_no_notice() -> None:
    cited = "Commentary on the trial at https://doi.org/10.1093/jnl/abc001 and its design."
    own = "A randomised trial in 400 adults. PMID: 123 DOI: 10.1093/jnl/abc002"
    info = journal_entry("A trial", cited + " " + own)
    assert info is not None and info.doi == "10.1093/jnl/abc002"
    assert "10.1093/jnl/abc001" in info.cites
    # A correction names the paper it corrects: that paper's DOI is not its own.
    notice = journal_entry("Correction to: A trial", "DOI: 10.1093/jnl/abc002")
    assert notice is not None and notice.doi is None and notice.cites == ("10.1093/jnl/abc002",)
    commentary = journal_entry("A commentary", cited)
    assert commentary is not None and commentary.doi is None


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


def test_a_preprint_servers_one_line_of_authors_is_split_into_names() -> None:
    """bioRxiv and medRxiv give every author in one dc:creator: the byline listed all 13."""
    body = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://connect.biorxiv.org/"><title>bioRxiv</title>
<link>https://www.biorxiv.org/</link><description>d</description></channel>
<item rdf:about="https://www.biorxiv.org/content/10.1101/743294v1">
<title>Wheat kinase alters the cell wall</title>
<link>https://www.biorxiv.org/content/10.1101/743294v1</link>
<dc:creator><![CDATA[ Kaur, M., Shukla, A., Plaumann, P.-L., Pandey, A. K. ]]></dc:creator>
<dc:identifier>doi:10.1101/743294</dc:identifier></item></rdf:RDF>"""
    (item,) = parse_document(body, url="https://connect.biorxiv.org/feed.xml").items
    assert item.article is not None
    assert item.article.authors == ("Kaur, M.", "Shukla, A.", "Plaumann, P.-L.", "Pandey, A. K.")
    assert item.author == "Kaur, M. et al."
    assert entry_authors({"author": "Smith, Jane"}) == ("Smith, Jane",)  # one name, kept whole


@pytest.mark.parametrize(
    ("tagged", "name"),
    [
        ("Smith, Jane", "Jane Smith"),
        ("  van der Berg ,  Anna  Maria ", "Anna Maria van der Berg"),
        ("Kaur, M.", "M. Kaur"),
        ("Jane Smith", "Jane Smith"),
        ("Smith, Jr.", "Smith, Jr."),
        ("Jane Smith, MD", "Jane Smith, MD"),
        ("Smith, Jane, Jr.", "Smith, Jane, Jr."),
        ("Smith,", "Smith,"),
    ],
)
def test_a_citation_tags_last_first_name_is_turned_round(tagged: str, name: str) -> None:
    """A citation_author tag names one author, "Last, First"; a name it cannot be sure of
    (a suffix after the comma, two commas) is kept as written."""
    assert given_name_first(tagged) == name
