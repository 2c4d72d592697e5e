"""The rows of story membership (dedup layer 4): read and written under the story lock.

``StoryRows`` is what story assignment may do in one transaction: take the
story lock (PostgreSQL advisory lock, held until the transaction ends; on
SQLite the writer already holds the database) and read the shared sequence
number and epoch (``lock``), load items as ``StoryRow`` records, mark items
for a later decision, and write ``story_id`` / ``is_representative`` /
``story_seq`` / ``story_levels``, keeping each story's first item of each kind
marked (``aggregator.store.kindleads``). ``detach`` takes items out of their
stories before retention deletes them.

It decides nothing and keeps nothing between transactions:
``aggregator.storywindow`` chooses what to load and holds the story index,
``aggregator.storyindex`` decides. It does not commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased

from aggregator.errors import StorageError
from aggregator.records import AUTHORITY, KIND_GROUPS, StoryCorrection, authority
from aggregator.store import kindleads, meta
from aggregator.store.models import Base, Item, Source
from aggregator.store.models import StoryCorrection as CorrectionRow
from aggregator.store.upsert import chunks

# PostgreSQL advisory lock keys, each paired with a hash of the schema (``_IN_SCHEMA``):
# deployments (and test runs) in other schemas of one database never wait for each other.
STORY_LOCK = 7_335_001  # story assignment
TURN_LOCK = 7_335_002  # the turn to decide stories in a pass
_IN_SCHEMA = "(:key, hashtext(current_schema()))"
_LOCK_STORIES = text(f"SELECT pg_advisory_xact_lock{_IN_SCHEMA}")
_TRY_TURN = text(f"SELECT pg_try_advisory_lock{_IN_SCHEMA}")
_END_TURN = text(f"SELECT pg_advisory_unlock{_IN_SCHEMA}")
PENDING = -1  # items.story_seq of an item stored with its story left for a later decision
_SEQ_KEY = "story_seq"
_EPOCH_KEY = "story_epoch"  # bumped when items leave or an editor corrects: indexes rebuild
_ITEMS = Base.metadata.tables["items"]
_CORRECTIONS = Base.metadata.tables["story_corrections"]
_COLUMNS = (  # StoryRow's fields, in order, but the source's name (``StoryRows._names``)
    Item.id,
    Item.title,
    Item.summary,
    Item.published,
    Item.published_from,
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
_WRITE_LEVELS = (
    update(_ITEMS).where(_ITEMS.c.id == bindparam("item")).values(story_levels=bindparam("levels"))
)
_LOAD_CHUNK = 500  # ids per query when loading a window's items


@dataclass(frozen=True, slots=True)
class StoryRow:
    """A stored item as story assignment reads it."""

    id: int
    title: str
    summary: str
    published: datetime
    published_from: str  # "source": the document's own date; "first_seen": ours
    kind: str
    source_id: str
    label: str
    guid_key: str
    doi: str | None
    pmid: str | None
    nct: Sequence[str] | None
    video_id: str | None
    video_provider: str | None
    story_id: int | None
    story_levels: str | None  # the feed weights stored beside the item ("term:level ...")
    source_name: str  # the source's configured name ("American Heart Association")


class ItemText(NamedTuple):
    """What an item's signature is computed from."""

    id: int
    title: str
    summary: str


class Dated(NamedTuple):
    id: int
    published: datetime


class Undecided(NamedTuple):
    """An item waiting for a decision over marked items (``mark_pending``)."""

    id: int
    published: datetime
    kind: str


@dataclass(frozen=True)
class StoryClock:
    """The story changes committed so far: ``seq`` counts decisions, ``epoch`` removals."""

    seq: int
    epoch: str


@dataclass(frozen=True)
class ItemLevels:
    """An item's feed weights to store (None: not known in this process)."""

    item_id: int
    levels: str | None


class StoryChange(Protocol):
    """An item's story after a decision (``aggregator.storyindex.Assignment``)."""

    @property
    def item_id(self) -> int: ...
    @property
    def story_id(self) -> int: ...
    @property
    def representative(self) -> bool: ...


# A new item's feed weights by its stored title and summary (``StoryStep.marks_new``).
NewMarks = Callable[[str, str], str | None]


class StoryStep(Protocol):
    """Story work that ``Store`` runs inside one of its transactions."""

    @property
    def marks_new(self) -> NewMarks | None:
        """For a step that only marks (``StoryRows.mark_pending``): the feed weights of a
        new item, so that the store inserts it already marked, saving a read and an
        update of each new row; None for a step that decides."""
        ...

    @property
    def unfinished(self) -> bool:
        """After ``run``: whether work is left for another transaction (a decision over
        the marked items takes them in batches)."""
        ...

    def run(self, rows: StoryRows, touched: Sequence[int]) -> int:
        """Work on ``touched`` (items just stored; none for a pass over the marked ones);
        returns how many items changed story."""
        ...

    def abandon(self) -> None:
        """The transaction failed: whatever ``run`` decided never reached the database."""
        ...


class StoryRows:
    """Story assignment's view of the items, within one transaction."""

    def __init__(
        self,
        session: Session,
        written: Sequence[ItemText] = (),
        marked: Collection[int] = frozenset(),
    ) -> None:
        """``written``: the texts of items this transaction just wrote, as stored (not
        read back by ``texts``); ``marked``: the items it inserted already marked."""
        self._session = session
        self._written = {text.id: text for text in written}
        self._marked = marked
        self._source_names: dict[str, str] | None = None

    def lock(self) -> StoryClock:
        """Take the story lock until the transaction ends; then what others committed."""
        lock_stories(self._session)
        shared = meta.read(self._session, _EPOCH_KEY, _SEQ_KEY)
        return StoryClock(seq=int(shared.get(_SEQ_KEY) or 0), epoch=shared.get(_EPOCH_KEY, ""))

    def texts(self, ids: Sequence[int]) -> list[ItemText]:
        found = [self._written[i] for i in ids if i in self._written]
        unread = [i for i in ids if i not in self._written]
        if unread:
            query = select(Item.id, Item.title, Item.summary).where(Item.id.in_(unread))
            found += [ItemText(*row) for row in self._session.execute(query)]
        return found

    def marked(self, item_id: int) -> bool:
        """Whether this transaction inserted the item already marked (``StoryStep.marks_new``)."""
        return item_id in self._marked

    def mark_pending(self, marks: Sequence[ItemLevels]) -> None:
        """Leave these items' stories to the next decision over marked items, by any process."""
        known = [{"item": m.item_id, "levels": m.levels} for m in marks if m.levels is not None]
        if known:
            self._session.execute(
                update(_ITEMS)
                .where(_ITEMS.c.id == bindparam("item"))
                .values(story_levels=bindparam("levels"), story_seq=PENDING),
                known,
            )
        unknown = [m.item_id for m in marks if m.levels is None]
        if unknown:
            self._session.execute(
                update(Item).where(Item.id.in_(unknown)).values(story_seq=PENDING)
            )

    def chosen(self, ids: Sequence[int], *where: ColumnElement[bool]) -> list[StoryRow]:
        return self._rows(select(*_COLUMNS).where(Item.id.in_(ids), *where))

    def pending(self, ids: Sequence[int] | None = None) -> list[StoryRow]:
        """Every item marked with ``mark_pending``, by this process or another; or those of
        ``ids`` still marked (another process may have decided some since they were read)."""
        if ids is None:
            return self._rows(select(*_COLUMNS).where(Item.story_seq == PENDING))
        return list(self.load(ids, Item.story_seq == PENDING))

    def undecided(self) -> list[Undecided]:
        """Every marked item, by publication time: what a decision over them takes in
        batches (``storywindow.StoryWindow.assign_pending``). Ids and times only."""
        query = (
            select(Item.id, Item.published, Item.kind)
            .where(Item.story_seq == PENDING)
            .order_by(Item.published, Item.id)
        )
        return [Undecided(*row) for row in self._session.execute(query)]

    def changed_since(self, seq: int, low: datetime, high: datetime) -> list[StoryRow]:
        """Items published from ``low`` to ``high`` whose story changed after ``seq``."""
        query = select(*_COLUMNS).where(
            Item.story_seq > seq, Item.published >= low, Item.published <= high
        )
        return self._rows(query)

    def story(self, item_id: int) -> list[StoryRow]:
        """The items of the story ``item_id`` is in (its leader among them); none when
        there is no such item. A story's id is its leader's (an undecided item: its own)."""
        story_id = self._session.scalar(
            select(func.coalesce(Item.story_id, Item.id)).where(Item.id == item_id)
        )
        if story_id is None:
            return []
        return self._rows(
            select(*_COLUMNS).where(or_(Item.story_id == story_id, Item.id == story_id))
        )

    def published_within(
        self, low: datetime, high: datetime, *, decided: bool = False
    ) -> list[Dated]:
        """The items that can be in a story (not conferences) published from ``low`` to
        ``high``; ``decided``: leaving out those marked for a later decision."""
        query = select(Item.id, Item.published).where(
            Item.published >= low, Item.published <= high, Item.kind != "conference"
        )
        if decided:
            query = query.where(Item.story_seq.is_distinct_from(PENDING))
        return [Dated(*row) for row in self._session.execute(query)]

    def newest_before(self, moment: datetime, limit: int) -> list[StoryRow]:
        """The ``limit`` newest items that can be in a story published before ``moment``:
        a small deployment's history, counted for rarity (``storywindow._cover``). Read
        backwards along ``ix_items_published``, so the cost follows ``limit``, not the
        store's size."""
        query = (
            select(*_COLUMNS)
            .where(Item.published < moment, Item.kind != "conference")
            .order_by(Item.published.desc(), Item.id.desc())
            .limit(limit)
        )
        return self._rows(query)

    def gone(self, ids: Iterable[int]) -> set[int]:
        """Which of ``ids`` are no longer stored (retention deleted them)."""
        wanted = set(ids)
        found: set[int] = set()
        for chunk in chunks(sorted(wanted)):
            found.update(self._session.scalars(select(Item.id).where(Item.id.in_(chunk))))
        return wanted - found

    def load(self, ids: Sequence[int], *where: ColumnElement[bool]) -> Iterator[StoryRow]:
        """The items ``ids`` (those meeting ``where``), a bounded number per query."""
        for start in range(0, len(ids), _LOAD_CHUNK):
            yield from self.chosen(ids[start : start + _LOAD_CHUNK], *where)

    def write(self, changes: Iterable[StoryChange], levels: Sequence[ItemLevels], seq: int) -> None:
        """Store decisions as story change ``seq``, and the feed weights they were made with.

        Each story an item joined or left then has its first item of each kind
        marked again (``kindleads``): one read and one update for the batch.
        """
        rows = [
            {"item": c.item_id, "story": c.story_id, "representative": c.representative, "seq": seq}
            for c in changes
        ]
        if rows:
            left = kindleads.stories_of(self._session, [row["item"] for row in rows])
            self._session.execute(_WRITE, rows)
            kindleads.follow(self._session, left | {row["story"] for row in rows})
        weights = [{"item": item.item_id, "levels": item.levels} for item in levels]
        if weights:
            self._session.execute(_WRITE_LEVELS, weights)
        meta.put(self._session, _SEQ_KEY, str(seq), datetime.now(UTC))

    def corrections(self) -> list[StoryCorrection]:
        """Every editor's correction (``correct``): few, so all of them."""
        return corrections(self._session)

    def _rows(self, query: Any) -> list[StoryRow]:
        names = self._names()
        return [  # a row is _COLUMNS, all fields but the name: mypy cannot count them
            StoryRow(*row, source_name=names.get(row.source_id, ""))  # type: ignore[misc]
            for row in self._session.execute(query)
        ]

    def _names(self) -> dict[str, str]:
        """Each source's configured name, read once a transaction: a few hundred rows,
        where joining them to each item's row cost a sixth more CPU on a window's load."""
        if self._source_names is None:
            rows = self._session.execute(select(Source.id, Source.name))
            self._source_names = {source: name for source, name in rows}
        return self._source_names


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
            taken = connection.scalar(_TRY_TURN, {"key": TURN_LOCK})
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
        connection.execute(_END_TURN, {"key": TURN_LOCK})
        connection.commit()
    except SQLAlchemyError:
        connection.invalidate()  # closing a dropped connection ends its session and the lock
    finally:
        connection.close()


def lock_stories(session: Session) -> None:
    """Take the story lock until the transaction ends (on SQLite the writer already holds
    the database).

    Every writer of story membership or ``leads_kind`` (story decisions, ingest's
    rewrites of stored items, purges) takes it before its first row lock on
    ``items``. Taken after one, a writer waited for the lock holding a row the
    holder was about to write: a deadlock. And ``kindleads.follow`` outside it
    read a story's members without a concurrent decision's uncommitted ones,
    and left two items, or none, heading a kind.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK_STORIES, {"key": STORY_LOCK})


def pending(session: Session) -> bool:
    """Whether any process left items for ``assign_pending``."""
    return session.scalar(select(Item.id).where(Item.story_seq == PENDING).limit(1)) is not None


def recent(session: Session, since: datetime, limit: int) -> list[list[StoryRow]]:
    """The stories of two or more items with an item published since ``since``, by their
    latest item, newest first; each its leader's row, then its members' by time. An
    editor reviews what the matcher joined lately, an old story's new member too."""
    story = func.coalesce(Item.story_id, Item.id)
    lately = (
        select(story.label("story_id"), func.max(Item.published).label("latest"))
        .where(Item.published >= since)
        .group_by(story)
        .subquery()
    )
    member = aliased(Item)
    several = (
        select(member.id)
        .where(member.story_id == lately.c.story_id, member.id != lately.c.story_id)
        .exists()
    )
    leaders = session.scalars(
        select(lately.c.story_id)
        .where(several)
        .order_by(lately.c.latest.desc(), lately.c.story_id.desc())
        .limit(limit)
    ).all()
    rows = StoryRows(session)
    return [
        sorted(rows.story(leader), key=lambda row: (row.id != leader, row.published, row.id))
        for leader in leaders
    ]


def corrections(session: Session, naming: int | None = None) -> list[StoryCorrection]:
    """Every correction, or those naming the item ``naming``."""
    query = select(
        CorrectionRow.first_id, CorrectionRow.second_id, CorrectionRow.same, CorrectionRow.made_at
    ).order_by(CorrectionRow.made_at, CorrectionRow.first_id, CorrectionRow.second_id)
    if naming is not None:
        query = query.where(
            or_(CorrectionRow.first_id == naming, CorrectionRow.second_id == naming)
        )
    return [StoryCorrection(*row) for row in session.execute(query)]


def correct(
    session: Session,
    made: Sequence[StoryCorrection],
    forgotten: Collection[tuple[int, int]],
    now: datetime,
) -> None:
    """Store an editor's corrections (replacing any earlier word on the same pairs) and
    forget others, then leave every item they name to be decided again. A correction
    keeps the time it was made at when it has one (a fold moves it to the kept item),
    else it is made ``now``.

    The items are marked like a refresh's deferred items, so the next decision
    over marked items, by this process or any other, decides them; and every
    process rebuilds its story index on its next assignment (``story_epoch``),
    loading the corrections with the items.
    """
    lock_stories(session)
    pairs = {(c.first_id, c.second_id) for c in made} | {(min(p), max(p)) for p in forgotten}
    if not pairs:
        return
    table = _CORRECTIONS
    session.execute(
        delete(table).where(tuple_(table.c.first_id, table.c.second_id).in_(sorted(pairs)))
    )
    if made:
        session.execute(
            table.insert(),
            [
                {
                    "first_id": c.first_id,
                    "second_id": c.second_id,
                    "same": c.same,
                    "made_at": c.made_at or now,
                }
                for c in made
            ],
        )
    mark_undecided(session, sorted({item for pair in pairs for item in pair}))
    meta.bump(session, _EPOCH_KEY, now)


def relabelled(
    session: Session, source_id: str, old_label: str, new_label: str, now: datetime
) -> int:
    """Before a config edit gives the items ``source_id`` owns with ``old_label`` the label
    ``new_label`` (``reclassify``): leave to be decided again every story whose order
    the new label changes; how many items that marks. The caller holds the story lock
    (``lock_stories``) and has written no item row yet.

    A story's order (``dedupe.StoryItem.order``: published time, then the label's
    authority, source, guid) decides which copy leads and is shown. The label counts
    only between items of two sources published at the same instant, so a story is
    decided again only when it holds such a pair whose authority order the edit can
    turn round: the other item's label ranks between the old and the new one
    (inclusive, since the source names then decide, and their order in SQL need not
    be Python's). Its members are marked as an editor's correction marks them, and
    every process rebuilds its story index (``story_epoch``), which held the old
    labels. Before, a press release relabelled ``sponsored`` went on standing for the
    story that a news copy published with it now leads; and the tie was looked for
    across all stories, which marked every story of every source of a date-only
    feed (all its items at midnight).
    """
    meta.bump(session, _EPOCH_KEY, now)
    return _mark_stories(session, session.scalars(_reordered(source_id, old_label, new_label)))


def rekinded(session: Session, source_id: str, old_kind: str, new_kind: str, now: datetime) -> int:
    """Before a config edit gives the items ``source_id`` owns with ``old_kind`` the kind
    ``new_kind`` (``reclassify``): leave to be decided again what the edit can change; how
    many items that marks. The caller holds the story lock and has written no item row.

    Kinds count in a story decision only through their groups (``KIND_GROUPS``: text,
    video, or none for events, which join no story), which the kinds veto compares. An
    edit within a group (news and articles) changes no decision and marks nothing.
    Across groups, every story one of these items shares with another item is decided
    again (the veto between them turns); and unless the items become events, each of
    them too, since it may now match items of its new group (a video channel made a
    news source joins the news stories it tells). Every process rebuilds its story
    index (``story_epoch``), which held the old kinds. Before, the items kept the
    stories the old kind decided: a news copy stayed in a story as an event.
    """
    new_group = KIND_GROUPS.get(new_kind)
    if KIND_GROUPS.get(old_kind) == new_group:
        return 0
    meta.bump(session, _EPOCH_KEY, now)
    owned = and_(Item.source_id == source_id, Item.kind == old_kind)
    marked = _mark_stories(session, session.scalars(_shared_stories(owned)))
    if new_group is None:
        return marked
    result = session.execute(
        update(Item)
        .where(owned, Item.story_seq.is_distinct_from(PENDING))
        .values(story_seq=PENDING)
        .execution_options(synchronize_session=False)
    )
    return marked + int(getattr(result, "rowcount", 0) or 0)


def _shared_stories(items: ColumnElement[bool]) -> Select[Any]:
    """The stories (``coalesce(story_id, id)``) in which an item of ``items`` has another
    member: it follows another item's lead, or another item follows its own."""
    other = aliased(Item)
    follows = and_(Item.story_id.is_not(None), Item.story_id != Item.id)
    led = exists().where(other.story_id == Item.id, other.id != Item.id)
    return select(func.coalesce(Item.story_id, Item.id)).distinct().where(items, or_(follows, led))


def _mark_stories(session: Session, story_ids: Iterable[int]) -> int:
    """Leave every member of these stories to the next decision over marked items; how
    many items that marks (those marked already are not counted again). An item decided
    before story sequence numbers (migration 0003) has none: ``!= PENDING`` left it out."""
    marked = 0
    for chunk in chunks(sorted(story_ids)):
        members = or_(Item.story_id.in_(chunk), Item.id.in_(chunk))
        result = session.execute(
            update(Item)
            .where(members, Item.story_seq.is_distinct_from(PENDING))
            .values(story_seq=PENDING)
            .execution_options(synchronize_session=False)
        )
        marked += int(getattr(result, "rowcount", 0) or 0)
    return marked


def _reordered(source_id: str, old_label: str, new_label: str) -> Select[Any]:
    """The stories (``coalesce(story_id, id)``) where an item ``source_id`` owns with
    ``old_label`` was published at the instant of a member of another source whose
    label ranks from ``old_label``'s authority to ``new_label``'s."""
    low, high = sorted((authority(old_label), authority(new_label)))
    ranked = [label for label in AUTHORITY if low <= authority(label) <= high]
    other = aliased(Item)
    in_between: ColumnElement[bool] = other.label.in_(ranked)
    if high >= len(AUTHORITY):  # an unknown label ranks after every known one
        in_between = or_(in_between, other.label.not_in(AUTHORITY))
    story = func.coalesce(Item.story_id, Item.id)
    tied = and_(
        other.published == Item.published,
        other.source_id != Item.source_id,  # relabelled alike: their order stands
        other.kind != "conference",
        in_between,
    )
    return (
        select(story)
        .distinct()
        .where(
            Item.source_id == source_id,
            Item.label == old_label,
            or_(
                exists().where(other.id == story, tied),  # its story's leader
                exists().where(other.story_id == story, tied),  # another member
            ),
        )
    )


def mark_undecided(session: Session, item_ids: Sequence[int]) -> None:
    """Leave these stored items to the next decision over marked items, by any process,
    with the feed weights stored beside them."""
    for chunk in chunks(item_ids):
        session.execute(update(Item).where(Item.id.in_(chunk)).values(story_seq=PENDING))


def detach(session: Session, item_ids: Sequence[int]) -> None:
    """Take items out of their stories before they are deleted (retention).

    If one led its story, the earliest remaining member leads it now and the
    others stay with it (they matched the leader that left; a purge reaches
    items too old to be matched again). The stories they left then have their
    first item of each kind marked again, in one update (``kindleads``). Every
    process rebuilds its story index on its next assignment (``story_epoch``),
    so the deleted items are not remembered anywhere.
    """
    if not item_ids:
        return
    touched = {_detach(session, item_id) for item_id in item_ids}
    kindleads.follow(session, {*touched, *item_ids})
    meta.bump(session, _EPOCH_KEY, datetime.now(UTC))


def _detach(session: Session, item_id: int) -> int:
    """Take one item out of its story; returns the id its former story has now."""
    story_id = session.scalar(select(Item.story_id).where(Item.id == item_id))
    session.execute(
        update(Item).where(Item.id == item_id).values(story_id=item_id, is_representative=True)
    )
    if story_id != item_id:
        return story_id or item_id
    remaining = (
        session.execute(
            select(Item.id)
            .where(Item.story_id == item_id, Item.id != item_id)
            .order_by(Item.published, Item.id)
        )
        .scalars()
        .all()
    )
    if not remaining:
        return item_id
    leader = remaining[0]
    session.execute(
        update(Item)
        .where(Item.id.in_(remaining))
        .values(story_id=leader, is_representative=Item.id == leader)
    )
    return leader
