"""Full-text search on both databases: words, phrases, exclusions, accents, stems, ranking,
paging, the index kept by ingest and migration, reindexing, and matches marked on the page."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from alembic import command
from flask.testing import FlaskClient
from sqlalchemy import text
from webfactory import NOW, app, client, entry, save, settings, setup_store, web_settings

from aggregator.cli import main
from aggregator.lexicon import spellings
from aggregator.records import Kind
from aggregator.searchquery import SearchSyntaxError, boolean_words, parse_search
from aggregator.store import Store, search
from aggregator.store.database import alembic_config
from tests.test_store_migration_0004 import add_source
from tests.test_store_migration_0008 import add_item


@pytest.fixture
def reads(store: Store, database_url: str) -> Store:
    return setup_store(store, web_settings(database_url))


def titles(store: Store, q: str, **filters: object) -> list[str]:
    """Every matching item: near-duplicate grouping (stories) is not what is tested here."""
    page = store.list_items(q=q, limit=100, stories=False, **filters)  # type: ignore[arg-type]
    return [item.title for item in page.items]


def paged(store: Store, q: str, limit: int, sort: str = "relevance") -> list[int]:
    """The ids of every page of a search, ``limit`` at a time, following each cursor."""
    seen: list[int] = []
    before = None
    while True:
        page = store.list_items(q=q, limit=limit, before=before, stories=False, sort=sort)
        seen += [item.id for item in page.items]
        if page.next is None:
            return seen
        before = page.next


def news(title: str, summary: str = "<p>No further detail.</p>", **extra: object) -> object:
    return entry(Kind.NEWS, title=title, summary=summary, **extra)  # type: ignore[arg-type]


# --- the query language --------------------------------------------------------


def test_query_text_becomes_words_phrases_and_exclusions() -> None:
    query = parse_search('sepsis "heart failure" -placebo -"case report" il-6')
    assert query.fts5() == (
        '(("sepsis" AND "heart failure" AND ("il 6" OR "il6")) NOT "placebo") NOT "case report"'
    )
    assert query.tsquery() == (
        "'sepsis' & 'heart failure' & (('il 6' | 'il-6') | 'il6') & !'placebo' & !'case report'"
    )


def test_a_word_with_two_spellings_is_looked_for_in_both() -> None:
    query = parse_search('tumour -"paediatric case"')
    assert query.fts5() == '(("tumour" OR "tumor")) NOT ("paediatric case" OR "pediatric case")'
    assert query.tsquery() == "('tumour' | 'tumor') & !('paediatric case' | 'pediatric case')"


def test_a_long_british_phrase_is_looked_for_as_typed_among_its_spellings() -> None:
    """Four words of two spellings are 16 phrases, over the 8 looked for: the first 8 were
    all American in the first word, and the phrase as written was not among them."""
    (term,) = parse_search('"paediatric anaesthesia haemorrhage oedema"').terms
    spelt = term.spellings()
    assert spelt[0] == ("paediatric", "anaesthesia", "haemorrhage", "oedema")
    assert ("pediatric", "anesthesia", "hemorrhage", "edema") in spelt


def test_a_query_of_only_exclusions_or_punctuation_is_refused() -> None:
    for nothing in ("-aspirin", '-"heart failure"', "%%% ---", '""'):
        with pytest.raises(SearchSyntaxError):
            parse_search(nothing)


def test_an_operator_word_is_searched_as_a_word() -> None:
    assert parse_search("NOT or AND").fts5() == '"NOT" AND "or" AND "AND"'


def test_capitalised_operators_typed_bare_are_noticed_once_each() -> None:
    typed = 'heart OR kidney NOT "a OR b" -AND or OR failure AND'
    assert boolean_words(typed) == ("OR", "NOT", "AND")
    assert boolean_words("heart or kidney") == ()


# --- matching, on both databases ---------------------------------------------


def test_a_word_without_its_accent_finds_the_accented_word(reads: Store) -> None:
    save(reads, [news("Kraków hospitals join the trial"), news("Krakatoa eruption anniversary")])
    assert titles(reads, "krakow") == ["Kraków hospitals join the trial"]
    assert titles(reads, "KRAKÓW") == ["Kraków hospitals join the trial"]


def test_a_word_finds_its_other_forms(reads: Store) -> None:
    save(reads, [news("Vaccination trials resume"), news("Weather report")])
    assert titles(reads, "trial") == ["Vaccination trials resume"]
    assert titles(reads, "vaccinations") == ["Vaccination trials resume"]


def test_a_word_in_a_table_cell_is_found_apart_from_its_neighbours(reads: Store) -> None:
    """Cells ran together in the indexed text ("AgeDose"), so neither word was found."""
    table = "<table><tr><th>Age</th><th>Dose</th></tr><tr><td>65</td><td>10 mg</td></tr></table>"
    save(reads, [news("Anticoagulants in older adults", summary=table)])
    assert titles(reads, "dose") == ["Anticoagulants in older adults"]


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("tumours", "tumor"),
        ("anaesthesia", "anesthesia"),
        ("oesophagus", "esophagus"),
        ("haemorrhage", "hemorrhage"),
        ("paediatric", "pediatric"),
        ("oedema", "edema"),
        ("leukaemia", "leukemia"),
        ("foetal", "fetal"),
        # from breame's word list: -tre, -our, -mme, -yse, -oeuvre, grey
        ("cancer centre", "cancer center"),
        ("dietary fibre", "dietary fiber"),
        ("skin colour", "skin color"),
        ("favourable outcomes", "favorable outcomes"),
        ("screening programme", "screening program"),
        ("analysed", "analyzed"),
        ("Valsalva manoeuvre", "Valsalva maneuver"),
        ("grey matter", "gray matter"),
        # medical stems: sulph-, titre
        ("sulphonylureas", "sulfonylurea"),
        ("antibody titre", "antibody titer"),
        # regular endings: -isation, -ise, -yse
        ("urinary catheterisation", "urinary catheterization"),
        ("metastasised", "metastasized"),
        ("dialysed", "dialyzed"),
    ],
)
def test_a_british_spelling_and_the_american_find_each_other(
    reads: Store, british: str, american: str
) -> None:
    uk, us = f"A note on {british}", f"A note on {american}"
    save(reads, [news(uk), news(us), news("A note on the weather")])
    assert sorted(titles(reads, american)) == sorted([uk, us])
    assert sorted(titles(reads, british)) == sorted([uk, us])


def test_a_word_spelt_alike_in_both_or_another_word_in_american_keeps_its_spelling() -> None:
    """-ise words that are -ise in American too are not respelt, and "tire" (to tire),
    "draft guidance", "ton" never look for "tyre", "draught", "tonne"."""
    for word in ("advise", "exercising", "surprised", "otherwise", "size", "crises"):
        assert spellings(word) == (word,)
    for word in ("tire", "draft", "ton", "gauge", "tyres"):
        assert spellings(word) == (word,)
    assert spellings("emphasise") == ("emphasize", "emphasise")


def test_a_phrase_finds_either_spelling_and_marks_the_word_as_written(reads: Store) -> None:
    save(reads, [news("Glomus tumours of the hand"), news("Hand tumors in glomus cells")])
    [item] = reads.list_items(q='"glomus tumor"', limit=10, stories=False).items
    assert item.title == "Glomus tumours of the hand"
    assert item.match is not None
    marked = " ".join(f.text for f in item.match.title if f.matched)
    assert marked.split() == ["Glomus", "tumours"]  # one run on SQLite, two on PostgreSQL


def test_a_word_never_matches_inside_another_word(reads: Store) -> None:
    save(reads, [news("STEMI outcomes after PCI"), news("Microbiome and mild MI")])
    assert titles(reads, "mi") == ["Microbiome and mild MI"]


def test_a_quoted_phrase_needs_its_words_together_and_in_order(reads: Store) -> None:
    save(
        reads,
        [
            news("Heart failure clinics expand"),
            news("Failure of heart valve devices"),
            news("Heart clinics report staff failure"),
        ],
    )
    assert titles(reads, '"heart failure"') == ["Heart failure clinics expand"]
    assert sorted(titles(reads, "heart failure")) == sorted(
        [
            "Heart failure clinics expand",
            "Failure of heart valve devices",
            "Heart clinics report staff failure",
        ]
    )


def test_an_excluded_word_or_phrase_removes_items(reads: Store) -> None:
    save(
        reads,
        [
            news("Aspirin in older adults", "<p>A placebo-controlled trial.</p>"),
            news("Aspirin and bleeding", "<p>A case report from one clinic.</p>"),
            news("Aspirin for prevention", "<p>An observational cohort.</p>"),
        ],
    )
    assert titles(reads, "aspirin -placebo") == ["Aspirin for prevention", "Aspirin and bleeding"]
    assert titles(reads, 'aspirin -"case report" -placebo') == ["Aspirin for prevention"]


def test_summary_text_is_searched_without_its_markup(reads: Store) -> None:
    save(
        reads,
        [
            news(
                "Quarterly update",
                '<p>Results from <a href="https://x.org/strong">the '
                "<strong>Helsinki</strong> cohort</a>.</p>",
            )
        ],
    )
    assert titles(reads, "helsinki cohort") == ["Quarterly update"]
    assert titles(reads, "href") == []
    assert titles(reads, "strong") == []


def test_search_narrows_the_other_filters(reads: Store) -> None:
    save(reads, [news("Measles outbreak", tags=("infectious",))])
    save(reads, [news("Measles vaccine approved")], source="fda-press")
    save(reads, [entry(Kind.ARTICLE, title="Measles seroprevalence study")])
    assert titles(reads, "measles", kind=Kind.ARTICLE) == ["Measles seroprevalence study"]
    assert titles(reads, "measles", source="fda-press") == ["Measles vaccine approved"]
    assert titles(reads, "measles", tag="infectious") == ["Measles outbreak"]


# --- order and paging ----------------------------------------------------------


def test_a_title_match_ranks_above_a_passing_mention(reads: Store) -> None:
    older = NOW - timedelta(days=3)
    save(
        reads,
        [
            news(
                "Sepsis bundles cut deaths",
                "<p>Sepsis care in emergency wards.</p>",
                published=older,
            ),
            news(
                "Ward staffing report",
                "<p>One ward mentions sepsis once among many topics.</p>",
                published=NOW,  # not the factory's default: it moves back a minute an entry
            ),
        ],
    )
    assert titles(reads, "sepsis") == ["Sepsis bundles cut deaths", "Ward staffing report"]
    assert titles(reads, "sepsis", sort="date") == [
        "Ward staffing report",
        "Sepsis bundles cut deaths",
    ]


def test_postgresql_weighs_a_title_word_four_times_a_text_word(reads: Store) -> None:
    """ts_rank's default weighed the title 2.5 times the text, not four times as on SQLite
    and in docs/search.md: a one-word mention in a brief beat the title of an article."""
    if reads.dialect != "postgresql":
        pytest.skip("SQLite's bm25 takes TITLE_WEIGHT and TEXT_WEIGHT as they are")
    article = " ".join(f"Sentence {n} on vaccine coverage in islands." for n in range(50))
    brief = "<p>Rain, wind and one measles case reported.</p>"
    save(reads, [news("Measles outbreak in Samoa", f"<p>{article}</p>",
                      published=NOW - timedelta(days=1)),
                 news("Weather update", brief)])  # fmt: skip
    assert titles(reads, "measles")[0] == "Measles outbreak in Samoa"


@pytest.mark.parametrize("wait", [None, 2.0], ids=["refresh", "site"])
def test_a_search_repeated_on_one_connection_is_planned_for_its_own_words(
    reads: Store, wait: float | None
) -> None:
    """psycopg prepares a statement on the server at its fifth run on a connection, and
    PostgreSQL then planned it once for any words (a generic plan): on the site's pooled
    connections "myocardial infarction" took 145 ms instead of 34."""
    if reads.dialect != "postgresql":
        pytest.skip("SQLite has no server-side plan cache")
    save(reads, [news("Myocardial infarction in the young"), news("Sepsis bundles cut deaths")])
    pooled = Store(reads.url, migrate=False, wait=wait, pool_size=1, max_overflow=0)
    try:
        for _ in range(10):
            for words in ("myocardial infarction", "sepsis", "nothing matches"):
                pooled.list_items(q=words, limit=5)
        with pooled.engine.connect() as connection:  # the same, only, pooled connection
            generic = connection.execute(
                text(
                    "SELECT statement FROM pg_prepared_statements WHERE generic_plans > 0"
                    " AND cardinality(parameter_types) > 0"
                )
            ).scalars()
            assert list(generic) == []
            assert connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
    finally:
        pooled.close()


def test_equally_good_matches_are_newest_first(reads: Store) -> None:
    for days in (5, 1, 3):
        save(
            reads,
            [
                news(
                    "Dengue cases rise",
                    published=NOW - timedelta(days=days),
                    url=f"https://example.org/dengue/{days}",
                )
            ],
        )
    page = reads.list_items(q="dengue", stories=False)
    published = [item.published for item in page.items]
    assert len(published) == 3
    assert published == sorted(published, reverse=True)


def test_paging_through_ranked_results_walks_every_match_once(reads: Store) -> None:
    for n in range(23):
        mentions = " ".join(["influenza"] * (1 + n % 4))
        save(
            reads,
            [
                news(
                    f"Bulletin {n}",
                    f"<p>{mentions} and other notes {n}.</p>",
                    published=NOW - timedelta(hours=n % 5),
                )
            ],
        )
    save(reads, [news("Unrelated bulletin")])
    seen = paged(reads, "influenza", limit=5)
    assert len(seen) == len(set(seen)) == 23
    everything = reads.list_items(q="influenza", limit=100, stories=False).items
    assert seen == [item.id for item in everything]


def test_items_stored_between_pages_of_a_ranked_search_make_it_repeat_or_skip_nothing(
    reads: Store,
) -> None:
    """On SQLite every item stored changes every bm25 score (a word's rarity over the
    index): the cursor held the last score shown, and once the scores had moved, the
    next page started above or below where the first had stopped."""
    for n in range(12):
        mentions = " ".join(["influenza"] * (1 + n % 4))
        summary = f"<p>{mentions} and other notes {n}.</p>"
        save(reads, [news(f"Bulletin {n}", summary, published=NOW - timedelta(hours=n % 5))])
    everything = [
        item.id for item in reads.list_items(q="influenza", limit=100, stories=False).items
    ]
    seen: list[int] = []
    page = reads.list_items(q="influenza", limit=4, stories=False)
    for batch in range(10):
        seen += [item.id for item in page.items]
        if page.next is None:
            break
        # items without the word (it gets rarer) and with it (commoner): both move scores
        save(reads, [news(f"Unrelated bulletin {batch}.{n}") for n in range(6)])
        save(reads, [news(f"Influenza influenza bulletin {batch}", "<p>influenza.</p>")])
        page = reads.list_items(q="influenza", limit=4, before=page.next, stories=False)
    assert seen == everything  # in the order shown at once, none twice, none left out


def test_ranked_blocks_and_dense_date_walks_still_reach_every_match_once(
    reads: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "BLOCK", 4)  # relevance ranks 4 matches at a time
    monkeypatch.setattr(search, "DENSE", 5)  # a date search of 5+ matches walks the stream
    for n in range(11):
        mentions = " ".join(["malaria"] * (1 + n % 3))
        save(
            reads,
            [
                news(
                    f"Report {n}",
                    f"<p>{mentions}, note {n}.</p>",
                    published=NOW - timedelta(hours=(n * 7) % 11),
                )
            ],
        )
    save(reads, [news("Unrelated report")])
    for sort in ("relevance", "date"):
        seen = paged(reads, "malaria", limit=3, sort=sort)
        assert len(seen) == len(set(seen)) == 11, sort
    first = reads.list_items(q="malaria", limit=4, stories=False).items[0]
    assert first.title == "Report 8"  # the newest block's only item with three mentions


def test_a_ranked_search_lists_the_same_blocks_however_sparse_its_matches_lie(
    reads: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL takes a block's matches from the newest ``RECENT`` ids, then walks on
    (the window held a few) or lets the index drive (it held none): every way, the
    same items in the same order as a window holding them all."""
    monkeypatch.setattr(search, "BLOCK", 4)
    matching = {1, 2, 4, 10, 11, 12, 16, 17, 18, 19, 20}
    for n in range(1, 21):
        mentions = " ".join(["malaria"] * (1 + n % 3)) if n in matching else "dengue"
        published = NOW - timedelta(hours=(n * 7) % 11)
        save(reads, [news(f"Report {n}", f"<p>{mentions}, note {n}.</p>", published=published)])
    whole = paged(reads, "malaria", limit=3)
    # blocks of the ids 17-20 (all in the window), 16 and 10-12 (the window holds one:
    # walk on), then 1, 2 and 4 (the window, 6-9, holds none: the index drives)
    monkeypatch.setattr(search, "RECENT", 4)
    assert paged(reads, "malaria", limit=3) == whole
    assert len(whole) == len(matching)


# --- the index follows the items ------------------------------------------------


def test_an_item_edited_in_place_is_found_by_its_new_words_only(reads: Store) -> None:
    _, item, tags = news("Draft guidance on statins")
    save(reads, [(Kind.NEWS, item, tags)])
    from dataclasses import replace

    save(reads, [(Kind.NEWS, replace(item, title="Final guidance on anticoagulants"), tags)])
    assert titles(reads, "statins") == []
    assert titles(reads, "anticoagulants") == ["Final guidance on anticoagulants"]


def test_a_deleted_item_leaves_no_words_behind_for_the_next_one(reads: Store) -> None:
    save(reads, [news("Cholera vaccine stockpile")])
    with reads.session() as session:
        session.execute(text("DELETE FROM items"))
    # SQLite gives the next item the deleted one's rowid: stale words would match it.
    save(reads, [news("Malaria nets")])
    assert titles(reads, "cholera") == []
    assert titles(reads, "malaria") == ["Malaria nets"]


def test_an_item_the_index_never_held_can_still_be_deleted(reads: Store) -> None:
    save(reads, [news("Cholera vaccine stockpile")])
    add_source(reads.engine, "wire", "news")
    add_item(reads.engine, "written-by-hand", linked=False, title="Malaria nets")
    with reads.session() as session:
        session.execute(text("DELETE FROM items"))
    assert titles(reads, "cholera") == []


def test_reindex_rebuilds_an_index_that_lost_its_rows(
    reads: Store, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save(reads, [news("Cholera vaccine stockpile"), news("Malaria nets")])
    table = "item_search" if reads.dialect == "postgresql" else "items_fts"
    with reads.session() as session:
        session.execute(text(f"DELETE FROM {table}"))
    assert titles(reads, "cholera") == []
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "database": database_url,
                "sources": [
                    {
                        "id": "wire",
                        "name": "Wire",
                        "url": "https://example.org/feed",
                        "kind": "news",
                    }
                ],
            }
        )
    )
    assert main(["--config", str(config), "search", "reindex"]) == 0
    assert "2 items" in capsys.readouterr().out
    assert titles(reads, "cholera") == ["Cholera vaccine stockpile"]


def test_the_migration_indexes_items_stored_before_it(reads: Store) -> None:
    save(reads, [news("Tuberculosis screening expands")])
    config = alembic_config()
    with reads.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
        command.upgrade(config, "head")
    assert titles(reads, "tuberculosis") == ["Tuberculosis screening expands"]


# --- the page and the API ------------------------------------------------------


def test_the_page_marks_matched_words_and_escapes_everything_else(
    client: FlaskClient, store: Store
) -> None:
    save(
        store,
        [
            news(
                "Lupus <script>alert(1)</script> & nephritis",
                "<p>Renal lupus outcomes <img src=x onerror=alert(2)>.</p>",
            )
        ],
    )
    html = client.get("/?q=lupus").get_data(as_text=True)
    assert "<mark>Lupus</mark> &lt;script&gt;alert(1)&lt;/script&gt; &amp; nephritis" in html
    assert "Renal <mark>lupus</mark> outcomes" in html
    assert "<script>alert" not in html and "onerror" not in html
    assert 'name="sort"' in html


def test_the_api_gives_highlights_and_refuses_an_empty_search(
    client: FlaskClient, store: Store
) -> None:
    save(store, [news("Gout flares in winter", "<p>Gout & diet.</p>")])
    body = client.get("/api/items?q=gout").get_json()
    assert [item["title"] for item in body["items"]] == ["Gout flares in winter"]
    highlight = body["items"][0]["highlight"]
    assert highlight["title"] == "<mark>Gout</mark> flares in winter"
    # PostgreSQL's extract ends at the last word, FTS5's keeps the full stop.
    assert highlight["summary"].startswith("<mark>Gout</mark> &amp; diet")
    refused = client.get("/api/items?q=-gout")
    assert refused.status_code == 400
    assert "at least one word" in refused.get_json()["error"]
    assert client.get("/api/items?q=gout&sort=popular").status_code == 400


def test_a_date_cursor_cannot_page_a_ranked_search(client: FlaskClient, store: Store) -> None:
    save(store, [news(f"Asthma note {n}") for n in range(3)])
    by_date = client.get("/api/items?q=asthma&sort=date&limit=1").get_json()
    assert client.get(f"/api/items?q=asthma&limit=1&before={by_date['next']}").status_code == 400


def test_a_query_in_decomposed_unicode_reads_as_the_composed_one() -> None:
    # "Kraków" pasted from a PDF: "o" and a combining accent, which split the word.
    assert parse_search("Krako\u0301w") == parse_search("Krak\u00f3w")
