"""WebSub against a hub written here: discovery, subscription and its verification, signed
deliveries ingested through the normal pipeline, bad signatures dropped, leases renewed."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import multiprocessing
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from werkzeug.serving import make_server

from aggregator.config import Settings, load_settings
from aggregator.fetch import FetchLimits
from aggregator.records import Fetched
from aggregator.refresh import Refresher
from aggregator.schedule import RefreshService
from aggregator.store import Store
from aggregator.store.models import WebSubSubscription
from aggregator.websub import MAX_LEASE, hub_links, subscribe_due, valid_signature
from tests.feeds import Entry, always_sent, config_text, rss, served
from tests.localserver import LocalServer, send
from tests.waiting import wait_until
from web import create_app

FIRST = Entry("Aspirin trial halts early", "https://ex.org/1", "g1")
PUSHED = Entry("Measles cases rise in Europe", "https://ex.org/2", "g2")


def feed(hub: str, topic: str, *entries: Entry) -> bytes:
    items = "".join(
        f"<item><title>{e.title}</title><link>{e.link}</link><guid>{e.guid}</guid>"
        f"<pubDate>{e.published}</pubDate></item>"
        for e in entries
    )
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>Wire</title><link>https://ex.org/</link><description>d</description>"
        f'<atom:link rel="hub" href="{hub}"/><atom:link rel="self" href="{topic}"/>'
        f"{items}</channel></rss>"
    ).encode()


class Hub:
    """A WebSub hub: takes subscriptions (202), verifies them with a challenge, publishes
    signed content to verified subscribers. Records what it got and what it verified."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.verified: list[str] = []  # callbacks that echoed the challenge
        self.subscribers: dict[str, str] = {}  # callback -> secret
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                hub.requests.append(form)
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                threading.Thread(target=hub._verify, args=(form,), daemon=True).start()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def _verify(self, form: dict[str, str]) -> None:
        params = {
            "hub.mode": "subscribe",
            "hub.topic": form["hub.topic"],
            "hub.challenge": "c-" + form["hub.secret"][:6],
            "hub.lease_seconds": "864000",
        }
        answer = httpx.get(form["hub.callback"], params=params, timeout=5)
        if answer.status_code == 200 and answer.text == params["hub.challenge"]:
            self.subscribers[form["hub.callback"]] = form["hub.secret"]
            self.verified.append(form["hub.callback"])

    def publish(self, callback: str, body: bytes, *, secret: str | None = None) -> int:
        key = (secret or self.subscribers[callback]).encode()
        signature = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/rss+xml", "X-Hub-Signature": signature}
        return httpx.post(callback, content=body, headers=headers, timeout=5).status_code

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Site:
    """The Flask app served for real on 127.0.0.1, as the hub must reach it."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self._server = make_server("127.0.0.1", 0, create_app(settings, store), threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()


@pytest.fixture
def hub() -> Iterator[Hub]:
    hub = Hub()
    yield hub
    hub.close()


@pytest.fixture
def world(tmp_path: Path, database_url: str, store: Store, hub: Hub) -> Iterator[dict[str, Any]]:
    """A feed naming the hub, a site at a public_url, settings and store for them."""
    with LocalServer() as feeds:
        topic = feeds.url("/wire.xml")
        feeds.route("/wire.xml", served(feed(hub.url, topic, FIRST)))
        config = tmp_path / "config.yaml"
        # The hub is on this machine: the admin allows it, as any intranet hub would be.
        allowed = "{allow_hosts: ['127.0.0.1']}"
        config.write_text(config_text(database_url, [("wire", topic, "news")], fulltext=allowed))
        settings = load_settings(config)
        site = Site(settings, store)
        settings = settings.model_copy(update={"public_url": site.url})
        store.sync_sources(settings.configured_sources())
        try:
            yield {"settings": settings, "site": site, "topic": topic, "feeds": feeds}
        finally:
            site.close()


def callback(hub: Hub) -> str:
    """The callback medfeed gave the hub in its latest request."""
    return hub.requests[-1]["hub.callback"]


def subscription(store: Store) -> WebSubSubscription | None:
    with store.session() as session:
        row = session.get(WebSubSubscription, "wire")
        if row is not None:
            session.expunge(row)
        return row


def titles(store: Store) -> set[str]:
    return {item.title for item in store.list_items(limit=50).items}


def test_a_refresh_subscribes_to_the_hub_and_the_site_answers_its_verification(
    world: dict[str, Any], store: Store, hub: Hub
) -> None:
    Refresher(world["settings"], store).refresh(due_only=False)
    assert wait_until(lambda: len(hub.verified) == 1)
    assert hub.verified == [callback(hub)]
    assert callback(hub).startswith(f"{world['site'].url}/websub/wire/")
    (request,) = hub.requests
    assert (request["hub.mode"], request["hub.topic"]) == ("subscribe", world["topic"])
    row = subscription(store)
    assert row is not None and row.state == "active" and row.secret == request["hub.secret"]
    assert row.lease_until is not None
    assert row.lease_until - datetime.now(UTC) > timedelta(days=9)  # the hub's 10 days


def test_a_signed_delivery_is_ingested_through_the_pipeline(
    world: dict[str, Any], store: Store, hub: Hub
) -> None:
    Refresher(world["settings"], store).refresh(due_only=False)
    assert wait_until(lambda: bool(hub.verified))
    body = feed(hub.url, world["topic"], PUSHED, FIRST)
    assert hub.publish(callback(hub), body) == 202
    outcomes = Refresher(world["settings"], store).ingest_pushed()
    assert [(o.status, o.new, o.unchanged) for o in outcomes] == [("pushed", 1, 1)]
    assert titles(store) == {FIRST.title, PUSHED.title}


def test_a_delivery_with_a_wrong_signature_is_acknowledged_and_dropped(
    world: dict[str, Any], store: Store, hub: Hub
) -> None:
    Refresher(world["settings"], store).refresh(due_only=False)
    assert wait_until(lambda: bool(hub.verified))
    body = feed(hub.url, world["topic"], PUSHED)
    assert hub.publish(callback(hub), body, secret="not-the-secret") == 202
    assert Refresher(world["settings"], store).ingest_pushed() == []
    assert PUSHED.title not in titles(store)


def test_a_verification_for_another_topic_or_unasked_is_refused(
    world: dict[str, Any], store: Store
) -> None:
    params = {"hub.mode": "subscribe", "hub.topic": "https://evil.example/feed",
              "hub.challenge": "x", "hub.lease_seconds": "60"}  # fmt: skip
    guessed = f"{world['site'].url}/websub/wire/{'0' * 32}"
    assert httpx.get(guessed, params=params, timeout=5).status_code == 404
    params["hub.topic"] = world["topic"]
    assert httpx.get(guessed, params=params, timeout=5).status_code == 404
    assert subscription(store) is None


def test_a_stranger_knowing_source_and_topic_cannot_confirm_stretch_or_deny(
    world: dict[str, Any], store: Store, hub: Hub
) -> None:
    Refresher(world["settings"], store).refresh(due_only=False)
    assert wait_until(lambda: len(hub.verified) == 1)
    before = subscription(store)
    assert before is not None and before.state == "active"
    stretch = {"hub.mode": "subscribe", "hub.topic": world["topic"], "hub.challenge": "x",
               "hub.lease_seconds": "2000000000"}  # fmt: skip
    deny = {"hub.mode": "denied", "hub.topic": world["topic"], "hub.reason": "spoofed"}
    for url in (f"{world['site'].url}/websub/wire", f"{world['site'].url}/websub/wire/{'f' * 32}"):
        for params in (stretch, deny):
            assert httpx.get(url, params=params, timeout=5).status_code in (404, 405)
    after = subscription(store)
    assert after is not None
    assert (after.state, after.lease_until) == (before.state, before.lease_until)
    # The hub itself, at the callback it was given, may not grant more than MAX_LEASE.
    assert httpx.get(callback(hub), params=stretch, timeout=5).status_code == 200
    granted = subscription(store)
    assert granted is not None and granted.lease_until is not None
    assert granted.lease_until - datetime.now(UTC) <= MAX_LEASE


def test_a_lease_near_its_end_is_renewed_on_the_next_pass(
    world: dict[str, Any], store: Store, hub: Hub
) -> None:
    Refresher(world["settings"], store).refresh(due_only=False)
    assert wait_until(lambda: len(hub.verified) == 1)
    Refresher(world["settings"], store).refresh(due_only=False)
    assert len(hub.requests) == 1  # ten days left: nothing to do
    with store.session() as session:
        row = session.get(WebSubSubscription, "wire")
        assert row is not None
        row.lease_until = datetime.now(UTC) + timedelta(hours=2)
    Refresher(world["settings"], store).refresh(due_only=False)
    assert wait_until(lambda: len(hub.verified) == 2)
    assert len(hub.requests) == 2


def test_without_a_public_url_nothing_is_subscribed(
    world: dict[str, Any], store: Store, hub: Hub
) -> None:
    settings = world["settings"].model_copy(update={"public_url": None})
    Refresher(settings, store).refresh(due_only=False)
    assert hub.requests == [] and subscription(store) is None


def test_pushed_content_reaches_the_page_within_a_tick_of_the_service(
    world: dict[str, Any], store: Store, hub: Hub
) -> None:
    settings = world["settings"]
    schedule = settings.schedule.model_copy(
        update={"tick": timedelta(seconds=0.2), "default_interval": timedelta(hours=1)}
    )
    fast = settings.model_copy(update={"schedule": schedule})
    service = RefreshService(fast, store, worker="websub-test")
    try:  # start inside: a start that fails half-way may leave the scheduler running
        service.start()
        assert wait_until(lambda: bool(hub.verified))
        published = time.monotonic()
        hub.publish(callback(hub), feed(hub.url, world["topic"], PUSHED, FIRST))
        page = world["site"].url + "/api/items"
        assert wait_until(lambda: PUSHED.title in httpx.get(page, timeout=5).text)
        print(f"publish to page: {time.monotonic() - published:.2f} s")
    finally:
        service.stop()


def test_hub_and_self_links_are_read_from_headers_and_body() -> None:
    body = b'<feed><link rel="hub" href="https://hub.example/"/><link rel="self" href="/f"/>'
    fetched = Fetched(url="https://ex.org/feed", status=200, body=body)
    assert hub_links(fetched) == ("https://hub.example/", "https://ex.org/f")
    headers = {"link": '<https://h2.example/>; rel="hub", <https://ex.org/t>; rel="self"'}
    with_headers = Fetched(url="https://ex.org/feed", status=200, body=body, headers=headers)
    assert hub_links(with_headers) == ("https://h2.example/", "https://ex.org/t")


def test_hostile_link_header_and_body_cost_linear_work_and_hide_no_hub() -> None:
    """The scan runs on the event loop for every fetched body, so a stranger's header and
    body must cost work in proportion to their size. The work is bounded by running the
    scan in a process under a generous deadline: the quadratic scan it replaced took about
    ten minutes on this header and over a minute on this body, the linear one milliseconds
    (the bound is mostly the process's start on a loaded machine)."""
    header = "<" * 200_000 + ', <https://hub.example/>; rel="hub"'
    body = b"<feed><link " + b"a" * 60_000 + b'><link rel="self" href="/f"/>'
    fetched = Fetched(url="https://ex.org/feed", status=200, body=body, headers={"link": header})
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        found = pool.apply_async(hub_links, (fetched,)).get(timeout=30)
    assert found == ("https://hub.example/", "https://ex.org/f")


def test_signatures_are_checked_with_any_websub_algorithm() -> None:
    body = b"payload"
    for name, algorithm in (("sha1", hashlib.sha1), ("sha512", hashlib.sha512)):
        header = f"{name}=" + hmac.new(b"s3cret", body, algorithm).hexdigest()
        assert valid_signature("s3cret", body, header)
        assert not valid_signature("other", body, header)
    assert not valid_signature("s3cret", body, None)
    assert not valid_signature("s3cret", body, "md5=abc")


def test_a_refresh_pass_stores_queued_pushes_even_when_no_source_is_due(
    world: dict[str, Any], store: Store, hub: Hub
) -> None:
    Refresher(world["settings"], store).refresh(due_only=False)
    assert wait_until(lambda: bool(hub.verified))
    hub.publish(callback(hub), feed(hub.url, world["topic"], PUSHED, FIRST))
    outcomes = Refresher(world["settings"], store).refresh(due_only=True)
    assert [(o.source_id, o.status, o.new) for o in outcomes] == [("wire", "pushed", 1)]


def test_deliveries_for_unknown_sources_or_too_large_are_refused(
    world: dict[str, Any], store: Store, hub: Hub
) -> None:
    Refresher(world["settings"], store).refresh(due_only=False)
    assert wait_until(lambda: bool(hub.verified))
    unknown = world["site"].url + "/websub/nobody"
    assert httpx.post(unknown, content=b"<rss/>", timeout=5).status_code == 404
    too_large = b"x" * (world["settings"].http.max_bytes + 1)
    assert hub.publish(callback(hub), too_large) == 413
    assert not store.websub.pending()


def test_a_hub_on_a_private_address_is_not_asked_unless_the_admin_allows_it(
    world: dict[str, Any], store: Store, hub: Hub
) -> None:
    # The hub's address comes from the feed: anyone who controls a feed could otherwise
    # make medfeed POST to the loopback, the intranet or a cloud metadata service.
    fulltext = world["settings"].fulltext.model_copy(update={"allow_hosts": ()})
    settings = world["settings"].model_copy(update={"fulltext": fulltext})
    Refresher(settings, store).refresh(due_only=False)
    assert hub.requests == []
    row = subscription(store)
    assert row is not None and row.error is not None and "refusing" in row.error


def test_a_hub_that_drips_its_answer_fails_its_subscription_within_the_timeout(
    world: dict[str, Any], store: Store, hub: Hub
) -> None:
    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"HTTP/1.1 202 Accepted\r\n")
        for _ in range(40):  # a header byte every 0.5 s: each read is quick, the whole is not
            handler.wfile.write(b"X")
            handler.wfile.flush()
            time.sleep(0.5)

    with LocalServer() as slow:
        slow.route("/hub", drip)
        store.websub.note_hub("wire", slow.url("/hub"), world["topic"], datetime.now(UTC))
        limits = FetchLimits(timeout=2.0)
        now = datetime.now(UTC)
        asked = asyncio.run(
            subscribe_due(world["site"].url, store, limits, now, allow_hosts=["127.0.0.1"])
        )
    assert asked == []
    row = subscription(store)
    assert row is not None and row.error is not None and "TimeoutError" in row.error


def test_a_hub_address_that_does_not_parse_fails_only_its_subscription(
    world: dict[str, Any], store: Store
) -> None:
    store.websub.note_hub("wire", "http://xn--a/hub", world["topic"], datetime.now(UTC))
    asked = asyncio.run(subscribe_due(world["site"].url, store, FetchLimits(timeout=2.0),
                                      datetime.now(UTC)))  # fmt: skip
    assert asked == []
    row = subscription(store)
    assert row is not None and row.error is not None and row.error.startswith("hub http://xn--a/")


def test_hub_links_that_do_not_parse_or_are_not_web_addresses_are_passed_over() -> None:
    body = (
        b'<feed><link rel="hub" href="http://[bad"/><link rel="hub" href="file:///etc/x"/>'
        b'<link rel="hub" href="https://hub.example/"/><link rel="self" href="http://h:99999/"/>'
    )
    fetched = Fetched(url="https://ex.org/feed", status=200, body=body)
    assert hub_links(fetched) == ("https://hub.example/", None)


def test_a_signature_header_beyond_ascii_is_invalid_not_an_error() -> None:
    assert not valid_signature("s3cret", b"payload", "sha256=é")


def test_a_chunked_delivery_over_the_size_cap_is_refused_unread(
    world: dict[str, Any], store: Store, hub: Hub
) -> None:
    Refresher(world["settings"], store).refresh(due_only=False)
    assert wait_until(lambda: bool(hub.verified))
    limit = world["settings"].http.max_bytes

    def chunks() -> Iterator[bytes]:  # no Content-Length: the site must stop reading itself
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536

    answer = httpx.post(callback(hub), content=chunks(), timeout=10)
    assert answer.status_code == 413
    assert not store.websub.pending()


def test_a_poll_after_a_push_reads_the_body_it_last_polled_again(
    world: dict[str, Any], store: Store, hub: Hub
) -> None:
    """The push replaced what the polled body made (an entry's title): the feed going back
    to that body is news to the store, though the poll saw it last."""
    polled = feed(hub.url, world["topic"], FIRST)
    world["feeds"].route("/wire.xml", always_sent(polled))  # no validators: a 200 each time
    Refresher(world["settings"], store).refresh(due_only=False)
    assert wait_until(lambda: bool(hub.verified))
    corrected = Entry(FIRST.title + " (corrected)", FIRST.link, FIRST.guid)
    hub.publish(callback(hub), feed(hub.url, world["topic"], corrected))
    Refresher(world["settings"], store).ingest_pushed()
    assert titles(store) == {corrected.title}
    (outcome,) = Refresher(world["settings"], store).refresh(due_only=False)
    assert (outcome.status, outcome.updated) == ("ok", 1)
    assert titles(store) == {FIRST.title}


def test_a_public_url_set_for_an_unchanged_feed_subscribes_to_its_hub(
    world: dict[str, Any], store: Store, hub: Hub
) -> None:
    """Subscribing happens when a body is read: the same body is read again once the site
    has an address a hub can deliver to."""
    world["feeds"].route("/wire.xml", always_sent(feed(hub.url, world["topic"], FIRST)))
    offline = world["settings"].model_copy(update={"public_url": None})
    Refresher(offline, store).refresh(due_only=False)
    assert hub.requests == []
    (outcome,) = Refresher(world["settings"], store).refresh(due_only=False)
    assert outcome.status == "ok"
    assert [(r["hub.mode"], r["hub.topic"]) for r in hub.requests] == [
        ("subscribe", world["topic"])
    ]
    assert wait_until(lambda: bool(hub.verified))


def test_a_hub_appearing_in_the_link_header_of_an_unchanged_feed_is_subscribed_to(
    world: dict[str, Any], store: Store, hub: Hub
) -> None:
    body = rss([FIRST])  # names no hub itself
    link: list[str] = []

    def handle(handler: BaseHTTPRequestHandler) -> None:
        headers = {"Content-Type": "application/rss+xml"}
        send(handler, 200, body, headers | ({"Link": link[0]} if link else {}))

    world["feeds"].route("/wire.xml", handle)
    Refresher(world["settings"], store).refresh(due_only=False)
    assert hub.requests == []
    link.append(f'<{hub.url}>; rel="hub", <{world["topic"]}>; rel="self"')
    (outcome,) = Refresher(world["settings"], store).refresh(due_only=False)
    assert outcome.status == "ok"
    assert [(r["hub.mode"], r["hub.topic"]) for r in hub.requests] == [
        ("subscribe", world["topic"])
    ]
    assert wait_until(lambda: bool(hub.verified))


def test_a_push_leaves_another_workers_claim_on_its_source_in_place(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    # A push is stored by whichever process runs the pass; the source may be claimed by
    # another worker polling it. Releasing that claim let a third worker poll it at once.
    path = tmp_path / "config.yaml"
    path.write_text(config_text(database_url, [("wire", "https://ex.org/feed.xml", "news")]))
    settings = load_settings(path).model_copy(update={"public_url": "https://news.example.org/"})
    store.sync_sources(settings.configured_sources())
    assert [
        s.id for s in store.claim(worker="poller", lease=timedelta(minutes=5), due_only=False)
    ] == ["wire"]
    store.websub.queue("wire", rss([PUSHED]), "application/rss+xml", datetime.now(UTC))
    outcomes = Refresher(settings, store, worker="pusher").ingest_pushed()
    assert [(o.source_id, o.status, o.new) for o in outcomes] == [("wire", "pushed", 1)]
    assert store.claim(worker="third", lease=timedelta(minutes=5), due_only=False) == []
