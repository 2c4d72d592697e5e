"""The marked items decided in batches (``StoryWindow.assign_pending``), each batch a
transaction of its own with the story lock released in between, on both databases."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select
from test_dedupe import SHUFFLED, decide_marked, save, story_rows
from test_dedupe import db as db  # the fixture: the sources SHUFFLED names

from aggregator import storywindow
from aggregator.store import Store
from aggregator.store.models import Item
from aggregator.store.stories import PENDING, StoryRows, StoryStep, lock_stories
from aggregator.storywindow import story_window

BATCH = 2  # SHUFFLED's five items: three batches


def at_once(store: Store, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, bool]]:
    """SHUFFLED's stories decided in one transaction, the items then deleted again; from
    then on ``BATCH`` items a transaction."""
    save(store, SHUFFLED, defer=True)
    decide_marked(store)
    stories = story_rows(store)
    monkeypatch.setattr(storywindow, "PENDING_BATCH", BATCH, raising=False)
    with store.session() as session:
        session.execute(Item.__table__.delete())
    story_window(store).reset()
    return stories


def still_marked(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).where(Item.story_seq == PENDING)) or 0)


class Step:
    """A decision's step that runs ``between`` after each transaction's work, before its
    commit, and can stop as a killed process would, before the ``stop_at``-th."""

    def __init__(self, step: StoryStep, between: object = None, stop_at: int = 0) -> None:
        self.step, self.between, self.stop_at, self.runs = step, between, stop_at, 0

    @property
    def unfinished(self) -> bool:
        return self.step.unfinished

    def run(self, rows: StoryRows, touched: Sequence[int]) -> int:
        self.runs += 1
        if self.runs == self.stop_at:
            raise KeyboardInterrupt("killed between two batches")
        changed = self.step.run(rows, touched)
        if callable(self.between):
            self.between()
        return changed

    def abandon(self) -> None:
        self.step.abandon()


@pytest.fixture
def other(database_url: str, request: pytest.FixtureRequest) -> Store:
    """Another process on the same database."""
    store = Store(database_url)
    request.addfinalizer(store.close)
    return store


def test_another_writer_takes_the_story_lock_between_two_batches(
    db: Store,
    other: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A kind edit marks every item of a source; one transaction deciding them all held
    every other writer of stories (ingest, purges, folds, config syncs) for minutes."""
    expected = at_once(db, monkeypatch)
    save(db, SHUFFLED, defer=True)
    seen: list[int] = []

    def writer() -> None:  # takes the lock as a purge does, and sees what is decided
        with other.session() as session:
            lock_stories(session)
            seen.append(session.scalar(select(func.count()).where(Item.story_seq == PENDING)))

    waiting: list[threading.Thread] = []

    def start_waiting() -> None:  # while the first batch holds the lock
        if not waiting:
            waiting.append(threading.Thread(target=writer))
            waiting[0].start()
            time.sleep(2)  # and long enough for SQLite's pause after it to let it in

    step = Step(story_window(db).assign_pending(), start_waiting)
    db.assign_stories(step)
    waiting[0].join()
    assert step.runs == 3
    assert seen == [len(SHUFFLED) - BATCH]  # it wrote between the first batch and the next
    assert still_marked(db) == 0
    assert story_rows(db) == expected


def test_a_process_killed_between_batches_leaves_the_rest_to_the_next_pass(
    db: Store,
    other: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = at_once(db, monkeypatch)
    save(db, SHUFFLED, defer=True)
    with pytest.raises(KeyboardInterrupt):
        db.assign_stories(Step(story_window(db).assign_pending(), stop_at=2))
    assert still_marked(db) == len(SHUFFLED) - BATCH
    assert decide_marked(other) > 0  # the next pass, in another process
    assert still_marked(db) == 0
    assert story_rows(db) == expected
