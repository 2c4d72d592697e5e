"""An editor's corrections to stories (dedup layer 4): two items one story, or one out.

The matcher misses some rewrites told in other words, and now and then joins
two stories of one template. An admin who sees it (``medfeed stories show`` /
``stories why``) corrects it here, and the correction holds across refreshes,
restarts and processes, because story assignment weighs it above the text
(``StoryIndex.correct``):

    join A B   ->  (A, B) one story: the later joins the story the earlier is in
    split A    ->  (A, X) apart for every other item X of A's story now
    forget A B ->  the editor's word on (A, B) is dropped; the text decides again

Each stores its pairs, leaves the items they name to be decided again
(``aggregator.store.stories.correct``) and has them decided at once, so the
command can show the story that results. It refuses, with the rule, what the
contract forbids whatever an editor says (``dedupe.barred``): two items of one
source, further apart than the story window, or with different identifiers;
and conferences, which are never in stories.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from aggregator.dedupe import DEFAULT_THRESHOLD, DEFAULT_WINDOW, StoryItem, barred
from aggregator.errors import CorrectionRefused, UnknownItem
from aggregator.records import Kind, StoryCorrection
from aggregator.storyreport import Entry, entry
from aggregator.storywindow import stored_item, story_window

if TYPE_CHECKING:
    from aggregator.store import Store
    from aggregator.store.stories import StoryRow

_BARRED = {
    "same source": "they come from one source, whose items are told apart by guid, URL and "
    "identifiers, never joined by their text",
    "window": "they were published further apart than the story window ({days} days)",
    "identifiers": "their identifiers (DOI, PMID, NCT number or video id) differ",
}


@dataclass(frozen=True)
class StoryEditor:
    """Join, split and forget, each stored and decided in its own transactions."""

    store: Store
    window: timedelta = DEFAULT_WINDOW
    threshold: float = DEFAULT_THRESHOLD

    def join(self, first_id: int, second_id: int) -> None:
        """Make two items one story, or say which rule forbids it.

        The later item (``StoryItem.order``) joins the story the earlier one is in,
        so it must be free to join that story's leader as well. The editor's newest
        word counts: the later item's earlier splits from that story are dropped.
        """
        if first_id == second_id:
            raise CorrectionRefused(f"item {first_id} cannot be joined to itself")
        found = {item_id: self._story(item_id) for item_id in (first_id, second_id)}
        rows = {item_id: row for item_id, (row, _) in found.items()}
        stories = {item_id: story for item_id, (_, story) in found.items()}
        earlier, later = sorted((stored_item(row) for row in rows.values()), key=_order)
        self._refuse_barred(later, earlier, f"items {first_id} and {second_id} cannot be one story")
        leader_id = rows[earlier.item_id].story_id or earlier.item_id
        leader = _find(leader_id, stories[earlier.item_id])
        if leader is not None and leader_id != earlier.item_id:
            self._refuse_barred(
                later,
                stored_item(leader),
                f"item {later.item_id} would join the story {earlier.item_id} is in, led by "
                f"{leader_id}, and not even an editor can join those two",
            )
        story = {row.id for row in stories[earlier.item_id]}
        splits = [  # the later item's from the story it joins
            (c.first_id, c.second_id)
            for c in self.store.story_corrections()
            if not c.same
            and later.item_id in (c.first_id, c.second_id)
            and ({c.first_id, c.second_id} - {later.item_id}) <= story
        ]
        self._correct([StoryCorrection.of(first_id, second_id, same=True)], splits)

    def _refuse_barred(self, later: StoryItem, earlier: StoryItem, what: str) -> None:
        reason = barred(later, earlier, self.window)
        if reason is not None:
            days = f"{self.window / timedelta(days=1):g}"
            raise CorrectionRefused(f"{what}: " + _BARRED[reason].format(days=days))

    def split(self, item_id: int) -> list[int]:
        """Take an item out of its story and keep it out: apart from each other item of
        the story, leader or member. Returns their ids."""
        _, story = self._story(item_id)
        others = sorted(row.id for row in story if row.id != item_id)
        if not others:
            raise CorrectionRefused(f"item {item_id} is in no story with other items")
        self._correct([StoryCorrection.of(item_id, other, same=False) for other in others])
        return others

    def forget(self, item_id: int, other_id: int | None = None) -> list[StoryCorrection]:
        """Drop the editor's word on a pair (or on every pair naming ``item_id``); the
        text decides again. Returns the corrections dropped."""
        dropped = [
            c
            for c in self.store.story_corrections()
            if item_id in (c.first_id, c.second_id)
            and (other_id is None or other_id in (c.first_id, c.second_id))
        ]
        if not dropped:
            named = f"items {item_id} and {other_id}" if other_id is not None else f"item {item_id}"
            raise CorrectionRefused(f"no correction names {named}")
        self._correct([], [(c.first_id, c.second_id) for c in dropped])
        return dropped

    def corrections(self) -> list[StoryCorrection]:
        return self.store.story_corrections()

    def story_now(self, item_id: int) -> list[Entry]:
        """The story ``item_id`` is in as stored, its leader first: what a correction made."""
        rows = self.store.story_members(item_id)
        story_id = next((row.story_id or row.id for row in rows if row.id == item_id), item_id)
        entries = sorted(map(entry, rows), key=lambda e: (e.item_id != story_id, e.published))
        return entries

    def _correct(
        self, made: Sequence[StoryCorrection], forgotten: Sequence[tuple[int, int]] = ()
    ) -> None:
        self.store.correct_stories(made, forgotten)
        window = story_window(self.store)
        self.store.assign_stories(
            window.assign_pending(window=self.window, threshold=self.threshold)
        )

    def _story(self, item_id: int) -> tuple[StoryRow, list[StoryRow]]:
        """The item's row and the rows of its story; refuses unknown items and conferences."""
        story = self.store.story_members(item_id)
        row = _find(item_id, story)
        if row is None:
            raise UnknownItem(item_id)
        if row.kind == Kind.CONFERENCE:
            raise CorrectionRefused(f"item {item_id} is a conference: events are never in stories")
        return row, story


def _find(item_id: int, rows: Sequence[StoryRow]) -> StoryRow | None:
    return next((row for row in rows if row.id == item_id), None)


def _order(item: StoryItem) -> tuple[object, ...]:
    return item.order
