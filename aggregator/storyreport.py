"""Why stored items are, or are not, in one story (dedup layer 4), for an admin.

An admin who sees two items merged that should not be, or a rewrite shown
twice, can ask ``medfeed stories show ID`` (the story an item is in, each
member against its leader) and ``medfeed stories why ID1 ID2`` (the pair as
the matcher sees it). This module answers both as records:

    rows  = the items asked about + every stored item within the story window of them
    index = a StoryIndex holding those rows        (the window's real term counts)
    for each pair: veto, may_match, similarity, bars, passes  (aggregator.dedupe)

It decides nothing and writes nothing: the stories reported are the stored
ones, and the figures are how ``aggregator.dedupe`` judges the pair now, with
the term counts a process deciding these items afresh would hold (a process
that has run for days counts over the last few windows, so a pair on the bar
may have been decided the other way). It does not print (``output``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aggregator.dedupe import (
    DEFAULT_THRESHOLD,
    DEFAULT_WINDOW,
    Rarity,
    StoryItem,
    barred,
    is_fingerprint,
    margin,
    may_match,
    passing_score,
    prompt_bar,
    rare_similarity,
    required_score,
    similarity,
    veto,
)
from aggregator.errors import UnknownItem
from aggregator.storyindex import StoryIndex
from aggregator.storywindow import count_stored, load_stored, merged_spans, stored_item

if TYPE_CHECKING:
    from aggregator.store import Store
    from aggregator.store.stories import StoryRow

SHARED_TERMS = 6  # the shared terms a report lists: enough to see what the pair has in common
# How many of the latest stories ``Explainer.doubtful`` weighs before it ranks them: two
# days of 200 feeds make a few hundred stories of two or more items.
DOUBTFUL_SCAN = 10_000
_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Entry:
    """A stored item as a report names it."""

    item_id: int
    source_id: str
    kind: str
    published: datetime
    title: str
    story_id: int  # its leader's id (its own when it leads)


@dataclass(frozen=True)
class Verdict:
    """One pair as the matcher judges it, in the matcher's order: a veto keeps the items
    apart whatever they share; else they must share enough rare terms, and clear the bar
    in all their words or, published close together, the lower bar in rare words alone."""

    veto: str | None
    shares_enough: bool
    similarity: float
    rare_similarity: float
    bar: float
    prompt_bar: float
    # How many times its bar the pair clears (``dedupe.margin``): under 1.0 it fails; a
    # join just over 1.0 is the likeliest to be wrong.
    margin: float
    passes: bool
    shared_terms: tuple[tuple[str, float], ...]  # the weightiest, heaviest first
    # Items of the earlier item's story before the later one, counted as one holder of
    # the words they share (``StoryIndex.rarity_against``); 1 when it leads no story yet.
    counted_as_one: int = 1
    # An editor's word on the pair (``medfeed stories join`` / ``split``): True one
    # story, False apart; it counts above everything else (``StoryIndex.correct``).
    corrected: bool | None = None

    @property
    def cleared(self) -> str | None:
        """Which bar the pair clears ("bar", "prompt bar", "editor"), or None when it
        does not pass."""
        if not self.passes:
            return None
        if self.corrected:
            return "editor"
        return "bar" if self.similarity >= self.bar else "prompt bar"

    @property
    def reason(self) -> str:
        """The first rule that decides the pair, in the matcher's words."""
        if self.corrected is False:
            return "kept apart by an editor (medfeed stories split)"
        if self.corrected:
            if self.passes:
                return "one story by an editor (medfeed stories join)"
            return f"joined by an editor, but never one story: {self.veto}"
        if self.veto is not None:
            return f"kept apart by the veto: {self.veto}"
        if not self.shares_enough:
            return "too few shared rare terms"
        if not self.passes:
            return "under the bar, and under the prompt bar in rare words"
        if self.cleared == "bar":
            return "clears the bar"
        return "clears the prompt bar in rare words (published close together)"


@dataclass(frozen=True)
class Member:
    """A member of a story and how it compares with the story's leader (None: the leader)."""

    entry: Entry
    verdict: Verdict | None


@dataclass(frozen=True)
class StoryReport:
    story_id: int
    leader: Entry | None  # None when the leader is no longer stored
    members: tuple[Member, ...]  # every item of the story, the leader first, then in order

    @property
    def least_margin(self) -> float | None:
        """The smallest margin among the members the text joined (None: none did)."""
        margins = [
            m.verdict.margin
            for m in self.members
            if m.verdict is not None and m.verdict.corrected is None
        ]
        return min(margins, default=None)


@dataclass(frozen=True)
class PairReport:
    """``later`` against ``earlier`` (``StoryItem.order``: the later item is the one that
    would join), and, when they are apart although they pass, the later item against
    the earlier one's leader: an item joins a story only by matching its leader."""

    earlier: Entry
    later: Entry
    verdict: Verdict
    gap_hours: float
    against_leader: tuple[Entry, Verdict] | None

    @property
    def same_story(self) -> bool:
        return self.earlier.story_id == self.later.story_id


class Explainer:
    """The matcher's questions, asked with the term counts of the items' story window."""

    def __init__(
        self,
        store: Store,
        *,
        window: timedelta = DEFAULT_WINDOW,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        self._store = store
        self.window = window
        self.threshold = threshold

    def story(self, item_id: int) -> StoryReport:
        """The story ``item_id`` is in: its leader, and each member against it."""
        rows = self._store.story_members(item_id)
        if not rows:
            raise UnknownItem(item_id)
        return self._report(rows, self._index(rows))

    def doubtful(self, since: datetime, limit: int) -> list[StoryReport]:
        """The stories ``recent`` would list whose least certain join (``Verdict.margin``)
        clears its bar by least, that story first: where an editor finds the matcher's
        wrong merges soonest. A join an editor made or kept is not the matcher's doubt,
        so a story of only such joins is left out, as one whose leader is gone."""
        stories = self._store.recent_stories(since, DOUBTFUL_SCAN)
        if not stories:
            return []
        index = self._index([row for rows in stories for row in rows])
        ranked = []
        for rows in stories:
            report = self._report(rows, index)
            least = report.least_margin
            if least is not None:
                ranked.append((least, report.story_id, report))
        ranked.sort(key=lambda ranking: ranking[:2])
        return [report for _, _, report in ranked[:limit]]

    def _report(self, rows: Sequence[StoryRow], index: StoryIndex) -> StoryReport:
        """One story's rows (any order), each member judged against the leader."""
        story_id = _story_id(rows[0])
        items = {row.id: stored_item(row) for row in rows}
        leader = items.get(story_id)
        members = []
        for row in sorted(rows, key=lambda row: (row.id != story_id, items[row.id].order)):
            verdict = None
            if leader is not None and row.id != story_id:
                verdict = self._judge(*_in_order(items[row.id], leader), index, set(items))
            members.append(Member(entry(row), verdict))
        head = next((m.entry for m in members if m.entry.item_id == story_id), None)
        return StoryReport(story_id, head, tuple(members))

    def recent(self, since: datetime, limit: int) -> list[list[Entry]]:
        """Stories of two or more items led by an item published since ``since``, newest
        first, each its leader then its members: what an editor reviews."""
        return [list(map(entry, rows)) for rows in self._store.recent_stories(since, limit)]

    def pair(self, first_id: int, second_id: int) -> PairReport:
        """The pair as the matcher sees it, and, when the stored stories keep apart a
        pair that passes, the later item against the earlier one's leader."""
        known: dict[int, StoryRow] = {}
        for item_id in (first_id, second_id):
            story = self._store.story_members(item_id)
            if not any(row.id == item_id for row in story):
                raise UnknownItem(item_id)
            known.update((row.id, row) for row in story)
        earlier, later = sorted(
            (stored_item(known[first_id]), stored_item(known[second_id])), key=_order
        )
        earlier_row, later_row = known[earlier.item_id], known[later.item_id]
        leader_row = known.get(_story_id(earlier_row))
        index = self._index([row for row in (earlier_row, later_row, leader_row) if row])
        apart = _story_id(earlier_row) != _story_id(later_row)
        verdict = self._judge(later, earlier, index, () if apart else set(known))
        against = None
        if apart and verdict.passes and leader_row is not None and leader_row.id != earlier.item_id:
            leader = stored_item(leader_row)
            against = (entry(leader_row), self._judge(*_in_order(later, leader), index))
        gap = abs(later.published - earlier.published) / _HOUR
        return PairReport(entry(earlier_row), entry(later_row), verdict, gap, against)

    def _index(self, rows: Sequence[StoryRow]) -> StoryIndex:
        """A story index holding every stored item within the window of ``rows``: what a
        process deciding them would load (``storywindow``), so rarity is the window's."""
        index = StoryIndex(window=self.window, threshold=self.threshold)
        spans = merged_spans(
            [(row.published - self.window, row.published + self.window) for row in rows]
        )
        index.correct(self._store.story_corrections())
        load_stored(index, self._store.story_rows_within(spans))
        short = index.min_counted - len(index.items)  # and history, as it counts (MIN_COUNTED)
        if short > 0:
            count_stored(index, self._store.story_rows_before(spans[0][0], short))
        return index

    def _judge(
        self,
        later: StoryItem,
        earlier: StoryItem,
        index: StoryIndex,
        story: Collection[int] = (),
    ) -> Verdict:
        """The questions ``StoryIndex`` asks before ``later`` may join ``earlier``, with the
        rarity it weighs them by (``StoryIndex.rarity_against``: the earlier item's story
        counts as one holder of its words). ``story``: the items of the one story both
        are in, when they are, for an item an editor joined to another of them."""
        rarity = index.rarity_against(later, earlier)
        corrected = index.correction(later.item_id, earlier.item_id)
        if corrected is None and _joined_before(index, later, story):
            corrected = True
        elif corrected is None:  # kept from an earlier item of the story
            corrected = (
                False if index.kept_from(later, index.leader.get(earlier.item_id, 0)) else None
            )
        named = (
            barred(later, earlier, self.window) if corrected else veto(later, earlier, self.window)
        )
        enough = may_match(later, earlier, rarity)
        bar = required_score(later, earlier, self.threshold)
        passed = passing_score(later, earlier, rarity, self.threshold)
        passes = named is None and (
            corrected or (corrected is None and enough and passed is not None)
        )
        return Verdict(
            veto=named,
            shares_enough=enough,
            similarity=similarity(later.sig, earlier.sig, rarity),
            rare_similarity=rare_similarity(later.sig, earlier.sig, rarity),
            bar=bar,
            prompt_bar=prompt_bar(later, earlier, bar),
            margin=margin(later, earlier, rarity, self.threshold),
            passes=passes,
            shared_terms=_weightiest(later, earlier, rarity),
            counted_as_one=index.story_before(later, earlier),
            corrected=corrected,
        )


def _joined_before(index: StoryIndex, item: StoryItem, story: Collection[int]) -> bool:
    """Whether an editor joined ``item`` to an earlier item of ``story``: that join is
    how it came in. A later item joined to it came in through it; its own way in
    (the matcher's) stays its own."""
    for partner in index.joined_to(item.item_id) & set(story):
        other = index.items.get(partner)
        if other is not None and other.order < item.order:
            return True
    return False


def _weightiest(a: StoryItem, b: StoryItem, rarity: Rarity) -> tuple[tuple[str, float], ...]:
    """The shared terms that add most to the similarity: each side's feed weight times
    the rarity, as ``dedupe.similarity`` weighs them (fingerprints of copied text are
    hashes, not words, and are left out)."""
    weights = [
        (term, a.sig.weight(term) * b.sig.weight(term) * rarity(term))
        for term in a.sig.terms & b.sig.terms
        if not is_fingerprint(term)
    ]
    weights.sort(key=lambda pair: (-pair[1], pair[0]))
    return tuple((term, round(weight, 4)) for term, weight in weights[:SHARED_TERMS] if weight > 0)


def _in_order(a: StoryItem, b: StoryItem) -> tuple[StoryItem, StoryItem]:
    """(later, earlier) by ``StoryItem.order``: the later item is the one that joins."""
    return (a, b) if a.order > b.order else (b, a)


def _order(item: StoryItem) -> tuple[object, ...]:
    return item.order


def _story_id(row: StoryRow) -> int:
    return row.story_id or row.id


def entry(row: StoryRow) -> Entry:
    """A stored item as a report names it."""
    return Entry(row.id, row.source_id, row.kind, row.published, row.title, _story_id(row))
