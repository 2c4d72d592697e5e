"""``medfeed db fold``: items stored twice under one DOI, PMID or video id before a late
identifier joined them (a journal's entry gained the DOI another source's item held, in a
version of medfeed that only set it aside) are joined by the command, as a refresh joins
them now: one item, carried by both sources, the merged-away id leading to it. A second
run finds nothing; two entries of one feed stay two items, and the command says so.

The earlier version is this one with the join at the end of ingest left out; the feeds
are served by a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from aggregator.cli import main
from aggregator.records import StoryCorrection
from aggregator.store import Store, folds
from aggregator.store.models import Item
from tests.localserver import LocalServer
from tests.test_late_identifiers import (
    ABSTRACT,
    BAY,
    DOI,
    NEJM,
    PUBMED,
    TITLE,
    Article,
    Feeds,
    items,
)
from tests.test_merged_item_links import ids_by_owner, stories

StoredTwice = Callable[[dict[str, list[Article]], dict[str, list[Article]]], Feeds]


@pytest.fixture
def stored_twice(
    tmp_path: Path, database_url: str, store: Store, monkeypatch: pytest.MonkeyPatch
) -> StoredTwice:
    """Refresh ``before``, then ``after`` as a medfeed that did not join items on a late
    identifier did (the identifier table kept it with the item holding it, and nothing
    more)."""

    def refresh(before: dict[str, list[Article]], after: dict[str, list[Article]]) -> Feeds:
        with LocalServer() as server:
            feeds = Feeds(server, tmp_path, database_url, store, tuple(before))
            feeds.entries.update(before)
            feeds.refresh()
            with monkeypatch.context() as earlier:
                earlier.setattr(folds, "join_late_identifiers", lambda *_: {})
                feeds.entries.update(after)
                feeds.refresh(*after)
        return feeds

    return refresh


def fold(feeds: Feeds) -> int:
    return main(["--config", str(feeds.settings.path), "db", "fold"])


def test_db_fold_joins_two_items_stored_under_one_doi_and_a_second_run_finds_nothing(
    stored_twice: StoredTwice, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {"nejm": [NEJM], "pubmed": [PUBMED]}
    feeds = stored_twice(before, {"nejm": [replace(NEJM, doi=DOI)]})
    ids = ids_by_owner(store)
    assert [carried for _, _, carried in items(store)] == [("nejm",), ("pubmed",)]
    capsys.readouterr()

    assert fold(feeds) == 0

    out = capsys.readouterr().out
    assert f"item {ids['pubmed']} merged into item {ids['nejm']}" in out
    assert "merged away: 1, kept: 1, left apart: 0" in out
    assert items(store) == [("nejm", TITLE, ("nejm", "pubmed"))]
    assert store.merged_into(ids["pubmed"]) == ids["nejm"]
    assert fold(feeds) == 0
    assert "no item is stored twice under one identifier" in capsys.readouterr().out
    assert items(store) == [("nejm", TITLE, ("nejm", "pubmed"))]


def three_journals(stored_twice: StoredTwice, store: Store) -> dict[str, int]:
    """Three journals' copies of one paper, bay's and cove's gaining apex's DOI late."""
    first = {
        "apex": [Article("apex-1", "https://apex.example/kidney", DOI)],
        "bay": [Article("bay-1", "https://bay.example/kidney")],
        "cove": [Article("cove-1", "https://cove.example/kidney")],
    }
    later = {s: [replace(a, doi=DOI) for a in first[s]] for s in ("bay", "cove")}
    stored_twice(first, later)
    ids = ids_by_owner(store)
    return ids


def test_db_fold_reads_in_batches_and_joins_every_pair(
    stored_twice: StoredTwice, store: Store
) -> None:
    """Three journals' copies of one paper, two gaining its DOI late: one item, whatever
    batch each item was read in."""
    ids = three_journals(stored_twice, store)
    assert len(ids) == 3

    joined = store.fold_identified(batch=1)

    assert items(store) == [("apex", TITLE, ("apex", "bay", "cove"))]
    assert joined.into == {ids["bay"]: ids["apex"], ids["cove"]: ids["apex"]}
    assert joined.apart == []


def test_db_fold_leaves_two_entries_of_one_feed_apart_and_says_so(
    stored_twice: StoredTwice, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    first = replace(NEJM, doi=DOI)
    second = Article("nejm-2", "https://www.nejm.org/online-first/semaglutide-editorial")
    feeds = stored_twice({"nejm": [first, second]}, {"nejm": [first, replace(second, doi=DOI)]})
    capsys.readouterr()

    assert fold(feeds) == 0

    assert "merged away: 0, kept: 0, left apart: 1" in capsys.readouterr().out
    assert [carried for _, _, carried in items(store)] == [("nejm",), ("nejm",)]


def flag(store: Store, item_id: int, *flags: str) -> None:
    """Flag an item as ``citations`` does when a notice cites its DOI."""
    with store.session() as session:
        session.execute(update(Item).where(Item.id == item_id).values(flags=list(flags)))


def flags(store: Store) -> dict[int, list[str]]:
    with store.session() as session:
        return {i: list(f or ()) for i, f in session.execute(select(Item.id, Item.flags))}


def test_db_fold_keeps_the_retracted_flag_of_the_absorbed_copy(
    stored_twice: StoredTwice, store: Store
) -> None:
    """The copy a retraction notice was matched to may be the one merged away: the kept
    item must still show the paper as retracted."""
    stored_twice({"nejm": [NEJM], "pubmed": [PUBMED]}, {"nejm": [replace(NEJM, doi=DOI)]})
    ids = ids_by_owner(store)
    flag(store, ids["pubmed"], "retracted")

    joined = store.fold_identified()

    assert joined.into == {ids["pubmed"]: ids["nejm"]}
    assert flags(store) == {ids["nejm"]: ["retracted"]}


def test_db_fold_keeps_items_whose_pmids_differ_apart_whatever_batch_each_is_read_in(
    stored_twice: StoredTwice, store: Store
) -> None:
    """nejm's copy gains the DOI lancet holds and a PMID of its own; lancet's copy gains
    the PMID pubmed holds. Read one item per batch, lancet (outside nejm's batch) shows
    pubmed's PMID in its own column only: it still differs from nejm's."""
    first, second = "31111111", "32222222"
    before = {
        "pubmed": [Article("pm-1", "https://pubmed.ncbi.nlm.nih.gov/31111111/", pmid=first)],
        "nejm": [NEJM],
        "lancet": [Article("lancet-1", "https://www.thelancet.com/kidney", DOI)],
    }
    after = {
        "nejm": [replace(NEJM, doi=DOI, pmid=second)],
        "lancet": [replace(before["lancet"][0], pmid=first)],
    }
    stored_twice(before, after)
    ids = ids_by_owner(store)
    assert ids["pubmed"] < ids["nejm"] < ids["lancet"]

    joined = store.fold_identified(batch=1)

    assert joined.into == {ids["pubmed"]: ids["lancet"]}
    assert joined.apart == [(ids["nejm"], ids["lancet"])]
    assert sorted(carried for _, _, carried in items(store)) == [
        ("lancet", "pubmed"),
        ("nejm",),
    ]


def test_db_fold_commits_after_a_bounded_number_of_folds_and_says_how_far_it_got(
    stored_twice: StoredTwice, store: Store
) -> None:
    """Each transaction holds the writer lock (SQLite) or the story lock (PostgreSQL) a
    refresh waits for: one fold per transaction here, reported as each commits."""
    ids = three_journals(stored_twice, store)
    steps: list[dict[int, int]] = []

    joined = store.fold_identified(most=1, progress=lambda _, step: steps.append(step.into))

    assert steps == [{ids["bay"]: ids["apex"]}, {ids["cove"]: ids["apex"]}]
    assert joined.into == {ids["bay"]: ids["apex"], ids["cove"]: ids["apex"]}
    assert items(store) == [("apex", TITLE, ("apex", "bay", "cove"))]


def test_db_fold_names_a_pair_left_apart_by_the_ids_kept(
    stored_twice: StoredTwice, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """pubmed's item is merged into nejm's, and bay's copy, whose PMID differs, stays
    apart from it: the line names nejm's item, pubmed's id leads nowhere to act on."""
    bay = Article("bay-1", "https://bay.example/kidney")
    feeds = stored_twice(
        {"nejm": [NEJM], "pubmed": [PUBMED], "bay": [bay]},
        {"nejm": [replace(NEJM, doi=DOI)], "bay": [replace(bay, doi=DOI, pmid="39999999")]},
    )
    ids = ids_by_owner(store)
    capsys.readouterr()

    assert fold(feeds) == 0

    out = capsys.readouterr().out
    assert f"item {ids['pubmed']} merged into item {ids['nejm']}" in out
    assert f"items {ids['bay']} and {ids['nejm']} left apart" in out
    assert "merged away: 1, kept: 1, left apart: 1" in out


EARLIER, LATER = datetime(2026, 11, 25, 9, tzinfo=UTC), datetime(2026, 11, 26, 9, tzinfo=UTC)


def with_bay(stored_twice: StoredTwice, store: Store) -> tuple[Feeds, dict[str, int]]:
    """nejm's and pubmed's items of one paper, stored twice, in two stories; bay's item of
    another story."""
    feeds = stored_twice(
        {"nejm": [NEJM], "pubmed": [ABSTRACT], "bay": [BAY]}, {"nejm": [replace(NEJM, doi=DOI)]}
    )
    return feeds, ids_by_owner(store)


def show(feeds: Feeds, item_id: int, capsys: pytest.CaptureFixture[str]) -> list[int]:
    """The ids of the story ``stories show`` shows ``item_id`` in."""
    capsys.readouterr()
    assert stories(feeds, "show", item_id, "--json") == 0
    return sorted(member["id"] for member in json.loads(capsys.readouterr().out)["members"])


def test_db_fold_moves_a_join_on_the_item_merged_away_to_the_kept_item_and_stories_honour_it(
    stored_twice: StoredTwice, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """An editor joined bay's item to pubmed's; pubmed's item is merged into nejm's: the
    join now names nejm's item, and bay's item is in its story."""
    feeds, ids = with_bay(stored_twice, store)
    assert stories(feeds, "join", ids["pubmed"], ids["bay"]) == 0
    assert show(feeds, ids["bay"], capsys) == sorted((ids["pubmed"], ids["bay"]))
    assert show(feeds, ids["nejm"], capsys) == [ids["nejm"]]

    assert fold(feeds) == 0

    assert "dropped" not in capsys.readouterr().out
    (moved,) = store.story_corrections()
    assert moved[:3] == StoryCorrection.of(ids["nejm"], ids["bay"], same=True)[:3]
    assert show(feeds, ids["nejm"], capsys) == sorted((ids["nejm"], ids["bay"]))


def test_db_fold_drops_and_reports_a_correction_that_would_name_the_kept_item_twice(
    stored_twice: StoredTwice, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    feeds, ids = with_bay(stored_twice, store)
    store.correct_stories([StoryCorrection.of(ids["pubmed"], ids["nejm"], same=False)])
    first, second = sorted((ids["pubmed"], ids["nejm"]))
    capsys.readouterr()

    assert fold(feeds) == 0

    assert (
        f"dropped the story correction items {first} and {second}: never one story: "
        "it would name the kept item twice"
    ) in capsys.readouterr().out
    assert store.story_corrections() == []


@pytest.mark.parametrize("later", ["pubmed", "nejm"])
def test_db_fold_keeps_the_later_of_two_disagreeing_corrections_and_says_so(
    later: str, stored_twice: StoredTwice, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """The editor joined bay's item to one copy of the paper and kept it apart from the
    other: the word said last holds for the one item the copies are now."""
    feeds, ids = with_bay(stored_twice, store)
    made = {
        "pubmed": StoryCorrection.of(ids["pubmed"], ids["bay"], same=later == "pubmed"),
        "nejm": StoryCorrection.of(ids["nejm"], ids["bay"], same=later == "nejm"),
    }
    earlier = "nejm" if later == "pubmed" else "pubmed"
    store.correct_stories(
        [made[earlier]._replace(made_at=EARLIER), made[later]._replace(made_at=LATER)]
    )
    overruled = made[earlier]
    capsys.readouterr()

    assert fold(feeds) == 0

    out = capsys.readouterr().out
    standing = StoryCorrection.of(ids["nejm"], ids["bay"], same=True, made_at=LATER)
    assert store.story_corrections() == [standing]
    assert (
        f"dropped the story correction items {overruled.first_id} and {overruled.second_id}: "
        "never one story: a later correction of the same two articles says otherwise; "
        f"items {standing.first_id} and {standing.second_id}: one story stands"
    ) in out
    assert show(feeds, ids["nejm"], capsys) == sorted((ids["nejm"], ids["bay"]))


def test_db_fold_joins_two_items_under_a_doi_whose_holder_retention_deleted(
    stored_twice: StoredTwice, store: Store
) -> None:
    """nejm's and lancet's copies gained the DOI pubmed's item held; retention deleted
    that item, and its identifier rows with it: the two are still one paper."""
    lancet = Article("lancet-1", "https://www.thelancet.com/kidney")
    stored_twice(
        {"nejm": [NEJM], "lancet": [lancet], "pubmed": [PUBMED]},
        {"nejm": [replace(NEJM, doi=DOI)], "lancet": [replace(lancet, doi=DOI)]},
    )
    ids = ids_by_owner(store)
    with store.session() as session:  # as retention deletes it
        session.execute(delete(Item).where(Item.id == ids["pubmed"]))
    assert len(items(store)) == 2

    joined = store.fold_identified()

    assert len(joined.into) == 1
    assert [carried for _, _, carried in items(store)] == [("lancet", "nejm")]


def test_a_refresh_that_merges_two_items_logs_the_correction_it_drops(
    tmp_path: Path, database_url: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """The late join a refresh makes drops what ``db fold`` would drop; no editor sees a
    refresh's output, so the log says it, in the words ``db fold`` prints."""
    with LocalServer() as server:
        feeds = Feeds(server, tmp_path, database_url, store, ("nejm", "pubmed"))
        feeds.entries.update({"nejm": [NEJM], "pubmed": [ABSTRACT]})
        feeds.refresh()
        ids = ids_by_owner(store)
        store.correct_stories([StoryCorrection.of(ids["pubmed"], ids["nejm"], same=False)])
        first, second = sorted((ids["pubmed"], ids["nejm"]))

        feeds.entries["nejm"] = [replace(NEJM, doi=DOI)]
        with caplog.at_level("WARNING", logger="aggregator.store.folds"):
            feeds.refresh("nejm")

    assert store.merged_into(ids["pubmed"]) == ids["nejm"]
    assert store.story_corrections() == []
    assert (
        f"dropped the story correction items {first} and {second}: never one story: "
        "it would name the kept item twice (a refresh merged the items)"
    ) in caplog.messages
