"""Each story's first item of each kind heads that kind's list (``items.leads_kind``).

The stream shows a story once, through its representative; the News,
Articles and Videos lists show each story's first item of their kind, so a
news item in a story a journal article leads is still news. Stories are made
through the story stage's writer (``make_story``), purges through the store;
the flags must follow every change, including in the story an item left. Every
test runs on SQLite, and on PostgreSQL when MEDFEED_TEST_DATABASE_URL is set;
the one with two writers at once only there (SQLite has one writer).
"""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, bindparam, func, inspect, select, text
from webfactory import (
    NOW,
    also_lines,
    app,
    client,
    entry,
    make_story,
    save,
    settings,
    setup_store,
    web_settings,
    write_story,
)

from aggregator.records import Kind
from aggregator.store import Store
from aggregator.store.database import make_engine
from aggregator.store.kindleads import first_of_kind
from aggregator.store.models import Item
from aggregator.store.reads import ItemFilter
from aggregator.store.retention import PurgePlan
from aggregator.store.stories import STORY_LOCK
from tests.test_store_migration_0004 import add_item, add_source, migrate

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Titles far apart, so that the story stage run by ``save`` groups nothing by itself.
TITLES = {
    "paper": "Finerenone slowed kidney decline in a randomised trial of 5,734 adults",
    "report": "Kidney drug trial draws cautious praise from nephrologists",
    "second report": "Regulator weighs label change after the finerenone results",
    "clip": "Video explainer: what the trial means for patients on dialysis",
    "second clip": "Interview with the lead investigator about hyperkalaemia",
    "other paper": "Semaglutide and heart failure outcomes in a registry of veterans",
}


@pytest.fixture
def reads(store: Store, database_url: str) -> Store:
    return setup_store(store, web_settings(database_url))


def add(store: Store, kind: Kind, name: str, published: datetime) -> int:
    """Store one item through the ingest path; its id."""
    save(store, [entry(kind, title=TITLES[name], published=published)])
    return stored_id(store, name)


def stored_id(store: Store, name: str) -> int:
    (found,) = [
        i for i in store.list_items(stories=False, limit=100).items if i.title == TITLES[name]
    ]
    return found.id


def heads(store: Store, kind: Kind) -> list[int]:
    """The ids a kind's home section lists, newest first."""
    return [item.id for item in store.latest_by_kind(NOW, limit=10)[kind]]


def listed(store: Store, kind: Kind) -> list[int]:
    """The ids of the stream filtered to one kind, one per story (``?kind=``)."""
    return [item.id for item in store.list_items(kind=kind, limit=100).items]


def purge_older_than(store: Store, days: int) -> None:
    featured = web_settings(store.url).featured.as_policy()
    store.purge(PurgePlan(now=NOW, older_than=NOW - days * DAY), featured)


def test_a_news_item_in_a_story_an_article_leads_still_heads_news(reads: Store) -> None:
    paper = add(reads, Kind.ARTICLE, "paper", NOW - 3 * HOUR)
    report = add(reads, Kind.NEWS, "report", NOW - 2 * HOUR)
    make_story(reads, paper, [report])
    assert heads(reads, Kind.NEWS) == [report]
    assert heads(reads, Kind.ARTICLE) == [paper]
    assert listed(reads, Kind.NEWS) == [report]
    assert listed(reads, Kind.ARTICLE) == [paper]


def test_the_stream_without_a_kind_still_shows_a_story_once(reads: Store) -> None:
    paper = add(reads, Kind.ARTICLE, "paper", NOW - 3 * HOUR)
    report = add(reads, Kind.NEWS, "report", NOW - 2 * HOUR)
    make_story(reads, paper, [report])
    assert [item.id for item in reads.list_items().items] == [paper]
    assert reads.count_items(ItemFilter(kind=Kind.NEWS)) == 1


def test_the_representative_heads_its_kind_though_another_came_first(reads: Store) -> None:
    earlier = add(reads, Kind.NEWS, "report", NOW - 3 * HOUR)
    leader = add(reads, Kind.NEWS, "second report", NOW - 2 * HOUR)
    make_story(reads, leader, [earlier])
    assert heads(reads, Kind.NEWS) == [leader]


def test_a_video_in_a_news_story_heads_videos_once_with_the_storys_sources(
    reads: Store,
) -> None:
    report = add(reads, Kind.NEWS, "report", NOW - 3 * HOUR)
    clip = add(reads, Kind.VIDEO, "clip", NOW - 2 * HOUR)
    later_clip = add(reads, Kind.VIDEO, "second clip", NOW - HOUR)
    make_story(reads, report, [clip, later_clip])
    assert heads(reads, Kind.VIDEO) == [clip]
    assert listed(reads, Kind.VIDEO) == [clip]
    (shown,) = reads.latest_by_kind(NOW)[Kind.VIDEO]
    assert {ref.id for ref in shown.also} == {report, later_clip}


def test_the_front_page_video_says_also_from_the_news_outlet_leading_its_story(
    client: FlaskClient, app: Flask
) -> None:
    store = app.extensions["medfeed"].store
    report = add(store, Kind.NEWS, "report", NOW - 3 * HOUR)
    clip = add(store, Kind.VIDEO, "clip", NOW - 2 * HOUR)
    make_story(store, report, [clip])
    html = client.get("/").get_data(as_text=True)
    videos = html[html.index('id="section-video"') :]
    videos = videos[: videos.index("</section>")]
    assert TITLES["clip"] in videos
    assert also_lines(videos) == ["Also from Health News Daily"]


def test_when_the_leader_is_purged_the_next_news_item_heads_news(reads: Store) -> None:
    leader = add(reads, Kind.NEWS, "report", NOW - 40 * DAY)
    first = add(reads, Kind.NEWS, "second report", NOW - 2 * DAY)
    paper = add(reads, Kind.ARTICLE, "paper", NOW - DAY)
    make_story(reads, leader, [first, paper])
    assert heads(reads, Kind.NEWS) == [leader]
    purge_older_than(reads, 30)
    assert heads(reads, Kind.NEWS) == [first]
    assert heads(reads, Kind.ARTICLE) == [paper]


def test_when_a_videos_first_is_purged_the_next_video_heads_videos(reads: Store) -> None:
    report = add(reads, Kind.NEWS, "report", NOW - DAY)
    clip = add(reads, Kind.VIDEO, "clip", NOW - 40 * DAY)
    later_clip = add(reads, Kind.VIDEO, "second clip", NOW - 2 * DAY)
    make_story(reads, report, [clip, later_clip])
    assert heads(reads, Kind.VIDEO) == [clip]
    purge_older_than(reads, 30)
    assert heads(reads, Kind.VIDEO) == [later_clip]
    assert heads(reads, Kind.NEWS) == [report]


def test_a_video_moving_to_another_story_heads_videos_there_and_leaves_a_first_behind(
    reads: Store,
) -> None:
    report = add(reads, Kind.NEWS, "report", NOW - 4 * HOUR)
    clip = add(reads, Kind.VIDEO, "clip", NOW - 3 * HOUR)
    later_clip = add(reads, Kind.VIDEO, "second clip", NOW - 2 * HOUR)
    paper = add(reads, Kind.ARTICLE, "other paper", NOW - HOUR)
    make_story(reads, report, [clip, later_clip])
    make_story(reads, paper, [clip])
    assert heads(reads, Kind.VIDEO) == [later_clip, clip]
    assert heads(reads, Kind.NEWS) == [report]
    assert heads(reads, Kind.ARTICLE) == [paper]


def test_a_leader_joining_another_story_gives_up_its_kinds_there(reads: Store) -> None:
    first = add(reads, Kind.NEWS, "report", NOW - 3 * HOUR)
    second = add(reads, Kind.NEWS, "second report", NOW - 2 * HOUR)
    assert heads(reads, Kind.NEWS) == [second, first]
    make_story(reads, first, [second])
    assert heads(reads, Kind.NEWS) == [first]


# --- migration 0013, on rows the previous schema wrote ------------------------------


@pytest.fixture
def at_0012(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine, "0012_content_after_summary")
    yield engine
    engine.dispose()


def stored_flags(engine: Engine) -> dict[str, bool]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT guid_key, leads_kind FROM items"))
        return {guid: bool(flag) for guid, flag in rows}


def kind_index(engine: Engine) -> list[str | None]:
    (found,) = [
        i for i in inspect(engine).get_indexes("items") if i["name"] == "ix_items_kind_stream"
    ]
    return list(found["column_names"])


def test_the_upgrade_marks_each_storys_first_item_of_each_kind(at_0012: Engine) -> None:
    add_source(at_0012, "wire", "news")
    members = {  # guid: kind, hours ago
        "paper": ("article", 5),
        "early news": ("news", 4),
        "late news": ("news", 3),
        "clip": ("video", 2),
        "lone news": ("news", 1),
        "news leader": ("news", 1),
        "older news": ("news", 6),
    }
    for guid, (kind, hours) in members.items():
        add_item(at_0012, "wire", kind, guid, NOW - hours * HOUR)
    regroup = text(
        "UPDATE items SET story_id = :story, is_representative = (id = :story)"
        " WHERE id = :story OR guid_key IN :others"
    ).bindparams(bindparam("others", expanding=True))
    with at_0012.begin() as connection:
        ids = dict(connection.execute(text("SELECT guid_key, id FROM items")).all())
        connection.execute(
            regroup, {"story": ids["paper"], "others": ["early news", "late news", "clip"]}
        )
        connection.execute(regroup, {"story": ids["news leader"], "others": ["older news"]})
    migrate(at_0012, "head")
    assert stored_flags(at_0012) == {
        "paper": True,
        "early news": True,
        "late news": False,
        "clip": True,
        "lone news": True,
        "news leader": True,
        "older news": False,
    }
    assert kind_index(at_0012) == ["kind", "leads_kind", "published", "id"]
    migrate(at_0012, "0012_content_after_summary", down=True)
    assert kind_index(at_0012) == ["kind", "is_representative", "published", "id"]
    assert "leads_kind" not in {c["name"] for c in inspect(at_0012).get_columns("items")}


def test_an_item_a_journal_copy_claims_becomes_its_storys_first_article(reads: Store) -> None:
    report = add(reads, Kind.NEWS, "report", NOW - 3 * HOUR)
    url = "https://example.org/finerenone"
    kind, item, tags = entry(Kind.NEWS, title=TITLES["second report"], url=url)
    save(reads, [(kind, item, tags)])
    (copied,) = [i.id for i in reads.list_items(stories=False).items if i.url == url]
    make_story(reads, report, [copied])
    assert heads(reads, Kind.ARTICLE) == []
    # The journal's copy of the same URL outranks the news site's: the item becomes an
    # article, before (and whatever) the story stage decides about its new text.
    save(reads, [(Kind.ARTICLE, item, tags)], source="bmj", decide=False)
    assert heads(reads, Kind.ARTICLE) == [copied]
    assert heads(reads, Kind.NEWS) == [report]


# --- two writers at once (PostgreSQL) -----------------------------------------------

# A session waiting for this schema's story lock (``stories.lock_stories``).
_WAITING_FOR_STORIES = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    " AND classid = :key AND objsubid = 2"
    " AND objid = (hashtext(current_schema())::bigint & 4294967295)::oid"
).bindparams(key=STORY_LOCK)


def wait_until_done_or_waiting_for_stories(store: Store, writer: Future[None]) -> None:
    """Until ``writer`` is done or queues for the story lock (at most 30 s: it queues
    within a second, but a loaded machine may take longer, and the test then checks less)."""
    deadline = time.monotonic() + 30
    with store.engine.connect() as connection:
        while not writer.done() and time.monotonic() < deadline:
            if connection.scalar(_WAITING_FOR_STORIES):
                return
            connection.rollback()  # a fresh snapshot of pg_locks
            time.sleep(0.01)


def wrong_flags(store: Store) -> int:
    """Items whose ``leads_kind`` is not what their stories say now."""
    with store.session() as session:
        return session.scalar(select(func.count()).where(Item.leads_kind != first_of_kind())) or 0


def test_an_edit_during_a_story_decision_leaves_the_earliest_news_item_heading_news(
    reads: Store,
) -> None:
    """The edit re-dates an item of the story the decision adds an item to: the flags must
    come from both, whichever writes first (here the decision, uncommitted while the edit
    runs; when the edit did not take the story lock, neither saw the other's change)."""
    if reads.dialect != "postgresql":
        pytest.skip("two concurrent writers: PostgreSQL only (SQLite has one writer)")
    paper = add(reads, Kind.ARTICLE, "paper", NOW - 5 * HOUR)
    kind, item, tags = entry(Kind.NEWS, title=TITLES["report"], published=NOW - 4 * HOUR)
    save(reads, [(kind, item, tags)])
    report = stored_id(reads, "report")
    make_story(reads, paper, [report])
    second = add(reads, Kind.NEWS, "second report", NOW - 3 * HOUR)
    # The news site edits its report and dates it after the second report.
    edited = replace(item, summary="<p>Updated: the regulator answers.</p>", published=NOW - HOUR)
    with ThreadPoolExecutor(1) as other_process:
        with reads.session() as session:
            write_story(session, paper, [second])
            edit = other_process.submit(save, reads, [(kind, edited, tags)], decide=False)
            wait_until_done_or_waiting_for_stories(reads, edit)
        edit.result(timeout=60)
    assert heads(reads, Kind.NEWS) == [second]
    assert wrong_flags(reads) == 0
