"""Persist story membership (dedup layer 4): load the window into the story index, write
what it decides.

``assign`` runs inside the transaction that stored a source's items: it takes
the story lock (PostgreSQL advisory lock; on SQLite the writer already holds
the database), catches up with story changes other processes committed
(``items.story_seq`` above the last one this process saw), makes sure the
index holds every stored item within the window of the new ones, lets
``aggregator.storyindex`` decide, and writes ``story_id`` /
``is_representative`` for every item whose story changed, stamped with a new
sequence number.

It does not decide what a story is (``aggregator.dedupe`` and
``aggregator.storyindex`` do) and does not commit. If the transaction fails,
the caller must call ``reset``: the index would otherwise remember decisions
the database never got.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aggregator.dedupe import (
    DEFAULT_THRESHOLD,
    DEFAULT_WINDOW,
    Signature,
    StoryItem,
    encode_levels,
    signature,
    with_levels,
)
from aggregator.errors import StorageError
from aggregator.store import meta
from aggregator.store.models import Base, Item
from aggregator.storyindex import Assignment, StoryIndex

STORY_LOCK = 7_335_001  # PostgreSQL advisory lock key of story assignment
TURN_LOCK = 7_335_002  # PostgreSQL advisory lock key of the turn to decide stories in a pass
_SEQ_KEY = "story_seq"
PENDING = -1  # items.story_seq of an item stored with its story left to ``assign_pending``
_EPOCH_KEY = "story_epoch"  # bumped when items leave: every process rebuilds its index
_ITEMS = Base.metadata.tables["items"]
_COLUMNS = (
    Item.id,
    Item.title,
    Item.summary,
    Item.published,
    Item.kind,
    Item.source_id,
    Item.label,
    Item.guid_key,
    Item.doi,
    Item.pmid,
    Item.nct,
    Item.video_id,
    Item.video_provider,
    Item.story_id,
    Item.story_levels,
)
_WRITE = (
    update(_ITEMS)
    .where(_ITEMS.c.id == bindparam("item"))
    .values(
        story_id=bindparam("story"),
        is_representative=bindparam("representative"),
        story_seq=bindparam("seq"),
    )
)


_Known = Callable[[Any], Signature | None]


_Span = tuple[datetime, datetime]  # published from, to (both included)
_LOAD_CHUNK = 500  # ids per query when loading a window's items
_LATEST = datetime.max.replace(tzinfo=UTC)


@dataclass
class _Book:
    """This process's view of one database's stories."""

    index: StoryIndex
    seq: int = -1  # the last story change this process has seen
    epoch: str | None = None  # the removals this process has seen (``detach``)
    # Published-time intervals held in the index (sorted, disjoint): only the new
    # items' own neighbourhoods are loaded, so a small window or a batch spread over
    # months does not load (and analyse) everything in between.
    loaded: list[_Span] = field(default_factory=list)


class Stories:
    """The story index of one database in this process (one per ``Store``)."""

    def __init__(self) -> None:
        self._book: _Book | None = None
        self._pending: dict[int, Signature] = {}  # deferred items' signatures, by item id
        self._lock = threading.Lock()

    @property
    def index(self) -> StoryIndex | None:
        """The index this process holds (None until the first assignment)."""
        return None if self._book is None else self._book.index

    def reset(self) -> None:
        """Forget everything; the next ``assign`` rebuilds from the database."""
        with self._lock:
            self._book = None
            self._pending.clear()

    def forget_pending(self) -> None:
        """Drop the signatures kept for ``assign_pending``: another process decides those items."""
        with self._lock:
            self._pending.clear()

    def assign(
        self,
        session: Session,
        item_ids: Sequence[int],
        signatures: Mapping[tuple[str, str], Signature],
        *,
        window: timedelta = DEFAULT_WINDOW,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> list[Assignment]:
        """Put stored items (new or edited) into stories; returns every change written."""
        if not item_ids:
            return []
        wanted = select(*_COLUMNS).where(Item.id.in_(item_ids))

        def known(row: Any) -> Signature | None:
            return signatures.get((row.title, row.summary or ""))

        return self._assign(session, wanted, known, window, threshold, levels_stored=False)

    def defer(
        self,
        session: Session,
        item_ids: Sequence[int],
        signatures: Mapping[tuple[str, str], Signature],
    ) -> None:
        """Mark stored items for the next ``assign_pending`` instead of deciding now.

        Deciding a whole claimed batch at once is several times cheaper than
        deciding source by source: most items then arrive in the order the
        decisions follow, so few are decided twice. The items' feed weights are
        stored with the mark, so any process can decide them, and a mark
        survives a crash; the signatures stay in memory only to save recomputing.
        """
        if not item_ids:
            return
        rows = session.execute(
            select(Item.id, Item.title, Item.summary).where(Item.id.in_(item_ids))
        ).all()
        marks = []
        with self._lock:
            for row in rows:
                sig = signatures.get((row.title, row.summary or ""))
                if sig is not None:
                    self._pending[row.id] = sig
                    marks.append({"item": row.id, "levels": encode_levels(sig)})
        if marks:
            session.execute(
                update(_ITEMS)
                .where(_ITEMS.c.id == bindparam("item"))
                .values(story_levels=bindparam("levels"), story_seq=PENDING),
                marks,
            )
        unknown = [row.id for row in rows if row.id not in self._pending]
        if unknown:
            session.execute(update(Item).where(Item.id.in_(unknown)).values(story_seq=PENDING))

    def assign_pending(
        self,
        session: Session,
        *,
        window: timedelta = DEFAULT_WINDOW,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> list[Assignment]:
        """Decide every item any process marked with ``defer``; returns the changes written."""
        with self._lock:
            pending = dict(self._pending)
            self._pending.clear()
        wanted = select(*_COLUMNS).where(Item.story_seq == PENDING)

        def known(row: Any) -> Signature | None:
            return pending.get(row.id)

        return self._assign(session, wanted, known, window, threshold, levels_stored=True)

    def _assign(
        self,
        session: Session,
        wanted: Any,
        known: _Known,
        window: timedelta,
        threshold: float,
        *,
        levels_stored: bool,
    ) -> list[Assignment]:
        with self._lock:
            book = self._book
            if book is None or book.index.window != window or book.index.threshold != threshold:
                book = self._book = _Book(StoryIndex(window=window, threshold=threshold))
            _take_lock(session)
            shared = meta.read(session, _EPOCH_KEY, _SEQ_KEY)
            epoch = shared.get(_EPOCH_KEY, "")
            if book.epoch is not None and epoch != book.epoch:
                book = self._book = _Book(StoryIndex(window=window, threshold=threshold))
            book.epoch = epoch
            seq = int(shared.get(_SEQ_KEY) or 0)
            if seq != book.seq:
                _catch_up(session, book, window)
            rows = session.execute(wanted).all()
            if not rows:
                return []
            events = [row.id for row in rows if row.kind == "conference"]
            items = [_story_item(row, known) for row in rows if row.kind != "conference"]
            if items:
                _cover(session, book, items, window)
            changes = book.index.add(items)
            changes += [Assignment(event, event, True) for event in events]
            new_seq = seq + 1
            _write(session, changes, [] if levels_stored else items, new_seq)
            meta.put(session, _SEQ_KEY, str(new_seq), datetime.now(UTC))
            book.seq = new_seq
            return changes


class DecidingTurn:
    """On PostgreSQL, the one process that decides stories while several refresh at once.

    A process's story index must hold every stored item near those it
    decides, and an item another process stored it re-analyses from the
    database (about a millisecond each, under the story lock). When every
    process decided its own batches, each re-analysed nearly all the others
    stored while the rest queued on the lock: four processes did more story
    work than one. Now the process holding the turn (a session advisory lock
    on a connection of its own) decides every pending item after each of its
    batches; the others only store and mark. Whoever gives the turn up looks
    for pending items afterwards and takes the turn again to decide them, so
    an item marked before a failed ``take`` is always decided by the holder
    that refused it or by a later one. On SQLite the single writer serialises
    everything anyway: every process always has the turn.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._guard = threading.Lock()  # a service may run two passes at once on one Store

    @property
    def held(self) -> bool:
        return self._connection is not None or self._engine.dialect.name != "postgresql"

    def take(self) -> bool:
        """True when this process has the turn (now or already)."""
        with self._guard:
            return self._take()

    def _take(self) -> bool:
        if self.held:
            return True
        try:
            connection = self._engine.connect()
        except SQLAlchemyError as exc:
            raise StorageError(f"could not ask for the turn to decide stories: {exc}") from exc
        try:
            taken = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": TURN_LOCK})
            connection.commit()  # the session lock outlives the transaction
        except BaseException as exc:
            connection.invalidate()
            connection.close()
            if isinstance(exc, SQLAlchemyError):
                raise StorageError(f"could not ask for the turn to decide stories: {exc}") from exc
            raise
        if taken:
            self._connection = connection
        else:
            connection.close()
        return bool(taken)

    def give_up(self) -> None:
        with self._guard:
            connection, self._connection = self._connection, None
            if connection is not None:
                _unlock(connection)


def _unlock(connection: Connection) -> None:
    """End the turn on its connection and close it (never back to the pool locked)."""
    try:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": TURN_LOCK})
        connection.commit()
    except SQLAlchemyError:
        connection.invalidate()  # closing a dropped connection ends its session and the lock
    finally:
        connection.close()


def pending(session: Session) -> bool:
    """Whether any process left items for ``assign_pending``."""
    return session.scalar(select(Item.id).where(Item.story_seq == PENDING).limit(1)) is not None


def _take_lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STORY_LOCK})


def detach(session: Session, item_id: int) -> None:
    """Take an item out of its story before it is deleted (retention).

    If it led the story, the earliest remaining member leads it now and the
    others stay with it (they matched the leader that left; a purge reaches
    items too old to be matched again). Every process rebuilds its story
    index on its next assignment (``story_epoch``), so the deleted item is not
    remembered anywhere.
    """
    story_id = session.scalar(select(Item.story_id).where(Item.id == item_id))
    session.execute(
        update(Item).where(Item.id == item_id).values(story_id=item_id, is_representative=True)
    )
    if story_id == item_id:
        remaining = (
            session.execute(
                select(Item.id)
                .where(Item.story_id == item_id, Item.id != item_id)
                .order_by(Item.published, Item.id)
            )
            .scalars()
            .all()
        )
        if remaining:
            leader = remaining[0]
            session.execute(
                update(Item)
                .where(Item.id.in_(remaining))
                .values(story_id=leader, is_representative=Item.id == leader)
            )
    meta.bump(session, _EPOCH_KEY, datetime.now(UTC))


def _catch_up(session: Session, book: _Book, window: timedelta) -> None:
    """Take in what other processes stored or re-assigned since this process last looked."""
    if not book.loaded:
        return  # nothing held yet: ``_cover`` loads what is needed
    low, high = book.loaded[0][0], book.loaded[-1][1]
    query = select(*_COLUMNS).where(
        Item.story_seq > book.seq, Item.published >= low, Item.published <= high
    )
    for row in session.execute(query):
        if row.kind != "conference":
            book.index.load(_story_item(row), row.story_id or row.id)


def _cover(session: Session, book: _Book, items: Sequence[StoryItem], window: timedelta) -> None:
    """Load the stored items within ``window`` of the new ones that the index lacks."""
    needed = _merged([(item.published - window, item.published + window) for item in items])
    held = _after(book.loaded, book.index.horizon)  # the index let go of what is older
    missing = _without(needed, held)
    if missing:
        fresh = {item.item_id for item in items}
        stored = session.execute(
            select(Item.id, Item.published).where(
                Item.published >= missing[0][0],
                Item.published <= missing[-1][1],
                Item.kind != "conference",
            )
        )
        wanted = [
            row.id
            for row in stored
            if _inside(row.published, missing)
            and row.id not in fresh
            and row.id not in book.index.items
        ]
        for chunk in range(0, len(wanted), _LOAD_CHUNK):
            ids = wanted[chunk : chunk + _LOAD_CHUNK]
            for row in session.execute(select(*_COLUMNS).where(Item.id.in_(ids))):
                book.index.load(_story_item(row), row.story_id or row.id)
    book.loaded = _merged(held + missing)


def _merged(spans: Iterable[_Span]) -> list[_Span]:
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


def _write(
    session: Session, changes: Iterable[Assignment], items: Sequence[StoryItem], seq: int
) -> None:
    rows = [
        {"item": c.item_id, "story": c.story_id, "representative": c.representative, "seq": seq}
        for c in changes
    ]
    if rows:
        session.execute(_WRITE, rows)
    levels = [{"item": item.item_id, "levels": encode_levels(item.sig)} for item in items]
    if levels:
        session.execute(
            update(_ITEMS)
            .where(_ITEMS.c.id == bindparam("item"))
            .values(story_levels=bindparam("levels")),
            levels,
        )


def _unknown(row: Any) -> Signature | None:
    return None


def _story_item(row: Any, known: _Known = _unknown) -> StoryItem:
    """The story index's view of an ``items`` row selected with ``_COLUMNS``; ``known``
    gives the signature the parse pool computed, if this process has it."""
    summary = row.summary or ""
    sig = known(row)
    if sig is None:
        sig = with_levels(signature(row.title, summary), row.story_levels)
    sig = sig.interned()  # the index holds thousands: one copy of each term for all
    return StoryItem(
        item_id=row.id,
        source_id=row.source_id,
        kind=row.kind,
        label=row.label,
        published=row.published,
        key=row.guid_key,
        sig=sig,
        identifiers=frozenset(_identifiers(row)),
    )


def _identifiers(row: Any) -> Iterable[str]:
    if row.doi:
        yield f"doi:{row.doi.lower()}"
    if row.pmid:
        yield f"pmid:{row.pmid}"
    for number in row.nct or ():
        yield f"nct:{number.upper()}"
    if row.video_id and row.video_provider and row.video_provider != "other":
        yield f"{row.video_provider}:{row.video_id}"
