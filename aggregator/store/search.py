"""The full-text index of items: written with each item, read for ``?q=``, chosen by dialect.

SQLite: the FTS5 table ``items_fts`` (rowid = item id), tokenized by
``porter unicode61 remove_diacritics 2``, so "krakow" finds "Kraków" and
"trials" finds "trial". PostgreSQL: the table ``item_search`` holding a
weighted ``tsvector`` (title A, text B) under the text-search configuration
``medfeed_search`` (``unaccent`` then English Snowball stemming, without a stop
list, as FTS5 has none), behind a GIN index, queried with
``to_tsquery``. Both read the plain text of the title and the
summary / content, so that the matched words of a page of results can be
marked by the database's own matcher (FTS5 ``highlight``/``snippet``,
PostgreSQL ``ts_headline``): what is marked is what matched.

The text also holds an item's details, one a line after it (``search_details``):
where an event is held, the authors, the journal, the DOI and PMID, so that a
search for a city, a surname or an identifier finds the item, weighed as text.

PostgreSQL keeps that text in ``item_search``. SQLite does not keep a copy
(migration 0010): ``items_fts`` is an external-content table over the view
``items_fts_text``, which derives it from the item's own columns with the
functions ``medfeed_search_title`` / ``medfeed_search_body`` /
``medfeed_search_details`` that every
connection of ``make_engine`` registers (``register_functions``). The text FTS5
reads back (snippets, and the tokens to remove when a row leaves the index)
is therefore always what ``index_items`` indexed, as long as an item's row is
taken out of the index before its columns change (``unindex``) and deleted
items leave through the trigger that runs before the delete.

Rows are written by ``index_items`` inside the ingest transaction, so an item
is searchable exactly when it is visible; ``rebuild`` recreates the whole
index (``medfeed search reindex``, and the migrations that created it). It
decides nothing about which items a list shows: ``reads`` composes the match
with the other filters. It renders nothing: matches come back as fragments.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Double,
    FromClause,
    Select,
    bindparam,
    case,
    cast,
    column,
    func,
    inspect,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.types import Text

from ..records import Fragment, SearchMatch
from ..sanitize import plain_text
from ..searchquery import SearchQuery
from .upsert import chunks

CONFIG = "medfeed_search"  # PostgreSQL text-search configuration (migration 0006)
MAX_TEXT = 20_000  # characters of an item's text indexed: the opening says what it is about
TITLE_WEIGHT, TEXT_WEIGHT = 4.0, 1.0  # a word in the title counts four times one in the text
SNIPPET_WORDS = 32
BATCH = 1000
DENSE = 10_000  # matches from which a search by date walks the stream instead (see Match.dense)
BLOCK = 1_000  # relevance ranks the newest this many matches at a time (see reads._ranked_rows)
RECENT = 8 * BLOCK  # ids a relevance search walks before the index drives (see Match.newest)
START, STOP = "\x02", "\x03"  # match markers; stripped from indexed text, so never ambiguous

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_FTS = table("items_fts", column("rowid"), column("title"), column("body"))
TEXT_VIEW = "items_fts_text"  # SQLite: what items_fts indexes, derived from items (0010)
TITLE_FUNCTION, BODY_FUNCTION = "medfeed_search_title", "medfeed_search_body"
DETAILS_FUNCTION = "medfeed_search_details"  # SQLite: the item's details (0019)
# The item's columns ``search_details`` reads, in the order the SQL function takes them.
DETAILS = ("event_location", "authors", "author", "journal", "doi", "pmid")
_WORD = re.compile(r"[^\W_]+")
# SQLite: take the items ``{ids}`` (a parenthesised SQL list) out of items_fts, naming the words
# to remove with the view's text; only the items the index holds (``items_fts_docsize`` has
# a row per indexed item): FTS5 reports the index corrupt when told to remove words it never
# had. Also the body of the trigger that runs before an item is deleted (migration 0010).
UNINDEX = (
    "INSERT INTO items_fts (items_fts, rowid, title, body) "
    f"SELECT 'delete', id, title, body FROM {TEXT_VIEW} "
    "WHERE id IN {ids} AND id IN (SELECT id FROM items_fts_docsize)"
)
_PG = table("item_search", column("item_id"), column("title"), column("body"), column("document"))


@dataclass(frozen=True)
class IndexRow:
    item_id: int
    title: str
    body: str


@dataclass(frozen=True)
class ItemText:
    """An item's columns the index reads, as stored.

    ``text``: ``plain_text(summary, content).body`` when the caller has it already
    (the parse pool computed it: ``ItemUpdate.text``), so that indexing does not
    turn the same HTML into text a second time.
    """

    item_id: int
    title: str
    summary: str
    content: str | None
    text: str | None = None
    details: str = ""  # ``search_details`` of the item as stored


def index_row(
    item_id: int,
    title: str,
    summary: str,
    content: str | None,
    text: str | None = None,
    details: str = "",
) -> IndexRow:
    """What is indexed of an item: its title, and the text of its summary and content
    (``text``: that plain text, already derived; see ``ItemText``) followed by its details."""
    body = _cut(text) if text is not None else search_body(summary, content)
    return IndexRow(item_id, search_title(title), body + details)


def search_title(title: str | None) -> str:
    return _CONTROL.sub(" ", title or "")


def search_body(summary: str | None, content: str | None) -> str:
    """The plain text of the summary and content (``sanitize.plain_text``: a summary the
    content repeats is indexed once, inside the content's), cut to ``MAX_TEXT``.

    Texts the writer already holds for these very strings (``_texts_known``) are
    taken as they are: deriving them again was over half of indexing a new item.
    """
    known = getattr(_known, "bodies", None)
    text = known.get((summary, content)) if known else None
    if text is None:
        text = plain_text(summary or "", content).body
    return _cut(text)


def search_details(
    location: str | None,
    authors: Sequence[str] | str | None,
    author: str | None,
    journal: str | None,
    doi: str | None,
    pmid: str | None,
) -> str:
    """The details a reader searches an item by that its text may not name, one a line,
    each line begun by a newline ("" for none): where an event is held, who wrote it (the
    article's authors, and the feed's author), the journal, the DOI and the PMID.

    ``authors`` as stored: a list, or its JSON text (SQLite). An identifier is written as
    its words ("doi 10 2105 ajph 2014 302272"): that is how the query parser reads a DOI
    typed or pasted ("doi:10.2105/AJPH…"), while PostgreSQL's parser would index the DOI
    itself as a number and a file path, which no query's words match.
    """
    names = json.loads(authors) if isinstance(authors, str) else list(authors or ())
    lines = [
        location,
        "; ".join(dict.fromkeys([*names, *([author] if author else [])])),
        journal,
        doi and "doi " + " ".join(_WORD.findall(doi)),
        pmid and "pmid " + pmid,
    ]
    return "".join("\n" + _CONTROL.sub(" ", line) for line in lines if line)


def details_of(values: Mapping[str, Any]) -> str:
    """``search_details`` of an item's stored columns (``DETAILS``), by name."""
    return search_details(*(values.get(name) for name in DETAILS))


def _cut(text: str) -> str:
    return _CONTROL.sub(" ", text[:MAX_TEXT])


# The plain texts of the rows this thread is indexing, by their (summary, content): SQLite
# calls ``search_body`` from the statement, in the thread that runs it.
_known = threading.local()


@contextmanager
def _texts_known(items: Sequence[ItemText]) -> Iterator[None]:
    """``search_body`` answers from these items' ``text`` while the block runs.

    Keyed by the exact strings, so a row whose stored columns differ from what
    the text was derived from is derived afresh, as before: the index holds
    the same text either way, only computed once.
    """
    _known.bodies = {(i.summary, i.content): i.text for i in items if i.text is not None}
    try:
        yield
    finally:
        _known.bodies = None


class _SQLiteConnection(Protocol):
    def create_function(
        self, name: str, narg: int, func: Callable[..., Any], *, deterministic: bool = False
    ) -> None: ...


def register_functions(dbapi_connection: _SQLiteConnection) -> None:
    """The functions of ``items_fts_text``, on a new SQLite connection.

    Deterministic: SQLite may then use them wherever a view's column may go.
    A connection without them (the ``sqlite3`` shell) can still search, but
    not read snippets nor delete items.
    """
    dbapi_connection.create_function(TITLE_FUNCTION, 1, search_title, deterministic=True)
    dbapi_connection.create_function(BODY_FUNCTION, 2, search_body, deterministic=True)
    dbapi_connection.create_function(
        DETAILS_FUNCTION, len(DETAILS), search_details, deterministic=True
    )


def unindex(connection: Connection, item_ids: Sequence[int]) -> None:
    """Take these items out of the SQLite index, before their stored text changes.

    FTS5 removes a row's tokens by reading the row's text from ``items_fts_text``:
    read after the item was rewritten, it would name the new words, and the old
    ones would stay behind. PostgreSQL rewrites its rows in place (``index_items``).
    """
    if connection.dialect.name == "postgresql":
        return
    for chunk in chunks(sorted(item_ids)):
        connection.execute(_UNINDEX, {"ids": chunk})


def index_items(connection: Connection, items: Sequence[ItemText]) -> None:
    """Index these stored items (new, or taken out by ``unindex``), in the caller's transaction.

    SQLite indexes the view's text of the rows just written, so that what is
    indexed and what FTS5 reads back later are one computation.
    """
    if not items:
        return
    if connection.dialect.name == "postgresql":
        rows = [
            index_row(i.item_id, i.title, i.summary, i.content, i.text, i.details) for i in items
        ]
        connection.execute(_PG_UPSERT, [asdict(r) for r in rows])
        return
    with _texts_known(items):
        for chunk in chunks(sorted(i.item_id for i in items)):
            connection.execute(_FTS_FROM_VIEW, {"ids": chunk})


_FTS_INSERT = text("INSERT INTO items_fts (rowid, title, body) VALUES (:item_id, :title, :body)")
_FTS_FROM_VIEW = text(
    f"INSERT INTO items_fts (rowid, title, body) SELECT id, title, body FROM {TEXT_VIEW} "
    "WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_UNINDEX = text(UNINDEX.format(ids=":ids")).bindparams(bindparam("ids", expanding=True))
_FTS_FROM_VIEW_AFTER = text(
    f"INSERT INTO items_fts (rowid, title, body) SELECT id, title, body FROM {TEXT_VIEW} "
    "WHERE id > :last ORDER BY id LIMIT :limit"
)
_PG_UPSERT = text(
    f"""
    INSERT INTO item_search (item_id, title, body, document)
    VALUES (:item_id, :title, :body,
            setweight(to_tsvector('{CONFIG}', :title), 'A')
            || setweight(to_tsvector('{CONFIG}', :body), 'B'))
    ON CONFLICT (item_id) DO UPDATE
    SET title = excluded.title, body = excluded.body, document = excluded.document
    """
)


def rebuild(connection: Connection, progress: Callable[[int], None] | None = None) -> int:
    """Index every item afresh, in the caller's transaction; the number of items indexed.

    Readers keep the old index until the transaction commits.
    """
    postgres = connection.dialect.name == "postgresql"
    if not postgres and _derives_text(connection):
        return _rebuild_from_view(connection, progress)
    connection.execute(text("DELETE FROM item_search" if postgres else "DELETE FROM items_fts"))
    done, last, content = 0, 0, _stored_content(connection)
    while True:
        rows = _stored_rows(connection, _ITEMS.c.id > last, BATCH, content)
        if not rows:
            break
        connection.execute(_PG_UPSERT if postgres else _FTS_INSERT, [asdict(r) for r in rows])
        done, last = done + len(rows), rows[-1].item_id
        if progress is not None:
            progress(done)
    if not postgres:
        # Merge the index segments into one b-tree: queries then read one structure.
        connection.execute(text("INSERT INTO items_fts (items_fts) VALUES ('optimize')"))
    return done


def index_stored(connection: Connection, item_ids: Sequence[int]) -> None:
    """Index these items from their stored columns: after a change outside ingest (a
    detail filled in) to items that ``unindex`` took out of the index first."""
    if connection.dialect.name != "postgresql":
        for chunk in chunks(sorted(item_ids)):
            connection.execute(_FTS_FROM_VIEW, {"ids": chunk})
        return
    for chunk in chunks(sorted(item_ids)):
        content = _stored_content(connection)
        rows = _stored_rows(connection, _ITEMS.c.id.in_(chunk), len(chunk), content)
        connection.execute(_PG_UPSERT, [asdict(r) for r in rows])


_ITEMS = table("items", column("id"), column("title"), column("summary"))


def _stored_rows(
    connection: Connection, where: ColumnElement[bool], limit: int, content: ColumnElement[str]
) -> list[IndexRow]:
    """What is indexed of the first ``limit`` items by id that meet ``where``, read from
    their columns (``content``: ``_stored_content``, as the migration running this has it)."""
    details: list[ColumnElement[Any]] = [column(name) for name in DETAILS]
    batch = connection.execute(
        select(_ITEMS.c.id, _ITEMS.c.title, _ITEMS.c.summary, content, *details)
        .where(where)
        .order_by(_ITEMS.c.id)
        .limit(limit)
    ).all()
    return [
        index_row(row[0], row[1], row[2] or "", row[3], details=search_details(*row[4:]))
        for row in batch
    ]


def _stored_content(connection: Connection) -> ColumnElement[str]:
    """An item's content in SQL, whole again where it is stored without its summary (0012).

    The migrations before 0012 rebuild the index too, when there is no such column.
    """
    content = column("content", Text)
    columns = {c["name"] for c in inspect(connection).get_columns("items")}
    if "content_extends_summary" not in columns:
        return content
    extends = column("content_extends_summary", Boolean)
    return case((extends, column("summary", Text) + content), else_=content)


def _derives_text(connection: Connection) -> bool:
    """Whether ``items_fts`` reads its text from the view (0010) or keeps a copy (0006)."""
    query = text("SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name = :view")
    return bool(connection.execute(query, {"view": TEXT_VIEW}).scalar_one())


def _rebuild_from_view(connection: Connection, progress: Callable[[int], None] | None) -> int:
    """Empty the index without reading its old text (it may be what is wrong), then refill it.

    FTS5's own ``'rebuild'`` would do the same in one statement, without progress.
    """
    connection.execute(text("INSERT INTO items_fts (items_fts) VALUES ('delete-all')"))
    done, last = 0, 0
    ids = table("items", column("id"))
    while True:
        batch = (
            connection.execute(
                select(ids.c.id).where(ids.c.id > last).order_by(ids.c.id).limit(BATCH)
            )
            .scalars()
            .all()
        )
        if not batch:
            break
        connection.execute(_FTS_FROM_VIEW_AFTER, {"last": last, "limit": len(batch)})
        done, last = done + len(batch), batch[-1]
        if progress is not None:
            progress(done)
    connection.execute(text("INSERT INTO items_fts (items_fts) VALUES ('optimize')"))
    return done


@dataclass(frozen=True)
class Match:
    """A search in the SQL of one database: the table to join, its condition, its relevance,
    and the words that found the items, to mark in them (None: no word did, their address
    did: ``addresses``)."""

    target: FromClause
    on: ColumnElement[bool]
    condition: ColumnElement[bool]
    relevance: ColumnElement[float]
    words: SearchQuery | None = None

    def apply(self, query: Select[Any], item_id: Any) -> Select[Any]:
        return query.join(self.target, self.on == item_id).where(self.condition)

    def probe(self, item_id: Any) -> ColumnElement[bool]:
        """The match as a correlated EXISTS: one index probe per row of an outer walk."""
        return select(self.on).where(self.condition, self.on == item_id).exists()

    def newest(self, connection: Connection, ids: Select[Any], below: int | None) -> list[int]:
        """The ids of the newest ``BLOCK`` rows of ``ids`` (the matches, by ``self.on``) at
        or below ``below`` (None: from the newest), newest first.

        PostgreSQL's planner takes the newest matches by walking the items backwards,
        testing each, when it expects them to come soon. It reckons a phrase as common as
        its words together (`"heart attack"`: ~62 at 100k items where 1 has the words side
        by side) and then walked 42,000 items for that one (116 ms), or all of them for none
        (190-350 ms), where the index names them in 0.1 ms. So the walk is bounded: it
        covers the newest ``RECENT`` ids; when they hold too few matches to show that
        matches are dense (an eighth of ``BLOCK``), the index drives for the rest (its
        matching ids, materialised, then sorted): it reads what the words match, and the
        table only when the planner expects most items to match. Dense matches go on
        walking, as they always did: there the index would read every match to sort them
        (210 ms for a word in 81% of 100k items, against 1.4 ms walking).
        """
        if below is None:
            below = connection.scalar(select(func.max(self.on)))
            if below is None:
                return []
        newest = ids.order_by(self.on.desc())
        found = list(
            connection.scalars(
                newest.where(self.on <= below, self.on > below - RECENT).limit(BLOCK)
            )
        )
        if len(found) == BLOCK:
            return found
        rest = newest.where(self.on <= below - RECENT)
        if 8 * len(found) < BLOCK:
            texts = (
                select(self.on.label("item_id"))
                .where(self.condition)
                .cte("texts")
                .prefix_with("MATERIALIZED")
            )
            rest = ids.where(self.on == texts.c.item_id, texts.c.item_id <= below - RECENT)
            rest = rest.order_by(texts.c.item_id.desc())
        return found + list(connection.scalars(rest.limit(BLOCK - len(found))))

    def dense(self, connection: Connection) -> bool:
        """True when at least ``DENSE`` items match: counted with a cap, so it stays cheap.

        A dense match is found sooner by walking the stream newest first and
        probing the index for each row (``probe``) than by reading every match
        and sorting them all by date; a sparse one the other way round.
        """
        capped = select(self.on).where(self.condition).limit(DENSE).subquery()
        return connection.execute(select(func.count()).select_from(capped)).scalar_one() >= DENSE


def match(dialect: str, query: SearchQuery) -> Match:
    """The items matching ``query``, and how well (higher is better)."""
    if dialect == "postgresql":
        tsquery = _tsquery(query)
        document = _PG.c.document
        return Match(
            target=_PG,
            on=_PG.c.item_id,
            condition=document.op("@@")(tsquery),
            # Normalisation 1: divide by 1 + log(length), so long texts do not win by size.
            # As double precision: a real comes back rounded to its shortest decimal, and a
            # cursor holding that would no longer equal the rank it was taken from.
            # Weights {D, C, B, A}: the title (A) four times the text (B), as on SQLite
            # (ts_rank's own default makes it 2.5 times).
            relevance=cast(func.ts_rank(_PG_WEIGHTS, document, tsquery, 1), Double),
            words=query,
        )
    fts: ColumnElement[Any] = literal_column("items_fts")
    return Match(
        target=_FTS,
        on=_FTS.c.rowid,
        condition=fts.op("MATCH")(bindparam("fts_query", query.fts5())),
        # bm25 is lower for better matches; negated so that both databases sort descending.
        relevance=-func.bm25(fts, TITLE_WEIGHT, TEXT_WEIGHT),
        words=query,
    )


_PG_WEIGHTS: ColumnElement[Any] = literal_column(
    f"'{{0.1, 0.2, {1 / TITLE_WEIGHT * TEXT_WEIGHT}, 1.0}}'::float4[]"
)


def _tsquery(query: SearchQuery) -> ColumnElement[Any]:
    return func.to_tsquery(
        literal_column(f"'{CONFIG}'::regconfig"), bindparam("ts_query", query.tsquery())
    )


def matches(
    connection: Connection, query: SearchQuery, item_ids: Iterable[int]
) -> dict[int, SearchMatch]:
    """The marked title and a marked extract of the text of each of ``item_ids``."""
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    if connection.dialect.name == "postgresql":
        tsquery = _tsquery(query)
        options = f"StartSel={START}, StopSel={STOP}"
        statement = select(
            _PG.c.item_id,
            func.ts_headline(
                literal_column(f"'{CONFIG}'::regconfig"),
                _PG.c.title,
                tsquery,
                options + ", HighlightAll=true",
            ),
            func.ts_headline(
                literal_column(f"'{CONFIG}'::regconfig"),
                _PG.c.body,
                tsquery,
                options + f", MaxWords={SNIPPET_WORDS}, MinWords=12, MaxFragments=2,"
                ' FragmentDelimiter=" … "',
            ),
        ).where(_PG.c.item_id.in_(ids))
    else:
        fts: ColumnElement[Any] = literal_column("items_fts")
        statement = select(
            _FTS.c.rowid,
            func.highlight(fts, 0, START, STOP),
            func.snippet(fts, 1, START, STOP, "…", SNIPPET_WORDS),
        ).where(fts.op("MATCH")(bindparam("fts_query", query.fts5())), _FTS.c.rowid.in_(ids))
    return {
        item_id: SearchMatch(fragments(title or ""), fragments(snippet or ""))
        for item_id, title, snippet in connection.execute(statement)
    }


def fragments(marked: str) -> tuple[Fragment, ...]:
    """``"a \\x02b\\x03 c"`` -> ``(("a ", False), ("b", True), (" c", False))``."""
    out: list[Fragment] = []
    for index, part in enumerate(re.split(f"{START}|{STOP}", marked)):
        if part:
            out.append(Fragment(part, index % 2 == 1))
    return tuple(out)
