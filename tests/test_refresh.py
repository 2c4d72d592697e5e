"""A refresh pass end to end: real HTTP server, real parser, real database."""

from __future__ import annotations

import functools
import gzip
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aggregator.cli import main
from aggregator.config import Settings, load_settings
from aggregator.dedupe import StoryItem
from aggregator.drugs import generic_names
from aggregator.errors import StorageError
from aggregator.refresh import POOL_THRESHOLD, Refresher, warm_pool
from aggregator.store import Store
from aggregator.store.models import Item, ItemSource
from aggregator.storyindex import Assignment, StoryIndex
from tests.feeds import Entry, config_text, rss, served
from tests.localserver import LocalServer, send

STORY = Entry(
    "FDA approves first oral therapy for condition X",
    "https://news.example.org/2026/11/fda-oral-therapy/",
    "story-1",
    "<p>The agency approved the drug on Tuesday.</p>",
)


KISQALI = (
    "<p>The FDA on Tuesday approved Kisqali (ribociclib), Novartis' CDK4/6 inhibitor, for adults "
    "with HR-positive early breast cancer at high risk of recurrence. The decision rests on the "
    "phase 3 NATALEE trial of 5,101 patients, in which ribociclib cut the risk of recurrence by "
    "25%.</p>",
    "<p>Novartis said Tuesday that regulators cleared Kisqali to treat early breast cancer after "
    "the NATALEE study showed a 25% lower risk of recurrence among 5,101 patients. Common side "
    "effects included neutropenia.</p>",
    "<p>The FDA approved Novartis' Kisqali (ribociclib) for HR-positive early breast cancer at "
    "high risk of recurrence, after the NATALEE trial of 5,101 patients. Ontario reported 12 "
    "more measles cases. Dhaka hospitals admitted 900 dengue patients in a day.</p>",
    "<p>USDA confirmed H5N1 in a commercial pig herd in Iowa. Sudan reported 2,100 cholera "
    "cases. Pakistan recorded two more wild poliovirus cases.</p>",
)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def configure(tmp_path: Path, database_url: str, sources: list[tuple[str, str, str]]) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(config_text(database_url, sources))
    return path


def settings_for(
    tmp_path: Path, database_url: str, sources: list[tuple[str, str, str]]
) -> Settings:
    return load_settings(configure(tmp_path, database_url, sources))


def refresh_all(settings: Settings, store: Store) -> dict[str, object]:
    store.sync_sources(settings.configured_sources())
    outcomes = Refresher(settings, store).refresh(due_only=False)
    return {o.source_id: o for o in outcomes}


def count(store: Store, model: type) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_first_refresh_stores_every_entry(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    entries = [Entry(f"Story {n}", f"https://ex.org/{n}", f"g{n}") for n in range(5)]
    server.route("/feed.xml", served(rss(entries)))
    settings = settings_for(tmp_path, database_url, [("wire", server.url("/feed.xml"), "news")])
    outcome = refresh_all(settings, store)["wire"]
    assert (outcome.status, outcome.new) == ("ok", 5)  # type: ignore[attr-defined]
    assert count(store, Item) == 5


def test_second_refresh_sends_validators_gets_304_and_stores_nothing(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    server.route("/feed.xml", served(rss([STORY])))
    settings = settings_for(tmp_path, database_url, [("wire", server.url("/feed.xml"), "news")])
    refresh_all(settings, store)
    outcome = refresh_all(settings, store)["wire"]
    assert outcome.status == "not-modified"  # type: ignore[attr-defined]
    second = server.requests[-1]
    assert second.headers["if-none-match"].startswith('"')
    assert second.headers["if-modified-since"] == "Wed, 25 Nov 2026 08:00:00 GMT"
    assert count(store, Item) == 1


def test_same_story_in_two_feeds_is_one_item_with_two_sources(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    variants = [
        "https://news.example.org/2026/11/fda-oral-therapy/?utm_source=rss&utm_medium=feed",
        "http://NEWS.example.org:80/2026/11/fda-oral-therapy#comments",
        "https://news.example.org/2026/11/fda-oral-therapy",
    ]
    sources = [("outlet-a", server.url("/a.xml"), "news")]
    server.route("/a.xml", served(rss([STORY])))
    for n, url in enumerate(variants):
        server.route(f"/v{n}.xml", served(rss([Entry(STORY.title, url, f"other-{n}")])))
        sources.append((f"outlet-v{n}", server.url(f"/v{n}.xml"), "news"))
    settings = settings_for(tmp_path, database_url, sources)
    refresh_all(settings, store)
    assert count(store, Item) == 1
    assert count(store, ItemSource) == 4


def test_a_columns_digest_stays_apart_from_the_stories_it_sums_up(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """CIDRAP-style "Quick takes: ..." items retell one sentence of several stories each;
    the label the feed repeats marks them as a column's, so none joins those stories."""
    story = Entry("FDA approves Kisqali (ribociclib) for early breast cancer",
                  "https://wire.example.org/kisqali", "w-1", KISQALI[0])  # fmt: skip
    rewrite = Entry("Novartis wins FDA nod for Kisqali in early breast cancer",
                    "https://outlet.example.org/kisqali", "o-1", KISQALI[1])  # fmt: skip
    takes = [
        Entry("Quick takes: Kisqali cleared in early breast cancer, measles in Ontario",
              "https://cidrap.example.org/qt-1", "c-1", KISQALI[2]),
        Entry("Quick takes: H5N1 in Iowa pigs, cholera in Sudan, polio in Pakistan",
              "https://cidrap.example.org/qt-2", "c-2", KISQALI[3]),
    ]  # fmt: skip
    sources = []
    for name, entries in (("wire", [story]), ("outlet", [rewrite]), ("cidrap", takes)):
        server.route(f"/{name}.xml", served(rss(entries)))
        sources.append((name, server.url(f"/{name}.xml"), "news"))
    refresh_all(settings_for(tmp_path, database_url, sources), store)
    with store.session() as session:
        rows = {title: story for title, story in session.execute(select(Item.title, Item.story_id))}
    assert rows[rewrite.title] == rows[story.title]
    assert all(rows[take.title] not in (rows[story.title], None) for take in takes)
    assert len({rows[take.title] for take in takes}) == 2


def test_edited_entry_is_updated_in_place(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    current = {"body": rss([STORY])}
    server.route("/feed.xml", served(lambda: current["body"]))
    settings = settings_for(tmp_path, database_url, [("wire", server.url("/feed.xml"), "news")])
    refresh_all(settings, store)
    edited = Entry(STORY.title + " (updated)", STORY.link, STORY.guid, "<p>Corrected dose.</p>")
    current["body"] = rss([edited])
    outcome = refresh_all(settings, store)["wire"]
    assert (outcome.new, outcome.updated) == (0, 1)  # type: ignore[attr-defined]
    with store.session() as session:
        titles = session.scalars(select(Item.title)).all()
    assert titles == [edited.title]


def test_unchanged_entries_count_as_unchanged_when_the_server_ignores_validators(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """The document differs (its title here; a build date, often), its entry does not."""
    titles = iter(["Wire, morning", "Wire, evening"])
    server.route("/feed.xml", lambda h: send(h, 200, rss([STORY], title=next(titles)),
                                             {"Content-Type": "application/rss+xml"}))  # fmt: skip
    settings = settings_for(tmp_path, database_url, [("wire", server.url("/feed.xml"), "news")])
    refresh_all(settings, store)
    outcome = refresh_all(settings, store)["wire"]
    assert (outcome.new, outcome.updated, outcome.unchanged) == (0, 0, 1)  # type: ignore[attr-defined]


def huge(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Content-Length", str(50_000_000))
    handler.end_headers()
    chunk = b" " * 65536
    for _ in range(50_000_000 // len(chunk)):
        handler.wfile.write(chunk)


@functools.cache
def bomb_body() -> bytes:
    """Compressed once, not in each request: on a busy machine that took the 2 s timeout."""
    return gzip.compress(b"<rss>" + b" " * 20_000_000)


def bomb(handler: BaseHTTPRequestHandler) -> None:
    headers = {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}
    send(handler, 200, bomb_body(), headers)


def failing_routes(server: LocalServer) -> dict[str, str]:
    """Every way a source can fail, with the words its error must contain."""

    def slow(handler: BaseHTTPRequestHandler) -> None:
        server.closing.wait()  # past any fetch timeout, however busy the machine
        send(handler, 200, rss([STORY]))

    bomb_body()
    server.route("/500.xml", lambda h: send(h, 500, b"oops"))
    server.route("/slow.xml", slow)
    server.route("/huge.xml", huge)
    server.route("/bomb.xml", bomb)
    page = (
        b"<!doctype html><html><head><title>Home</title></head><body><p>Welcome</p></body></html>"
    )
    server.route("/page.html", lambda h: send(h, 200, page, {"Content-Type": "text/html"}))
    return {
        "/500.xml": "HTTP 500",
        "/slow.xml": "timed out",
        "/huge.xml": "larger than",
        "/bomb.xml": "larger than",
        "/page.html": "HTML",
    }


def test_each_broken_source_records_a_clear_error_and_the_others_refresh(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    expected = failing_routes(server)
    server.route("/good.xml", served(rss([STORY])))
    sources = [(f"bad{n}", server.url(p), "news") for n, p in enumerate(expected)]
    sources.append(("good", server.url("/good.xml"), "news"))
    config = configure(tmp_path, database_url, sources)
    assert main(["--config", str(config), "refresh", "--all"]) == 1
    output = capsys.readouterr()
    assert "Traceback" not in output.out + output.err
    rows = {s.id: s for s in store.sources()}
    assert rows["good"].last_status == "ok"
    assert rows["good"].item_count == 1
    for n, (path, words) in enumerate(expected.items()):
        row = rows[f"bad{n}"]
        assert row.last_status == "failed", path
        assert row.consecutive_failures == 1
        assert words.lower() in (row.last_error or "").lower(), (path, row.last_error)


def test_a_feed_with_no_entries_is_a_successful_fetch_of_nothing(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """A quiet feed failed: backoff, "needs attention", and exit 1 on every cron run."""
    server.route("/empty.xml", served(rss([])))
    config = configure(tmp_path, database_url, [("quiet", server.url("/empty.xml"), "news")])
    assert main(["--config", str(config), "refresh", "--all"]) == 0
    assert "no entries at the moment" in capsys.readouterr().out
    (row,) = store.sources()
    assert (row.last_status, row.consecutive_failures, row.last_error) == ("ok", 0, None)
    assert row.item_count == 0


def test_dates_a_feed_gives_but_medfeed_cannot_read_are_noted_on_the_source_until_read(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Items were dated when first seen in silence: the refresh and /sources said nothing."""
    odd = Entry("Vacina contra a gripe", "https://noticias.example.br/1", published="ontem")
    body = {"feed": rss([odd])}
    server.route("/feed.xml", served(lambda: body["feed"]))
    config = configure(tmp_path, database_url, [("br", server.url("/feed.xml"), "news")])
    assert main(["--config", str(config), "refresh", "--all"]) == 0
    note = "1 of 1 entries has a date medfeed cannot read (e.g. 'ontem')"
    assert note in capsys.readouterr().out
    (row,) = store.sources()
    assert (row.last_status, row.consecutive_failures) == ("ok", 0)
    assert note in (row.last_warning or "")
    assert main(["--config", str(config), "refresh", "--all"]) == 0  # 304: the same document
    assert note in (store.sources()[0].last_warning or "")
    body["feed"] = rss([STORY])
    assert main(["--config", str(config), "refresh", "--all"]) == 0
    assert store.sources()[0].last_warning is None


def test_refresh_without_all_skips_sources_that_are_not_due(
    tmp_path: Path, database_url: str, server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route("/feed.xml", served(rss([STORY])))
    config = configure(tmp_path, database_url, [("wire", server.url("/feed.xml"), "news")])
    assert main(["--config", str(config), "refresh"]) == 0
    assert main(["--config", str(config), "refresh"]) == 0
    assert "no source is due" in capsys.readouterr().err  # piped: the summary is on stderr
    assert len(server.requests) == 1


def test_unknown_source_id_is_a_usage_error(
    tmp_path: Path, database_url: str, server: LocalServer
) -> None:
    config = configure(tmp_path, database_url, [("wire", server.url("/feed.xml"), "news")])
    assert main(["--config", str(config), "refresh", "--source", "nope"]) == 2


def test_sources_command_lists_health(
    tmp_path: Path, database_url: str, server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route("/feed.xml", served(rss([STORY])))
    config = configure(tmp_path, database_url, [("wire", server.url("/feed.xml"), "news")])
    main(["--config", str(config), "refresh", "--all"])
    capsys.readouterr()
    assert main(["--config", str(config), "sources"]) == 0
    out = capsys.readouterr().out
    assert "wire" in out and "active" in out


def test_local_file_source_is_not_modified_on_the_second_pass(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    feed = tmp_path / "local.xml"
    feed.write_bytes(rss([STORY]))
    settings = settings_for(tmp_path, database_url, [("local", "local.xml", "news")])
    assert refresh_all(settings, store)["local"].new == 1  # type: ignore[attr-defined]
    assert refresh_all(settings, store)["local"].status == "not-modified"  # type: ignore[attr-defined]


def test_db_upgrade_command_reports_the_schema(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = configure(tmp_path, database_url, [("wire", "https://example.org/feed", "news")])
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    assert "newest schema" in capsys.readouterr().out


def test_a_feed_repeating_a_story_under_two_guids_lists_its_source_once(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    twice = [STORY, Entry(STORY.title, STORY.link + "?utm_source=x", "story-1-again")]
    server.route("/feed.xml", served(rss(twice)))
    settings = settings_for(tmp_path, database_url, [("wire", server.url("/feed.xml"), "news")])
    refresh_all(settings, store)
    assert count(store, Item) == 1
    (item,) = store.list_items(limit=10).items
    assert [ref.id for ref in item.sources] == ["wire"]


def test_a_pass_without_the_turn_leaves_its_stories_to_the_process_that_has_it(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """The process holding the turn decides the stories of what others stored, at the
    latest when it hands the turn over at the end of its own pass."""
    approval = Entry(
        "FDA approves Kisqali (ribociclib) for early breast cancer",
        "https://wire.example.org/kisqali",
        "wire-1",
        "The FDA on Tuesday approved Kisqali (ribociclib), Novartis' CDK4/6 inhibitor, for "
        "adults with early breast cancer after the phase 3 NATALEE trial of 5,101 patients.",
    )
    rewrite = Entry(
        "Novartis wins FDA nod for Kisqali in early breast cancer",
        "https://daily.example.org/novartis-kisqali",
        "daily-1",
        "Novartis said Tuesday that regulators cleared Kisqali to treat early breast cancer "
        "after the NATALEE study of 5,101 patients showed a lower risk of recurrence.",
    )
    server.route("/wire.xml", served(rss([approval])))
    server.route("/daily.xml", served(rss([rewrite])))
    sources = [
        ("wire", server.url("/wire.xml"), "news"),
        ("daily", server.url("/daily.xml"), "news"),
    ]
    settings = settings_for(tmp_path, database_url, sources)
    # Two sources parse in the event loop, the first reading the drug table: on a loaded
    # machine that outlasted the other fetch's 2 s timeout. Read it before the pass.
    generic_names()
    holder = Store(database_url)
    try:
        assert holder.story_turn.take()
        refresh_all(settings, store)
        assert store.stories_pending() is (store.dialect == "postgresql")
        Refresher(settings, holder).refresh(source_ids=[], due_only=False)
    finally:
        holder.close()
    assert not store.stories_pending()
    with store.session() as session:
        stories = set(session.scalars(select(Item.story_id)))
    assert count(store, Item) == 2 and len(stories) == 1


def test_a_claim_that_fails_mid_pass_lets_the_claimed_sources_finish_and_then_raises(
    tmp_path: Path,
    database_url: str,
    store: Store,
    server: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A listed pass claims in shares: a failure of the second claim must not cut the
    first share short nor leave its sources leased."""
    sources = []
    for n in range(12):  # claim_share: 8 first, then the 4 left
        server.route(f"/{n}.xml", served(rss([Entry(f"Story {n}", f"https://ex.org/{n}", f"{n}")])))
        sources.append((f"feed-{n}", server.url(f"/{n}.xml"), "news"))
    settings = settings_for(tmp_path, database_url, sources)
    store.sync_sources(settings.configured_sources())
    claims = 0
    claim = store.claim

    def second_claim_fails(**kwargs: object) -> list[object]:
        nonlocal claims
        claims += 1
        if claims == 2:
            raise StorageError("the database went away")
        return claim(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "claim", second_claim_fails)
    with pytest.raises(StorageError):
        Refresher(settings, store).refresh(due_only=False)
    stored = {s.id: s for s in store.sources()}
    assert sum(1 for s in stored.values() if s.last_status == "ok") == 8
    assert count(store, Item) == 8
    assert not [s.id for s in stored.values() if s.claimed_by]


def test_a_listed_pass_decides_each_batch_alone_while_it_fetches_the_next(
    tmp_path: Path,
    database_url: str,
    store: Store,
    server: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The next batch is fetched while the stored one's stories are decided, yet none
    of its items joins that decision, however long the decision takes: the stories
    are those of batches run one after the other."""
    sources = []
    for n in range(12):  # claim_share: 8 first, then the 4 left
        entries = [
            Entry(f"Topic {n} report {k}", f"https://ex.org/{n}/{k}", f"{n}-{k}") for k in (1, 2)
        ]
        server.route(f"/{n}.xml", served(rss(entries)))
        sources.append((f"feed-{n}", server.url(f"/{n}.xml"), "news"))
    settings = settings_for(tmp_path, database_url, sources)
    add = StoryIndex.add

    def slow_add(
        self: StoryIndex, items: Iterable[StoryItem], *, forget: bool = True
    ) -> list[Assignment]:
        time.sleep(0.5)  # long enough for the next batch to be fetched and parsed
        return add(self, items, forget=forget)

    monkeypatch.setattr(StoryIndex, "add", slow_add)
    outcomes = refresh_all(settings, store)
    assert all(o.status == "ok" for o in outcomes.values())  # type: ignore[attr-defined]
    with store.session() as session:
        rows = session.execute(select(ItemSource.source_id, Item.story_seq).join(Item)).all()
    sources_by_step: dict[int, set[str]] = {}
    for source_id, seq in rows:
        sources_by_step.setdefault(seq, set()).add(source_id)
    assert sorted(len(step) for step in sources_by_step.values()) == [4, 8]
    assert not store.stories_pending()


def test_a_listed_pass_starts_its_parse_pool_early_only_when_a_source_cannot_answer_304(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """Sources never fetched will send bodies: their pass warms the pool before the first
    one arrives. Once every source has a validator, a pass may be all 304s: none then."""
    sources = []
    for n in range(POOL_THRESHOLD):
        server.route(f"/{n}.xml", served(rss([Entry(f"Story {n}", f"https://ex.org/{n}", f"{n}")])))
        sources.append((f"feed-{n}", server.url(f"/{n}.xml"), "news"))
    settings = settings_for(tmp_path, database_url, sources)
    store.sync_sources(settings.configured_sources())
    ids = store.enabled_source_ids()
    with warm_pool(store, ids) as pool:  # type: ignore[union-attr]
        assert pool is not None
        Refresher(settings, store, pool=pool).refresh(source_ids=ids, due_only=False)
    assert count(store, Item) == POOL_THRESHOLD
    assert warm_pool(store, ids) is None  # every source now sends an ETag


def _answered_after(
    event: threading.Event, body: bytes
) -> Callable[[BaseHTTPRequestHandler], None]:
    def handle(handler: BaseHTTPRequestHandler) -> None:
        event.wait(30)
        served(body)(handler)

    return handle


@pytest.mark.parametrize("quick", [1, POOL_THRESHOLD - 1], ids=["one worker", "parse pool"])
def test_a_slow_parse_does_not_use_up_the_other_sources_fetch_timeouts(
    tmp_path: Path,
    database_url: str,
    server: LocalServer,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    quick: int,
) -> None:
    """Starting the parse pool for the first body (one worker for a small pass) ran in the
    event loop: on a busy machine the fetches still in flight timed out (2 s here) while
    the loop was blocked, though their servers answered at once."""
    import aggregator.refresh as refresh_module

    blocking = threading.Event()  # the late feed answers once the slow part has begun
    real_pool = refresh_module.parse_pool

    def slow_pool(workers: int | None = None) -> ProcessPoolExecutor:
        blocking.set()
        time.sleep(3)  # the forkserver importing the parse stack on a loaded machine
        return real_pool(workers)

    monkeypatch.setattr(refresh_module, "parse_pool", slow_pool)
    sources = [(f"quick{n}", f"/quick{n}.xml", "news") for n in range(quick)]
    for n, (_, path, _) in enumerate(sources):
        server.route(path, served(rss([Entry(f"Quick item {n}", f"https://q.example/{n}", "q")])))
    server.route("/late.xml", _answered_after(blocking, rss([STORY])))
    sources.append(("late", "/late.xml", "news"))
    settings = settings_for(
        tmp_path, database_url, [(name, server.url(path), kind) for name, path, kind in sources]
    )

    outcomes = refresh_all(settings, store)

    assert {name: outcome.status for name, outcome in outcomes.items()} == {  # type: ignore[attr-defined]
        name: "ok" for name, _, _ in sources
    }


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (410, {}),
        (200, {"ETag": '"old-v1"', "Cache-Control": "max-age=86400"}),
        (503, {"Retry-After": "86400"}),
    ],
)
def test_a_fetch_of_the_address_the_config_just_replaced_leaves_the_new_one_due_and_unvalidated(
    tmp_path: Path,
    database_url: str,
    store: Store,
    server: LocalServer,
    status: int,
    headers: dict[str, str],
) -> None:
    """The admin fixes a source's URL while a fetch of the old one is in flight: its answer
    (410 Gone, a day's freshness and an ETag, a day's Retry-After) was written over the
    fresh state of the new address, which was then disabled, or fetched a day later and
    with the old address's ETag."""
    old = settings_for(tmp_path, database_url, [("wire", server.url("/old.xml"), "news")])
    new = settings_for(tmp_path, database_url, [("wire", server.url("/new.xml"), "news")])
    store.sync_sources(old.configured_sources())

    def answer_after_the_edit(handler: BaseHTTPRequestHandler) -> None:
        store.sync_sources(new.configured_sources())  # the edit lands mid-fetch
        send(handler, status, rss([STORY]) if status == 200 else b"", {
            "Content-Type": "application/rss+xml", **headers})  # fmt: skip

    server.route("/old.xml", answer_after_the_edit)
    server.route("/new.xml", served(rss([STORY])))
    Refresher(old, store).refresh(due_only=False)
    (source,) = store.sources()
    assert (source.url, source.disabled_reason, source.consecutive_failures) == (
        server.url("/new.xml"), None, 0)  # fmt: skip
    assert source.next_fetch_at is not None and source.next_fetch_at <= datetime.now(UTC)
    assert source.claimed_by is None
    outcome = Refresher(new, store).refresh()[0]  # due: fetched at once, without validators
    assert outcome.status == "ok"
    assert "if-none-match" not in server.requests[-1].headers


def _statistics(store: Store) -> set[str]:
    """The indexes SQLite's planner has statistics of (none: no ``sqlite_stat1`` yet)."""
    with store.engine.connect() as connection:
        if connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).first():
            return {row[0] for row in connection.exec_driver_sql("SELECT idx FROM sqlite_stat1")}
    return set()


def test_a_pass_leaves_sqlite_statistics_for_the_query_planner(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """Nothing ran ANALYZE: a deployment's planner had no statistics (walking a whole
    date index for a rare source), while the benchmarks, which analyse, measured others."""
    if store.dialect != "sqlite":
        pytest.skip("PostgreSQL's autovacuum analyses")
    entries = [Entry(f"Story {n}", f"https://ex.org/{n}", f"g{n}") for n in range(5)]
    server.route("/feed.xml", served(rss(entries)))
    feed = [("wire", server.url("/feed.xml"), "news")]
    assert "ix_items_published" not in _statistics(store)
    refresh_all(settings_for(tmp_path, database_url, feed), store)
    assert {"ix_items_published", "ix_item_sources_source_item"} <= _statistics(store)


def test_sqlite_statistics_behind_another_writer_give_up_within_a_second_or_two(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """Storing statistics takes the write lock: behind another writer it waits
    ``STATISTICS_WAIT_MS``, not the 30 s busy timeout (``Refresher._after_pass`` logs
    the error; the next pass tries again)."""
    if store.dialect != "sqlite":
        pytest.skip("SQLite only")
    server.route("/feed.xml", served(rss([STORY])))
    settings = settings_for(tmp_path, database_url, [("wire", server.url("/feed.xml"), "news")])
    store.sync_sources(settings.configured_sources())
    refresher = Refresher(settings, store)
    assert refresher.run(refresher.claim(due_only=False))[0].new == 1  # stored, no pass ended
    writer = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(StorageError, match="statistics: database is locked"):
            store.update_statistics()
        waited = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert 0.9 < waited < 5
    assert "ix_items_published" not in _statistics(store)
    store.update_statistics()  # the lock free: done, and the connections wait 30 s again
    assert "ix_items_published" in _statistics(store)
    with store.engine.connect() as connection:
        waits = {connection.exec_driver_sql("PRAGMA busy_timeout").scalar()}
    assert waits == {30_000}
