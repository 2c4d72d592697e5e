"""The full-text index of items: written with each item, read for ``?q=``, chosen by dialect.

SQLite: the FTS5 table ``items_fts`` (rowid = item id), tokenized by
``porter unicode61 remove_diacritics 2``, so "krakow" finds "Kraków" and
"trials" finds "trial". PostgreSQL: the table ``item_search`` holding a
weighted ``tsvector`` (title A, text B) under the text-search configuration
``medfeed_search`` (``unaccent`` then English Snowball stemming, without a stop
list, as FTS5 has none), behind a GIN index, queried with
``websearch_to_tsquery``. Both keep the plain text of the title and the
summary / content, so that the matched words of a page of results can be
marked by the database's own matcher (FTS5 ``highlight``/``snippet``,
PostgreSQL ``ts_headline``): what is marked is what matched.

Rows are written by ``index_items`` inside the ingest transaction, so an item
is searchable exactly when it is visible; ``rebuild`` recreates the whole
index (``medfeed search reindex``, and the migration that created it). It
decides nothing about which items a list shows: ``reads`` composes the match
with the other filters. It renders nothing: matches come back as fragments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Double,
    FromClause,
    Select,
    bindparam,
    cast,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)

from ..records import Fragment, PlainText, SearchMatch
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
START, STOP = "\x02", "\x03"  # match markers; stripped from indexed text, so never ambiguous

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_FTS = table("items_fts", column("rowid"), column("title"), column("body"))
_PG = table("item_search", column("item_id"), column("title"), column("body"), column("document"))


@dataclass(frozen=True)
class IndexRow:
    item_id: int
    title: str
    body: str


def index_row(item_id: int, title: str, text: PlainText) -> IndexRow:
    """What is indexed of an item: its title, and the text of its summary and content
    (``sanitize.plain_text``: a summary the content repeats is indexed once)."""
    body = text.body[:MAX_TEXT]
    return IndexRow(item_id, _CONTROL.sub(" ", title), _CONTROL.sub(" ", body))


def index_items(connection: Connection, rows: Sequence[IndexRow]) -> None:
    """Write (or rewrite) the index rows of these items, in the caller's transaction."""
    if not rows:
        return
    values = [{"item_id": r.item_id, "title": r.title, "body": r.body} for r in rows]
    if connection.dialect.name == "postgresql":
        connection.execute(_PG_UPSERT, values)
        return
    for chunk in chunks([r.item_id for r in rows]):
        connection.execute(_FTS.delete().where(_FTS.c.rowid.in_(chunk)))
    connection.execute(_FTS_INSERT, values)


_FTS_INSERT = text("INSERT INTO items_fts (rowid, title, body) VALUES (:item_id, :title, :body)")
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
    connection.execute(text("DELETE FROM item_search" if postgres else "DELETE FROM items_fts"))
    items = table("items", column("id"), column("title"), column("summary"), column("content"))
    done, last = 0, 0
    while True:
        batch = connection.execute(
            select(items.c.id, items.c.title, items.c.summary, items.c.content)
            .where(items.c.id > last)
            .order_by(items.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        rows = [
            index_row(i, title, plain_text(summary or "", content))
            for i, title, summary, content in batch
        ]
        connection.execute(_PG_UPSERT if postgres else _FTS_INSERT, [asdict(r) for r in rows])
        done, last = done + len(rows), batch[-1][0]
        if progress is not None:
            progress(done)
    if not postgres:
        # Merge the index segments into one b-tree: queries then read one structure.
        connection.execute(text("INSERT INTO items_fts (items_fts) VALUES ('optimize')"))
    return done


@dataclass(frozen=True)
class Match:
    """A search in the SQL of one database: the table to join, its condition, its relevance."""

    target: FromClause
    on: ColumnElement[bool]
    condition: ColumnElement[bool]
    relevance: ColumnElement[float]

    def apply(self, query: Select[Any], item_id: Any) -> Select[Any]:
        return query.join(self.target, self.on == item_id).where(self.condition)

    def probe(self, item_id: Any) -> ColumnElement[bool]:
        """The match as a correlated EXISTS: one index probe per row of an outer walk."""
        return select(self.on).where(self.condition, self.on == item_id).exists()

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
            relevance=cast(func.ts_rank(document, tsquery, 1), Double),
        )
    fts: ColumnElement[Any] = literal_column("items_fts")
    return Match(
        target=_FTS,
        on=_FTS.c.rowid,
        condition=fts.op("MATCH")(bindparam("fts_query", query.fts5())),
        # bm25 is lower for better matches; negated so that both databases sort descending.
        relevance=-func.bm25(fts, TITLE_WEIGHT, TEXT_WEIGHT),
    )


def _tsquery(query: SearchQuery) -> ColumnElement[Any]:
    return func.websearch_to_tsquery(
        literal_column(f"'{CONFIG}'::regconfig"), bindparam("ts_query", query.websearch())
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
