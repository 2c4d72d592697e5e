"""The read side of the store: keyset pages, sections, featured selection, stories."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import webfactory
from sqlalchemy import Executable, event, select, text
from webfactory import NOW, entry, fill, make_story, save, setup_store, web_settings

from aggregator.config import FeaturedSettings
from aggregator.identity import identify
from aggregator.records import ArticleInfo, EventInfo, FeaturedPolicy, Kind, Label, Occurrence
from aggregator.store import Store
from aggregator.store import reads as reads_module
from aggregator.store.models import Item
from aggregator.store.reads import InvalidCursor, ItemFilter

JOURNAL = "https://www.bmj.com/content/375/bmj-2026-0001"
PREPRINT = "https://www.medrxiv.org/content/10.1101/2026.09.01v1"


@pytest.fixture
def reads(store: Store, database_url: str) -> Store:
    return setup_store(store, web_settings(database_url))


def _walk(store: Store, **filters: object) -> list[int]:
    seen: list[int] = []
    before = None
    while True:
        page = store.list_items(before=before, limit=7, **filters)  # type: ignore[arg-type]
        seen.extend(item.id for item in page.items)
        if page.next is None:
            return seen
        before = page.next


def test_keyset_pages_walk_the_whole_stream_without_duplicates_or_gaps(reads: Store) -> None:
    fill(reads, 10)
    same_time = NOW - timedelta(days=1)  # ties on published must still page cleanly
    save(reads, [entry(Kind.NEWS, published=same_time) for _ in range(9)])
    walked = _walk(reads)
    everything = reads.list_items(limit=100).items
    assert len(walked) == len(set(walked)) == 49
    assert walked == [item.id for item in everything]


def test_stream_is_newest_first(reads: Store) -> None:
    fill(reads, 5)
    published = [item.published for item in reads.list_items(limit=100).items]
    assert published == sorted(published, reverse=True)


def test_kind_filter_pages_through_only_that_kind(reads: Store) -> None:
    fill(reads, 9)
    walked = _walk(reads, kind=Kind.VIDEO)
    assert len(walked) == 9
    assert {reads.get_item(i).kind for i in walked} == {Kind.VIDEO}  # type: ignore[union-attr]


def test_tag_source_and_search_filters_narrow_the_stream(reads: Store) -> None:
    save(reads, [entry(Kind.NEWS, title="Measles outbreak in the north", tags=("infectious",))])
    save(reads, [entry(Kind.NEWS, title="Regulator approves a new statin")], source="fda-press")
    fill(reads, 2)
    assert [i.title for i in reads.list_items(tag="infectious").items] == [
        "Measles outbreak in the north"
    ]
    assert [i.source.id for i in reads.list_items(source="fda-press").items] == ["fda-press"]
    assert [i.title for i in reads.list_items(q='"NEW STATIN"').items] == [
        "Regulator approves a new statin"
    ]


def test_search_percent_and_underscore_are_not_wildcards(reads: Store) -> None:
    save(reads, [entry(Kind.NEWS, title="Coverage rose to 95% this year")])
    save(reads, [entry(Kind.NEWS, title="Coverage rose to 9 points this year")])
    assert [i.title for i in reads.list_items(q="9%").items] == [
        "Coverage rose to 9 points this year"
    ]
    assert [i.title for i in reads.list_items(q="9_").items] == [
        "Coverage rose to 9 points this year"
    ]


def test_an_altered_cursor_is_rejected(reads: Store) -> None:
    with pytest.raises(InvalidCursor):
        reads.list_items(before="not-a-cursor")


def test_sections_hold_five_of_each_kind_and_only_upcoming_conferences(reads: Store) -> None:
    fill(reads, 8)
    ended = EventInfo(start=NOW - timedelta(days=5), end=NOW - timedelta(days=2))
    ongoing = EventInfo(start=NOW - timedelta(days=1), end=NOW + timedelta(days=1))
    save(reads, [entry(Kind.CONFERENCE, title="Ended congress", event=ended)])
    save(reads, [entry(Kind.CONFERENCE, title="Ongoing congress", event=ongoing)])
    sections = reads.latest_by_kind(NOW)
    assert {kind: len(items) for kind, items in sections.items()} == dict.fromkeys(Kind, 5)
    conferences = sections[Kind.CONFERENCE]
    assert conferences[0].title == "Ongoing congress"
    starts = [item.event.start for item in conferences if item.event]
    assert starts == sorted(starts)
    assert "Ended congress" not in [item.title for item in reads.upcoming_conferences(NOW)]


def test_featured_is_the_newest_article_long_enough(reads: Store) -> None:
    long_body = "<p>" + " ".join(["word"] * 400) + "</p>"
    save(reads, [entry(Kind.ARTICLE, title="Long and older", content=long_body,
                       published=NOW - timedelta(hours=2))])  # fmt: skip
    save(reads, [entry(Kind.ARTICLE, title="Short and newer", published=NOW)])
    policy = FeaturedPolicy(policy="latest", kinds=(Kind.ARTICLE,), min_words=300)
    assert reads.featured(policy, NOW).title == "Long and older"  # type: ignore[union-attr]


def test_featured_falls_back_to_the_newest_article_when_none_is_long(reads: Store) -> None:
    save(reads, [entry(Kind.ARTICLE, title="Older", published=NOW - timedelta(hours=1))])
    save(reads, [entry(Kind.ARTICLE, title="Newest", published=NOW)])
    policy = FeaturedPolicy(policy="latest", kinds=(Kind.ARTICLE,), min_words=5000)
    assert reads.featured(policy, NOW).title == "Newest"  # type: ignore[union-attr]


LONG_BODY = "<p>" + " ".join(["word"] * 400) + "</p>"
LATEST = FeaturedPolicy(policy="latest", kinds=(Kind.ARTICLE,), min_words=300)


def _articles_after_a_long_one(store: Store, newer: int) -> None:
    """A long article, then ``newer`` short ones, an hour apart, the newest at NOW."""
    save(store, [entry(Kind.ARTICLE, title="Long and older", content=LONG_BODY,
                       published=NOW - timedelta(hours=newer))])  # fmt: skip
    for hours in range(newer - 1, -1, -1):
        save(store, [entry(Kind.ARTICLE, title=f"Short, {hours} h old",
                           published=NOW - timedelta(hours=hours))])  # fmt: skip


@pytest.mark.parametrize(
    ("newer", "featured"),
    [(2, "Long and older"), (3, "Short, 0 h old")],
    ids=["long-one-among-the-newest", "long-one-older-than-them"],
)
def test_featured_looks_for_a_long_article_only_among_the_newest_of_its_kind(
    reads: Store, monkeypatch: pytest.MonkeyPatch, newer: int, featured: str
) -> None:
    """Looking further back read every article when none was long: 0.7 s at 400k items."""
    monkeypatch.setattr(reads_module, "FEATURED_WINDOW", 3, raising=False)
    _articles_after_a_long_one(reads, newer)
    assert reads.featured(LATEST, NOW).title == featured  # type: ignore[union-attr]


def _sponsored_after_a_journal_article(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long journal article, then a newer long one from a source labelled sponsored."""
    save(store, [entry(Kind.ARTICLE, title="Journal article", content=LONG_BODY,
                       published=NOW - timedelta(hours=1))])  # fmt: skip
    monkeypatch.setitem(webfactory.SOURCES, "bmj", (Kind.ARTICLE, Label.SPONSORED, "PharmaCo"))
    save(store, [entry(Kind.ARTICLE, title="Sponsored piece", content=LONG_BODY, published=NOW)])


def test_a_sponsored_article_is_not_featured_by_default(
    reads: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sponsored_after_a_journal_article(reads, monkeypatch)
    policy = FeaturedSettings(min_words=300).as_policy()
    assert reads.featured(policy, NOW).title == "Journal article"  # type: ignore[union-attr]
    assert reads.featured_candidate(policy).title == "Journal article"  # type: ignore[union-attr]
    assert reads.front_page(policy, NOW).featured.title == "Journal article"  # type: ignore[union-attr]


def test_featured_labels_decide_which_labels_may_lead(
    reads: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sponsored_after_a_journal_article(reads, monkeypatch)
    policy = FeaturedSettings(min_words=300, labels=["sponsored"]).as_policy()
    assert reads.featured(policy, NOW).title == "Sponsored piece"  # type: ignore[union-attr]


def test_the_refresh_does_not_extract_a_page_older_than_the_newest_of_its_kind(
    reads: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once long, it would not be featured; looking for it read every article."""
    monkeypatch.setattr(reads_module, "FEATURED_WINDOW", 3, raising=False)
    save(reads, [entry(Kind.ARTICLE, title="Never tried", published=NOW - timedelta(hours=3))])
    save(reads, [entry(Kind.ARTICLE, title=f"Failed, {hours} h old",
                       published=NOW - timedelta(hours=hours)) for hours in (2, 1, 0)])  # fmt: skip
    for item in reads.list_items(kind=Kind.ARTICLE, limit=3).items:
        reads.save_fulltext_error(item.id, "HTTP 404", NOW)
    candidate = reads.featured_candidate(LATEST, retry_before=NOW - timedelta(days=1))
    assert candidate.title == "Failed, 0 h old"  # type: ignore[union-attr]


def test_pinned_featured_is_found_by_url_or_guid(reads: Store) -> None:
    kind, item, tags = entry(Kind.ARTICLE, title="Pinned one", url="https://example.org/pin")
    save(reads, [(kind, item, tags)])
    fill(reads, 3)
    by_url = FeaturedPolicy(policy="pinned", pinned="https://example.org/pin")
    by_guid = FeaturedPolicy(policy="pinned", pinned=item.guid)
    assert reads.featured(by_url, NOW).title == "Pinned one"  # type: ignore[union-attr]
    assert reads.featured(by_guid, NOW).title == "Pinned one"  # type: ignore[union-attr]


def pinned(store: Store, target: str) -> str | None:
    featured = store.featured(FeaturedPolicy(policy="pinned", pinned=target), NOW)
    return None if featured is None else featured.title


def test_a_pin_finds_an_item_by_a_copys_link_where_the_items_own_url_differs(
    reads: Store,
) -> None:
    """The preprint server's copy joined the journal's item by its DOI: the item shows the
    journal's address, and the preprint's finds it too, as linked or as its page."""
    doi = ArticleInfo(doi="10.1136/bmj-2026-0001", journal="The BMJ")
    journal = entry(Kind.ARTICLE, title="Statins after 75", url=JOURNAL, article=doi)
    preprint = entry(Kind.ARTICLE, title="Statins in the old", url=PREPRINT, article=doi)
    save(reads, [journal], identify=identify)
    save(reads, [preprint], source="medrxiv", identify=identify)
    fill(reads, 3)
    (item,) = [
        item for item in reads.list_items(limit=50).items if item.title == "Statins after 75"
    ]
    assert item.url == JOURNAL
    for target in (PREPRINT, "http://www.medrxiv.org/content/10.1101/2026.09.01v1/?utm_source=x"):
        assert pinned(reads, target) == "Statins after 75", target


def test_a_pin_matches_no_item_by_another_items_guid_or_a_prefix_of_its_address(
    reads: Store,
) -> None:
    save(reads, [entry(Kind.ARTICLE, title="Statins after 75", url=JOURNAL)], identify=identify)
    assert pinned(reads, JOURNAL.rsplit("/", 1)[0]) is None
    assert pinned(reads, "guid-0") is None


def test_an_event_pinned_by_its_page_or_its_key_is_that_event(reads: Store) -> None:
    """A weekly club links each of its single events to one page: the page pins the newest,
    an event's key (its page and date) that one."""
    page = "https://club.example.org/journal-club"
    for days in (1, 8):
        start = NOW + timedelta(days=days)
        event = EventInfo(start=start, end=start + timedelta(hours=1), url=page)
        at = entry(Kind.CONFERENCE, title=f"Club in {days} days", url=page, event=event,
                   published=NOW - timedelta(days=days))  # fmt: skip
        save(reads, [at], identify=identify)
    assert pinned(reads, page) == "Club in 1 days"
    key = f"{page}#event={(NOW + timedelta(days=8)).date().isoformat()}"
    assert pinned(reads, key) == "Club in 8 days"


def plan(store: Store, statement: Executable) -> str:
    """How the database runs ``statement``: SQLite's query plan, or PostgreSQL's."""
    sql = statement.compile(dialect=store.engine.dialect, compile_kwargs={"literal_binds": True})
    return _plan_of(store, str(sql), None)


def grow(store: Store, copies: int) -> None:
    """On PostgreSQL, ``copies`` more items, each with its link, and fresh statistics:
    the planner reads a table of a few rows whole, however it is indexed."""
    with store.session() as session:
        if session.connection().dialect.name == "sqlite":
            return
        columns = [c.name for c in Item.__table__.columns if c.name != "id"]
        varied = {"guid_key": "guid_key || '-' || n", "canonical_url": "canonical_url || '/' || n",
                  "published": "published - n * interval '1 minute'"}  # fmt: skip
        values = ", ".join(varied.get(name, name) for name in columns)
        session.execute(text(
            f"INSERT INTO items ({', '.join(columns)}) SELECT {values} FROM items"
            f" CROSS JOIN generate_series(1, {copies}) AS n WHERE id = (SELECT min(id) FROM items)"
        ))  # fmt: skip
        session.execute(text(
            "INSERT INTO item_sources (item_id, source_id, guid_key, content_hash, first_seen_at)"
            " SELECT id, source_id, guid_key, content_hash, first_seen_at FROM items"
            " WHERE id NOT IN (SELECT item_id FROM item_sources)"
        ))  # fmt: skip
    with store.session() as session:
        for table in ("items", "item_sources", "sources"):
            session.execute(text(f"ANALYZE {table}"))


@pytest.mark.parametrize("target", [PREPRINT + "?utm_source=x", "guid-1", "https://c.org/e#series"])
def test_a_pin_is_found_by_index_lookups_alone(reads: Store, target: str) -> None:
    """Every front page the cache does not hold looks for it: no table is read whole, and
    the newest of the items found is not looked for along the stream's index."""
    fill(reads, 2)
    grow(reads, 20_000)
    sources = [source.id for source in reads.sources()]
    found = plan(reads, reads_module.pinned_ids(target, sources))
    newest = plan(reads, reads_module.newest_of([1, 2]))
    for table in ("items", "item_sources"):
        for step in (found + "\n" + newest).splitlines():
            assert not re.search(rf"\b(SCAN|Seq Scan on) {table}\b", step), step
    assert "ix_items_published" not in newest
    # the guid under each source: SQLite's "(source_id=? AND guid_key=?)", PostgreSQL's
    # "Index Cond: (((source_id)::text = ANY (…)) AND ((guid_key)::text = …))"
    assert re.search(r"source_id\W.* AND \W*guid_key", found), found


def test_an_item_lists_every_source_and_its_story(reads: Store) -> None:
    kind, item, tags = entry(Kind.NEWS, title="Shared story", url="https://example.org/shared")
    save(reads, [(kind, item, tags)])
    save(reads, [(kind, item, tags)], source="fda-press")  # same URL: one item, two sources
    save(reads, [entry(Kind.NEWS, title="Another outlet's version")])
    ids = {i.title: i.id for i in reads.list_items().items}
    shared, other = ids["Shared story"], ids["Another outlet's version"]
    make_story(reads, shared, [other])
    found = reads.get_item(shared)
    assert found is not None
    assert [ref.id for ref in found.sources] == ["health-news", "fda-press"]
    assert [ref.title for ref in found.also] == ["Another outlet's version"]


def test_stories_show_once_unless_every_item_is_asked_for(reads: Store) -> None:
    save(reads, [entry(Kind.NEWS, title="First"), entry(Kind.NEWS, title="Second")])
    first, second = sorted(item.id for item in reads.list_items(stories=False).items)
    make_story(reads, first, [second])
    assert [item.id for item in reads.list_items().items] == [first]
    assert len(reads.list_items(stories=False).items) == 2


def test_a_filter_lists_a_story_by_its_first_item_the_filter_passes(reads: Store) -> None:
    # The regulator's release is carried under the wire's story ("also from"); the
    # regulator's own list, its tag and a search for a word only it has must still find it.
    save(reads, [entry(Kind.NEWS, title="Hospital alert on infusion pumps",
                       published=NOW - timedelta(hours=5))])  # fmt: skip
    save(reads, [entry(Kind.NEWS, title="Recall of Zyloxa infusion pumps", tags=("regulatory",),
                       published=NOW - timedelta(hours=4))], source="fda-press")  # fmt: skip
    wire, release = sorted(item.id for item in reads.list_items(stories=False).items)
    make_story(reads, wire, [release])
    assert [item.id for item in reads.list_items().items] == [wire]
    for narrowed in (
        {"source": "fda-press"},
        {"tag": "regulatory"},
        {"q": "zyloxa"},
        {"q": "zyloxa", "sort": "date"},
        {"kind": Kind.NEWS, "source": "fda-press"},
    ):
        assert [item.id for item in reads.list_items(**narrowed).items] == [release], narrowed
        assert reads.count_items(ItemFilter(**narrowed)) == 1, narrowed  # type: ignore[arg-type]
    both = reads.list_items(q="infusion pumps")  # the story once, by its representative
    assert [item.id for item in both.items] == [wire]
    assert [item.id for item in reads.list_items(source="health-news").items] == [wire]


@pytest.mark.parametrize("walk", [True, False])
def test_a_source_or_tag_list_is_the_same_whichever_index_drives_it(
    reads: Store, monkeypatch: pytest.MonkeyPatch, walk: bool
) -> None:
    """Over ``FEW`` items a source's or tag's list walks the stream; under it, its own ids
    drive the list (SQLite, ``reads._few``): the same items, pages and counts either way."""
    if walk:
        monkeypatch.setattr(reads_module, "FEW", 0)
    fill(reads, 6)
    save(reads, [entry(Kind.NEWS, tags=("regulatory",)) for _ in range(9)], source="fda-press")
    wire, release = sorted(item.id for item in reads.list_items(source="fda-press").items)[:2]
    make_story(reads, wire, [release])
    for narrowed in (
        {"source": "fda-press"},
        {"tag": "regulatory"},
        {"specialty": "cardiology"},
        {"source": "fda-press", "tag": "cardiology"},
        {"kind": Kind.NEWS, "source": "fda-press"},
        {"kind": Kind.VIDEO, "specialty": "cardiology"},
        {"kind": Kind.NEWS, "stories": False},
        {"source": "fda-press", "stories": False},
    ):
        everything = [item.id for item in reads.list_items(limit=100, **narrowed).items]  # type: ignore[arg-type]
        assert _walk(reads, **narrowed) == everything, narrowed
        assert reads.count_items(ItemFilter(**narrowed)) == len(everything), narrowed  # type: ignore[arg-type]
    assert len(reads.list_items(source="fda-press", limit=100).items) == 8  # a story once
    assert len(reads.list_items(source="fda-press", stories=False, limit=100).items) == 9


def test_a_source_carrying_few_items_is_listed_from_them_not_by_walking_the_stream(
    reads: Store,
) -> None:
    """A society's feed of a few dozen items among a large stream: its list, its count and
    its calendar read its own items; walking the stream index (or the calendar's keys) for
    them read the whole table for every page."""
    fill(reads, 3)
    news = [entry(Kind.NEWS, tags=("regulatory",)) for _ in range(3)]
    save(reads, [*news, _conference(5)], source="fda-press")
    grow(reads, 20_000)
    calendar = {"kind": Kind.CONFERENCE, "when": "upcoming", "source": "fda-press", "now": NOW}
    statements = _selects(reads, lambda: reads.list_items(source="fda-press"))
    statements += _selects(reads, lambda: reads.count_items(ItemFilter(tag="regulatory")))
    steps = "\n".join(_plan_of(reads, *statement) for statement in statements)
    assert not re.search(r"\b(SCAN|Seq Scan on) items\b", steps), steps
    read = _selects(reads, lambda: reads.list_items(**calendar))  # type: ignore[arg-type]
    keys = [sql for sql, _ in read if sql.startswith("SELECT items.id, items.event_start")]
    assert not keys, keys  # nor are the calendar's keys walked for four items
    assert [i.source.id for i in reads.list_items(source="fda-press").items] == ["fda-press"] * 4
    assert len(reads.list_items(**calendar).items) == 1  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "narrowed",
    [
        {"kind": Kind.VIDEO, "specialty": "cardiology"},
        {"kind": Kind.NEWS, "source": "health-news"},
        {"kind": Kind.NEWS, "stories": False},
    ],
)
def test_a_kinds_list_narrowed_further_walks_the_dates_not_every_item_of_the_kind(
    reads: Store, monkeypatch: pytest.MonkeyPatch, narrowed: dict[str, Any]
) -> None:
    """ "Videos in Cardiology": SQLite without statistics (a medfeed database has none) took
    every video from the kind's index and sorted them all for one page; only a kind's own
    list is in that index's date order. (PostgreSQL plans by its statistics.)"""
    monkeypatch.setattr(reads_module, "FEW", 0)  # the filters pass too many to read at once
    fill(reads, 4)
    listed = _selects(reads, lambda: reads.list_items(**narrowed))
    page = [statement for statement in listed if "ORDER BY items.published" in statement[0]]
    if reads.dialect == "sqlite":
        assert "TEMP B-TREE FOR ORDER BY" not in _plan_of(reads, *page[0])
    assert [item.kind for item in reads.list_items(**narrowed).items] == [narrowed["kind"]] * 4


def test_a_kinds_list_narrowed_further_looks_at_a_storys_other_items_by_the_story(
    reads: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite without statistics (a medfeed database has none) looked at a story's other
    items through the kind's index: every item of the kind for each row not heading its
    story ("News tagged oncology": 775 ms of CPU for a page at 200k items)."""
    monkeypatch.setattr(reads_module, "FEW", 0)  # the tag carries too many to read at once
    fill(reads, 2)
    save(reads, [entry(Kind.NEWS, tags=("oncology",)) for _ in range(3)])
    first, second, alone = sorted(item.id for item in reads.list_items(tag="oncology").items)
    make_story(reads, first, [second])
    narrowed = {"kind": Kind.NEWS, "tag": "oncology"}
    listed = _selects(reads, lambda: reads.list_items(**narrowed))
    page = [statement for statement in listed if "ORDER BY items.published" in statement[0]]
    if reads.dialect == "sqlite":
        assert "items_1 USING INDEX ix_items_kind_stream" not in _plan_of(reads, *page[0])
    shown = [item.id for item in reads.list_items(**narrowed).items]
    assert len(shown) == 2 and alone in shown and len({first, second} & set(shown)) == 1
    assert reads.count_items(ItemFilter(**narrowed)) == 2  # type: ignore[arg-type]


@pytest.mark.parametrize("carried", [0, 2])
@pytest.mark.parametrize("narrowed", [{"source": "fda-press"}, {"tag": "regulatory"}])
def test_a_kinds_list_from_a_large_source_or_tag_carrying_few_of_it_is_read_from_those(
    reads: Store, monkeypatch: pytest.MonkeyPatch, carried: int, narrowed: dict[str, Any]
) -> None:
    """A news wire carrying thousands of items, none or a few of them videos: its Videos
    were looked for along every video (or, on SQLite, the whole stream), 260-640 ms at
    200k items for an empty page; its items of the kind, found from indexes, drive it."""
    monkeypatch.setattr(reads_module, "FEW", 4)  # the source and the tag carry more
    fill(reads, 3)
    wire = [entry(Kind.NEWS, tags=("regulatory",)) for _ in range(6)]
    videos = [entry(Kind.VIDEO, tags=("regulatory",)) for _ in range(carried)]
    talks = [_conference(3 + n, tags=("regulatory",)) for n in range(carried)]
    save(reads, [*wire, *videos, *talks], source="fda-press")
    lists = [
        (ItemFilter(kind=Kind.VIDEO, **narrowed), videos),
        (ItemFilter(kind=Kind.CONFERENCE, when="upcoming", **narrowed), talks),
    ]
    for wanted, saved in lists:
        filters = {**narrowed, "kind": wanted.kind, "when": wanted.when, "now": NOW}
        read = _selects(reads, lambda: reads.list_items(**filters))  # type: ignore[arg-type]  # noqa: B023
        pages = [sql for sql, _ in read if sql.startswith("SELECT items.id, items.kind,")]
        assert pages and all("items.id IN (" in sql for sql in pages), pages  # not walked
        listed = [reads.get_item(item_id) for item_id in _walk(reads, **filters)]
        titles = sorted(item.title for item in listed if item is not None)
        assert titles == sorted(item.title for _, item, _ in saved), wanted
        assert reads.count_items(wanted, now=NOW) == carried, wanted


def _selects(store: Store, read: Callable[[], object]) -> list[tuple[str, Any]]:
    """The statements ``read`` sends that read the items table, with their parameters."""
    sent: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and "FROM items" in statement:
            sent.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        read()
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    return sent


def _plan_of(store: Store, statement: str, parameters: Any) -> str:
    """How the database runs the SQL ``statement`` with ``parameters`` (``plan``)."""
    with store.engine.connect() as connection:
        explain = "EXPLAIN QUERY PLAN" if connection.dialect.name == "sqlite" else "EXPLAIN"
        rows = connection.exec_driver_sql(f"{explain} {statement}", parameters).all()
    return "\n".join(str(row[-1]) for row in rows)


def _conference(start_in_days: float, *, days: float = 3, **extra: object) -> tuple:  # type: ignore[type-arg]
    start = NOW + timedelta(days=start_in_days)
    return entry(Kind.CONFERENCE, event=EventInfo(start=start, end=start + timedelta(days=days)),
                 **extra)  # fmt: skip


def _calendar(store: Store, when: str, **filters: object) -> list[int]:
    return _walk(store, kind=Kind.CONFERENCE, when=when, now=NOW, **filters)


def test_a_series_moves_on_to_its_next_date_when_one_ends_unread(reads: Store) -> None:
    # Stored when its first date was ahead; the calendar has answered 304 since, so the
    # stored start stayed on a date long over and sorted the series first.
    hour = timedelta(hours=1)
    dates = [NOW - 3 * hour + timedelta(weeks=n) for n in range(4)]
    occurrences = tuple(Occurrence(start, start + hour) for start in dates)
    series = EventInfo(start=dates[0], end=dates[0] + hour, rule="FREQ=WEEKLY;COUNT=4",
                       occurrences=occurrences)  # fmt: skip
    congress = EventInfo(start=NOW + timedelta(days=2), end=NOW + timedelta(days=3))
    save(reads, [entry(Kind.CONFERENCE, title="Grand rounds", event=series),
                 entry(Kind.CONFERENCE, title="Congress", event=congress)])  # fmt: skip
    assert reads.advance_series(NOW) == 1
    assert reads.advance_series(NOW) == 0  # nothing more to move until the next date begins
    calendar = reads.list_items(kind=Kind.CONFERENCE, when="upcoming", now=NOW).items
    assert [item.title for item in calendar] == ["Congress", "Grand rounds"]
    assert calendar[1].event is not None and calendar[1].event.start == dates[1]


def test_a_search_of_the_calendar_lists_the_events_it_matches(reads: Store) -> None:
    save(reads, [_conference(3, title="ESC Heart Failure congress"),
                 _conference(5, title="Dermatology summit")])  # fmt: skip
    for when in ("upcoming", "past"):
        found = reads.list_items(kind=Kind.CONFERENCE, when=when, q="dermatology", now=NOW)
        expected = ["Dermatology summit"] if when == "upcoming" else []
        assert [item.title for item in found.items] == expected, when
    assert reads.list_items(kind=Kind.CONFERENCE, when="upcoming", q="zzzz", now=NOW).items == ()


def test_calendar_walks_every_event_once_in_start_order(reads: Store) -> None:
    save(reads, [_conference(-40 + 3 * n) for n in range(30)])  # ended, ongoing and coming
    save(reads, [_conference(5) for _ in range(4)])  # ties on the start
    save(reads, [_conference(-100, days=400, title="A long series")])  # began long ago, not over
    with reads.session() as session:
        events = sorted(session.execute(select(Item.event_start, Item.id, Item.event_end)).all())

    upcoming = [item_id for start, item_id, end in events if end >= NOW]
    past = [item_id for start, item_id, end in reversed(events) if end < NOW]
    assert _calendar(reads, "upcoming") == upcoming
    assert _calendar(reads, "past") == past
    assert reads.get_item(upcoming[0]).title == "A long series"  # type: ignore[union-attr]


@pytest.mark.parametrize("walk", [True, False])
def test_calendar_reaches_events_far_behind_ones_its_filters_leave_out(
    reads: Store, monkeypatch: pytest.MonkeyPatch, walk: bool
) -> None:
    if walk:  # the tag is on more than ``FEW`` items: the keys come in batches
        monkeypatch.setattr(reads_module, "FEW", 0)
    save(reads, [_conference(n) for n in range(1, 60)])
    save(reads, [_conference(100 + n, tags=("oncology",)) for n in range(3)])
    tagged = [item.id for item in reads.list_items(tag="oncology", limit=10).items]
    assert _calendar(reads, "upcoming", tag="oncology") == sorted(tagged)


def test_calendar_reaches_them_too_past_more_than_two_batches_of_keys(
    reads: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reads_module, "CALENDAR_BATCH", 8)  # then a page of 7 needs a third step
    monkeypatch.setattr(reads_module, "FEW", 0)  # the tag is on too many items to read at once
    save(reads, [_conference(n) for n in range(1, 60)])
    save(reads, [_conference(100 + n, tags=("oncology",)) for n in range(9)])
    tagged = [item.id for item in reads.list_items(tag="oncology", limit=10).items]
    assert _calendar(reads, "upcoming", tag="oncology") == sorted(tagged)


def test_calendar_shows_a_story_once_however_many_members_come_first(reads: Store) -> None:
    save(reads, [_conference(1 + n / 100) for n in range(40)])
    save(reads, [_conference(2, title="The story's face")])
    members = [item.id for item in reads.list_items(kind=Kind.CONFERENCE, limit=41).items]
    face = members.pop()
    make_story(reads, face, members)
    section = reads.latest_by_kind(NOW)[Kind.CONFERENCE]  # five, so keys come in batches
    assert [item.title for item in section] == ["The story's face"]
