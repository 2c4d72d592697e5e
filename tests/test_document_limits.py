"""Review B #1 and #2: one document's entries, categories and parse time are bounded.

A feed item with 100,000 categories made feedparser quadratic (537 s for one
``refresh --all``), and 150,000 tiny entries cost minutes and 1.6 GB at every
pass. The caps (``parse.max_entries``, ``parse.max_categories``) are scaled down
here so the inputs stay small; the deadline (``parse.timeout``) fails only the
slow source.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from aggregator.config import load_settings
from aggregator.errors import ConfigError
from aggregator.parse import parse_document
from aggregator.parse.limits import Trimmed, trim_xml
from aggregator.records import DocumentLimits, SourceOutcome
from aggregator.refresh import PoolOnDemand, Refresher, _broken
from aggregator.store import Store
from aggregator.store.models import Item
from tests.feeds import Entry, config_text, rss, served
from tests.localserver import LocalServer
from tests.waiting import WAIT, wait_until

URL = "https://e.org/feed"


def dated(n: int, host: str = "e.org") -> Entry:
    """Entry ``n``, published on day ``n`` of November 2026 (a higher ``n`` is newer)."""
    return Entry(
        f"Entry {n}", f"https://{host}/{n}", f"g{n}", published=f"{n:02d} Nov 2026 10:00 GMT"
    )


def capped(text: str, source_id: str, max_entries: int) -> str:
    """``config_text``'s config with the source's own ``max_entries``."""
    name = f"    name: {source_id.title()}\n"
    return text.replace(name, f"{name}    max_entries: {max_entries}\n")


def refreshed(path: Path, store: Store) -> SourceOutcome:
    """The outcome of one pass over the one source of the config at ``path``, synced
    first, as ``medfeed run`` does after an edit."""
    settings = load_settings(path)
    store.sync_sources(settings.configured_sources())
    (outcome,) = Refresher(settings, store).refresh(due_only=False)
    return outcome


def stored_titles(store: Store, source_id: str) -> set[str]:
    with store.session() as session:
        return set(session.scalars(select(Item.title).where(Item.source_id == source_id)))


def tagged(categories: int) -> bytes:
    tags = "".join(f"<category>tag{i}</category>" for i in range(categories))
    return (
        "<rss version='2.0'><channel><title>c</title><item><guid>c1</guid><title>Many tags"
        f"</title><link>https://e.org/c1</link>{tags}</item></channel></rss>"
    ).encode()


def parse_threads() -> list[threading.Thread]:
    """Threads parsing a document in this process, as a pass of 1-3 sources once started
    (``medfeed-parse-<source>``): none should, since a thread cannot be killed."""
    return [t for t in threading.enumerate() if t.name.startswith("medfeed-parse-")]


def parse_workers() -> list[int]:
    """Live processes whose parent is a child of this one: the parse pool's workers,
    which multiprocessing's forkserver (this process's child) forks."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, parent = (entry / "stat").read_text().rpartition(")")[2].split()[:2]
        except (OSError, ValueError):  # not a process, or gone meanwhile
            continue
        if state != "Z":
            parents[int(entry.name)] = int(parent)
    children = {pid for pid, parent in parents.items() if parent == os.getpid()}
    return [pid for pid, parent in parents.items() if parent in children]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def test_an_entry_keeps_its_first_categories_and_the_feed_says_how_many_were_dropped() -> None:
    feed = parse_document(tagged(300), url=URL, limits=DocumentLimits(max_categories=5))
    (item,) = feed.items
    assert item.tags == ("tag0", "tag1", "tag2", "tag3", "tag4")
    assert "295 categories past the first 5 of an entry were dropped" in feed.warnings


def test_entries_under_the_cap_keep_every_category_however_many_the_feed_holds() -> None:
    """Thirty entries of four categories: 120 in the document, none past an entry's cap."""
    tags = "".join(f"<category>tag{i}</category>" for i in range(4))
    items = "".join(
        f"<item><guid>g{n}</guid><title>T{n}</title><link>https://e.org/{n}</link>{tags}</item>"
        for n in range(30)
    )
    body = f"<rss version='2.0'><channel><title>c</title>{items}</channel></rss>".encode()
    assert trim_xml(body, DocumentLimits(max_categories=5)) == Trimmed(body, None)


def test_an_entry_start_inside_a_category_s_cdata_does_not_start_a_new_count() -> None:
    """The cut reads a category's CDATA whole: the "<item>" inside it starts no entry, so
    the entry's fourth category is past a cap of three."""
    body = (
        b"<rss><channel><item><category term='a'/><category><![CDATA[<item>]]></category>"
        b"<category term='b'/><category term='c'/></item></channel></rss>"
    )
    trimmed = trim_xml(body, DocumentLimits(max_categories=3))
    assert trimmed.body == body.replace(b"<category term='c'/>", b"")
    assert trimmed.warnings == ("1 categories past the first 3 of an entry were dropped",)


def test_a_json_feed_entry_keeps_its_first_tags() -> None:
    body = json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "j",
        "items": [{"id": "1", "url": "https://e.org/1", "title": "T", "tags": list("abcdefg")}],
    }).encode()  # fmt: skip
    feed = parse_document(body, url=URL, limits=DocumentLimits(max_categories=3))
    assert feed.items[0].tags == ("a", "b", "c")
    assert "4 categories past the first 3 of an entry were dropped" in feed.warnings


def test_a_document_keeps_its_newest_entries_by_date_in_document_order() -> None:
    body = rss([dated(n) for n in (3, 9, 1, 7, 8, 2)])
    feed = parse_document(body, url=URL, limits=DocumentLimits(max_entries=3))
    assert [item.title for item in feed.items] == ["Entry 9", "Entry 7", "Entry 8"]
    assert "kept the newest 3 of 6 entries (parse.max_entries)" in feed.warnings


def test_a_long_document_listed_oldest_first_still_keeps_its_newest_entries() -> None:
    """The body is cut before parsing to its first and last ``max_entries`` entries."""
    body = rss([dated(n) for n in range(1, 29)])
    feed = parse_document(body, url=URL, limits=DocumentLimits(max_entries=4))
    assert [item.title for item in feed.items] == [f"Entry {n}" for n in (25, 26, 27, 28)]
    assert "kept the newest 4 of 28 entries (parse.max_entries)" in feed.warnings


def test_a_document_within_the_limits_is_parsed_whole_without_warnings() -> None:
    feed = parse_document(rss([dated(n) for n in range(1, 4)]), url=URL)
    assert len(feed.items) == 3 and feed.warnings == ()


def test_a_source_with_too_many_entries_stores_its_newest_and_warns(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    server.route("/many.xml", served(rss([dated(n) for n in range(1, 21)])))
    path = tmp_path / "config.yaml"
    sources = [("many", server.url("/many.xml"), "news")]
    path.write_text(config_text(database_url, sources, parse="{max_entries: 5}"))
    settings = load_settings(path)
    store.sync_sources(settings.configured_sources())
    (outcome,) = Refresher(settings, store).refresh(due_only=False)
    assert outcome.status == "ok" and outcome.new == 5
    assert outcome.warnings == ("kept the newest 5 of 20 entries (parse.max_entries)",)
    with store.session() as session:
        titles = set(session.scalars(select(Item.title)))
    assert titles == {f"Entry {n}" for n in range(16, 21)}


def test_a_source_keeps_its_own_max_entries_and_another_the_global_one(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    for host in ("archive", "wire"):
        server.route(f"/{host}.xml", served(rss([dated(n, f"{host}.org") for n in range(1, 21)])))
    path = tmp_path / "config.yaml"
    sources = [(host, server.url(f"/{host}.xml"), "news") for host in ("archive", "wire")]
    path.write_text(
        capped(config_text(database_url, sources, parse="{max_entries: 5}"), "archive", 3)
    )
    settings = load_settings(path)
    store.sync_sources(settings.configured_sources())
    archive, wire = Refresher(settings, store).refresh(due_only=False)
    assert (archive.new, wire.new) == (3, 5)
    assert archive.warnings == ("kept the newest 3 of 20 entries (max_entries of source archive)",)
    assert wire.warnings == ("kept the newest 5 of 20 entries (parse.max_entries)",)
    assert stored_titles(store, "archive") == {f"Entry {n}" for n in (18, 19, 20)}
    assert stored_titles(store, "wire") == {f"Entry {n}" for n in range(16, 21)}


def archive_config(database_url: str, url: str, caps: tuple[int | None, int]) -> str:
    """One source, "archive", at ``url``, under its own cap (None: none) and the global one."""
    own, overall = caps
    text = config_text(
        database_url, [("archive", url, "news")], parse=f"{{max_entries: {overall}}}"
    )
    return text if own is None else capped(text, "archive", own)


@pytest.mark.parametrize(
    ("before", "after"),
    [((3, 10), (6, 10)), ((None, 3), (None, 6))],
    ids=["its own", "the global one it follows"],
)  # fmt: skip
def test_a_changed_max_entries_reads_the_unchanged_feed_again(
    tmp_path: Path,
    database_url: str,
    store: Store,
    server: LocalServer,
    before: tuple[int | None, int],
    after: tuple[int | None, int],
) -> None:
    """The server answers a conditional GET with 304: the feed did not change, the cap did."""
    server.route("/archive.xml", served(rss([dated(n) for n in range(1, 21)])))
    path = tmp_path / "config.yaml"
    url = server.url("/archive.xml")
    path.write_text(archive_config(database_url, url, before))
    assert [refreshed(path, store).status for _ in range(2)] == ["ok", "not-modified"]
    path.write_text(archive_config(database_url, url, after))
    outcome = refreshed(path, store)
    assert (outcome.status, outcome.new) == ("ok", 3)
    assert "if-none-match" not in server.requests[-1].headers
    assert stored_titles(store, "archive") == {f"Entry {n}" for n in range(15, 21)}


def test_a_lowered_max_categories_reads_the_unchanged_feed_again(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """The server answers a conditional GET with 304: the feed did not change, the cap
    on an entry's categories did, and its entry keeps fewer of them."""
    server.route("/tagged.xml", served(tagged(8)))
    path = tmp_path / "config.yaml"
    sources = [("tagged", server.url("/tagged.xml"), "news")]
    path.write_text(config_text(database_url, sources, parse="{max_categories: 5}"))
    assert [refreshed(path, store).status for _ in range(2)] == ["ok", "not-modified"]
    path.write_text(config_text(database_url, sources, parse="{max_categories: 3}"))
    outcome = refreshed(path, store)
    assert (outcome.status, outcome.updated) == ("ok", 1)
    assert outcome.warnings == ("5 categories past the first 3 of an entry were dropped",)
    assert "if-none-match" not in server.requests[-1].headers
    with store.session() as session:
        assert session.scalars(select(Item.tags)).one() == ["tag0", "tag1", "tag2"]
    assert refreshed(path, store).status == "not-modified"  # read whole once, not at every pass


def test_a_parse_past_its_deadline_fails_its_source_and_its_workers_are_replaced(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """20,000 categories (the cap lifted) take feedparser ~18 s in a pool worker."""
    server.route("/slow.xml", served(tagged(20_000)))
    server.route("/ok.xml", served(rss([dated(1)])))
    path = tmp_path / "config.yaml"
    sources = [("slow", server.url("/slow.xml"), "news"), ("ok", server.url("/ok.xml"), "news")]
    limits = "{max_categories: 20000, timeout: 2s}"
    path.write_text(config_text(database_url, sources, parse=limits))
    settings = load_settings(path)
    store.sync_sources(settings.configured_sources())
    with PoolOnDemand() as pool:
        pool.warm()
        pool.wait_started()  # the workers' start-up is not the parse's time
        started = time.monotonic()
        (slow,) = Refresher(settings, store, pool=pool).refresh(source_ids=["slow"], due_only=False)
        assert slow.status == "failed"
        assert slow.error == "parsing took longer than 2 s (parse.timeout): abandoned"
        # Not the parse's 18 s (longer still on a busy machine): the margin is for the load.
        assert time.monotonic() - started < 12
        # new workers parse (their first job loads tables: seconds on a busy machine)
        path.write_text(config_text(database_url, sources, parse="{timeout: 60s}"))
        later = load_settings(path)
        (ok,) = Refresher(later, store, pool=pool).refresh(source_ids=["ok"], due_only=False)
        assert ok.status == "ok" and ok.new == 1


def slow_pass(
    tmp_path: Path,
    database_url: str,
    store: Store,
    server: LocalServer,
    tags: int,
    timeout: str,
    source_id: str = "slow",
) -> SourceOutcome:
    """The outcome of a pass of one source whose one entry has ``tags`` categories, all
    kept, parsed under ``parse.timeout: timeout``."""
    server.route(f"/{source_id}.xml", served(tagged(tags)))
    path = tmp_path / "config.yaml"
    sources = [(source_id, server.url(f"/{source_id}.xml"), "news")]
    limits = f"{{max_categories: {tags}, timeout: {timeout}}}"
    path.write_text(config_text(database_url, sources, parse=limits))
    settings = load_settings(path)
    store.sync_sources(settings.configured_sources())
    (slow,) = Refresher(settings, store).refresh(due_only=False)
    return slow


def test_a_small_document_of_a_one_source_pass_past_its_deadline_fails_its_source(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """5,000 categories, the cap lifted: ~1 s of feedparser, more on a busy machine (135 kB)."""
    slow = slow_pass(tmp_path, database_url, store, server, 5_000, "0.2s")
    assert slow.status == "failed"
    assert slow.error == "parsing took longer than 0.2 s (parse.timeout): abandoned"
    assert parse_threads() == [] and parse_workers() == []


def long_author(length: int) -> bytes:
    """A feed whose one entry has an author of ``length`` letters and no "@": feedparser
    looks for an e-mail address in it with a pattern that tries every start, a search
    quadratic in the length, all of it one call into C (``re``) that holds the lock of
    the interpreter (20,000 letters: 2.4 s; 40,000: 7 s)."""
    return (
        "<rss version='2.0'><channel><title>c</title><item><guid>a1</guid><title>Authored"
        f"</title><link>https://e.org/a1</link><author>{'a' * length}</author></item>"
        "</channel></rss>"
    ).encode()


def test_a_one_source_pass_ends_at_its_parse_deadline_though_the_parse_holds_the_interpreter(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """A pass of 1-3 sources parsed a document up to 256 kB in a thread: abandoned at its
    deadline, but a parse inside one long call into C holds the interpreter's lock, so
    the event loop, and with it the deadline, stood still until the call returned. This
    120 kB document (over a minute of the pattern) held its pass that long, and
    ``medfeed refresh --source`` with it, though ``parse.timeout`` was 1 s."""
    server.route("/authored.xml", served(long_author(120_000)))
    path = tmp_path / "config.yaml"
    sources = [("authored", server.url("/authored.xml"), "news")]
    path.write_text(config_text(database_url, sources, parse="{timeout: 1s}"))
    started = time.monotonic()
    outcome = refreshed(path, store)
    assert outcome.error == "parsing took longer than 1 s (parse.timeout): abandoned"
    # the deadline, a parse worker started (seconds on a loaded machine), a margin for load
    assert time.monotonic() - started < 30
    assert parse_threads() == [] and parse_workers() == []


def test_a_large_document_of_a_one_source_pass_past_its_deadline_leaves_nothing_parsing(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """A large document of a pass too small for a pool parses in a worker, killed at the
    deadline: in a thread it was only abandoned, and ran on with a core for as long as
    the document made it (20,000 categories, the cap lifted: 540 kB, ~18 s of feedparser)."""
    slow = slow_pass(tmp_path, database_url, store, server, 20_000, "2s", "large")
    assert slow.error == "parsing took longer than 2 s (parse.timeout): abandoned"
    assert parse_threads() == [] and parse_workers() == []


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("{max_entries: 0}", "parse.max_entries"),
        ("{max_categories: many}", "parse.max_categories"),
        ("{timeout: 0s}", "parse.timeout"),
        ("{max_items: 5}", "parse.max_items"),
    ],
)
def test_a_bad_parse_setting_is_a_config_error_naming_its_field(
    tmp_path: Path, value: str, field: str
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(config_text("sqlite:///m.db", [("a", "https://e.org/f", "news")], parse=value))
    with pytest.raises(ConfigError, match=rf"field {re.escape(field)}"):
        load_settings(path)


@pytest.mark.parametrize(
    ("value", "said"),
    [("0", "greater than or equal to 1"), ("100001", "less than or equal to 100000"),
     ("many", "'many' is not a whole number"),
     ("yes", "a yes/no (true/false) value is not a whole number"),
     ("2.5", "2.5 is not a whole number")],
)  # fmt: skip
def test_a_bad_max_entries_of_a_source_is_a_config_error_naming_its_line(
    tmp_path: Path, value: str, said: str
) -> None:
    path = tmp_path / "config.yaml"
    sources = [("a", "https://e.org/a", "news"), ("b", "https://e.org/b", "news")]
    text = capped(config_text("sqlite:///m.db", sources), "b", 1).replace(
        "max_entries: 1", f"max_entries: {value}"
    )
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"field sources\[1\]\.max_entries") as raised:
        load_settings(path)
    assert said in str(raised.value)
    assert raised.value.line == text.splitlines().index(f"    max_entries: {value}") + 1


def test_a_pushed_document_past_its_parse_deadline_is_dropped_and_the_pass_goes_on(
    tmp_path: Path, database_url: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """A hub's push is parsed under ``parse.timeout`` as a fetched body is: before, a parse
    that never ended (a calendar rule that never moved on) stopped refreshing."""
    path = tmp_path / "config.yaml"
    sources = [("slow", "https://ex.org/slow.xml", "news")]
    path.write_text(
        config_text(database_url, sources, parse="{max_categories: 5000, timeout: 0.2s}")
    )
    settings = load_settings(path).model_copy(update={"public_url": "https://news.example.org"})
    store.sync_sources(settings.configured_sources())
    store.websub.queue("slow", tagged(5_000), "application/rss+xml", datetime.now(UTC))
    assert Refresher(settings, store).ingest_pushed() == []
    assert "parsing took longer than 0.2 s (parse.timeout): abandoned" in caplog.text
    assert not store.websub.pending()


def test_a_push_whose_parse_runs_past_its_deadline_is_stopped_and_the_next_push_is_stored(
    tmp_path: Path, database_url: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """A push parses in a pool worker, killed at the deadline as a fetched body's is: in a
    thread it was only abandoned, and ran on with a core and its memory for as long as
    the document made it (20,000 categories, the cap lifted: ~18 s of feedparser)."""
    path = tmp_path / "config.yaml"
    sources = [("slow", "https://ex.org/slow.xml", "news")]
    limits = "{max_categories: 20000, timeout: 2s}"
    path.write_text(config_text(database_url, sources, parse=limits))
    settings = load_settings(path).model_copy(update={"public_url": "https://news.example.org"})
    store.sync_sources(settings.configured_sources())
    store.websub.queue("slow", tagged(20_000), "application/rss+xml", datetime.now(UTC))
    assert Refresher(settings, store).ingest_pushed() == []
    assert "parsing took longer than 2 s (parse.timeout): abandoned" in caplog.text
    assert parse_threads() == [] and parse_workers() == []
    store.websub.queue("slow", rss([dated(1)]), "application/rss+xml", datetime.now(UTC))
    (pushed,) = Refresher(settings, store).ingest_pushed()
    assert (pushed.status, pushed.new) == ("pushed", 1)
    assert stored_titles(store, "slow") == {"Entry 1"}
    assert parse_workers() == []


def test_a_pool_whose_worker_died_by_itself_is_replaced_and_the_next_push_is_stored(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    """A worker the OOM killer took (or a crash in lxml) breaks the service's pool, which
    pushes share with passes: nothing replaced it, and every later push and fetched
    body failed with ``BrokenProcessPool`` until the process restarted."""
    path = tmp_path / "config.yaml"
    sources = [("slow", "https://ex.org/slow.xml", "news")]
    path.write_text(config_text(database_url, sources, parse="{timeout: 60s}"))
    settings = load_settings(path).model_copy(update={"public_url": "https://news.example.org"})
    store.sync_sources(settings.configured_sources())
    with PoolOnDemand() as pool:
        pool.wait_started()
        worker = pool.submit(os.getpid).result()
        os.kill(worker, signal.SIGKILL)
        assert wait_until(lambda: _broken(pool._pool), WAIT)  # the pool saw its worker die
        store.websub.queue("slow", rss([dated(1)]), "application/rss+xml", datetime.now(UTC))
        (pushed,) = Refresher(settings, store, pool=pool).ingest_pushed()
        assert (pushed.status, pushed.new) == ("pushed", 1)


def test_a_job_handed_in_while_the_pool_is_abandoned_goes_to_the_new_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A job's pool was picked under the lock and handed in after it: a concurrent
    ``abandon`` (a push's deadline, on the tick's thread) could shut that pool down in
    between, and the job failed with ``RuntimeError: cannot schedule new futures after
    shutdown``, which nothing retried."""
    with PoolOnDemand(1) as pool:
        pool.wait_started()
        first = pool._started()
        handing_in = first.submit
        abandoning = threading.Thread(target=pool.abandon)

        def abandoned_meanwhile(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            abandoning.start()
            abandoning.join(2)  # the pool is shut down by now, or waits for the hand-in
            return handing_in(fn, *args, **kwargs)

        monkeypatch.setattr(first, "submit", abandoned_meanwhile)
        handed = pool.submit(os.getpid)  # no RuntimeError
        abandoning.join()
        with contextlib.suppress(BrokenProcessPool):  # killed with its workers: ``_parse``
            handed.result()  # hands it in again
        assert pool.submit(os.getpid).result() > 0  # new workers
