"""Which story each item is in: the window's items in memory, decided in a fixed order.

A story is led by its representative, and an item joins a story only by
matching that leader (``aggregator.dedupe``), never another member, so a story
cannot grow into a grab-bag by chaining. Which items lead is decided as if
items arrived in one fixed order -- ``StoryItem.order``: published time,
label, source, guid -- whatever the order they really arrived in:

    for item in items, in StoryItem.order:
        leaders = earlier leaders that match item (not vetoed, similar enough)
        item joins the one whose bar it clears most, or leads a story of its own

Items do arrive out of that order (a copy published earlier but fetched
later), so the index keeps the outcome of that loop up to date instead of
running it once: adding an item puts it on a work list; an item that starts
or stops leading puts the later items that could match it on the list; the
list is worked off in ``order``. An item's decision depends only on the items
before it and on its own and their features (which are fixed when the item is
parsed), so the result is the one the loop would give: the same documents give
the same stories in any arrival order, and in any number of processes that
see the same documents.

Candidates are found by hash lookups: a posting list per identifying term
(``dedupe.IDENTIFYING_LEVEL``), so the cost of an item follows how many items
share its specific words, not the size of the window. Nothing here touches the
database: ``aggregator.storywindow`` feeds it the items ``aggregator.store.stories``
loads, and has the store write the changes.
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from aggregator.dedupe import (
    DEFAULT_THRESHOLD,
    DEFAULT_WINDOW,
    FINGERPRINT,
    IDENTIFYING_RARITY,
    MIN_SHARED,
    RARE,
    Rarity,
    StoryItem,
    barred,
    is_fingerprint,
    may_match,
    passing_score,
    required_score,
    stands_alone,
    vetoed,
)
from aggregator.records import StoryCorrection

# How a term shared by a pair counts by how many items in memory use it: up to 8
# (a story's own words, even syndicated by eight outlets) fully, up to 32 at 0.3,
# more at 0.1. The steps are few and low, so a term changes rarity at most twice
# and few items are decided again when it does.
RARITY_STEPS = ((8, RARE), (32, 0.3))
COMMON = 0.1
_STEP_EDGES = frozenset(ceiling + 1 for ceiling, _ in RARITY_STEPS)  # counts where rarity changes
# An item weighed against a story counts that story's earlier items as one holder of a
# term they share (``StoryIndex.rarity_against``): a story retold by a dozen outlets does
# not make its own words common to the next retelling. Only for terms up to this many
# items use: past it, a word is common whatever one story does with it.
STORY_COUNT_CAP = 64
# Windows behind the newest item after which items are let go: an arrival older
# than that is decided against the stored items the store loads around it.
HELD = 5
# Items the index counts terms over at least, reaching back past the window to older
# stored items when the window holds fewer (``count``, ``storywindow._cover``). Rarity
# is document frequency over what the index holds: a small deployment's fresh process
# (``medfeed refresh`` from cron, 5-20 feeds) holds a few hundred items, in which
# ordinary words look rare and unrelated items join (pairwise precision 0.76 / 0.60 /
# 0.51 at 5 / 10 / 20 feeds x 50 items with four months stored; 1.000 on all three
# counting at least 3000: ``benchmarks/story_history.py``). A window of a big deployment
# holds more than this, so nothing is added there.
MIN_COUNTED = 3000
# Counts at which a term is not rare and a story still counts as one holder of it.
_DISCOUNTED = range(min(_STEP_EDGES), STORY_COUNT_CAP + 1)


# The ids of the items that hold a term: a sorted list, found by bisection. A set
# takes 216 bytes for one id and ~75 bytes an id for the common terms that most
# items hold; a list takes 8 bytes an id.
_Ids = list[int]


def _order(item: StoryItem) -> tuple[object, ...]:
    return item.order


def _rarity_of(count: int) -> float:
    for ceiling, value in RARITY_STEPS:
        if count <= ceiling:
            return value
    return COMMON


@dataclass(frozen=True)
class Assignment:
    """An item's story after a change: ``story_id`` is its leader's id."""

    item_id: int
    story_id: int
    representative: bool


class StoryIndex:
    def __init__(
        self,
        *,
        window: timedelta = DEFAULT_WINDOW,
        threshold: float = DEFAULT_THRESHOLD,
        min_counted: int = MIN_COUNTED,
    ) -> None:
        self.window = window
        self.threshold = threshold
        self.min_counted = min_counted  # items kept to count terms over: see MIN_COUNTED
        self.items: dict[int, StoryItem] = {}
        self.leader: dict[int, int] = {}  # item id -> its story's leader (itself when leading)
        self._members: dict[int, set[int]] = defaultdict(set)  # leader -> other members
        # Item ids by term (``_Ids``); a term's entry goes when its last holder does.
        self._postings: dict[str, _Ids] = {}  # identifying terms only
        self._holders: dict[str, _Ids] = {}  # every term; how many: its document frequency
        self._rarity: dict[str, float] = {}  # terms used by more than RARITY_STEPS[0] items
        self._changed: set[int] = set()
        self._work: list[tuple[tuple[object, ...], int]] = []
        self._queued: set[int] = set()
        self._fresh: set[int] = set()  # added, not yet decided: its followers must be found
        self.newest: datetime | None = None  # the latest publication time added
        self._by_age: list[tuple[datetime, int]] = []  # (published, id): what to let go first
        # Items held only to count their terms (``count``): never a candidate, never decided.
        self._counted: set[int] = set()
        # At least as many items as any story holds, and the counts at which a term's
        # rarity against some story can change (``_recount_stories``).
        self._largest = 0
        self._recount_at: frozenset[int] = frozenset()
        # An editor's corrections (``correct``), both ways round: id -> partner ids.
        self._same: dict[int, set[int]] = defaultdict(set)
        self._apart: dict[int, set[int]] = defaultdict(set)
        # Vetoes asked since the last ``add`` ended, by pair (``_vetoed``).
        self._vetoes: dict[tuple[int, int], tuple[StoryItem, StoryItem, bool]] = {}
        # Each item's candidates while ``_settle`` runs (``_candidates``), else None.
        self._found: dict[int, list[int]] | None = None

    # --- what the store calls -------------------------------------------------

    def load(self, item: StoryItem, leader: int) -> None:
        """Take in a stored item with the story it is already in; nothing is decided."""
        if item.item_id in self._counted:  # held to count only: now held in full
            self._drop(item.item_id)
        self.discard(item.item_id)
        self._index(item)
        self.leader[item.item_id] = leader
        if leader != item.item_id:
            self._join(item, leader)

    def count(self, item: StoryItem, leader: int) -> None:
        """Take in a stored item older than the window only to count its terms (see
        MIN_COUNTED). It is no candidate (not in the postings) and is never decided
        again, so no story changes by it; the window rule (``dedupe.vetoed``) would keep
        it from any new item anyway, being published more than a window before them."""
        if item.item_id in self.items:
            return
        self._index(item, counted=True)
        self._counted.add(item.item_id)
        self.leader[item.item_id] = leader
        if leader != item.item_id:
            self._join(item, leader)

    def counted_only(self, item_id: int) -> bool:
        """Whether ``item_id`` is held only to count its terms (``count``)."""
        return item_id in self._counted

    @property
    def oldest(self) -> datetime | None:
        """The publication time of the oldest item held."""
        by_age, items = self._by_age, self.items
        while by_age:  # entries of items let go or re-indexed linger until they surface
            published, item_id = by_age[0]
            item = items.get(item_id)
            if item is not None and item.published == published:
                return published
            heapq.heappop(by_age)
        return None

    def correct(self, corrections: Iterable[StoryCorrection]) -> None:
        """Take in an editor's corrections; they count above anything the text says.

        Two items an editor joined are one story: the later one joins the story the
        earlier one is in (its leader, the one matching that never chains), unless
        the contract keeps them apart whatever anyone says (``dedupe.barred``: one
        source, further apart than the window, different identifiers). Two items
        kept apart are never in one story: an item does not join a story holding an
        earlier item it is kept from (``kept_from``). Each item named is decided
        again on the next ``add``.
        """
        for correction in corrections:
            a, b = correction.first_id, correction.second_id
            keep, drop = (self._same, self._apart) if correction.same else (self._apart, self._same)
            for one, other in ((a, b), (b, a)):
                keep[one].add(other)
                drop[one].discard(other)
                self._push(one)

    def joined_to(self, item_id: int) -> frozenset[int]:
        """The items an editor joined ``item_id`` to."""
        return frozenset(self._same.get(item_id, ()))

    def corrected_missing(self) -> set[int]:
        """Items the index needs and does not hold: those an editor named with a held
        item, and the leaders of held ones an editor joined a held item to. A window
        loaded in pieces can hold a story's leader and not the member an item was kept
        apart from, or an item and not the partner it was joined to."""
        items = self.items
        named = (self._same.keys() | self._apart.keys()) & items.keys()
        wanted = {partner for item_id in named for partner in self._corrected(item_id)}
        wanted |= {
            self.leader[partner]
            for item_id in named
            for partner in self._same.get(item_id, ())
            if partner in items
        }
        return wanted - items.keys()

    def correction(self, a: int, b: int) -> bool | None:
        """The editor's word on two items: True (one story), False (apart), or None."""
        if b in self._same.get(a, ()):
            return True
        if b in self._apart.get(a, ()):
            return False
        return None

    def add(self, items: Iterable[StoryItem], *, forget: bool = True) -> list[Assignment]:
        """New or edited items: decide their stories and every story they change.

        ``forget`` False keeps what is long behind the newest (``_forget_old``) until a
        later ``add``: a decision taken in several calls then holds what one call would
        have held, and counts terms over the same items."""
        for item in items:
            self.discard(item.item_id)
            self._unsettle(item.item_id)  # when it was not held: stored items name it
            self._fresh.add(item.item_id)
            self.leader[item.item_id] = item.item_id
            self._index(item)
            self._push(item.item_id)
            if self.newest is None or item.published > self.newest:
                self.newest = item.published
        self._settle()
        self._vetoes.clear()
        changes = self.changes()
        if forget:
            self._forget_old()
        return changes

    @property
    def horizon(self) -> datetime | None:
        """Items published before this are no longer held (see ``_forget_old``): HELD
        windows behind the newest, or the oldest item held when ``min_counted`` kept older."""
        if self.newest is None:
            return None
        bound = self.newest - self.window * HELD
        oldest = self.oldest
        return bound if oldest is None or oldest >= bound else oldest

    def _forget_old(self) -> None:
        """Let go of items no new item can be compared with, so that memory and the
        window's term counts stay those of the last few windows however long the
        process runs. Their stories stay as decided, and a held member of a story
        whose leader was let go stays in it (``_decide``). At least ``min_counted`` items
        stay, for the term counts; items published at one moment go together, so that
        ``horizon`` (the oldest held) has every item after it."""
        if self.newest is None:
            return
        bound = self.newest - self.window * HELD
        dropped: datetime | None = None
        while self._by_age and self._by_age[0][0] < bound:
            published, item_id = self._by_age[0]
            if len(self.items) <= self.min_counted and published != dropped:
                break
            heapq.heappop(self._by_age)
            item = self.items.get(item_id)
            if item is not None and item.published == published:
                self._drop(item_id)
                dropped = published
        if dropped:  # the largest story may be gone
            self._largest = 0
            self._grown(1 + max(map(len, self._members.values()), default=0))

    def _grown(self, size: int) -> None:
        """A story holds ``size`` items: a term's count crossing a step by up to that many
        can change its rarity against the story (``rarity_against``)."""
        if size <= self._largest:
            return
        self._largest = size
        counts = {edge + k - 1 for edge in _STEP_EDGES for k in range(2, size + 1)}
        self._recount_at = frozenset(n for n in counts if n <= STORY_COUNT_CAP + 1)

    def discard(self, item_id: int) -> None:
        """Forget an item (edited or deleted); its followers are decided again."""
        if item_id not in self.items:
            return
        self._unsettle(item_id)
        self._drop(item_id, recount=True)

    def _unsettle(self, item_id: int) -> None:
        """``item_id`` changes or goes: the items whose decision rests on it are decided
        again, the members on its record (loaded before it, when it was not held) and
        the items an editor named with it, which follow its story or keep out of it."""
        for member in self._members.pop(item_id, set()):
            self._push(member)
        for partner in self._corrected(item_id):
            self._push(partner)

    def _corrected(self, item_id: int) -> Iterator[int]:
        yield from self._same.get(item_id, ())
        yield from self._apart.get(item_id, ())

    def _drop(self, item_id: int, *, recount: bool = False) -> None:
        """Forget an item: ``recount`` when it was edited or deleted; else it was let go
        (``_forget_old``), and a leader let go keeps its held members on record, so that
        if the store loads it back its story is whole again (``rarity_against``)."""
        item = self.items.pop(item_id)
        if recount:
            self._members.pop(item_id, None)
        leader = self.leader.pop(item_id, item_id)
        members = self._members.get(leader) if leader != item_id else None
        if members is not None:
            members.discard(item_id)
            if not members and leader not in self.items:
                del self._members[leader]
        if item_id in self._counted:
            self._counted.discard(item_id)  # never in the postings
        else:
            for term in item.sig.identifying_terms:
                _remove(self._postings, term, item_id)
        for term in item.sig.terms:
            _remove(self._holders, term, item_id)
            self._count(term, -1, push=recount)
        for pending in (self._changed, self._queued, self._fresh):
            pending.discard(item_id)

    def changes(self) -> list[Assignment]:
        """Items whose story or representative flag changed since the last call."""
        out = [
            Assignment(item_id, self.leader[item_id], self.leader[item_id] == item_id)
            for item_id in sorted(self._changed)
            if item_id in self.leader
        ]
        self._changed.clear()
        return out

    def story_of(self, item_id: int) -> int:
        return self.leader[item_id]

    def rarity(self, term: str) -> float:
        return self._rarity.get(term, 1.0)

    def story_before(self, item: StoryItem, leader: StoryItem) -> int:
        """How many items of the story ``leader`` leads come before ``item`` (the leader
        too): those ``rarity_against`` counts as one holder of a word. 1 for an item that
        leads no story."""
        if self.leader.get(leader.item_id) != leader.item_id:
            return 1
        members = (self.items.get(member) for member in self._members.get(leader.item_id, ()))
        return 1 + sum(1 for m in members if m is not None and m.order < item.order)

    def rarity_against(self, item: StoryItem, leader: StoryItem) -> Rarity:
        """The rarity ``item`` is weighed with against the story ``leader`` leads: that
        story's items before ``item`` that hold a term count as one of its holders.

        Without it a story's own words turn common as it grows ("type 1 diabetes",
        "stem cell" in the tenth retelling of an approval), and the eleventh outlet's
        rewrite no longer reaches the bar. The story's later items do not count, so an
        item's decision still depends only on the items before it.
        """
        items, members = self.items, self._members.get(leader.item_id)
        if not members or self.leader.get(leader.item_id) != leader.item_id:
            return self.rarity
        order = item.order
        earlier: list[StoryItem] | None = None
        known: dict[str, float] = {}

        def rarity(term: str) -> float:
            nonlocal earlier
            value = known.get(term)
            if value is not None:
                return value
            value = self._rarity.get(term, 1.0)
            count = len(self._holders.get(term, ())) if value < 1.0 else 0
            if 0 < count <= STORY_COUNT_CAP:
                if earlier is None:
                    held = (items.get(member) for member in members)
                    earlier = [m for m in held if m is not None and m.order < order]
                inside = sum(1 for member in earlier if term in member.sig.terms)
                if inside:
                    value = _rarity_of(count - inside)  # the leader and its story: one
            known[term] = value
            return value

        return rarity

    # --- deciding ---------------------------------------------------------------

    def _settle(self) -> None:
        # Nothing is indexed or let go meanwhile, so the postings and the rarities stay as
        # they are, and with them each item's candidates: found once an item, not once a
        # look (a first pass of the peer corpus looked ~20 times an item).
        self._found = {}
        try:
            while self._work:
                _, item_id = heapq.heappop(self._work)
                self._queued.discard(item_id)
                if item_id in self.items:
                    self._decide(self.items[item_id])
        finally:
            self._found = None

    def _decide(self, item: StoryItem) -> None:
        fresh = item.item_id in self._fresh
        self._fresh.discard(item.item_id)
        before = self.leader[item.item_id]
        if not fresh and before != item.item_id and self._gone(before):
            return  # its leader was let go: the story is as old as the index remembers
        after = self._best_leader(item)
        if fresh:
            self._changed.add(item.item_id)
        if after == before and not fresh:
            if after != item.item_id and item.item_id not in self._members[after]:
                self._join(item, after)  # its leader was edited and came back: rejoin
                for partner in self._corrected(item.item_id):  # which may change theirs
                    self._push_if_after(partner, item)
            return
        was_leading, leads = before == item.item_id and not fresh, after == item.item_id
        if was_leading:
            for member in self._members.pop(item.item_id, set()):
                self._push(member)
        elif before in self._members:
            self._members[before].discard(item.item_id)
        self.leader[item.item_id] = after
        self._changed.update((item.item_id, before, after))
        for partner in self._corrected(item.item_id):  # their stories rest on this one's
            self._push_if_after(partner, item)
        if before != item.item_id:  # each story counts the item's terms anew
            self._push_weighed_after(before, item, joined=False)
        if not leads:
            self._join(item, after)
        if was_leading != leads:
            for later in self._later_matches(item):
                self._push(later)

    def _gone(self, item_id: int) -> bool:
        """Whether ``item_id`` is no longer held as a neighbour: let go, or counted only."""
        return item_id not in self.items or item_id in self._counted

    def _join(self, item: StoryItem, leader: int) -> None:
        """``item`` is in the story ``leader`` leads: a member, counted in the story's size
        and in how later items are weighed against it."""
        self._members[leader].add(item.item_id)
        self._grown(len(self._members[leader]) + 1)
        self._push_weighed_after(leader, item, joined=True)

    def _best_leader(self, item: StoryItem) -> int:
        """The earlier leader that may take the item and whose bar it clears most: its
        similarity over the pair's bar (``dedupe.required_score``; ties: the earliest); an
        editor's word first.

        Bars differ from pair to pair (a shared trial or headline drug lowers one, a day's
        gap raises it), so raw similarities of two pairs do not compare: a rewrite of the
        same trial's readout at 0.06 against a bar of 0.05 is more surely that story than
        a same-drug item of another event at 0.09 against 0.1."""
        joined = self._joined_by_editor(item)
        if joined is not None:
            return joined
        best: StoryItem | None = None
        best_score = 0.0
        order, published, source, window = item.order, item.published, item.source_id, self.window
        for other in self._candidates(item):
            if other.order >= order or self.leader.get(other.item_id) != other.item_id:
                continue
            if published - other.published > window or other.source_id == source:
                continue  # ``vetoed`` at a glance: half the leaders found are a window older
            score = self._score(item, other)
            if score is None or score < best_score:
                continue
            if best is None or score > best_score or other.order < best.order:
                best, best_score = other, score
        return item.item_id if best is None else best.item_id

    def _joined_by_editor(self, item: StoryItem) -> int | None:
        """The story of an earlier item an editor joined ``item`` to (``correct``): its
        leader, the earliest such, when nothing keeps the two apart."""
        best: StoryItem | None = None
        for partner in self._same.get(item.item_id, ()):
            other = self.items.get(partner)
            if other is None or other.order >= item.order or partner in self._counted:
                continue
            leader = self.items.get(self.leader.get(partner, partner))
            if leader is None or self.kept_from(item, leader.item_id):
                continue
            if barred(item, leader, self.window) is None and (
                best is None or leader.order < best.order
            ):
                best = leader
        return None if best is None else best.item_id

    def kept_from(self, item: StoryItem, story: int) -> bool:
        """Whether an editor kept ``item`` apart from the leader ``story`` or from one of
        its items before ``item``: split from a story, an item stays out of it whoever
        leads it later. (A later one is kept out when it is decided.)"""
        apart = self._apart.get(item.item_id)
        if not apart:
            return False
        if story in apart:
            return True
        for partner in apart:
            other = self.items.get(partner)
            if other is not None and other.order < item.order and self.leader.get(partner) == story:
                return True
        return False

    def _score(self, a: StoryItem, b: StoryItem) -> float | None:
        """How many times its bar the pair's similarity is when ``a`` may join the story
        ``b`` leads (``_best_leader``), else None."""
        if self.kept_from(a, b.item_id) or self._vetoed(a, b):
            return None
        rarity = self.rarity_against(a, b)
        if not may_match(a, b, rarity):
            return None
        score = passing_score(a, b, rarity, self.threshold)
        if score is None:
            return None
        return score / required_score(a, b, self.threshold)  # the threshold is over 0

    def _candidates(self, item: StoryItem) -> Iterator[StoryItem]:
        """Items sharing at least MIN_SHARED identifying terms with ``item`` (hash lookups,
        no scan); ``may_match`` turns down every other item at the window's rarity, so none
        is missed. Counting a story as one holder (``rarity_against``) only reweighs these:
        a pair it alone would make rare enough is never weighed."""
        items, found = self.items, self._found
        if found is None:
            return (items[other_id] for other_id in self._candidate_ids(item))
        ids = found.get(item.item_id)
        if ids is None:
            ids = found[item.item_id] = list(self._candidate_ids(item))
        return (items[other_id] for other_id in ids)

    def _candidate_ids(self, item: StoryItem) -> Iterator[int]:
        shared: Counter[int] = Counter()
        alone: set[int] = set()  # sharing a copied text, which may be enough on its own
        rarity = self._rarity
        for term in item.sig.identifying_terms:
            if rarity.get(term, 1.0) < IDENTIFYING_RARITY:
                continue
            holders = self._postings.get(term, ())
            if stands_alone(term):
                alone.update(holders)
            elif not is_fingerprint(term):  # a sentence counts only beside its summary
                shared.update(holders)
        alone.discard(item.item_id)
        yield from alone
        for other_id, count in shared.items():
            if count >= MIN_SHARED and other_id not in alone and other_id != item.item_id:
                yield other_id

    def _later_matches(self, item: StoryItem) -> Iterator[int]:
        for other in self._candidates(item):
            if other.order > item.order:
                yield other.item_id

    # --- bookkeeping --------------------------------------------------------------

    def _index(self, item: StoryItem, *, counted: bool = False) -> None:
        item_id = item.item_id
        self.items[item_id] = item
        heapq.heappush(self._by_age, (item.published, item_id))
        if not counted:  # a counted item is no candidate: ``count``
            for term in item.sig.identifying_terms:
                _add(self._postings, term, item_id)
        holders = self._holders
        for term in item.sig.terms:  # ~150 an item: ``_count`` inlined for the usual case
            ids = holders.get(term)
            if ids is None:
                holders[term] = [item_id]
                continue
            _insert(ids, item_id)
            if len(ids) in _STEP_EDGES:  # one more holder changed the term's rarity
                self._count(term, +1)
            elif len(ids) in self._recount_at:
                self._recount_stories(term, len(ids), rising=True)

    def _count(self, term: str, step: int, *, push: bool = True) -> None:
        """One more or one fewer item uses ``term``; when that changes its rarity, pairs
        sharing it score differently, so its holders are decided again."""
        after = len(self._holders.get(term, ()))
        before = after - step
        if push and max(before, after) in self._recount_at:
            self._recount_stories(term, max(before, after), rising=step > 0)
        if max(before, after) not in _STEP_EDGES:
            return
        rarity = _rarity_of(after)
        if rarity == 1.0:
            self._rarity.pop(term, None)
        else:
            self._rarity[term] = rarity
        if push:
            for holder in self._affected_by(term):
                self._push(holder)

    def _push_weighed_after(self, story: int, item: StoryItem, *, joined: bool) -> None:
        """``item`` joined or left the story ``story`` leads: items after it weighed against
        that story count the terms it shares with the leader differently
        (``rarity_against``), when those terms are neither rare nor past the cap. Its
        terms then count as rarer when it joined, so only items outside the story may
        come in, and as less rare when it left, so only the story's own may go."""
        leader = self.items.get(story)
        if leader is None or self.leader.get(story) != story:
            return
        holders = self._holders
        counted = [
            term
            for term in item.sig.terms
            if term in leader.sig.terms and len(holders.get(term, ())) in _DISCOUNTED
        ]
        if not counted:
            return
        for later in self._later_matches(leader):
            other = self.items[later]
            if other.order <= item.order or (self.leader.get(later) == story) == joined:
                continue
            if any(term in other.sig.terms for term in counted):
                self._push(later)

    def _recount_stories(self, term: str, larger: int, *, rising: bool) -> None:
        """``term``'s holders went from ``larger`` - 1 to ``larger`` (``rising``) or back.
        Weighed against a story whose earlier items hold it k times, it counts as
        ``larger`` - k + 1 holders (``rarity_against``), so its rarity changes for that
        story where this crosses a step, and at the cap, where the story stops counting
        as one: the later holders that may be weighed against such a story are decided
        again. A pair's score only grows with a term's rarity, so when the term grows
        commoner only the story's own items may leave it, and when it grows rarer only
        others may join. Only a story holding the term twice or more can qualify, so
        most calls end after one look at each holder's story."""
        largest = self._largest
        needed = [k for edge in _STEP_EDGES if 2 <= (k := larger + 1 - edge) <= largest]
        if not needed:
            return
        ids = self._holders.get(term, ())
        leader_of = self.leader
        if all(leader_of.get(holder, holder) == holder for holder in ids):
            return  # every holder leads its own story
        items = self.items
        holders = [items[holder] for holder in ids]
        held: dict[int, list[tuple[object, ...]]] = defaultdict(list)
        for holder in holders:
            story = self.leader.get(holder.item_id, holder.item_id)
            leader = items.get(story)
            if leader is not None and term in leader.sig.terms:
                held[story].append(holder.order)
        least = min(needed)
        for story, orders in held.items():
            if len(orders) < least or self.leader.get(story) != story:
                continue
            orders.sort()
            weighed = (items[story], items[story].sig.identifying_terms)
            for k in needed:  # weighed after its k-th holder and up to its (k+1)-th: k of them
                if k > len(orders):
                    continue
                low = orders[k - 1]
                high = orders[k] if k < len(orders) and larger <= STORY_COUNT_CAP else None
                for holder in holders:
                    if holder.order <= low or (high is not None and holder.order > high):
                        continue
                    if (leader_of.get(holder.item_id) == story) != rising:
                        continue
                    if self._may_pair(holder, holder.sig.identifying_terms, weighed, term):
                        self._push(holder.item_id)

    def _affected_by(self, term: str) -> Iterator[int]:
        """The holders of ``term`` whose decision its new rarity can change.

        A term's rarity enters only the pairs that share it, and a pair is weighed
        only when it may be one story: the later item of the pair could join the
        earlier, leading one (``_best_leader``). Any other holder keeps its
        decision, so it is not decided again: most terms that turn common are
        shared by items that never meet. ``term`` counts as identifying here
        whichever side of IDENTIFYING_RARITY it now falls, so that the pairs it
        makes or unmakes as a candidate are included.
        """
        counted = self._counted
        held = (self.items[h] for h in self._holders.get(term, ()) if h not in counted)
        holders = sorted(held, key=_order)
        leaders: deque[tuple[StoryItem, frozenset[str]]] = deque()
        for item in holders:
            while leaders and item.published - leaders[0][0].published > self.window:
                leaders.popleft()  # too old for this holder (``_may_pair``), and for the rest
            terms = item.sig.identifying_terms  # once an item, not once a pair
            if any(self._may_pair(item, terms, leader, term) for leader in leaders):
                yield item.item_id
            if self.leader.get(item.item_id) == item.item_id:
                leaders.append((item, terms))

    def _may_pair(
        self,
        later: StoryItem,
        later_terms: frozenset[str],
        leader: tuple[StoryItem, frozenset[str]],
        term: str,
    ) -> bool:
        earlier, earlier_terms = leader
        if later.source_id == earlier.source_id:
            return False
        if later.published - earlier.published > self.window:
            return False
        shared = later_terms & earlier_terms
        if not shared:
            return False
        if not self._eligible(shared, term):
            return False
        return not self._vetoed(later, earlier)

    def _vetoed(self, later: StoryItem, earlier: StoryItem) -> bool:
        """``dedupe.vetoed``, remembered until the ``add`` under way ends: each term that
        changes rarity asks again about pairs of its holders (``_affected_by``): a first
        pass of the peer corpus asked twice a pair. A pair is remembered with its two
        items, so an item indexed again (edited) is asked about afresh."""
        key = (later.item_id, earlier.item_id)
        seen = self._vetoes.get(key)
        if seen is not None and seen[0] is later and seen[1] is earlier:
            return seen[2]
        verdict = vetoed(later, earlier, self.window)
        self._vetoes[key] = (later, earlier, verdict)
        return verdict

    def _eligible(self, shared: frozenset[str], term: str) -> bool:
        """Whether the identifying terms a pair shares make it a candidate once ``term``
        has its new rarity: MIN_SHARED of them, a word counting one, a whole summary's or
        a headline's fingerprint (``stands_alone``) MIN_SHARED, a sentence's nothing;
        stopping as soon as there are enough. Most pairs of a term's holders fall short
        (a boilerplate sentence's holders share little else), so each shared term is
        looked at once."""
        rarity = self._rarity
        copy = is_fingerprint(term)  # a copy's sentence: its rarity weighs in ``_copied``
        eligible = 0
        for t in shared:
            if t[0] != FINGERPRINT:
                weight = 1
            elif stands_alone(t):
                if copy:
                    return True
                weight = MIN_SHARED
            else:
                continue
            if t == term or rarity.get(t, 1.0) >= IDENTIFYING_RARITY:
                eligible += weight
                if eligible >= MIN_SHARED:
                    return True
        return False

    def _push_if_after(self, item_id: int, item: StoryItem) -> None:
        other = self.items.get(item_id)
        if other is not None and other.order > item.order:
            self._push(item_id)

    def _push(self, item_id: int) -> None:
        item = self.items.get(item_id)
        if item is None or item_id in self._queued or item_id in self._counted:
            return

        self._queued.add(item_id)
        heapq.heappush(self._work, (item.order, item_id))


def _add(by_term: dict[str, _Ids], term: str, item_id: int) -> None:
    ids = by_term.get(term)
    if ids is None:
        by_term[term] = [item_id]
    else:
        _insert(ids, item_id)


def _insert(ids: _Ids, item_id: int) -> None:
    """Into sorted ``ids``; new items have the largest ids, so usually at the end."""
    if ids[-1] < item_id:
        ids.append(item_id)
    else:
        bisect.insort(ids, item_id)


def _remove(by_term: dict[str, _Ids], term: str, item_id: int) -> None:
    ids = by_term[term]
    at = bisect.bisect_left(ids, item_id)
    if at < len(ids) and ids[at] == item_id:
        del ids[at]
    if not ids:
        del by_term[term]
