"""An editor corrects the stories: ``medfeed stories join`` makes two items one story
the text missed, ``split`` takes an item out of a story and keeps it out, ``forget``
lets the text decide again. A correction holds in every arrival order, across
processes and later refreshes; what the contract forbids is refused, with the rule."""

# ruff: noqa: F401, F811  (the db fixture is imported from test_dedupe and used as a parameter)
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from aggregator.cli import main
from aggregator.records import StoryCorrection
from aggregator.store import Store
from aggregator.store.models import Item
from aggregator.store.models import StoryCorrection as CorrectionRow
from aggregator.store.stories import StoryRows
from aggregator.storyindex import StoryIndex
from aggregator.storywindow import story_window
from tests.test_dedupe import APPROVAL, REWRITE, T0, db, decide_marked, item, save
from tests.test_stories_cli import config, medfeed

# The same news in plain words and in a clinician's: the text shares almost nothing.
SHORTAGE = (
    "Physician shortage drives month-long wait times across US",
    "New appointments with family doctors now take a median of 31 days to get, a survey of "
    "15 metro areas finds, as the supply of primary care physicians lags demand.",
)
LAY = (
    "Can't get in to see a GP? You're not alone",
    "Readers tell us they wait weeks for a first visit. Here is what is going on and what you "
    "can do while you wait.",
)


def one_story(index: StoryIndex, *ids: int) -> bool:
    return len({index.story_of(i) for i in ids}) == 1


def test_an_editor_joins_a_rewrite_the_text_misses() -> None:
    index = StoryIndex()
    index.add([item(1, SHORTAGE, "wire", 0), item(2, LAY, "outlet", 3)])
    assert not one_story(index, 1, 2)
    index.correct([StoryCorrection.of(2, 1, same=True)])
    changes = index.add([])
    assert index.story_of(2) == 1
    assert {(c.item_id, c.story_id) for c in changes} >= {(2, 1)}


def test_an_editor_keeps_apart_what_the_text_joins() -> None:
    index = StoryIndex()
    index.add([item(1, APPROVAL, "wire", 0), item(2, REWRITE, "outlet", 5)])
    assert one_story(index, 1, 2)
    index.correct([StoryCorrection.of(1, 2, same=False)])
    index.add([])
    assert not one_story(index, 1, 2)


def test_an_item_joined_to_a_member_joins_the_story_its_leader_leads() -> None:
    items = [item(1, APPROVAL, "wire", 0), item(2, REWRITE, "outlet", 5), item(3, LAY, "agency", 6)]
    index = StoryIndex()
    index.correct([StoryCorrection.of(2, 3, same=True)])
    index.add(items)
    assert index.story_of(3) == index.story_of(2) == 1


def test_an_item_of_the_leaders_own_source_is_not_joined_by_an_editor() -> None:
    """A member joined to a story whose leader shares its source stays apart: one source's
    items are told apart by guid, URL and identifiers, never joined by what anyone says."""
    index = StoryIndex()
    index.correct([StoryCorrection.of(2, 3, same=True)])
    index.add(
        [item(1, APPROVAL, "wire", 0), item(2, REWRITE, "outlet", 5), item(3, LAY, "wire", 6)]
    )
    assert index.story_of(3) == 3


def test_corrected_stories_are_the_same_in_every_arrival_order() -> None:
    items = [
        item(1, APPROVAL, "wire", 0),
        item(2, REWRITE, "outlet", 5),
        item(3, SHORTAGE, "agency", 1),
        item(4, LAY, "daily", 2),
        item(5, LAY, "agency", 7),
    ]
    corrections = [
        StoryCorrection.of(4, 3, same=True),
        StoryCorrection.of(5, 2, same=True),
        StoryCorrection.of(1, 2, same=False),
    ]
    expected = None
    for seed in range(8):
        order = items[:]
        random.Random(seed).shuffle(order)
        index = StoryIndex()
        index.correct(corrections)
        for start in range(0, len(order), 1 + seed % 3):
            index.add(order[start : start + 1 + seed % 3])
        found = {i.item_id: index.story_of(i.item_id) for i in items}
        expected = expected or found
        assert found == expected, f"arrival order {[i.item_id for i in order]}"
    assert expected == {1: 1, 2: 2, 3: 3, 4: 3, 5: 2}


def stored_stories(store: Store) -> dict[int, int]:
    with store.session() as session:
        rows = session.execute(select(Item.id, Item.story_id))
        return {row.id: row.story_id or row.id for row in rows}


def test_a_rebuilt_index_decides_again_the_members_of_a_leader_the_editor_joined() -> None:
    """After a correction every process rebuilds its index: stored items come back with
    the story they are in, the corrected ones are decided afresh. A member of a story
    whose leader joins another story must be decided again, not left behind pointing
    at an item that no longer leads."""
    joined = [StoryCorrection.of(1, 2, same=True)]
    index = StoryIndex()
    index.correct(joined)
    index.load(item(3, REWRITE, "agency", 2), leader=2)  # stored: in the story 2 led
    changes = index.add([item(1, SHORTAGE, "wire", 0), item(2, APPROVAL, "outlet", 1)])
    assert index.story_of(2) == 1
    leader = index.story_of(3)
    assert index.story_of(leader) == leader
    assert 3 in {c.item_id for c in changes}


def test_an_item_joined_through_another_follows_it_when_that_one_moves_and_comes_back() -> None:
    """2 joins the story of 3 only while 3 comes before it: edited to an earlier time, 3
    joins 1 and takes 2 along; edited back, 2 leads alone again, as deciding in order
    gives. Deleting 3 likewise frees 2."""
    joined = [StoryCorrection.of(1, 3, same=True), StoryCorrection.of(2, 3, same=True)]
    items = [
        item(1, SHORTAGE, "wire", 2),
        item(2, APPROVAL, "outlet", 3),
        item(3, LAY, "agency", 8),
    ]
    index = StoryIndex()
    index.correct(joined)
    index.add(items)
    assert {i: index.story_of(i) for i in (1, 2, 3)} == {1: 1, 2: 2, 3: 1}
    index.add([item(3, LAY, "agency", 2.5)])
    assert {i: index.story_of(i) for i in (1, 2, 3)} == {1: 1, 2: 1, 3: 1}
    index.add([items[2]])
    assert {i: index.story_of(i) for i in (1, 2, 3)} == {1: 1, 2: 2, 3: 1}
    index.add([item(3, LAY, "agency", 2.5)])
    index.discard(3)
    index.add([])
    assert {i: index.story_of(i) for i in (1, 2)} == {1: 1, 2: 2}


def test_an_item_split_from_a_story_stays_out_when_an_earlier_copy_leads_it_later() -> None:
    """Split from the story of 1 and 2, item 3 is kept apart from both; a copy published
    earlier (0) arrives later and leads them, and 3 stays out of that story too."""
    split = [StoryCorrection.of(3, 1, same=False), StoryCorrection.of(3, 2, same=False)]
    index = StoryIndex()
    index.correct(split)
    index.add(
        [item(1, APPROVAL, "wire", 0), item(2, REWRITE, "outlet", 5), item(3, REWRITE, "agency", 6)]
    )
    assert index.story_of(2) == 1 and index.story_of(3) == 3
    index.add([item(4, APPROVAL, "daily", -1)])
    assert index.story_of(1) == index.story_of(2) == 4
    assert index.story_of(3) == 3


def test_an_item_joined_to_two_follows_the_earlier_leader_when_one_is_edited() -> None:
    """6 is joined to 7 (led by 5) and to 10 (led by 9), and follows the earlier of the
    two leaders; when 5 is edited to an earlier time, 6 moves to it."""
    index = StoryIndex()
    index.correct([StoryCorrection.of(6, 7, same=True), StoryCorrection.of(6, 10, same=True)])
    index.add(
        [
            item(5, APPROVAL, "wire", 3),
            item(7, APPROVAL, "outlet", 5),
            item(9, SHORTAGE, "agency", 2),
            item(10, SHORTAGE, "daily", 4),
            item(6, LAY, "clinic", 8),
        ]
    )
    assert index.story_of(6) == 9
    index.add([item(5, APPROVAL, "wire", 1)])
    assert index.story_of(7) == 5
    assert index.story_of(6) == 5


TEXTS = (APPROVAL, REWRITE, SHORTAGE, LAY)


def test_corrections_give_the_stories_of_one_fixed_order_through_arrivals_and_edits() -> None:
    """Random items, corrections, arrival orders and batches, and edits that move an item
    in the order and back: always the stories of deciding them once in order."""
    for trial in range(200):
        rnd = random.Random(trial)
        count = rnd.randint(3, 6)
        items = [
            item(i, rnd.choice(TEXTS), rnd.choice("abcde"), rnd.choice([0, 1, 2, 3, 5, 8]))
            for i in range(1, count + 1)
        ]
        corrections = [
            StoryCorrection.of(*rnd.sample(range(1, count + 1), 2), same=rnd.random() < 0.6)
            for _ in range(rnd.randint(1, 4))
        ]
        once = StoryIndex()
        once.correct(corrections)
        once.add(items)
        expected = {i.item_id: once.story_of(i.item_id) for i in items}
        index = StoryIndex()
        index.correct(corrections)
        order = rnd.sample(items, count)
        while order:
            size = rnd.randint(1, 3)
            index.add(order[:size])
            order = order[size:]
        moved = rnd.choice(items)
        index.add([item(moved.item_id, rnd.choice(TEXTS), moved.source_id, rnd.choice([-2, 4, 9]))])
        index.add([moved])
        found = {i.item_id: index.story_of(i.item_id) for i in items}
        assert found == expected, f"trial {trial}: {corrections}"
        final = {(c.first_id, c.second_id): c.same for c in corrections}  # the last word
        for (a, b), same in final.items():
            assert same or found[a] != found[b], f"trial {trial}: {a} and {b} kept apart"


def test_join_stores_one_story_and_shows_it(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wire, outlet = save(db, [(*SHORTAGE, "wire", 0), (*LAY, "outlet", 3)])
    assert stored_stories(db)[outlet] == outlet
    assert medfeed(config, "join", outlet, wire) == 0
    assert stored_stories(db)[outlet] == wire
    out = capsys.readouterr().out
    assert f"story {wire} now: 2 items" in out
    assert f"  {outlet} outlet news" in out
    assert medfeed(config, "why", wire, outlet) == 0
    out = capsys.readouterr().out
    assert "one story by an editor (medfeed stories join)" in out
    assert "editor:          joined the two" in out


def test_a_process_that_decided_before_the_join_keeps_it_when_it_decides_again(
    db: Store, config: Path
) -> None:
    """The command runs in a process of its own; the refresh's index, built before the
    join, is rebuilt with the correction before it decides the item again (an edit)."""
    wire, outlet = save(db, [(*SHORTAGE, "wire", 0), (*LAY, "outlet", 3)])
    assert medfeed(config, "join", wire, outlet) == 0
    with db.session() as session:
        story_window(db).decide(StoryRows(session), [outlet], {})
    assert stored_stories(db)[outlet] == wire


def test_split_takes_an_item_out_and_a_later_refresh_does_not_put_it_back(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wire, outlet = save(db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5)])
    assert stored_stories(db)[outlet] == wire
    assert medfeed(config, "split", outlet) == 0
    assert f"story {outlet} now: 1 item" in capsys.readouterr().out
    save(db, [(*LAY, "agency", 2)])  # a later pass decides the window again
    assert stored_stories(db)[outlet] == outlet
    assert medfeed(config, "why", outlet, wire) == 0
    assert "kept apart by an editor (medfeed stories split)" in capsys.readouterr().out


def test_splitting_a_leader_lets_its_members_form_a_story_of_their_own(
    db: Store, config: Path
) -> None:
    wire, outlet, agency = save(
        db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5), (*REWRITE, "agency", 6)]
    )
    assert {stored_stories(db)[i] for i in (outlet, agency)} == {wire}
    assert medfeed(config, "split", wire) == 0
    stories = stored_stories(db)
    assert stories[wire] == wire
    assert stories[outlet] == stories[agency] == outlet


def test_forget_lets_the_text_decide_again_and_the_list_shows_what_stands(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wire, outlet = save(db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5)])
    assert medfeed(config, "split", outlet) == 0
    capsys.readouterr()
    assert medfeed(config, "corrections", "--json") == 0
    listed = json.loads(capsys.readouterr().out)["corrections"]
    assert [(c["items"], c["correction"]) for c in listed] == [([wire, outlet], "split")]
    assert medfeed(config, "forget", outlet) == 0
    assert "dropped; the text decides these pairs again" in capsys.readouterr().out
    assert stored_stories(db)[outlet] == wire
    assert medfeed(config, "corrections") == 0
    assert "no corrections" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("rows", "values", "message"),
    [
        ([(*SHORTAGE, "wire", 0), (*LAY, "wire", 3)], {}, "they come from one source"),
        ([(*SHORTAGE, "wire", 0), (*LAY, "outlet", 24 * 9)], {}, "further apart than the story"),
        ([(*SHORTAGE, "wire", 0), (*LAY, "outlet", 3)], {"kind": "conference"}, "a conference"),
    ],
    ids=["one source", "past the window", "conferences"],
)
def test_the_contract_keeps_apart_what_no_editor_may_join(
    db: Store,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    rows: list[tuple[str, str, str, float]],
    values: dict[str, str],
    message: str,
) -> None:
    first, second = save(db, rows, **values)
    assert medfeed(config, "join", first, second) == 2
    err = capsys.readouterr().err
    assert "not corrected:" in err
    assert message in err
    assert db.story_corrections() == []


def test_items_with_different_identifiers_cannot_be_joined(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (first,) = save(db, [(*SHORTAGE, "wire", 0)], doi="10.1000/one")
    (second,) = save(db, [(*LAY, "outlet", 3)], doi="10.1000/two")
    assert medfeed(config, "join", first, second) == 2
    assert "identifiers" in capsys.readouterr().err


def test_unknown_items_and_empty_splits_are_refused_with_a_message(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (wire,) = save(db, [(*SHORTAGE, "wire", 0)])
    assert medfeed(config, "join", wire, 999_999) == 2
    assert "no item with id 999999" in capsys.readouterr().err
    assert medfeed(config, "split", wire) == 2
    assert "in no story with other items" in capsys.readouterr().err
    assert medfeed(config, "forget", wire) == 2
    assert "no correction names item" in capsys.readouterr().err
    assert medfeed(config, "join", wire, wire) == 2
    assert "cannot be joined to itself" in capsys.readouterr().err


def test_a_pair_is_stored_once_lower_id_first_and_goes_with_its_items(db: Store) -> None:
    wire, outlet = save(db, [(*SHORTAGE, "wire", 0), (*LAY, "outlet", 3)])
    db.correct_stories([StoryCorrection.of(outlet, wire, same=True)])
    db.correct_stories([StoryCorrection.of(wire, outlet, same=False)])  # replaces the first
    assert [(c.first_id, c.second_id, c.same) for c in db.story_corrections()] == [
        (wire, outlet, False)
    ]
    with pytest.raises(IntegrityError), db.session() as session:
        session.execute(
            insert(CorrectionRow).values(first_id=outlet, second_id=wire, same=True, made_at=T0)
        )
    with db.session() as session:
        session.execute(delete(Item).where(Item.id == outlet))
    assert db.story_corrections() == []


def test_a_join_overrides_the_items_earlier_split_from_that_story(db: Store, config: Path) -> None:
    wire, outlet, agency = save(
        db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5), (*REWRITE, "agency", 6)]
    )
    assert medfeed(config, "split", agency) == 0
    assert stored_stories(db)[agency] == agency
    assert medfeed(config, "join", outlet, agency) == 0
    assert stored_stories(db)[agency] == wire
    assert all(c.same for c in db.story_corrections())


def test_a_join_into_a_story_led_by_the_items_own_source_is_refused(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wire, outlet, _ = save(db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5), (*LAY, "wire", 6)])
    lay = max(stored_stories(db))
    assert medfeed(config, "join", outlet, lay) == 2
    assert f"would join the story {outlet} is in, led by {wire}" in capsys.readouterr().err
    assert db.story_corrections() == []


def test_show_says_a_member_was_joined_by_an_editor_through_another_member(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wire, outlet, agency = save(
        db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5), (*LAY, "agency", 6)]
    )
    assert medfeed(config, "join", outlet, agency, "--json") == 0
    joined_story = json.loads(capsys.readouterr().out)
    assert joined_story["story_id"] == wire
    assert {i["id"] for i in joined_story["items"]} == {wire, outlet, agency}
    assert medfeed(config, "show", agency, "--json") == 0
    members = json.loads(capsys.readouterr().out)["members"]
    joined = next(m for m in members if m["id"] == agency)
    assert joined["story_id"] == wire
    assert joined["against_leader"]["corrected"] == "join"
    assert joined["against_leader"]["cleared"] == "editor"


def test_a_split_item_stays_out_when_a_copy_published_earlier_takes_the_lead(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wire, outlet, agency = save(
        db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5), (*REWRITE, "agency", 6)]
    )
    assert medfeed(config, "split", agency) == 0
    (daily,) = save(db, [(*APPROVAL, "daily", -1)])
    stories = stored_stories(db)
    assert stories[wire] == stories[outlet] == daily
    assert stories[agency] == agency
    capsys.readouterr()
    assert medfeed(config, "why", agency, daily) == 0
    assert "kept apart by an editor" in capsys.readouterr().out


def test_a_process_holding_part_of_a_window_loads_what_a_correction_names(
    db: Store, database_url: str
) -> None:
    """Another process holds the story's leader (loaded around an older item) and the
    kept-apart item (loaded around an edited one), not the member it is kept from: it
    loads that member before deciding, and the two stay in two stories."""
    leader, member, apart, edited = save(
        db,
        [
            (*APPROVAL, "wire", 0),
            (*REWRITE, "outlet", 72),
            (*APPROVAL, "agency", 120),
            (*LAY, "daily", 264),
        ],
    )
    db.correct_stories(
        [
            StoryCorrection.of(member, apart, same=False),
            StoryCorrection.of(apart, edited, same=False),
        ]
    )
    decide_marked(db)
    assert stored_stories(db)[member] == leader
    assert stored_stories(db)[apart] == apart
    other = Store(database_url)
    try:
        save(other, [(*SHORTAGE, "outlet", -160)])  # holds the leader, not the member
        with other.session() as session:
            story_window(other).decide(StoryRows(session), [edited], {})
        assert stored_stories(other)[apart] == apart
    finally:
        other.close()


def test_a_member_an_item_was_joined_to_keeps_its_own_way_in(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The outlet's rewrite joined by the text; an editor then joins the agency's item
    # to it. Only the agency's item came in by the editor's word: the rewrite's join
    # stays the matcher's, with its margin, and its story stays on the doubtful list.
    wire, outlet, agency = save(
        db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5), (*SHORTAGE, "agency", 6)]
    )
    assert medfeed(config, "join", agency, outlet) == 0
    capsys.readouterr()
    assert medfeed(config, "show", wire, "--json") == 0
    members = {m["id"]: m["against_leader"] for m in json.loads(capsys.readouterr().out)["members"]}
    assert members[outlet]["corrected"] is None and members[outlet]["cleared"] != "editor"
    assert members[agency]["corrected"] == "join"
