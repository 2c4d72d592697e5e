"""Dedup layer 3 when an identifier arrives late: a journal feed publishes an entry first
without its DOI and adds it in a later version of the entry, when another source already
holds an item with that DOI. After the refresh that brings the DOI the two copies are one
item, "also from" both sources, as if the DOI had been there from the start; an update
never joins two items of one source, nor items whose identifiers differ.

The feeds are served by a real HTTP server on 127.0.0.1 and refreshed as ``medfeed
refresh`` does; the result is read from the stored rows and from the JSON API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func, select, update

from aggregator.cli import main
from aggregator.config import load_settings
from aggregator.drugs import generic_names
from aggregator.latejoin import (
    CarriedCorrections,
    Fold,
    Holder,
    carry_corrections,
    folds,
    identifiers_differ,
)
from aggregator.reconcile import Owner
from aggregator.records import DroppedCorrection, Kind, Label, StoryCorrection
from aggregator.refresh import Refresher
from aggregator.store import Store
from aggregator.store.models import Item, ItemIdentifier, ItemSource
from tests.feeds import always_sent, config_text
from tests.localserver import LocalServer
from web import create_app

DOI = "10.1056/NEJMoa2611234"
TITLE = "Semaglutide and kidney outcomes in type 2 diabetes"
SUMMARY = (
    "In a randomized trial of 3,533 patients with type 2 diabetes and chronic kidney "
    "disease, semaglutide reduced the risk of major kidney outcomes."
)


@dataclass(frozen=True)
class Article:
    guid: str
    link: str
    doi: str | None = None
    pmid: str | None = None
    title: str = TITLE
    summary: str = SUMMARY


def journal_feed(articles: Sequence[Article]) -> bytes:
    """RSS 2.0 with the DOI in PRISM's element, as journal publishers write it."""
    items = []
    for a in articles:
        ids = f"<prism:doi>{escape(a.doi)}</prism:doi>" if a.doi else ""
        summary = f"{a.summary} PMID: {a.pmid}" if a.pmid else a.summary  # as PubMed writes it
        items.append(
            f"<item><title>{escape(a.title)}</title><link>{escape(a.link)}</link>"
            f"<guid isPermaLink='false'>{escape(a.guid)}</guid>"
            f"<description>{escape(summary)}</description>"
            f"<pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate>{ids}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/"><channel><title>Feed</title>'
        f"<link>https://example.org/</link><description>test</description>{''.join(items)}"
        "</channel></rss>"
    ).encode()


class Feeds:
    """Two journal-article sources served from one local server, whose entries a test edits."""

    def __init__(
        self,
        server: LocalServer,
        tmp_path: Path,
        database_url: str,
        store: Store,
        source_ids: Sequence[str] = ("nejm", "pubmed"),
    ) -> None:
        self.entries: dict[str, list[Article]] = {source_id: [] for source_id in source_ids}
        for source_id in self.entries:
            server.route(f"/{source_id}", always_sent(self._body(source_id)))
        path = tmp_path / "config.yaml"
        sources = [(s, server.url(f"/{s}"), "article") for s in self.entries]
        # No full text for the featured article: its page is not on this machine.
        path.write_text(config_text(database_url, sources, fulltext="{enabled: false}"))
        self.settings = load_settings(path)
        self.store = store
        generic_names()  # the drug table, read once before the first parse rather than in it
        store.sync_sources(self.settings.configured_sources())

    def _body(self, source_id: str) -> Callable[[], bytes]:
        return lambda: journal_feed(self.entries[source_id])

    def refresh(self, *source_ids: str) -> None:
        """Refresh these sources (all when none), in turn: one parsing while another is
        fetched could outlast the 2 s timeout on a loaded machine."""
        for source_id in source_ids or tuple(self.entries):
            refresher = Refresher(self.settings, self.store)
            (outcome,) = refresher.refresh(source_ids=[source_id], due_only=False)
            assert (outcome.status, outcome.error) == ("ok", None)


def items(store: Store) -> list[tuple[str, str, tuple[str, ...]]]:
    """(owner source, title, every source carrying it) of each stored item, in id order."""
    with store.session() as session:
        rows = session.execute(select(Item.id, Item.source_id, Item.title).order_by(Item.id))
        links = session.execute(select(ItemSource.item_id, ItemSource.source_id))
        carried: dict[int, list[str]] = {}
        for item_id, source_id in links:
            carried.setdefault(item_id, []).append(source_id)
        return [(owner, title, tuple(sorted(carried[i]))) for i, owner, title in rows]


def identifiers(store: Store) -> dict[str, int]:
    with store.session() as session:
        rows = session.execute(select(ItemIdentifier.identifier, ItemIdentifier.item_id))
        return {identifier: item_id for identifier, item_id in rows}


NEJM = Article("nejm-1", "https://www.nejm.org/online-first/semaglutide-kidney")
PUBMED = Article("pm-41234567", "https://pubmed.ncbi.nlm.nih.gov/41234567/", DOI, "41234567")
# PubMed's copy as it gives the paper: its title and abstract, in a story of their own.
ABSTRACT = replace(
    PUBMED,
    title="Effects of semaglutide on chronic kidney disease",
    summary="Background: glomerular filtration declines in diabetic nephropathy.",
)
BAY = Article(  # another story, whose text shares nothing with the paper's
    "bay-1",
    "https://bay.example/statins",
    title="Statins in older adults",
    summary="Over-75s on statins had fewer strokes in a Danish registry study.",
)


def edited(
    tmp_path: Path,
    database_url: str,
    store: Store,
    before: dict[str, list[Article]],
    after: dict[str, list[Article]],
) -> Feeds:
    """Refresh each source of ``before`` serving its entries, then each of ``after`` again,
    serving its new ones."""
    with LocalServer() as server:
        feeds = Feeds(server, tmp_path, database_url, store, tuple(before))
        feeds.entries.update(before)
        feeds.refresh()
        feeds.entries.update(after)
        feeds.refresh(*after)
    return feeds


def test_a_doi_an_entry_gains_later_joins_it_to_the_item_holding_the_doi(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    pubmed = Article(PUBMED.guid, PUBMED.link, DOI, title="PubMed's")
    later = {"nejm": [replace(NEJM, doi=DOI)]}
    feeds = edited(tmp_path, database_url, store, {"nejm": [NEJM], "pubmed": [pubmed]}, later)

    # The journal's copy is preferred (same label, first source id): its text shows.
    assert items(store) == [("nejm", TITLE, ("nejm", "pubmed"))]
    (item_id,) = set(identifiers(store).values())
    client = create_app(feeds.settings, store, watch=False).test_client()
    (shown,) = client.get("/api/items?stories=0").get_json()["items"]
    assert shown["id"] == item_id
    assert sorted(s["id"] for s in shown["sources"]) == ["nejm", "pubmed"]
    assert shown["also"] == []  # one item now: no second one left in its story
    assert client.get("/api/items").get_json()["items"] == [shown]
    assert shown["article"]["doi"].lower() == DOI.lower()


def test_the_item_a_late_doi_keeps_shows_and_is_found_by_the_pmid_the_other_copy_brought(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    feeds = edited(
        tmp_path,
        database_url,
        store,
        {"nejm": [NEJM], "pubmed": [PUBMED]},
        {"nejm": [replace(NEJM, doi=DOI)]},
    )
    client = create_app(feeds.settings, store, watch=False).test_client()
    (shown,) = client.get("/api/items?q=pmid:41234567").get_json()["items"]
    assert shown["source"]["id"] == "nejm"
    assert shown["article"]["pmid"] == "41234567"


def test_a_late_doi_leaves_the_preferred_copy_whichever_item_held_the_doi_first(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    """From the start, one item owned by the preferred copy (both journals: the first
    source id), holding both copies' identifiers. Here the preferred copy is the one that
    held the DOI, and the PubMed copy gains it late."""
    nejm = replace(NEJM, doi=DOI, title="NEJM's title")
    first = {"nejm": [nejm], "pubmed": [replace(PUBMED, doi=None, pmid=None)]}
    edited(tmp_path, database_url, store, first, {"pubmed": [PUBMED]})

    assert items(store) == [("nejm", "NEJM's title", ("nejm", "pubmed"))]
    assert len(set(identifiers(store).values())) == 1
    assert sorted(identifiers(store)) == [f"doi:{DOI.lower()}", "pmid:41234567"]


def test_a_doi_an_entry_gains_never_joins_another_entry_of_its_own_feed(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    first = replace(NEJM, doi=DOI)
    second = Article("nejm-2", "https://www.nejm.org/online-first/semaglutide-editorial")
    later = {"nejm": [first, replace(second, doi=DOI)]}
    edited(tmp_path, database_url, store, {"nejm": [first, second]}, later)

    assert [carried for _, _, carried in items(store)] == [("nejm",), ("nejm",)]


def test_a_doi_an_entry_gains_never_joins_an_item_whose_pmid_differs(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    later = {"nejm": [replace(NEJM, doi=DOI, pmid="40000001")]}
    edited(tmp_path, database_url, store, {"nejm": [NEJM], "pubmed": [PUBMED]}, later)

    assert [carried for _, _, carried in items(store)] == [("nejm",), ("pubmed",)]
    assert identifiers(store)["pmid:40000001"] != identifiers(store)[f"doi:{DOI.lower()}"]


def test_a_copy_joining_an_item_by_its_url_brings_the_doi_another_item_holds(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    """The same documents as a copy with the DOI arriving before the others: one item."""
    with LocalServer() as server:
        feeds = Feeds(server, tmp_path, database_url, store, ("medscape", "nejm", "pubmed"))
        feeds.entries["pubmed"] = [PUBMED]
        feeds.refresh("pubmed")
        feeds.entries["nejm"] = [NEJM]
        feeds.refresh("nejm")
        feeds.entries["medscape"] = [Article("ms-1", NEJM.link, DOI, title="Medscape's")]
        feeds.refresh("medscape")

    assert items(store) == [("medscape", "Medscape's", ("medscape", "nejm", "pubmed"))]


def owner(source_id: str, label: Label = Label.JOURNAL, kind: Kind = Kind.ARTICLE) -> Owner:
    return Owner(source_id, f"{source_id}-1", label.value, kind.value)


def holder(item_id: int, source_id: str, *identifiers: str, **owned: Any) -> Holder:
    return Holder(
        item_id, owner(source_id, **owned), frozenset({source_id}), frozenset(identifiers)
    )


def test_an_identifier_held_twice_keeps_the_item_whose_copy_ranks_first() -> None:
    held = {1: holder(1, "wire", label=Label.NEWS), 2: holder(2, "bmj", "doi:10.1/x")}
    assert folds([(1, 2)], held) == [Fold(kept=2, absorbed=1)]
    assert folds([(2, 1)], held) == [Fold(kept=2, absorbed=1)]


def test_a_chain_of_late_identifiers_ends_in_one_item() -> None:
    held = {
        1: holder(1, "bmj", "doi:10.1/x", "pmid:7"),
        2: holder(2, "pubmed", "pmid:7"),
        3: holder(3, "crossref", "doi:10.1/x"),
    }
    assert folds([(1, 2), (1, 3)], held) == [Fold(1, 2), Fold(1, 3)]


def test_a_join_that_would_carry_two_dois_is_refused_against_the_joined_item() -> None:
    held = {
        1: holder(1, "bmj", "pmid:7"),
        2: holder(2, "pubmed", "pmid:7", "doi:10.1/x"),
        3: holder(3, "crossref", "pmid:7", "doi:10.1/y"),
    }
    assert folds([(1, 2), (1, 3)], held) == [Fold(1, 2)]
    assert identifiers_differ(frozenset({"nct:NCT1"}), frozenset({"nct:NCT2", "doi:10.1/x"}))
    assert not identifiers_differ(frozenset({"nct:NCT1"}), frozenset({"nct:NCT1", "nct:NCT2"}))


def test_a_conference_and_an_article_keep_the_item_that_held_the_identifier() -> None:
    held = {1: holder(1, "esc", kind=Kind.CONFERENCE), 2: holder(2, "zzz", "doi:10.1/x")}
    assert folds([(1, 2)], held) == [Fold(kept=2, absorbed=1)]


def test_a_late_doi_keeps_the_retracted_flag_of_the_item_merged_away(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    """PubMed's item, the one a retraction notice was matched to, is merged into the
    journal's: the item kept shows the paper as retracted."""
    with LocalServer() as server:
        feeds = Feeds(server, tmp_path, database_url, store)
        feeds.entries.update({"nejm": [NEJM], "pubmed": [PUBMED]})
        feeds.refresh()
        with store.session() as session:  # as ``citations`` flags it when a notice cites it
            flagged = update(Item).where(Item.source_id == "pubmed")
            session.execute(flagged.values(flags=["retracted"]))
        feeds.entries["nejm"] = [replace(NEJM, doi=DOI)]
        feeds.refresh("nejm")

    with store.session() as session:
        assert session.execute(select(Item.source_id, Item.flags)).all() == [
            ("nejm", ["retracted"])
        ]


def joined_then_merged(
    tmp_path: Path, database_url: str, store: Store
) -> tuple[Feeds, dict[str, int]]:
    """An editor joins bay's item to PubMed's (``stories join``); then the journal's entry
    gains the DOI, and PubMed's item is merged into the journal's. Returns the feeds and
    each item's id, by owner, as it was before the merge."""
    with LocalServer() as server:
        feeds = Feeds(server, tmp_path, database_url, store, ("nejm", "pubmed", "bay"))
        feeds.entries.update(nejm=[NEJM], pubmed=[ABSTRACT], bay=[BAY])
        feeds.refresh()
        ids = {source_id: item_id for source_id, (item_id, _) in stories(store).items()}
        assert medfeed(feeds, "stories", "join", ids["pubmed"], ids["bay"]) == 0
        joined = stories(store)
        assert joined["bay"][1] == joined["pubmed"][1] != joined["nejm"][1]
        feeds.entries["nejm"] = [replace(NEJM, doi=DOI)]
        feeds.refresh("nejm")
    return feeds, ids


def test_a_late_doi_moves_the_editors_join_on_the_item_merged_away_to_the_kept_item(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    _, ids = joined_then_merged(tmp_path, database_url, store)

    assert [c[:3] for c in store.story_corrections()] == [
        StoryCorrection.of(ids["nejm"], ids["bay"], same=True)[:3]
    ]
    stored = stories(store)
    assert stored.keys() == {"nejm", "bay"}
    assert stored["nejm"][1] == stored["bay"][1]


def test_forget_of_a_merged_away_id_says_so_and_forgets_the_join_it_passed_on(
    tmp_path: Path, database_url: str, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    feeds, ids = joined_then_merged(tmp_path, database_url, store)
    capsys.readouterr()

    assert medfeed(feeds, "stories", "forget", ids["pubmed"]) == 0

    answer = capsys.readouterr()
    assert f"item {ids['pubmed']} was merged into item {ids['nejm']}" in answer.err
    assert f"item {ids['nejm']} is used instead" in answer.err
    first, second = sorted((ids["nejm"], ids["bay"]))
    assert f"{first} {second}: one story" in answer.out
    assert store.story_corrections() == []


def medfeed(feeds: Feeds, *args: object) -> int:
    return main(["--config", str(feeds.settings.path), *map(str, args)])


def stories(store: Store) -> dict[str, tuple[int, int]]:
    """Each stored item's id and story id, by the source whose copy it shows."""
    story = func.coalesce(Item.story_id, Item.id)
    with store.session() as session:
        rows = session.execute(select(Item.source_id, Item.id, story))
        return {source_id: (item_id, story_id) for source_id, item_id, story_id in rows}


def test_a_fold_drops_the_absorbed_items_word_the_kept_item_already_has() -> None:
    joined = StoryCorrection.of(1, 3, same=True, made_at=datetime(2026, 11, 26, tzinfo=UTC))
    held = StoryCorrection.of(2, 3, same=True, made_at=datetime(2026, 11, 25, tzinfo=UTC))

    carried = carry_corrections(Fold(kept=2, absorbed=1), [joined], [held])

    assert carried == CarriedCorrections([], [DroppedCorrection(joined, "already", held)])
