"""Keep this process's story index (dedup layer 4) in step with the database.

One ``StoryWindow`` per database per process (``story_window``). Each story
decision runs inside a store transaction, as a ``StoryStep`` the store runs:
it takes the story lock (``StoryRows.lock``, held until the transaction
ends), catches up with story changes other processes committed
(``items.story_seq`` above the last one this process saw), loads into the
index every stored item within the window of the new ones that it lacks,
lets ``aggregator.storyindex`` decide, and hands the store every item whose
story changed, to write under a new sequence number. A refresh first only
marks its new items (``defer``) and decides what is marked together
(``assign_pending``, ``PENDING_BATCH`` items per transaction, in publication
order): most items then arrive in the order the decisions follow, so few are
decided twice.

It does not judge pairs (``aggregator.dedupe``), decide stories
(``aggregator.storyindex``) or touch the database other than through
``StoryRows``. If the transaction fails, the store abandons the step and the
window forgets everything: the index would otherwise remember decisions the
database never got.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from aggregator.dating import FROM_SOURCE
from aggregator.dedupe import (
    DEFAULT_THRESHOLD,
    DEFAULT_WINDOW,
    Signature,
    StoryItem,
    encode_levels,
    signature,
    with_levels,
)
from aggregator.records import ItemUpdate
from aggregator.store.stories import (
    ItemLevels,
    NewMarks,
    StoryRow,
    StoryRows,
    StoryStep,
    Undecided,
)
from aggregator.storyindex import Assignment, StoryIndex

if TYPE_CHECKING:
    from aggregator.store import Store

Known = Mapping[tuple[str, str], Signature]  # signatures the parse pool computed, by text
_Span = tuple[datetime, datetime]  # published from, to (both included)
_LATEST = datetime.max.replace(tzinfo=UTC)
# Marked items decided per transaction by ``assign_pending``: the story lock is held
# for one batch, and other processes' writers take their turn between batches. Each
# batch settles the story index again and reloads its decided neighbours: at 250 a
# first pass of the peer corpus (5,000 entries) took 10.0 s against 8.0 s in one
# transaction and 8.3 s at 1,000; after a kind edit (15,000 marked, loaded SQLite)
# 1,000 held the lock up to 61 s and 250 up to 9.9 s (benchmarks/pending_batches.py,
# benchmarks/peer_reader.py).
PENDING_BATCH = 1000


@dataclass
class _Book:
    """This process's view of one database's stories."""

    index: StoryIndex
    seq: int = -1  # the last story change this process has seen
    epoch: str | None = None  # removals and corrections seen (``store.stories``)
    # Published-time intervals held in the index (sorted, disjoint): only the new
    # items' own neighbourhoods are loaded, so a small window or a batch spread over
    # months does not load (and analyse) everything in between.
    loaded: list[_Span] = field(default_factory=list)


@dataclass
class _Run:
    """``assign_pending``'s decision over the items marked when it started, ``batch`` at a
    time in publication order, each batch in a transaction of its own."""

    batch: int
    left: list[Undecided] | None = None  # read by the first transaction; then what is left
    counted: _Book | None = None  # the book that counted history for the whole run

    def take(self, rows: StoryRows) -> list[int]:
        """The next batch's ids (the first call reads what is marked)."""
        if self.left is None:
            self.left = rows.undecided()
        taken, self.left = self.left[: self.batch], self.left[self.batch :]
        return [item.id for item in taken]


@dataclass(frozen=True)
class _Step:
    """One piece of story work for ``Store.save_fetch`` / ``Store.assign_stories``."""

    window: StoryWindow
    work: Callable[[StoryRows, Sequence[int]], int]
    marks_new: NewMarks | None = None  # a step that only marks: see ``StoryStep.marks_new``
    run_: _Run | None = None  # a decision in batches: see ``unfinished``

    @property
    def unfinished(self) -> bool:
        return self.run_ is not None and self.run_.left != []

    def run(self, rows: StoryRows, touched: Sequence[int]) -> int:
        return self.work(rows, touched)

    def abandon(self) -> None:
        self.window.reset()


class StoryWindow:
    """The story index of one database in this process."""

    def __init__(self) -> None:
        self._book: _Book | None = None
        self._pending: dict[int, Signature] = {}  # deferred items' signatures, by item id
        self._lock = threading.Lock()

    @property
    def index(self) -> StoryIndex | None:
        """The index this process holds (None until the first assignment)."""
        return None if self._book is None else self._book.index

    def reset(self) -> None:
        """Forget everything; the next assignment rebuilds from the database."""
        with self._lock:
            self._book = None
            self._pending.clear()

    def forget_pending(self) -> None:
        """Drop the signatures kept for ``assign_pending``: another process decides those items."""
        with self._lock:
            self._pending.clear()

    # --- steps for the store's transactions -------------------------------------

    def assign(
        self,
        updates: Sequence[ItemUpdate],
        signatures: Sequence[Signature] = (),
        *,
        window: timedelta = DEFAULT_WINDOW,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> StoryStep:
        """Decide the stored items' stories at once (``signatures``: of ``updates``, if known)."""
        known = _by_text(updates, signatures)

        def work(rows: StoryRows, touched: Sequence[int]) -> int:
            return len(self.decide(rows, touched, known, window=window, threshold=threshold))

        return _Step(self, work)

    def defer(
        self, updates: Sequence[ItemUpdate], signatures: Sequence[Signature] = ()
    ) -> StoryStep:
        """Only mark the stored items for the next ``assign_pending``; new items are
        inserted marked (``marks_new``), which ``mark`` then only remembers."""
        known = _by_text(updates, signatures)

        def work(rows: StoryRows, touched: Sequence[int]) -> int:
            self.mark(rows, touched, known)
            return 0

        def levels(title: str, summary: str) -> str | None:
            sig = known.get((title, summary))
            return None if sig is None else encode_levels(sig)

        return _Step(self, work, levels)

    def assign_pending(
        self,
        *,
        window: timedelta = DEFAULT_WINDOW,
        threshold: float = DEFAULT_THRESHOLD,
        batch: int | None = None,
    ) -> StoryStep:
        """Decide every item any process marked with ``defer``, ``batch`` (``PENDING_BATCH``)
        per transaction (``Store.assign_stories`` runs the step again while it is
        ``unfinished``).

        The batches follow publication time, and the index decides them as it would
        all at once: it lets go of nothing until the last one, loads only items decided
        already around each (the marked ones come in their own batch), and counts
        history for the whole run. The story lock is released between batches, so a
        large run (a kind edit marks every item of a source) no longer holds every
        other writer of stories for minutes; a run cut short leaves the rest marked.
        """
        run = _Run(batch or PENDING_BATCH)

        def work(rows: StoryRows, touched: Sequence[int]) -> int:
            return len(self.decide_pending(rows, run, window=window, threshold=threshold))

        return _Step(self, work, run_=run)

    # --- the work, on one transaction's rows --------------------------------------

    def mark(self, rows: StoryRows, item_ids: Sequence[int], known: Known) -> None:
        """Mark stored items for the next ``decide_pending`` instead of deciding now.

        The items' feed weights are stored with the mark, so any process can
        decide them, and a mark survives a crash; the signatures stay in memory
        only to save recomputing.
        """
        if not item_ids:
            return
        texts = rows.texts(item_ids)
        marks = []
        with self._lock:
            for item in texts:
                sig = known.get((item.title, item.summary or ""))
                if sig is not None:
                    self._pending[item.id] = sig
                if not rows.marked(item.id):  # else inserted marked (``defer``)
                    marks.append(ItemLevels(item.id, None if sig is None else encode_levels(sig)))
        rows.mark_pending(marks)

    def decide(
        self,
        rows: StoryRows,
        item_ids: Sequence[int],
        known: Known,
        *,
        window: timedelta = DEFAULT_WINDOW,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> list[Assignment]:
        """Put stored items (new or edited) into stories; returns every change written."""
        if not item_ids:
            return []

        def wanted() -> list[StoryRow]:
            return rows.chosen(item_ids)

        def sig_of(row: StoryRow) -> Signature | None:
            return known.get((row.title, row.summary or ""))

        return self._decide(rows, wanted, sig_of, window, threshold, levels_stored=False)

    def decide_pending(
        self,
        rows: StoryRows,
        run: _Run,
        *,
        window: timedelta = DEFAULT_WINDOW,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> list[Assignment]:
        """Decide the next batch of ``run``, the items any process marked; returns the
        changes written."""
        known: dict[int, Signature] = {}

        def wanted() -> list[StoryRow]:  # under ``self._lock``, held by ``_decide``
            found = rows.pending(run.take(rows))
            for row in found:
                sig = self._pending.pop(row.id, None)
                if sig is not None:
                    known[row.id] = sig
            return found

        def sig_of(row: StoryRow) -> Signature | None:
            return known.get(row.id)

        return self._decide(rows, wanted, sig_of, window, threshold, levels_stored=True, run=run)

    def _decide(
        self,
        rows: StoryRows,
        wanted: Callable[[], list[StoryRow]],
        known: Callable[[StoryRow], Signature | None],
        window: timedelta,
        threshold: float,
        *,
        levels_stored: bool,
        run: _Run | None = None,
    ) -> list[Assignment]:
        with self._lock:
            clock = rows.lock()
            book = self._book
            if (
                book is None
                or book.index.window != window
                or book.index.threshold != threshold
                or (book.epoch is not None and clock.epoch != book.epoch)
            ):
                book = self._book = _Book(StoryIndex(window=window, threshold=threshold))
                book.index.correct(rows.corrections())  # an edit bumps the epoch
            book.epoch = clock.epoch
            if clock.seq != book.seq:
                _catch_up(rows, book)
            found = wanted()
            forget = run is None or not run.left
            if not found:
                return []
            events = [row.id for row in found if row.kind == "conference"]
            items = [_story_item(row, known) for row in found if row.kind != "conference"]
            if items:
                _cover(rows, book, items, window, run)
                _cover_corrections(rows, book.index)
            changes = book.index.add(items, forget=forget)
            if rows.gone({change.story_id for change in changes}):
                # A leader retention deleted lingered in this process's index (a purge of
                # whole stories moves no other item, so no epoch): rebuild and decide again.
                book = self._book = _Book(StoryIndex(window=window, threshold=threshold))
                book.index.correct(rows.corrections())
                book.epoch = clock.epoch
                _cover(rows, book, items, window, run)
                _cover_corrections(rows, book.index)
                changes = book.index.add(items, forget=forget)
            changes += [Assignment(event, event, True) for event in events]
            new_seq = clock.seq + 1
            levels = [] if levels_stored else [_levels(item) for item in items]
            rows.write(changes, levels, new_seq)
            book.seq = new_seq
            return changes


_WINDOWS: WeakKeyDictionary[Store, StoryWindow] = WeakKeyDictionary()
_WINDOWS_LOCK = threading.Lock()


def story_window(store: Store) -> StoryWindow:
    """The story window of ``store``'s database in this process, for as long as ``store``.

    Kept beside the store rather than in the refresh: rebuilding the index from
    the database on every pass made ingest 3x slower.
    """
    with _WINDOWS_LOCK:
        window = _WINDOWS.get(store)
        if window is None:
            window = _WINDOWS[store] = StoryWindow()
        return window


def _by_text(updates: Sequence[ItemUpdate], signatures: Sequence[Signature]) -> Known:
    pairs = zip(updates, signatures, strict=False)
    return {(update.item.title, update.item.summary): sig for update, sig in pairs}


def _catch_up(rows: StoryRows, book: _Book) -> None:
    """Take in what other processes stored or re-assigned since this process last looked."""
    if not book.loaded:
        return  # nothing held yet: ``_cover`` loads what is needed
    low, high = book.loaded[0][0], book.loaded[-1][1]
    load_stored(book.index, rows.changed_since(book.seq, low, high))


def _cover(
    rows: StoryRows,
    book: _Book,
    items: Sequence[StoryItem],
    window: timedelta,
    run: _Run | None = None,
) -> None:
    """Load the stored items within ``window`` of the new ones that the index lacks,
    then, when it holds fewer than its ``min_counted``, older ones to count (``_count_history``).

    For a batch of ``run`` the items still marked are left out (each comes in its own
    batch, as all of them came at once before), and history is counted once, for every
    batch the run has left: the index then holds what one decision over them all held."""
    index = book.index
    held = _after(book.loaded, index.horizon)  # the index let go of what is older
    missing = _without(_spans(items, window), held)
    fresh = {item.item_id for item in items}
    if missing:
        load_stored(index, rows.load(_unheld(rows, index, missing, fresh, run is not None)))
    book.loaded = merged_spans(held + missing)
    if run is None:
        _count_history(rows, book, fresh)
    elif run.counted is not book:
        run.counted = book
        later = [item for item in run.left or () if item.kind != "conference"]
        fresh |= {item.id for item in later}
        ahead = _without(_spans(later, window), book.loaded)
        coming = 0
        if ahead and len(index.items) < index.min_counted:
            unheld = _unheld(rows, index, ahead, fresh, True)
            coming = sum(1 for item_id in unheld if item_id not in index.items)
        _count_history(rows, book, fresh, coming)


def _spans(items: Iterable[StoryItem | Undecided], window: timedelta) -> list[_Span]:
    """The published-time spans within ``window`` of ``items``."""
    return merged_spans((item.published - window, item.published + window) for item in items)


def _unheld(
    rows: StoryRows,
    index: StoryIndex,
    spans: list[_Span],
    fresh: Set[int],
    decided: bool,
) -> list[int]:
    """The stored items published within ``spans`` that ``index`` does not hold (or only
    counts), but ``fresh``; ``decided``: none still marked."""
    return [
        row.id
        for row in rows.published_within(spans[0][0], spans[-1][1], decided=decided)
        if _inside(row.published, spans)
        and row.id not in fresh
        and (row.id not in index.items or index.counted_only(row.id))
    ]


def _count_history(rows: StoryRows, book: _Book, fresh: set[int], coming: int = 0) -> None:
    """Count the newest stored items older than everything held until the index holds
    its ``min_counted`` (``storyindex.MIN_COUNTED``): rarity is a term's document
    frequency over what the index holds, and a small deployment's window alone is too
    few items for ordinary words to look common. They are more than a window older than
    the new items, so they never join them (``StoryIndex.count``). A window that holds
    enough reads nothing; ``coming``: items later batches of a run will load."""
    index = book.index
    short = index.min_counted - len(index.items) - coming
    if short <= 0 or not book.loaded:
        return
    oldest = index.oldest
    before = book.loaded[0][0] if oldest is None else min(oldest, book.loaded[0][0])
    count_stored(index, rows.newest_before(before, short), fresh)


def count_stored(
    index: StoryIndex, rows: Iterable[StoryRow], fresh: Set[int] = frozenset()
) -> None:
    """Take stored items older than the window into ``index`` only to count their terms
    (``StoryIndex.count``); ``fresh``: the items being decided, which are no history."""
    for row in rows:
        if row.id not in fresh and row.kind != "conference":
            index.count(stored_item(row), row.story_id or row.id)


def _cover_corrections(rows: StoryRows, index: StoryIndex) -> None:
    """Load what an editor's corrections need beyond the spans loaded: the items named
    with held ones, then the leaders of those joined (``StoryIndex.corrected_missing``).
    Corrections are few: usually nothing is missing and nothing is read."""
    for _ in range(2):
        wanted = index.corrected_missing()
        if not wanted:
            return
        load_stored(index, rows.load(sorted(wanted)))


def merged_spans(spans: Iterable[_Span]) -> list[_Span]:
    """The union of ``spans`` as sorted, disjoint spans."""
    out: list[_Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _without(spans: list[_Span], held: list[_Span]) -> list[_Span]:
    """The parts of ``spans`` (sorted, disjoint) that ``held`` (likewise) does not cover."""
    out: list[_Span] = []
    for start, end in spans:
        for held_start, held_end in held:
            if held_end < start or held_start > end:
                continue
            if held_start > start:
                out.append((start, held_start))
            start = max(start, held_end)
            if start >= end:
                break
        if start < end:
            out.append((start, end))
    return out


def _after(spans: list[_Span], horizon: datetime | None) -> list[_Span]:
    """``spans`` cut to what lies after ``horizon``."""
    if horizon is None:
        return list(spans)
    return [(max(start, horizon), end) for start, end in spans if end > horizon]


def _inside(moment: datetime, spans: list[_Span]) -> bool:
    at = bisect.bisect_right(spans, (moment, _LATEST)) - 1
    return at >= 0 and spans[at][0] <= moment <= spans[at][1]


def load_stored(index: StoryIndex, rows: Iterable[StoryRow]) -> None:
    """Take stored items into ``index`` with the stories they are in, as their
    neighbours when deciding (and for the window's term counts); events are in no
    story by text, so the index never holds them."""
    for row in rows:
        if row.kind != "conference":
            index.load(stored_item(row), row.story_id or row.id)


def stored_item(row: StoryRow) -> StoryItem:
    """The story index's view of a stored item, with the feed weights stored beside it."""
    return _story_item(row)


def _levels(item: StoryItem) -> ItemLevels:
    return ItemLevels(item.item_id, encode_levels(item.sig))


def _unknown(row: StoryRow) -> Signature | None:
    return None


def _story_item(
    row: StoryRow, known: Callable[[StoryRow], Signature | None] = _unknown
) -> StoryItem:
    """The story index's view of a stored item; ``known`` gives the signature the
    parse pool computed, if this process has it."""
    summary = row.summary or ""
    sig = known(row)
    if sig is None:
        sig = with_levels(signature(row.title, summary), row.story_levels)
    sig = sig.interned()  # the index holds thousands: one copy of each term for all
    return StoryItem(
        item_id=row.id,
        source_id=row.source_id,
        source_name=row.source_name,
        kind=row.kind,
        label=row.label,
        published=row.published,
        key=row.guid_key,
        dated=row.published_from == FROM_SOURCE,
        sig=sig,
        identifiers=frozenset(_identifiers(row)),
    )


def _identifiers(row: StoryRow) -> Iterable[str]:
    if row.doi:
        yield f"doi:{row.doi.lower()}"
    if row.pmid:
        yield f"pmid:{row.pmid}"
    for number in row.nct or ():
        yield f"nct:{number.upper()}"
    if row.video_id and row.video_provider and row.video_provider != "other":
        yield f"{row.video_provider}:{row.video_id}"
