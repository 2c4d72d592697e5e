"""A 200 carrying the very body a source last stored is not parsed again.

Many servers send no validators, or new ones on every request: every pass got
the same bytes with a 200, and parsed and stored them all again. The refresh
keeps a digest of the last body stored (with what decides how it is read) and
records the same body as not modified, like a 304. The server here sends no
ETag and no Last-Modified. Every test runs on SQLite, and on PostgreSQL when
MEDFEED_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import select, update

from aggregator.config import Settings, load_settings
from aggregator.errors import StorageError
from aggregator.records import SourceOutcome, StoredSource
from aggregator.refresh import POOL_THRESHOLD, Refresher, warm_pool
from aggregator.store import Store
from aggregator.store.models import Item, ItemSource, Source
from tests.feeds import Entry, always_sent, config_text, rss
from tests.localserver import LocalServer, send

STORY = Entry("Statin use and dementia risk", "https://journal.example.org/a/1", "a-1")
EDITED = "Edited in the database"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def configure(tmp_path: Path, database_url: str, url: str) -> Settings:
    """One news source, ``journal``, at ``url``."""
    path = tmp_path / "config.yaml"
    path.write_text(config_text(database_url, [("journal", url, "news")]))
    return load_settings(path)


def refresh_every(settings: Settings, store: Store) -> list[SourceOutcome]:
    store.sync_sources(settings.configured_sources())
    return Refresher(settings, store).refresh(due_only=False)


def refresh(settings: Settings, store: Store) -> SourceOutcome:
    (outcome,) = refresh_every(settings, store)
    return outcome


def owners(store: Store) -> list[str]:
    with store.session() as session:
        return list(session.scalars(select(Item.source_id)))


def health(store: Store) -> StoredSource:
    (source,) = store.sources()
    return source


def edit_stored_item(store: Store) -> None:
    """Change the stored item and the hash its entry is compared with: any parse of the
    entry would find it changed and write the feed's title back."""
    with store.session() as session:
        session.execute(update(Item).values(title=EDITED))
        session.execute(update(ItemSource).values(content_hash="edited"))


def titles(store: Store) -> list[str]:
    with store.session() as session:
        return list(session.scalars(select(Item.title).order_by(Item.id)))


def test_the_same_body_again_is_not_parsed_and_counts_as_not_modified(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    server.route("/feed.xml", always_sent(rss([STORY])))
    settings = configure(tmp_path, database_url, server.url("/feed.xml"))
    assert refresh(settings, store).new == 1
    edit_stored_item(store)
    outcome = refresh(settings, store)
    assert (outcome.status, outcome.new, outcome.updated, outcome.unchanged) == (
        "not-modified", 0, 0, 0,
    )  # fmt: skip
    assert titles(store) == [EDITED]
    source = health(store)
    assert (source.last_status, source.last_http_status) == ("not-modified", 200)
    assert (source.consecutive_failures, source.last_error) == (0, None)
    assert len(server.requests) == 2


def test_a_changed_body_is_parsed(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    body = {"feed": rss([STORY])}
    server.route("/feed.xml", always_sent(lambda: body["feed"]))
    settings = configure(tmp_path, database_url, server.url("/feed.xml"))
    refresh(settings, store)
    body["feed"] = rss([STORY, Entry("Second story", "https://journal.example.org/a/2", "a-2")])
    outcome = refresh(settings, store)
    assert (outcome.status, outcome.new, outcome.unchanged) == ("ok", 1, 1)
    assert health(store).last_status == "ok"


def test_a_body_whose_parse_failed_is_parsed_again(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    body = {"feed": rss([STORY])}
    server.route("/feed.xml", always_sent(lambda: body["feed"]))
    settings = configure(tmp_path, database_url, server.url("/feed.xml"))
    refresh(settings, store)
    body["feed"] = b"<!doctype html><html><head><title>Sign in</title></head><body></body></html>"
    for failures in (1, 2):
        outcome = refresh(settings, store)
        assert outcome.status == "failed"
        assert "HTML" in (outcome.error or "")
        assert health(store).consecutive_failures == failures


def test_a_body_whose_items_could_not_be_stored_is_parsed_again(
    tmp_path: Path,
    database_url: str,
    store: Store,
    server: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server.route("/feed.xml", always_sent(rss([STORY])))
    settings = configure(tmp_path, database_url, server.url("/feed.xml"))
    saved = store.save_fetch

    def fails_once(*args: object, **kwargs: object) -> object:
        monkeypatch.setattr(store, "save_fetch", saved)
        raise StorageError("source journal: could not store items: the disk is full")

    monkeypatch.setattr(store, "save_fetch", fails_once)
    assert refresh(settings, store).status == "failed"
    outcome = refresh(settings, store)
    assert (outcome.status, outcome.new) == ("ok", 1)


@pytest.mark.parametrize(
    ("edit", "kind", "label"),
    [
        ("    kind: video\n", "video", "news"),
        ("    kind: news\n    label: press-release\n", "news", "press-release"),
    ],
    ids=["kind", "label"],
)
def test_an_edited_kind_or_label_reads_the_same_body_again(
    tmp_path: Path,
    database_url: str,
    store: Store,
    server: LocalServer,
    edit: str,
    kind: str,
    label: str,
) -> None:
    server.route("/feed.xml", always_sent(rss([STORY])))
    settings = configure(tmp_path, database_url, server.url("/feed.xml"))
    refresh(settings, store)
    edit_stored_item(store)
    text = settings.path.read_text()
    settings.path.write_text(text.replace("    kind: news\n", edit))
    outcome = refresh(load_settings(settings.path), store)
    assert (outcome.status, outcome.updated) == ("ok", 1)
    assert titles(store) == [STORY.title]
    with store.session() as session:
        assert session.execute(select(Item.kind, Item.label)).one() == (kind, label)


def test_an_unconditional_fetch_reads_even_the_same_body(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """``schedule.unconditional_every``: what only a read does (retention's memory of
    purged entries, a changed parser) still happens that often."""
    server.route("/feed.xml", always_sent(rss([STORY])))
    settings = configure(tmp_path, database_url, server.url("/feed.xml"))
    refresh(settings, store)
    long_ago = datetime.now(UTC) - settings.schedule.unconditional_every - timedelta(hours=1)
    with store.session() as session:
        session.execute(update(Source).values(last_unconditional_at=long_ago))
    assert refresh(settings, store).status == "ok"
    assert refresh(settings, store).status == "not-modified"


def test_validators_that_come_with_the_same_body_are_kept(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """A server that starts sending an ETag with the same body is asked with it next time."""
    etags = iter([None, '"v2"', '"v2"'])
    body = rss([STORY])

    def handle(handler: BaseHTTPRequestHandler) -> None:
        etag = next(etags)
        headers = {"ETag": etag} if etag else {}
        if etag and handler.headers.get("If-None-Match") == etag:
            send(handler, 304, headers=headers)
        else:
            send(handler, 200, body, {"Content-Type": "application/rss+xml", **headers})

    server.route("/feed.xml", handle)
    settings = configure(tmp_path, database_url, server.url("/feed.xml"))
    refresh(settings, store)
    assert refresh(settings, store).status == "not-modified"  # the same body, an ETag now
    assert refresh(settings, store).status == "not-modified"
    assert server.requests[-1].headers.get("if-none-match") == '"v2"'
    assert health(store).last_http_status == 304


def test_a_pass_of_sources_whose_last_body_is_known_starts_no_parse_pool_early(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """Without validators a source may still send the body it sent last: its pass may
    parse nothing, so it does not start the pool before a body needs it."""
    sources = []
    for n in range(POOL_THRESHOLD):
        server.route(f"/{n}.xml", always_sent(rss([Entry(f"Story {n}", f"https://ex.org/{n}")])))
        sources.append((f"feed-{n}", server.url(f"/{n}.xml"), "news"))
    path = tmp_path / "config.yaml"
    path.write_text(config_text(database_url, sources))
    settings = load_settings(path)
    store.sync_sources(settings.configured_sources())
    ids = store.enabled_source_ids()
    with warm_pool(store, ids) as pool:  # type: ignore[union-attr]
        assert pool is not None  # never fetched: their bodies will be parsed
        Refresher(settings, store, pool=pool).refresh(source_ids=ids, due_only=False)
    assert warm_pool(store, ids) is None


def test_a_source_demoted_in_the_config_gives_way_to_another_whose_feed_did_not_change(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """Whose copy an item shows follows its sources' labels, and the other source claims
    the item only when it reads its document again, unchanged as that document is."""
    for source_id in ("alpha", "beta"):
        server.route(f"/{source_id}.xml", always_sent(rss([STORY])))
    sources = [(s, server.url(f"/{s}.xml"), "news") for s in ("alpha", "beta")]
    path = tmp_path / "config.yaml"
    text = config_text(database_url, sources).replace(
        "    name: Alpha\n", "    name: Alpha\n    label: journal\n"
    )
    path.write_text(text)
    refresh_every(load_settings(path), store)
    assert owners(store) == ["alpha"]
    path.write_text(text.replace("label: journal", "label: sponsored"))
    refresh_every(load_settings(path), store)
    assert owners(store) == ["beta"]


def test_a_config_edit_made_while_a_source_is_fetched_is_not_undone_by_its_same_body(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """``beta`` is claimed, then alpha is demoted (which forgets beta's digest: beta now
    has to read its document to take the item), then beta's fetch brings the same body.
    Its digest is not written back over the edit: the next pass reads that body."""
    sources = [(s, server.url(f"/{s}.xml"), "news") for s in ("alpha", "beta")]
    path = tmp_path / "config.yaml"
    text = config_text(database_url, sources).replace(
        "    name: Alpha\n", "    name: Alpha\n    label: journal\n"
    )
    path.write_text(text)
    server.route("/alpha.xml", always_sent(rss([STORY])))
    server.route("/beta.xml", always_sent(rss([STORY])))
    claimed = load_settings(path)
    refresh_every(claimed, store)
    assert owners(store) == ["alpha"]

    def edit_then_send(handler: BaseHTTPRequestHandler) -> None:
        path.write_text(text.replace("label: journal", "label: sponsored"))
        store.sync_sources(load_settings(path).configured_sources())
        send(handler, 200, rss([STORY]), {"Content-Type": "application/rss+xml"})

    server.route("/beta.xml", edit_then_send)
    (during,) = Refresher(claimed, store).refresh(source_ids=["beta"], due_only=False)
    assert during.status == "not-modified"
    server.route("/beta.xml", always_sent(rss([STORY])))
    refresh_every(load_settings(path), store)
    assert owners(store) == ["beta"]


def test_a_change_of_the_parsing_code_reads_the_same_body_again(
    tmp_path: Path,
    database_url: str,
    store: Store,
    server: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The code that turns a body into items is part of its digest (``parsecode``): a
    parser fixed reaches the sources whose feeds did not change, at their next fetch."""
    server.route("/feed.xml", always_sent(rss([STORY])))
    settings = configure(tmp_path, database_url, server.url("/feed.xml"))
    refresh(settings, store)
    edit_stored_item(store)
    monkeypatch.setattr("aggregator.prepare.fingerprint", lambda: "a parser fixed", raising=False)
    outcome = refresh(settings, store)
    assert (outcome.status, outcome.updated) == ("ok", 1)
    assert titles(store) == [STORY.title]
    assert refresh(settings, store).status == "not-modified"
