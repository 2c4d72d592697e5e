"""Read queries for the web site and the API: items and stories as ``StoredItem`` records.

Every method here is a fixed number of SQL statements whatever the number of
items: one query picks the rows (backed by the ``ix_items_*`` indexes), then
the sources and the story siblings of the whole page are loaded with one
``IN`` query each. Pagination is by keyset (published, id), never OFFSET, so
the hundredth page costs what the first does.

It never writes, and it renders nothing: formatting is the web's job.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import Session, aliased, sessionmaker

from ..dating import EARLIEST, revised
from ..identity import canonical_url
from ..records import (
    CALLED_OFF,
    UNFEATURED_FLAGS,
    ArticleInfo,
    EventInfo,
    EventStatus,
    FeaturedPolicy,
    Kind,
    Label,
    Occurrence,
    Page,
    SearchMatch,
    SourceRef,
    StoredItem,
    StoredItemRef,
    VideoInfo,
)
from ..searchquery import parse_search, pasted_address
from . import addresses, retired, sameurl, search
from .contenttail import full_content
from .database import session_scope
from .models import (
    Item,
    ItemCitation,
    ItemSource,
    ItemTag,
    MergedItem,
    Meta,
    Source,
    UTCDateTime,
)

MAX_LIMIT = 100
MAX_ID = 2**63 - 1  # the largest id a BIGINT column holds; larger ids are no item's
MAX_CURSOR = 128  # characters; ours are about 50
MAX_CITATIONS = 50  # "covered by" links shown for one article
# The featured article is the newest long one no older than this many newest entries of its
# kind's list: the front page's lead stays recent, and when none is long the query reads these
# (and the story copies of their span), not the whole kind (0.7 s at 400k items).
FEATURED_WINDOW = 500
CALENDAR_BATCH = 500  # event keys of the second batch (under SQLite's 999 parameters)
# A source or tag carrying at most this many items drives its list (``_few``):
# reading them all and sorting costs a few ms, walking the stream for them up to the table.
FEW = 1_000
SECTIONS = (Kind.NEWS, Kind.ARTICLE, Kind.CONFERENCE, Kind.VIDEO)
_EVENT_STATUSES = frozenset(EventStatus)  # a status a later version wrote is read as none


class InvalidCursor(ValueError):
    """A ``before`` cursor that this store did not hand out (or that was altered)."""


@dataclass(frozen=True)
class ItemFilter:
    """What a list asks for; every field narrows the combined stream."""

    kind: Kind | None = None
    source: str | None = None
    tag: str | None = None
    q: str | None = None
    # True: one item per story (its representative; with ``kind``, its first of that kind)
    stories: bool = True
    # None: the stream (by published, newest first); "upcoming": events not yet over,
    # soonest first; "past": ended events, newest first (a calendar; see ``_calendar_rows``)
    when: str | None = None
    sort: str = "relevance"  # with ``q``: "relevance" (then date) or "date"
    specialty: str | None = None  # a specialty slug: the items tagged with it
    leave_out: tuple[int, ...] = ()  # item ids not listed (the front page's featured story)
    # sources out of the config: the items only they carry are not listed (``retired``);
    # the store sets it from the database, whatever a caller gave
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class FrontPage:
    """Everything the feed page shows, read in one session."""

    featured: StoredItem | None
    sections: dict[Kind, tuple[StoredItem, ...]]
    stream: Page


@dataclass(frozen=True)
class Generation:
    """The data version (for ETags) and when it last changed (for Last-Modified)."""

    value: str
    changed_at: datetime | None


def encode_cursor(published: datetime, item_id: int) -> str:
    return _encode(f"{published.astimezone(UTC).isoformat()}|{item_id}")


def encode_ranked_cursor(block: int, relevance: float, published: datetime, item_id: int) -> str:
    """The cursor of a search by relevance: the block of matches it is in, and its rank."""
    return _encode(f"{block}@{relevance!r}~{published.astimezone(UTC).isoformat()}|{item_id}")


def _encode(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (published, id) a cursor points after; InvalidCursor for anything else."""
    return decode_ranked_cursor(cursor)[2:]


def decode_ranked_cursor(cursor: str) -> tuple[int | None, float | None, datetime, int]:
    """The (block, relevance, published, id) a cursor points after; None, None for date lists.

    Cursors come back from strangers: the id must fit a 64-bit column and the
    time must stay a valid datetime once moved to UTC (``0001-01-01+14:00``
    would not), else they are refused rather than sent to the database.
    """
    invalid = InvalidCursor(f"{cursor[:80]!r} is not a valid cursor")
    if len(cursor) > MAX_CURSOR:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        ranked, _, rest = raw.rpartition("~")
        stamp, _, ident = rest.partition("|")
        block, relevance = None, None
        if ranked:
            top, _, rank = ranked.partition("@")
            block, relevance = int(top), float(rank)
        published = datetime.fromisoformat(stamp)
        if published.tzinfo is None:  # the server's zone would decide what it means
            raise invalid
        published = published.astimezone(UTC)
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError) as exc:
        raise invalid from exc
    if not (ident.isascii() and ident.isdigit() and 0 < int(ident) <= MAX_ID):
        raise invalid
    if block is not None and not 0 < block <= MAX_ID:  # a block is named by its newest id
        raise invalid
    if relevance is not None and not math.isfinite(relevance):
        raise invalid
    return block, relevance, published, int(ident)


class Reads:
    """Mixed into ``Store``: the read side of the facade."""

    _sessions: sessionmaker[Session]

    def list_items(
        self,
        *,
        kind: Kind | None = None,
        source: str | None = None,
        tag: str | None = None,
        q: str | None = None,
        before: str | None = None,
        limit: int = 20,
        stories: bool = True,
        when: str | None = None,
        now: datetime | None = None,
        sort: str = "relevance",
        specialty: str | None = None,
    ) -> Page:
        """The combined stream, ``limit`` items after the ``before`` cursor.

        Newest first; a search (``q``) lists the best matches first, newest
        first among equals, unless ``sort`` is "date". ``when`` ("upcoming" /
        "past", relative to ``now``) asks for the calendar instead.
        """
        wanted = ItemFilter(
            kind=kind, source=source, tag=tag, q=q, stories=stories, when=when, sort=sort,
            specialty=specialty,
        )  # fmt: skip
        with session_scope(self._sessions) as session:
            return _stream(session, _as_now(session, wanted), before, limit, now)

    def count_items(
        self, wanted: ItemFilter, *, at_most: int = 1000, now: datetime | None = None
    ) -> int:
        """How many items a filtered list holds, counting no further than ``at_most`` + 1:
        the items ``list_items`` pages through (``_listed``), at ``now`` for a calendar.

        The bound keeps a broad filter as cheap as a narrow one; the page says
        "more than 1,000" rather than scanning the whole table for an exact figure.
        """
        with session_scope(self._sessions) as session:
            wanted = _as_now(session, wanted)
            found = _found(session, wanted)
            query = _filtered(select(Item.id), wanted, found).where(
                _listed(wanted, now or datetime.now(UTC))
            )
            if found is not None:
                query = found.apply(query, Item.id)
            elif (few := _few(session, wanted)) is not None:
                query = query.where(few)
            if wanted.when is not None:
                query = query.where(_on_its_dates())
            matches = query.limit(at_most + 1).subquery()
            return int(session.scalar(select(func.count()).select_from(matches)) or 0)

    def latest_by_kind(self, now: datetime, limit: int = 5) -> dict[Kind, tuple[StoredItem, ...]]:
        """News, Articles and Videos newest first; Conferences upcoming, soonest first."""
        with session_scope(self._sessions) as session:
            removed = retired.removed_sources(session)
            rows = _section_rows(session, now, limit, removed=removed)
            hydrated = _hydrate(session, [row for part in rows.values() for row in part], removed)
            return {kind: tuple(hydrated[row.id] for row in part) for kind, part in rows.items()}

    def upcoming_conferences(self, now: datetime, limit: int = 100) -> tuple[StoredItem, ...]:
        """Conferences that have not ended yet, soonest first (one per story and series)."""
        with session_scope(self._sessions) as session:
            upcoming = _as_now(session, _UPCOMING)
            rows, _ = _calendar_rows(session, upcoming, None, limit, now)
            hydrated = _hydrate(session, rows, upcoming.removed)
            return tuple(hydrated[row.id] for row in rows)

    def get_item(self, item_id: int) -> StoredItem | None:
        """One item with its sources, its story, and the articles it covers or is covered by;
        ``removed`` when only sources out of the config carried it (``retired``)."""
        with session_scope(self._sessions) as session:
            row = session.get(Item, item_id)
            if row is None:
                return None
            removed = retired.removed_sources(session)
            return replace(
                _hydrate(session, [row], removed)[row.id],
                covers=_covers(session, row, removed),
                covered_by=_covered_by(session, row, removed),
            )

    def merged_into(self, item_id: int) -> int | None:
        """The item a merged-away id now names (``store.folds``), else None: an id is a
        public name, and a link to it must still reach the article."""
        with session_scope(self._sessions) as session:
            kept: int | None = session.scalar(
                select(MergedItem.item_id).where(MergedItem.id == item_id)
            )
            return kept

    def featured(self, policy: FeaturedPolicy, now: datetime) -> StoredItem | None:
        """The featured article under the configured policy (None when nothing qualifies)."""
        with session_scope(self._sessions) as session:
            removed = retired.removed_sources(session)
            row = _featured_row(session, policy, removed=removed)
            if row is None:
                return None
            return _with_notices(session, row, _hydrate(session, [row], removed), removed)

    def featured_candidate(
        self, policy: FeaturedPolicy, retry_before: datetime | None = None
    ) -> StoredItem | None:
        """The item ``featured`` would pick if untried pages had been extracted already.

        The same rule, with one more way to qualify: no full-text attempt yet, or a failed
        one made before ``retry_before``. The refresh extracts this item's page when it is
        short (``featuring``); after that attempt ``featured`` agrees with it.
        """
        with session_scope(self._sessions) as session:
            removed = retired.removed_sources(session)
            row = _featured_row(
                session, policy, untried=True, retry_before=retry_before, removed=removed
            )
            return None if row is None else _hydrate(session, [row], removed)[row.id]

    def front_page(
        self,
        policy: FeaturedPolicy,
        now: datetime,
        *,
        section_size: int = 5,
        wanted: ItemFilter | None = None,
        before: str | None = None,
        limit: int = 20,
    ) -> FrontPage:
        """The feed page in one session: featured, the four sections and the stream.

        The featured article's story is left out of the sections and of the first page
        of the stream: a wide screen showed it in full, then first under Articles, then
        first in the stream. The lists still hold ``section_size`` and ``limit`` entries
        each, and the stream's later pages (which show no featured article) list it
        where its date puts it, before the first page's cursor or after it.
        Sources and stories are loaded once for all of them, so the page is the
        same handful of statements whether the database holds ten items or a
        million.
        """
        with session_scope(self._sessions) as session:
            removed = retired.removed_sources(session)
            featured_row = _featured_row(session, policy, removed=removed)
            shown = _story_ids(session, featured_row)
            sections = _section_rows(session, now, section_size, shown, removed)
            wanted = replace(wanted or ItemFilter(), removed=removed)
            if before is None:  # the first page shows it in full: once is enough
                wanted = replace(wanted, leave_out=wanted.leave_out + shown)
            stream_rows, next_cursor = _stream_rows(
                session, wanted, before, limit, now, _found(session, wanted)
            )
            everything = [row for part in sections.values() for row in part] + stream_rows
            if featured_row is not None:
                everything.append(featured_row)
            hydrated = _hydrate(session, everything, removed)
            return FrontPage(
                featured=None
                if featured_row is None
                else _with_notices(session, featured_row, hydrated, removed),
                sections={k: tuple(hydrated[r.id] for r in part) for k, part in sections.items()},
                stream=Page(tuple(hydrated[r.id] for r in stream_rows), next_cursor),
            )

    def generation_info(self) -> Generation:
        """The data generation with its change time, in one statement."""
        with session_scope(self._sessions) as session:
            row = session.execute(
                select(Meta.value, Meta.changed_at).where(Meta.key == "generation")
            ).first()
            if row is None:
                return Generation("0", None)
            return Generation(row.value, row.changed_at)

    def source_names(self) -> dict[str, str]:
        """Source id -> display name, for filter menus: the sources in the config."""
        with session_scope(self._sessions) as session:
            query = select(Source.id, Source.name).where(Source.in_config.is_(True))
            return dict(session.execute(query.order_by(Source.name)).all())


# --- queries ------------------------------------------------------------------


def _as_now(session: Session, wanted: ItemFilter) -> ItemFilter:
    """``wanted`` with the sources out of the config as the database has them now."""
    return replace(wanted, removed=retired.removed_sources(session))


def _stream(
    session: Session, wanted: ItemFilter, before: str | None, limit: int, now: datetime | None
) -> Page:
    found = _found(session, wanted)
    rows, next_cursor = _stream_rows(session, wanted, before, limit, now, found)
    hydrated = _hydrate(session, rows, wanted.removed)
    if found is not None:
        marked = _marked(session, found, hydrated)
        hydrated = {i: replace(item, match=marked.get(i)) for i, item in hydrated.items()}
    return Page(tuple(hydrated[row.id] for row in rows), next_cursor)


def _marked(
    session: Session, found: search.Match, items: Mapping[int, StoredItem]
) -> dict[int, SearchMatch]:
    """Where the search's words hit each item; for items found by their address, the title
    with nothing marked and no extract: a search's results have one shape, whatever found
    them, and PostgreSQL would mark the address's words wherever they occur."""
    if found.words is not None:
        return search.matches(session.connection(), found.words, items)
    return {
        item_id: SearchMatch(search.fragments(search.search_title(item.title)), ())
        for item_id, item in items.items()
    }


def _stream_rows(
    session: Session,
    wanted: ItemFilter,
    before: str | None,
    limit: int,
    now: datetime | None,
    found: search.Match | None,
) -> tuple[list[Item], str | None]:
    """One page of rows plus the cursor of the next page (None on the last page);
    ``found``: the search's match (``_found``).

    The stream leaves out events that were over when first seen; a ``when``
    filter reads the calendar instead.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    if wanted.when is not None:
        return _calendar_rows(session, wanted, before, limit, now or datetime.now(UTC))
    few = _few(session, wanted) if found is None else None
    by_date = found is None and few is None and _by_date(session, wanted)
    query = _filtered(select(Item), wanted, found, by_date=by_date).where(_listed(wanted, now))
    if few is not None:
        query = query.where(few)
    if found is not None:
        if wanted.sort != "date":
            return _ranked_rows(session, found.apply(query, Item.id), found, before, limit)
        if found.dense(session.connection()) and session.get_bind().dialect.name == "sqlite":
            query = query.where(found.probe(Item.id))
        else:
            query = found.apply(query, Item.id)
    if before is not None:
        published, item_id = decode_cursor(before)
        # The first term gives the index a range; the second breaks ties on equal dates.
        query = query.where(
            Item.published <= published,
            or_(Item.published < published, and_(Item.published == published, Item.id < item_id)),
        )
    query = query.order_by(Item.published.desc(), Item.id.desc()).limit(limit + 1)
    rows = list(session.scalars(query).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].published, rows[-1].id)


def _ranked_rows(
    session: Session, matching: Select[Any], found: search.Match, before: str | None, limit: int
) -> tuple[list[Item], str | None]:
    """Search results by relevance, in blocks of the ``search.BLOCK`` newest matches.

    Ranking every match of a word that most items contain costs a score and
    a sort per match (0.4 s at 100k items, growing with the database). So the
    matches are taken newest first by id (the order they were stored),
    ``BLOCK`` at a time, and each block is listed best match first, newest
    first among equals; a search with fewer matches than ``BLOCK`` is ranked
    as a whole. The cursor says which block it points into (by its newest id).
    The next page goes on below its last item's score *now* (``_rank_now``).
    """
    ids = matching.with_only_columns(found.on)
    top, after = None, None
    if before is not None:
        top, rank, published, item_id = decode_ranked_cursor(before)
        if top is None or rank is None:
            raise InvalidCursor("this cursor belongs to a list by date, not by relevance")
        after = (_rank_now(session, found, item_id, rank), published, item_id)
    top, low = _block(session, ids, found, top)
    rows: list[tuple[Item, float, int]] = []
    while top is not None and len(rows) <= limit:
        block = matching.where(found.on <= top)
        if low is not None:
            block = block.where(found.on >= low)
        if after is not None:
            block = block.where(_after_rank(found.relevance, *after))
        block = block.add_columns(found.relevance.label("relevance")).order_by(
            literal_column("relevance").desc(), Item.published.desc(), Item.id.desc()
        )
        found_rows = session.execute(block.limit(limit + 1 - len(rows))).all()
        rows += [(item, float(rank), top) for item, rank in found_rows]
        if low is None or len(rows) > limit:
            break
        top, low = _block(session, ids, found, low - 1)
        after = None
    if len(rows) <= limit:
        return [row[0] for row in rows], None
    last, rank, block_top = rows[limit - 1]
    cursor = encode_ranked_cursor(block_top, rank, last.published, last.id)
    return [row[0] for row in rows[:limit]], cursor


def _block(
    session: Session, ids: Select[Any], found: search.Match, top: int | None
) -> tuple[int | None, int | None]:
    """A block of matches: its top (``top``, or None for the newest match of all) and its
    lowest id, the ``BLOCK``-th newest match at or below the top (None: fewer match).
    PostgreSQL reads the block's ids in one go (``Match.newest``)."""
    if session.get_bind().dialect.name == "postgresql":
        newest = found.newest(session.connection(), ids, top)
        if top is None:
            top = newest[0] if newest else None
        return top, (newest[-1] if len(newest) == search.BLOCK else None)
    if top is None:
        top = session.scalar(ids.order_by(found.on.desc()).limit(1))
        if top is None:
            return None, None
    low = session.scalar(
        ids.where(found.on <= top).order_by(found.on.desc()).offset(search.BLOCK - 1).limit(1)
    )
    return top, low


def _rank_now(session: Session, found: search.Match, item_id: int, rank: float) -> float:
    """The score the item a cursor ends on has now, else the one the cursor holds (the
    item is gone, or no longer matches).

    SQLite's bm25 weighs a word by its rarity over the whole index and a text by the
    average length: every item stored moves every score, most by one common factor.
    Below the score the cursor held, the next page started above or below where the
    last had stopped once a refresh had stored anything (repeats, skips); below the
    item's score now, it goes on where it stopped, unless the two items' order itself
    changed. PostgreSQL's ``ts_rank`` scores each item alone: the same score."""
    now = session.scalar(
        select(found.relevance)
        .select_from(found.target)
        .where(found.condition, found.on == item_id)
    )
    return rank if now is None else float(now)


def _after_rank(
    relevance: ColumnElement[float], rank: float, published: datetime, item_id: int
) -> ColumnElement[bool]:
    return or_(
        relevance < rank,
        and_(
            relevance == rank,
            or_(Item.published < published, and_(Item.published == published, Item.id < item_id)),
        ),
    )


def _filtered(
    query: Select[Any],
    wanted: ItemFilter,
    found: search.Match | None = None,
    *,
    by_date: bool = False,
) -> Select[Any]:
    """The rows a filter (and a search's ``found``) lets through; one per story, when
    ``stories``: the story's representative, or in a list of one kind its first item of
    that kind (``leads_kind``). ``by_date``: the kind is checked row by row (``_by_date``).

    A filter on source, tag, specialty or words may pass a story's other items and not
    that one (the FDA's release carried as "also from" under a wire story): the story
    is then listed by its first item the filter passes, so that a source's own list
    shows its items and a search finds a word a story's other item holds.

    That look at the story's other items compares their kind as an expression: SQLite
    without statistics (a medfeed database has none) probed them through the kind's
    index, every item of the kind for each row not heading its story: "News tagged
    oncology" 775 ms of CPU for a page at 200k items, its count minutes.
    """
    preferred = Item.leads_kind if wanted.kind is not None else Item.is_representative
    query = query.where(*_passes(Item, wanted, found, by_date=by_date))
    if not wanted.stories:
        return query
    if not (_narrowed(wanted) or found is not None):
        return query.where(preferred.is_(True))  # the index drives: ix_items_stream
    other = _OTHER
    other_preferred = other.leads_kind if wanted.kind is not None else other.is_representative
    listed_first = (
        select(other.id)
        .where(
            other.story_id == Item.story_id,
            other.id != Item.id,
            or_(
                other_preferred.is_(True),
                other.published < Item.published,
                and_(other.published == Item.published, other.id < Item.id),
            ),
            *_passes(other, wanted, found, by_date=True),  # the story's index probes
        )
        .exists()
    )
    return query.where(or_(preferred.is_(True), Item.story_id.is_(None), ~listed_first))


def _passes(
    item: Any, wanted: ItemFilter, found: search.Match | None, *, by_date: bool = False
) -> list[ColumnElement[bool]]:
    """What an item (``Item`` or an alias of it) must be to pass the filter. Correlated
    EXISTS, not IN: the stream index drives and each row costs one probe of
    (source_id, item_id) / (tag, item_id), instead of materialising every match.
    ``by_date``: the kind is compared as an expression, which no index serves."""
    conditions: list[ColumnElement[bool]] = []
    if wanted.kind is not None:
        kind = item.kind.concat("") if by_date else item.kind
        conditions.append(kind == wanted.kind.value)
    if wanted.source in wanted.removed:  # a removed source's list: readers follow it no more
        conditions.append(false())
    elif wanted.source:
        conditions.append(
            select(ItemSource.id)
            .where(ItemSource.source_id == wanted.source, ItemSource.item_id == item.id)
            .exists()
        )
    for tag in filter(None, (wanted.tag, wanted.specialty)):
        conditions.append(
            select(ItemTag.item_id).where(ItemTag.tag == tag, ItemTag.item_id == item.id).exists()
        )
    conditions += _left_out(item, wanted.leave_out)
    conditions += retired.listed(item, wanted.removed)
    if found is not None and item is not Item:  # the outer query joins or probes its own
        conditions.append(found.probe(item.id))
    return conditions


def _by_date(session: Session, wanted: ItemFilter) -> bool:
    """On SQLite, whether a list of one kind narrowed further (a source, a tag, a specialty,
    every copy) should walk the stream's dates (``ix_items_published``), testing the kind
    on each row, rather than its kind's index.

    Only a kind's own list (one item per story) is in that index's date order
    (``leads_kind``); narrowed further, SQLite took every item of the kind from it and
    sorted them all, probing each, for a page of 20: "Videos in Cardiology" 110–195 ms
    at 200k items, growing with the table. It does so when the database has no
    statistics, as a medfeed database never has (nothing runs ANALYZE); walking the
    dates stops at the page's end (0.1 ms). PostgreSQL plans by its own statistics.
    """
    narrowed = _narrowed(wanted) or not wanted.stories
    return wanted.kind is not None and narrowed and session.get_bind().dialect.name == "sqlite"


def _narrowed(wanted: ItemFilter) -> bool:
    """Whether a filter may pass a story's other items and not the one heading it (a
    source, a tag, a specialty; a removed source's item heading a story others carry),
    so that the story is listed by its first item the filter passes (``_filtered``)."""
    return bool(wanted.source or wanted.tag or wanted.specialty or wanted.removed)


def _few(session: Session, wanted: ItemFilter) -> ColumnElement[bool] | None:
    """The ids the list's source or tag carries when they are at most ``FEW`` (those both
    carry, when both are that few), for them to drive the list; else None. In a list of
    one kind, a source or tag carrying more counts only its items of that kind.

    ``_passes`` probes each row of the stream index, newest first, until a page is full
    (the calendar's keys likewise, soonest first): cheap when the filter passes many rows,
    but a source or a tag carrying a few dozen items, or only old ones, read the whole
    table for each page and for its count (a society's 40 items among 200k: 65–145 ms on
    SQLite, growing with the table; its calendar 270 ms on PostgreSQL). SQLite cannot
    tell the two apart (its statistics, when it has any, give an average per source),
    and PostgreSQL's calendar reads keys before filters; reading at most ``FEW`` + 1
    entries of the filter's own index tells it. The ids go in as literals: read by
    primary key whatever the statistics say, and past SQLite's limit on parameters.

    A large source that carries none or a few of the kind (Videos from a news wire)
    read every row of the kind, or of the stream, looking for them: 260 ms on SQLite
    and 390 ms on PostgreSQL at 200k items, for an empty page. Its items of the kind
    are found from indexes alone (``_carried_of_kind``).
    """
    few: set[int] | None = None
    for carries in _carrying(wanted):
        ids = set(session.scalars(select(carries.c.item_id).limit(FEW + 1)))
        if len(ids) > FEW and wanted.kind is not None:
            ids = set(session.scalars(_carried_of_kind(carries, wanted.kind).limit(FEW + 1)))
        if len(ids) <= FEW:
            few = ids if few is None else few & ids
    if few is None:
        return None
    return Item.id.in_(bindparam("few", sorted(few), expanding=True, literal_execute=True))


def _carrying(wanted: ItemFilter) -> list[Any]:
    """For the list's source and each of its tags, the index entries of the items it
    carries (``ix_item_sources_source_item``, ``ix_item_tags_tag_item``), as a table
    of ``item_id``."""
    carrying: list[Any] = []
    if wanted.source:
        carrying.append(
            select(ItemSource.item_id).where(ItemSource.source_id == wanted.source).subquery()
        )
    for tag in filter(None, (wanted.tag, wanted.specialty)):
        carrying.append(select(ItemTag.item_id).where(ItemTag.tag == tag).subquery())
    return carrying


def _carried_of_kind(carries: Any, kind: Kind) -> Select[Any]:
    """The ids of ``kind`` among ``carries``, read from indexes alone: the kind's entries
    (``ix_items_kind_stream``), each probed in the filter's index, never a table row;
    the read stops at the ``LIMIT``, so a source that carries its kind costs a few ms.

    ``OFFSET 0`` keeps PostgreSQL from turning the probe into a join: it hashed every
    entry of the filter's index first (27 ms at 200k items even for a full page found
    in the first 1,001 entries of the kind)."""
    probe = select(carries.c.item_id).where(carries.c.item_id == Item.id).offset(0)
    return select(Item.id).where(Item.kind == kind.value, probe.exists())


def _newest(kind: Kind, *, leading: bool = True) -> Select[Item]:
    """A kind's list: each story's first item of that kind, even where another kind leads it
    (a news item in a story a journal article leads still heads News; ``ix_items_kind_stream``);
    the other items of the kind when not ``leading``."""
    return (
        select(Item)
        .where(Item.kind == kind.value, Item.leads_kind.is_(leading))
        .order_by(Item.published.desc(), Item.id.desc())
    )


_UPCOMING = ItemFilter(kind=Kind.CONFERENCE, when="upcoming")
# A story's other items (``_filtered``): one alias for every query, whose columns SQLAlchemy
# adapts once; a new alias a call re-adapted every column, a third of a filtered list's CPU.
_OTHER = aliased(Item)


def _calendar_rows(
    session: Session, wanted: ItemFilter, before: str | None, limit: int, now: datetime
) -> tuple[list[Item], str | None]:
    """Events as a calendar: not yet over (an ongoing one until it ends) soonest first,
    or (``when="past"``) ended ones, newest first; keyset-paginated on (start, id).

    A series is one row whose start is its next occurrence and whose end is its
    last. The home section, ``kind=conference`` on the page and the API, and
    the iCalendar all read through here, so they cannot disagree.

    Keys first, because no index orders by start among the events not yet over
    (an ongoing one may have started long ago): the (start, id) keys come in
    calendar order from the covering ``ix_items_event`` (kind, end, start, id), a
    sort of small tuples; only then are the rows read, by id, and the other
    filters applied. Reading whole rows first cost 0.5 s at 1M items (150k
    upcoming conferences): a table look-up per candidate and a sort of wide rows.
    Each batch of keys scans that range again, so after two batches a filter
    that leaves most events out is finished by one query on whole rows.
    """
    past = wanted.when == "past"
    window = _listed(wanted, now)
    keys = select(Item.id, Item.event_start).where(window)
    if wanted.kind is not None:
        keys = keys.where(Item.kind == wanted.kind.value)
    keys = keys.order_by(*_calendar_order(past))
    after = decode_cursor(before) if before is not None else None
    rows: list[Item] = []
    few = _few(session, wanted)  # a few items of a source or tag: read them at once
    batches = () if few is not None else (4 * (limit + 1), CALENDAR_BATCH)
    for batch in batches:  # filters and stories leave keys out
        found = session.execute(keys.where(_after_key(after, past)).limit(batch)).all()
        if found:
            rows += _calendar_page(session, wanted, [key.id for key in found], past)
        if len(rows) > limit or len(found) < batch:
            return _calendar_cut(rows, limit)
        last = found[-1]
        assert last.event_start is not None  # the window holds only events with a start
        after = (last.event_start, last.id)
    rest = _events(session, wanted).where(window, _after_key(after, past))
    if few is not None:
        rest = rest.where(few)
    rest = rest.order_by(*_calendar_order(past)).limit(limit + 1 - len(rows))
    return _calendar_cut(rows + list(session.scalars(rest).all()), limit)


def _found(session: Session, wanted: ItemFilter) -> search.Match | None:
    """The items a search names by their address, else the items its words match (None:
    no search). An address no item has is searched as its words, as any other text."""
    if not wanted.q:
        return None
    address = pasted_address(wanted.q)
    if address is not None:
        item_ids = addresses.items_at(session.connection(), address)
        if item_ids:
            return addresses.at_address(item_ids)
    return search.match(session.get_bind().dialect.name, parse_search(wanted.q))


def _listed(wanted: ItemFilter, now: datetime | None) -> ColumnElement[bool]:
    """Which items a list holds before its filters: with ``when`` the calendar's events
    not yet over at ``now`` (or, "past", over), else the stream, which leaves out events
    that were over when first seen."""
    if wanted.when is None:
        return Item.in_stream.is_(True)
    now = now or datetime.now(UTC)
    over = Item.event_end < now if wanted.when == "past" else Item.event_end >= now
    return and_(Item.event_start.is_not(None), over)


def _calendar_cut(rows: list[Item], limit: int) -> tuple[list[Item], str | None]:
    """The first ``limit`` rows, and the cursor after them when more follow."""
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(last.event_start or last.published, last.id)


def _after_key(after: tuple[datetime, int] | None, past: bool) -> ColumnElement[bool]:
    """Events after a cursor's (start, id); the first term gives the index a range."""
    if after is None:
        return true()
    start, item_id = after
    if past:
        return and_(
            Item.event_start <= start,
            or_(Item.event_start < start, and_(Item.event_start == start, Item.id < item_id)),
        )
    return and_(
        Item.event_start >= start,
        or_(Item.event_start > start, and_(Item.event_start == start, Item.id > item_id)),
    )


def _calendar_page(session: Session, wanted: ItemFilter, ids: list[int], past: bool) -> list[Item]:
    """The rows of ``ids`` that pass the filters, in calendar order."""
    query = _events(session, wanted).where(Item.id.in_(ids))
    return list(session.scalars(query.order_by(*_calendar_order(past))).all())


def _events(session: Session, wanted: ItemFilter) -> Select[Any]:
    """The calendar's rows that pass the filters and, in a search, its words (a probe of
    the search index a row: the calendar's keys come in date order, not by match).

    Called-off events are left out here, on whole rows, so that the keys still come
    from the covering ``ix_items_event``."""
    found = _found(session, wanted)
    query = _filtered(select(Item), wanted, found).where(_on_its_dates())
    return query if found is None else query.where(found.probe(Item.id))


def _on_its_dates() -> ColumnElement[bool]:
    """Events still on: a cancelled or postponed one is not held on its dates, so neither
    the upcoming nor the past calendar lists it there; its notice stays in the stream."""
    return or_(Item.event_status.is_(None), Item.event_status.not_in(sorted(CALLED_OFF)))


def _calendar_order(past: bool) -> tuple[ColumnElement[Any], ...]:
    if past:
        return (Item.event_start.desc(), Item.id.desc())
    return (Item.event_start.asc(), Item.id.asc())


def _section_rows(
    session: Session,
    now: datetime,
    limit: int,
    leave_out: tuple[int, ...] = (),
    removed: tuple[str, ...] = (),
) -> dict[Kind, list[Item]]:
    """The front page's four sections. While sources are removed from the config, a kind's
    section is its list as ``/?kind=`` reads it (a story its removed source's item heads
    is listed by its next item of the kind); otherwise the kind's index alone."""
    sections: dict[Kind, list[Item]] = {}
    for kind in SECTIONS:
        if kind is Kind.CONFERENCE:
            upcoming = replace(_UPCOMING, leave_out=leave_out, removed=removed)
            sections[kind] = _calendar_rows(session, upcoming, None, limit, now)[0]
        elif removed:
            of_kind = ItemFilter(kind=kind, leave_out=leave_out, removed=removed)
            sections[kind] = _stream_rows(session, of_kind, None, limit, now, None)[0]
        else:
            newest = _newest(kind).where(*_left_out(Item, leave_out))
            sections[kind] = list(session.scalars(newest.limit(limit)).all())
    return sections


def _story_ids(session: Session, row: Item | None) -> tuple[int, ...]:
    """The ids of ``row``'s story (its own when it has none; none without a row)."""
    if row is None:
        return ()
    if row.story_id is None:
        return (row.id,)
    return tuple(session.scalars(select(Item.id).where(Item.story_id == row.story_id)))


def _left_out(item: Any, leave_out: tuple[int, ...]) -> list[ColumnElement[bool]]:
    return [item.id.not_in(leave_out)] if leave_out else []


def _featured_row(
    session: Session,
    policy: FeaturedPolicy,
    *,
    untried: bool = False,
    retry_before: datetime | None = None,
    removed: tuple[str, ...] = (),
) -> Item | None:
    """Newest long-enough item of the featured kinds' recent ones, else the newest of them.

    Long enough: ``min_words`` in the feed's text, or an extracted full text
    (stored only when it reached ``min_words``), in any item of a story: a
    society's long copy of a story a journal's short teaser leads is the article
    to read in full. Recent: no older than the ``FEATURED_WINDOW`` newest entries of
    its kind's list; an older long article is not the page's lead (and looking that far
    back read every item of the kind). ``untried`` also admits items whose page nobody
    has tried to extract yet (the refresh's candidates), of the recent items heading
    their kind's list only: a story's other copies are not fetched in turn, and an
    older page, once extracted, would not be featured.

    Only items of the policy's ``labels`` qualify (a sponsored piece is not the lead by
    default), and never one flagged retracted or of concern; a pinned item is the
    admin's choice and is featured whatever its label or flags.
    """
    if policy.policy == "pinned":
        return _pinned_row(session, policy.pinned or "", removed)
    kinds = policy.kinds or (Kind.ARTICLE,)
    recent = {kind: _recent(kind) for kind in kinds}
    eligible = and_(_featurable(policy), *retired.listed(Item, removed))
    # word_count is the full text's once it is extracted; a pinned article's may be short,
    # and must not count as long once it is no longer pinned
    long_enough = and_(eligible, Item.word_count >= policy.min_words)
    long = _newest_of(session, recent, long_enough, leads=False)
    if untried:
        never = Item.fulltext_error.is_(None)
        untried_yet = never if retry_before is None else or_(never, Item.fulltext_at < retry_before)
        if long is not None:  # only a newer one can win: the scan stops at the long one
            untried_yet = and_(untried_yet, Item.published >= long.published)
        long = _latest([long, _newest_of(session, recent, and_(eligible, untried_yet))])
    return long or _newest_of(session, dict.fromkeys(kinds), eligible)


def _featurable(policy: FeaturedPolicy) -> ColumnElement[bool]:
    """Items the automatic policy may feature: of its labels, and flagged neither retracted
    nor of concern. ``flags`` is a JSON list of plain words, so its text holds each flag
    quoted: one LIKE that SQLite and PostgreSQL read alike."""
    flags = func.coalesce(cast(Item.flags, Text), "")
    return and_(
        Item.label.in_(sorted(label.value for label in policy.labels)),
        *(flags.not_like(f'%"{flag}"%') for flag in UNFEATURED_FLAGS),
    )


def _recent(kind: Kind) -> ColumnElement[bool]:
    """Whether an item is as new as the ``FEATURED_WINDOW`` newest entries of ``kind``'s
    list (any item, when the list is shorter); a story's other copies of that span count
    too. The edge is a subquery the database reads once, from ix_items_kind_stream alone
    (no row is read), so the front page sends no statement more for it."""
    published, item_id = _window_edge(kind, FEATURED_WINDOW)
    return and_(  # published first: the index's range; then the id among equal dates
        Item.published >= published,
        or_(Item.published > published, Item.id >= item_id),
    )


@cache
def _window_edge(kind: Kind, size: int) -> tuple[ColumnElement[datetime], ColumnElement[int]]:
    """The date and id of the oldest of the ``size`` newest entries of ``kind``'s list, as
    scalar subqueries; the earliest date and id 0 when the list is shorter. Built once:
    building the statement took as long as running it."""
    edge = (
        select(Item.published, Item.id)
        .where(Item.kind == kind.value, Item.leads_kind.is_(True))
        .order_by(Item.published.desc(), Item.id.desc())
        .offset(size - 1)
        .limit(1)
        .subquery()
    )
    earliest = literal(EARLIEST, UTCDateTime())  # no item's date is older
    return (
        func.coalesce(select(edge.c.published).scalar_subquery(), earliest),
        func.coalesce(select(edge.c.id).scalar_subquery(), 0),
    )


def _newest_of(
    session: Session,
    kinds: Mapping[Kind, ColumnElement[bool] | None],
    condition: Any,
    *,
    leads: bool = True,
) -> Item | None:
    """The newest item of ``kinds`` meeting ``condition`` and the kind's own (``_recent``;
    None: any): of those heading their kind's list (``_newest``), or of all when not
    ``leads``."""
    # One indexed query per configured kind (and per leads_kind, in the order of
    # ix_items_kind_stream) beats one IN query that must sort.
    found = []
    for kind, within in kinds.items():
        for leading in (True,) if leads else (True, False):
            query = _newest(kind, leading=leading)
            for wanted in (within, condition):
                if wanted is not None:
                    query = query.where(wanted)
            found.append(session.scalars(query.limit(1)).first())
    return _latest(found)


def _latest(rows: Iterable[Item | None]) -> Item | None:
    return max(filter(None, rows), key=lambda row: (row.published, row.id), default=None)


def _pinned_row(session: Session, target: str, removed: tuple[str, ...] = ()) -> Item | None:
    """The pinned item: by its guid, by its layer-2 key as written, or by the page of the
    item or of any copy of it however the admin pastes it (with or without the feed's
    tracking tags, over http, with a trailing slash), the newest when several match.

    Read on every front page the cache does not hold, so it is index lookups only, in
    three statements: asked in one, the newest of the items found was looked for along
    the whole ``ix_items_published`` on PostgreSQL. A URL its feed gave to several
    entries names a site, not an item (``addresses``): it pins nothing.
    """
    sources = session.scalars(select(Source.id)).all()
    item_ids = session.scalars(pinned_ids(target, sources)).all()
    if not item_ids:
        return None
    return session.scalars(newest_of(item_ids).where(*retired.listed(Item, removed))).first()


def pinned_ids(target: str, sources: Sequence[str]) -> CompoundSelect:
    """The ids of the items ``target`` names, each probe an index lookup. A guid is looked
    up under each source: ``uq_item_sources_source_guid`` begins with the source, and a
    guid alone has no index."""
    by_guid = select(ItemSource.item_id).where(
        ItemSource.source_id.in_(sorted(sources)), ItemSource.guid_key == target
    )
    by_key = select(Item.id).where(Item.canonical_url == target)  # an event's, with its date
    canonical = None if addresses.is_event_key(target) else canonical_url(target)
    at_page = () if canonical is None else addresses.probes_at(canonical)
    return union(by_guid, by_key, *at_page)


def newest_of(item_ids: Sequence[int]) -> Select[Item]:
    return (
        select(Item)
        .where(Item.id.in_(sorted(item_ids)))
        .order_by(Item.published.desc(), Item.id.desc())
        .limit(1)
    )


# --- records -------------------------------------------------------------------


def _hydrate(
    session: Session, rows: Sequence[Item], removed: tuple[str, ...] = ()
) -> dict[int, StoredItem]:
    """Records for ``rows`` with sources and story siblings: two statements for any number.

    ``removed``: sources out of the config, left out of "also from" (``retired``)."""
    ids = sorted({row.id for row in rows})
    if not ids:
        return {}
    carriers = _carriers(session, ids)
    seen: dict[int, datetime] = {}
    stories = {row.story_id for row in rows if row.story_id is not None}
    siblings = _siblings(session, stories, seen, removed)
    names = _names(session, {row.source_id for row in rows}, carriers)
    out: dict[int, StoredItem] = {}
    for row in rows:
        story = siblings.get(row.story_id, []) if row.story_id is not None else []
        also = tuple(ref for ref in story if ref.id != row.id)
        joined = max(
            (seen[ref.id] for ref in also if seen[ref.id] > row.first_seen_at), default=None
        )
        carried = carriers.get(row.id, [])
        kept = retired.still_carried(carried, removed)
        out[row.id] = _record(row, names, kept, also, joined)
        if row.source_id in removed:
            out[row.id] = _owner_removed(out[row.id], kept, removed)
    return out


def _owner_removed(
    record: StoredItem, kept: Sequence[SourceRef], removed: tuple[str, ...]
) -> StoredItem:
    """The record of an item whose owner left the config: named by another source that
    carries it, until that source's next read claims it (``reconcile.Owner.retired``);
    marked ``removed`` when none does."""
    live = [ref for ref in kept if ref.id not in removed]
    if live:
        return replace(record, source=live[0])
    return replace(record, removed=True)


def _carriers(session: Session, ids: Sequence[int]) -> dict[int, list[SourceRef]]:
    query = (
        select(ItemSource.item_id, ItemSource.source_id, Source.name, sameurl.link_url())
        .join(Source, Source.id == ItemSource.source_id)
        .join(Item, Item.id == ItemSource.item_id)
        .where(ItemSource.item_id.in_(ids))
        .order_by(ItemSource.item_id, ItemSource.first_seen_at, ItemSource.id)
    )
    carriers: dict[int, list[SourceRef]] = defaultdict(list)
    seen: set[tuple[int, str]] = set()
    for item_id, source_id, name, url in session.execute(query):
        # A source that carries one item under two guids is still one source.
        if (item_id, source_id) not in seen:
            seen.add((item_id, source_id))
            carriers[item_id].append(SourceRef(source_id, name, url))
    return carriers


def _siblings(
    session: Session,
    story_ids: Iterable[int],
    seen: dict[int, datetime],
    removed: tuple[str, ...] = (),
) -> dict[int, list[StoredItemRef]]:
    """The items of each story, newest first, but those only ``removed`` sources carry;
    ``seen`` gets when medfeed first saw each."""
    wanted = sorted(story_ids)
    if not wanted:
        return {}
    query = (
        select(
            Item.story_id,
            Item.id,
            Item.title,
            sameurl.item_url(),
            Item.source_id,
            Source.name,
            Item.first_seen_at,
        )
        .join(Source, Source.id == Item.source_id)
        .where(Item.story_id.in_(wanted), *retired.listed(Item, removed))
        .order_by(Item.story_id, Item.published.desc(), Item.id.desc())
    )
    rows = session.execute(query).all()
    stand_ins = _stand_ins(session, [row.id for row in rows if row.source_id in removed], removed)
    stories: dict[int, list[StoredItemRef]] = defaultdict(list)
    for story_id, item_id, title, url, source_id, name, first_seen in rows:
        seen[item_id] = first_seen
        source = stand_ins.get(item_id) or SourceRef(source_id, name)
        stories[story_id or 0].append(StoredItemRef(item_id, title, url, source))
    return stories


def _stand_ins(
    session: Session, item_ids: Sequence[int], removed: tuple[str, ...]
) -> dict[int, SourceRef]:
    """For items a removed source owns, the first other source carrying them, which names
    them until its next read claims them (as ``_owner_removed`` names a listed item)."""
    if not item_ids:
        return {}
    carried = _carriers(session, sorted(set(item_ids)))
    live = {i: [ref for ref in refs if ref.id not in removed] for i, refs in carried.items()}
    return {i: SourceRef(refs[0].id, refs[0].name) for i, refs in live.items() if refs}


def _names(
    session: Session, owners: set[str], carriers: dict[int, list[SourceRef]]
) -> dict[str, str]:
    """Names of item owners; the carrier query already holds them unless a link is missing."""
    names = {ref.id: ref.name for refs in carriers.values() for ref in refs}
    missing = sorted(owners - names.keys())
    if missing:
        # A Result has keys(), so dict.update would take it for a mapping: give it pairs.
        rows = session.execute(select(Source.id, Source.name).where(Source.id.in_(missing)))
        names.update((source_id, name) for source_id, name in rows)
    return names


def _record(
    row: Item,
    names: dict[str, str],
    carriers: Sequence[SourceRef],
    also: tuple[StoredItemRef, ...],
    joined: datetime | None = None,
) -> StoredItem:
    """``joined``: when the last of ``also`` came after the item itself. Its entry in the
    feeds lists the story's other items ("Also from"), so a feed reader is told it
    changed, as when its own text does."""
    url = sameurl.decoded(row.url, row.canonical_url)
    owner = SourceRef(row.source_id, names.get(row.source_id, row.source_id), url)
    sources = tuple(carriers) or (owner,)
    return StoredItem(
        id=row.id,
        kind=Kind(row.kind),
        label=Label(row.label),
        title=row.title,
        url=url,
        summary=row.summary or "",
        content=full_content(row.summary, row.content, row.content_extends_summary),
        author=row.author,
        published=row.published,
        updated=revised(row.published, row.updated, row.changed_at, _later(row.revised_at, joined)),
        image=row.image,
        tags=tuple(row.tags or ()),
        source=owner,
        sources=sources,
        story_id=row.story_id,
        event=_event(row),
        video=_video(row),
        article=_article(row),
        also=also,
        fulltext=row.fulltext,
        fulltext_error=row.fulltext_error,
        flags=tuple(row.flags or ()),
        published_from=row.published_from or "source",
        title_derived=bool(row.title_derived),
    )


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((date for date in (a, b) if date is not None), default=None)


def _event(row: Item) -> EventInfo | None:
    if row.event_start is None:
        return None
    occurrences = tuple(stored_occurrence(pair) for pair in row.event_occurrences or ())
    end = row.event_end
    if occurrences:  # the stored end is the series' last; the shown one is its occurrence's
        end = next((o.end for o in occurrences if o.start == row.event_start), None)
    return EventInfo(
        start=row.event_start,
        end=end,
        timezone=row.event_timezone,
        location=row.event_location,
        online=bool(row.event_online),
        url=row.event_url,
        all_day=bool(row.event_all_day),
        rule=row.event_rule,
        status=EventStatus(row.event_status) if row.event_status in _EVENT_STATUSES else None,
        occurrences=occurrences,
    )


def stored_occurrence(stored: Sequence[str | None]) -> Occurrence:
    """[start, end], or [start, end, recurrence_id, title, location] (``store.ingest``)."""
    start, end, recurrence_id, title, location = (*stored, None, None, None)[:5]
    return Occurrence(
        start=datetime.fromisoformat(str(start)),
        end=datetime.fromisoformat(end) if end else None,
        recurrence_id=datetime.fromisoformat(recurrence_id) if recurrence_id else None,
        title=title,
        location=location,
    )


def _video(row: Item) -> VideoInfo | None:
    if not (row.video_id or row.video_embed_url or row.video_thumbnail):
        return None
    return VideoInfo(
        id=row.video_id,
        thumbnail=row.video_thumbnail,
        duration=row.video_duration,
        embed_url=row.video_embed_url,
        provider=row.video_provider,
        views=row.video_views,
    )


def _article(row: Item) -> ArticleInfo | None:
    if not (row.doi or row.pmid or row.pmcid or row.journal or row.authors or row.nct or row.cites):
        return None
    return ArticleInfo(
        doi=row.doi,
        pmid=row.pmid,
        pmcid=row.pmcid,
        nct=tuple(row.nct or ()),
        journal=row.journal,
        authors=tuple(row.authors or ()),
        pub_type=row.pub_type,
        cites=tuple(row.cites or ()),
    )


RefQuery = Select[int, str, str | None, str, str]  # id, title, url, source id, source name


def _refs(
    session: Session, query: RefQuery, removed: tuple[str, ...] = ()
) -> tuple[StoredItemRef, ...]:
    """Each row of a narrowed ``_ref_query`` becomes a link to an item, named by a source
    still in the config (``_stand_ins``)."""
    rows = session.execute(query).all()
    stand_ins = _stand_ins(session, [row.id for row in rows if row.source_id in removed], removed)
    return tuple(
        StoredItemRef(item_id, title, url, stand_ins.get(item_id) or SourceRef(source_id, name))
        for item_id, title, url, source_id, name in rows
    )


def _ref_query() -> RefQuery:
    return select(Item.id, Item.title, sameurl.item_url(), Item.source_id, Source.name).join(
        Source, Source.id == Item.source_id
    )


def _with_notices(
    session: Session, row: Item, hydrated: Mapping[int, StoredItem], removed: tuple[str, ...]
) -> StoredItem:
    """The featured record, with the items covering it when it is flagged: a pinned
    article that was retracted shows the notice, as its item page does. (Unflagged, the
    page needs no more statements.)"""
    record = hydrated[row.id]
    return replace(record, covered_by=_covered_by(session, row, removed)) if row.flags else record


def _covers(session: Session, row: Item, removed: tuple[str, ...]) -> tuple[StoredItemRef, ...]:
    """The stored articles whose DOI this item cites (one indexed query on ``items.doi``)."""
    cited = sorted(set(row.cites or ()))
    if not cited:
        return ()
    query = _ref_query().where(Item.doi.in_(cited), Item.id != row.id)
    query = query.where(*retired.listed(Item, removed))
    return _refs(session, query.order_by(Item.published.desc(), Item.id.desc()), removed)


def _covered_by(
    session: Session, row: Item, removed: tuple[str, ...] = ()
) -> tuple[StoredItemRef, ...]:
    """The items citing this item's DOI, newest first (``ix_item_citations_doi``)."""
    if not row.doi:
        return ()
    query = (
        _ref_query()
        .join(ItemCitation, ItemCitation.item_id == Item.id)
        .where(ItemCitation.doi == row.doi, Item.id != row.id, *retired.listed(Item, removed))
        .order_by(Item.published.desc(), Item.id.desc())
        .limit(MAX_CITATIONS)
    )
    return _refs(session, query, removed)
