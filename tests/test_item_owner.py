"""Issue 9: an item merged from several copies shows the same copy whatever their arrival order.

The copies of one item (same canonical URL, or same DOI) arrive from several
sources in any order; the item shows the text of the most preferred one
(``reconcile.Owner.rank``: label authority, source, guid), and its story is
decided from that text. Every test runs on SQLite, and on PostgreSQL when
MEDFEED_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import importlib
import itertools
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from webfactory import NOW, SOURCES, setup_store, web_settings

from aggregator.reconcile import StoredState
from aggregator.records import FetchReport, ItemIdentity, ItemUpdate, ParsedItem, SourceOutcome
from aggregator.store import Store
from aggregator.store.models import Item, ItemSource
from aggregator.storywindow import story_window
from tests.feeds import Entry, always_sent, refresh_one, rss, served
from tests.localserver import LocalServer
from tests.test_dedupe import APPROVAL, REWRITE

ingest_module = importlib.import_module("aggregator.store.ingest")

URL = "https://example.org/kisqali"
UNRELATED = (
    "Hospital trust names a new chief executive",
    "The board appointed a former surgeon to lead the trust from January, after a search of "
    "eight months among candidates from four regions.",
)


def copy(
    source: str, guid: str, text: tuple[str, str], published: datetime, url: str = URL
) -> ItemUpdate:
    kind, label, _ = SOURCES[source]
    title, summary = text
    item = ParsedItem(guid=guid, url=url, title=title, summary=summary, published=published)
    identity = ItemIdentity(guid_key=guid, canonical_url=url, identifiers=(), content_hash=title)
    return ItemUpdate(source, kind, label, item, identity)


# The press release ranks before the news site's copy (``records.AUTHORITY``).
PRESS = copy("fda-press", "fda-1", APPROVAL, NOW - timedelta(hours=3))
NEWS = copy("health-news", "news-1", UNRELATED, NOW - timedelta(hours=2))
# Another item telling the press release's story, from a third source.
PAPER = copy("bmj", "bmj-1", REWRITE, NOW - timedelta(hours=1), url="https://example.org/paper")


@pytest.fixture
def writing(store: Store, database_url: str) -> Store:
    return setup_store(store, web_settings(database_url))


def store_batch(store: Store, batch: Sequence[ItemUpdate], *, defer: bool = False) -> None:
    """One source's fetch; ``defer``: as a refresh does, marked, then decided."""
    source = batch[0].source_id
    outcome = SourceOutcome(source, "ok")
    report = FetchReport(source, NOW, NOW, outcome, next_fetch_at=NOW + timedelta(hours=1))
    window = story_window(store)
    steps = window.defer(batch) if defer else window.assign(batch)
    store.save_fetch(report, batch, worker="test", stories=steps)
    if defer:
        store.assign_stories(window.assign_pending())


def shown(store: Store) -> dict[str, tuple[Any, ...]]:
    """url -> (title, summary, owner source, owner guid, published) of each item."""
    with store.session() as session:
        rows = session.execute(
            select(
                Item.canonical_url,
                Item.title,
                Item.summary,
                Item.source_id,
                Item.guid_key,
                Item.published,
            )
        )
        return {url: tuple(rest) for url, *rest in rows}


def stories(store: Store) -> dict[str, tuple[str, bool]]:
    """url -> (url of its story's representative, is it the representative)."""
    with store.session() as session:
        rows = list(
            session.execute(
                select(Item.id, Item.canonical_url, Item.story_id, Item.is_representative)
            )
        )
    urls = {row.id: row.canonical_url for row in rows}
    return {
        row.canonical_url: (urls[row.story_id or row.id], row.is_representative) for row in rows
    }


@pytest.mark.parametrize("first", [PRESS, NEWS], ids=["press-first", "news-first"])
def test_two_copies_in_either_order_leave_the_preferred_copys_text(
    writing: Store, first: ItemUpdate
) -> None:
    second = NEWS if first is PRESS else PRESS
    store_batch(writing, [first])
    store_batch(writing, [second])
    assert shown(writing) == {URL: (*APPROVAL, "fda-press", "fda-1", PRESS.item.published)}
    with writing.session() as session:
        links = set(session.execute(select(ItemSource.source_id, ItemSource.guid_key)))
    assert links == {("fda-press", "fda-1"), ("health-news", "news-1")}


@pytest.mark.parametrize("defer", [False, True], ids=["decided", "deferred"])
@pytest.mark.parametrize(
    "order", list(itertools.permutations(range(3))), ids=lambda o: "".join(map(str, o))
)
def test_any_arrival_order_of_the_copies_gives_the_same_stories(
    writing: Store, order: tuple[int, ...], defer: bool
) -> None:
    batches = [[PRESS], [NEWS], [PAPER]]
    for at in order:
        store_batch(writing, batches[at], defer=defer)
    assert shown(writing)[URL][:2] == APPROVAL
    assert stories(writing) == {URL: (URL, True), PAPER.item.url: (URL, False)}


def test_a_copy_claiming_the_item_in_its_own_batch_leaves_one_item_with_its_text(
    writing: Store,
) -> None:
    later = copy("health-news", "news-2", UNRELATED, NOW - timedelta(hours=2))
    preferred = copy("health-news", "news-1", APPROVAL, NOW - timedelta(hours=3))
    store_batch(writing, [later, preferred], defer=True)
    assert shown(writing) == {URL: (*APPROVAL, "health-news", "news-1", preferred.item.published)}
    found = writing.list_items(q="NATALEE", stories=False).items
    assert [item.title for item in found] == [APPROVAL[0]]
    assert writing.list_items(q="surgeon", stories=False).items == ()


def test_a_claim_after_a_concurrent_claim_is_decided_again(
    writing: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The press release read the news site as owner, but the journal claimed the item
    meanwhile: its rewrite finds another owner, and the batch is decided again."""
    store_batch(writing, [NEWS])
    press = [PRESS]
    with writing.session() as session:
        stale = ingest_module.read_state(session, "fda-press", press)
    journal = copy("bmj", "bmj-2", REWRITE, NOW - timedelta(hours=4))
    store_batch(writing, [journal])
    real = ingest_module.read_state
    reads: list[int] = []

    def stale_then_real(*args: Any) -> StoredState:
        reads.append(1)
        return stale if len(reads) == 1 else real(*args)

    monkeypatch.setattr(ingest_module, "read_state", stale_then_real)
    store_batch(writing, press)
    assert len(reads) == 2
    assert shown(writing) == {URL: (*REWRITE, "bmj", "bmj-2", journal.item.published)}


def test_two_writers_claiming_shared_items_in_opposite_orders_both_succeed(
    writing: Store, database_url: str
) -> None:
    """Two processes store copies of the same items at once, each claiming them in
    its own order: they queue on the items (PostgreSQL) instead of deadlocking, and
    the journal's copies, ranked first, are what the items show."""
    hour = NOW - timedelta(hours=1)

    def copies(source: str) -> list[ItemUpdate]:
        return [
            copy(source, f"{source}-{n}", (f"Report {n} on staffing", f"Summary {n}."), hour, url)
            for n, url in enumerate(f"https://example.org/shared/{n}" for n in range(30))
        ]

    store_batch(writing, copies("health-news"))
    press, journal = copies("fda-press"), copies("bmj")[::-1]
    workers = [Store(database_url), Store(database_url)]
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def work(store: Store, batch: list[ItemUpdate]) -> None:
        start.wait()
        try:
            store_batch(store, batch, defer=True)
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    try:
        threads = [
            threading.Thread(target=work, args=(store, batch))
            for store, batch in zip(workers, (press, journal), strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for store in workers:
            store.close()
    assert failures == []
    assert {owner for _, _, owner, _, _ in shown(writing).values()} == {"bmj"}


def test_a_source_renamed_in_config_takes_over_its_items_and_shows_their_edits(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    """The old id kept ranking first ("alpha" before "zeta"), so the item stayed under a
    removed source and the feed's corrected title never showed."""
    title = {"now": "Registry study of cardiac arrest"}

    def feed() -> bytes:
        return rss([Entry(title["now"], "https://news.example/arrest", summary="Outcomes rose.")])

    with LocalServer() as server:
        server.route("/feed", always_sent(feed))
        url = server.url("/feed")
        assert refresh_one(tmp_path, database_url, store, url, source_id="alpha").new == 1
        refresh_one(tmp_path, database_url, store, url, source_id="zeta")
        title["now"] = "Registry study of cardiac arrest (corrected)"
        refresh_one(tmp_path, database_url, store, url, source_id="zeta")
    with store.session() as session:
        rows = session.execute(select(Item.source_id, Item.title)).all()
    assert rows == [("zeta", "Registry study of cardiac arrest (corrected)")]


@pytest.mark.parametrize("route", [always_sent, served], ids=["no-validators", "answers-304"])
def test_a_source_removed_from_config_gives_way_even_when_the_other_copy_never_changes(
    route: Callable[..., Any], tmp_path: Path, database_url: str, store: Store
) -> None:
    """The remaining copy was Unchanged on every pass, so the item showed the removed
    source for good; where its server answers 304 Not Modified, too."""
    with LocalServer() as server:
        server.route("/feed", route(lambda: rss([Entry("Registry study of cardiac arrest",
                     "https://news.example/arrest", summary="Outcomes rose.")])))  # fmt: skip
        url = server.url("/feed")
        refresh_one(tmp_path, database_url, store, url, source_id="zeta")
        refresh_one(tmp_path, database_url, store, url, source_id="alpha")  # ranks first
        with store.session() as session:
            assert session.execute(select(Item.source_id)).all() == [("alpha",)]
        refresh_one(tmp_path, database_url, store, url, source_id="zeta")  # alpha removed
    with store.session() as session:
        assert session.execute(select(Item.source_id)).all() == [("zeta",)]
