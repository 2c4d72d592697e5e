"""aggregator.fetch against a real HTTP server on 127.0.0.1 and real files."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import tracemalloc
import zlib
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, TypeVar

import pytest

from aggregator import netguard
from aggregator.errors import (
    BlockedAddress,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    ResponseTooLarge,
)
from aggregator.fetch import Fetcher, FetchLimits, fresh_until
from aggregator.records import Fetched
from tests.localserver import LocalServer, closed_port, rebinding, send

T = TypeVar("T")
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
ETAG = '"v1"'
LAST_MODIFIED = "Mon, 02 Nov 2026 10:00:00 GMT"
MB = 1_000_000


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def fetch_one(url: str, limits: FetchLimits | None = None, **kwargs: Any) -> Fetched:
    async with Fetcher(limits or FetchLimits()) as fetcher:
        return await fetcher.fetch("test-source", url, now=NOW, **kwargs)


def conditional_feed(handler: BaseHTTPRequestHandler) -> None:
    """A feed that honours If-None-Match, like any well-behaved server."""
    if handler.headers.get("If-None-Match") == ETAG:
        send(handler, 304, headers={"ETag": ETAG})
        return
    headers = {"ETag": ETAG, "Last-Modified": LAST_MODIFIED, "Content-Type": "application/rss+xml"}
    send(handler, 200, FEED, headers)


def redirect(to: str, status: int = 301) -> Any:
    return lambda handler: send(handler, status, headers={"Location": to})


def feed(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 200, FEED, {"Content-Type": "application/rss+xml"})


# --- status, validators, headers ----------------------------------------------


def test_first_fetch_returns_body_with_etag_and_last_modified(server: LocalServer) -> None:
    server.route("/feed", conditional_feed)
    fetched = run(fetch_one(server.url("/feed")))
    assert (fetched.status, fetched.body) == (200, FEED)
    assert (fetched.etag, fetched.last_modified) == (ETAG, LAST_MODIFIED)
    assert fetched.content_type == "application/rss+xml"
    assert fetched.headers["etag"] == ETAG


def test_second_fetch_sends_etag_and_last_modified_and_gets_304(server: LocalServer) -> None:
    server.route("/feed", conditional_feed)
    first = run(fetch_one(server.url("/feed")))
    second = run(fetch_one(server.url("/feed"), etag=first.etag, last_modified=first.last_modified))
    sent = server.requests[1].headers
    assert (sent["if-none-match"], sent["if-modified-since"]) == (ETAG, LAST_MODIFIED)
    assert second.not_modified and second.body is None


def test_conditional_fetches_and_small_redirects_reuse_one_connection(
    server: LocalServer,
) -> None:
    """A 304 (or a redirect) read to its end gives its connection back to the pool:
    a pass of 304s pays no handshake per source."""
    ports: list[int] = []

    def counted(route: Any) -> Any:
        def handle(handler: BaseHTTPRequestHandler) -> None:
            ports.append(handler.client_address[1])
            route(handler)

        return handle

    server.route("/feed", counted(conditional_feed))
    moved = {"Location": "/feed", "Content-Type": "text/plain"}
    server.route("/old", counted(lambda handler: send(handler, 302, b"moved", moved)))

    async def three_fetches() -> list[Fetched]:
        async with Fetcher(FetchLimits(concurrency=1)) as fetcher:
            return [
                await fetcher.fetch("s", server.url(path), etag=ETAG, now=NOW)
                for path in ("/feed", "/feed", "/old")
            ]

    fetched = run(three_fetches())
    assert all(f.not_modified for f in fetched)
    assert len(ports) == 4 and len(set(ports)) == 1


def test_first_fetch_sends_no_validators(server: LocalServer) -> None:
    server.route("/feed", conditional_feed)
    run(fetch_one(server.url("/feed")))
    assert "if-none-match" not in server.requests[0].headers
    assert "if-modified-since" not in server.requests[0].headers


def test_304_that_repeats_no_validators_keeps_the_ones_sent(server: LocalServer) -> None:
    server.route("/feed", lambda handler: send(handler, 304))
    fetched = run(fetch_one(server.url("/feed"), etag=ETAG, last_modified=LAST_MODIFIED))
    assert (fetched.etag, fetched.last_modified) == (ETAG, LAST_MODIFIED)


def test_304_to_a_request_without_validators_is_asked_again_then_a_failure(
    server: LocalServer,
) -> None:
    """It left the source "not-modified" with no items and no error, for ever."""
    server.route("/feed", lambda handler: send(handler, 304, headers={"ETag": ETAG}))
    with pytest.raises(FetchError, match="304 Not Modified to a request without If-None-Match"):
        run(fetch_one(server.url("/feed")))
    assert [r.headers.get("cache-control") for r in server.requests] == [None, "no-cache"]
    assert not any("if-none-match" in r.headers for r in server.requests)


def test_304_to_a_request_without_validators_then_200_is_the_feed(server: LocalServer) -> None:
    answers = iter([(304, b""), (200, b"<rss/>")])
    server.route("/feed", lambda handler: send(handler, *next(answers)))
    fetched = run(fetch_one(server.url("/feed")))
    assert (fetched.status, fetched.body) == (200, b"<rss/>")


def test_user_agent_and_feed_accept_header_are_sent(server: LocalServer) -> None:
    server.route("/feed", feed)
    limits = FetchLimits(user_agent="medfeed-test/1.0")
    run(fetch_one(server.url("/feed"), limits))
    headers = server.requests[0].headers
    assert headers["user-agent"] == "medfeed-test/1.0"
    assert headers["accept"].startswith("application/rss+xml, application/atom+xml")
    assert headers["accept-encoding"] == "gzip, deflate"


def test_server_error_raises_http_status_error_with_status(server: LocalServer) -> None:
    server.route("/feed", lambda handler: send(handler, 500, b"oops"))
    with pytest.raises(HTTPStatusError) as caught:
        run(fetch_one(server.url("/feed")))
    assert caught.value.status == 500
    assert str(caught.value) == "source test-source: HTTP 500 Internal Server Error"


def test_429_with_retry_after_seconds_sets_absolute_retry_time(server: LocalServer) -> None:
    server.route("/feed", lambda handler: send(handler, 429, headers={"Retry-After": "120"}))
    with pytest.raises(HTTPStatusError) as caught:
        run(fetch_one(server.url("/feed")))
    assert caught.value.status == 429
    assert caught.value.retry_after == NOW + timedelta(seconds=120)
    assert "retry after 2026-11-02T12:02:00+00:00" in str(caught.value)


def test_503_with_retry_after_http_date_sets_that_time(server: LocalServer) -> None:
    later = NOW + timedelta(hours=1)
    date = format_datetime(later, usegmt=True)
    server.route("/feed", lambda handler: send(handler, 503, headers={"Retry-After": date}))
    with pytest.raises(HTTPStatusError) as caught:
        run(fetch_one(server.url("/feed")))
    assert caught.value.retry_after == later


def test_unparseable_retry_after_is_ignored(server: LocalServer) -> None:
    server.route("/feed", lambda handler: send(handler, 503, headers={"Retry-After": "soon"}))
    with pytest.raises(HTTPStatusError) as caught:
        run(fetch_one(server.url("/feed")))
    assert caught.value.retry_after is None


# --- timeouts -------------------------------------------------------------------


# The servers below take 30 s or more; a fetch given 0.5 s is over well before, however busy
# the machine: the bound proves the fetch gave up, not how promptly a loaded CPU noticed.
GAVE_UP = 15.0


def test_server_slower_than_timeout_raises_fetch_timeout(server: LocalServer) -> None:
    server.route("/feed", lambda handler: (server.closing.wait(30), feed(handler)))
    started = time.monotonic()
    with pytest.raises(FetchTimeout, match=r"timed out after 0\.5 s$"):
        run(fetch_one(server.url("/feed"), FetchLimits(timeout=0.5)))
    assert time.monotonic() - started < GAVE_UP


def test_body_trickling_past_the_total_deadline_raises_fetch_timeout(server: LocalServer) -> None:
    def trickle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "600")
        handler.end_headers()
        for _ in range(600):  # each byte well within the read timeout, all of them not
            handler.wfile.write(b"x")
            handler.wfile.flush()
            if server.closing.wait(0.05):
                return

    server.route("/feed", trickle)
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        run(fetch_one(server.url("/feed"), FetchLimits(timeout=0.5)))
    assert time.monotonic() - started < GAVE_UP


# --- size caps ------------------------------------------------------------------


def lazy_body(total: int, *, declare: bool, sent: list[int]) -> Any:
    """A handler streaming ``total`` bytes in 64 KiB pieces, counting what it got out."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        if declare:
            request.send_header("Content-Length", str(total))
        else:
            request.send_header("Connection", "close")
        request.end_headers()
        piece = b"x" * 65536
        while sent[0] < total:
            request.wfile.write(piece)
            sent[0] += len(piece)

    return handler


@pytest.mark.parametrize("declare", [True, False], ids=["content-length", "streamed"])
def test_50_mb_body_is_refused_without_reading_it_all(server: LocalServer, declare: bool) -> None:
    sent = [0]
    server.route("/big", lazy_body(50 * MB, declare=declare, sent=sent))
    with pytest.raises(ResponseTooLarge, match="response larger than 10 MB cap"):
        run(fetch_one(server.url("/big")))
    assert sent[0] < 50 * MB  # the cap cut the body short, whatever the time it took


def test_gzip_bomb_is_stopped_without_inflating_it_into_memory(server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * 50 * MB, compresslevel=9)
    assert len(bomb) < 100_000
    server.route("/bomb", lambda handler: send(handler, 200, bomb, {"Content-Encoding": "gzip"}))
    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLarge, match="response larger than 1 MB cap"):
            run(fetch_one(server.url("/bomb"), FetchLimits(max_bytes=MB)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MB  # the 50 MB it would inflate to, or even one 64 KiB read's worth, is not


def test_gzip_body_is_decoded(server: LocalServer) -> None:
    body = gzip.compress(FEED)
    server.route("/feed", lambda handler: send(handler, 200, body, {"Content-Encoding": "gzip"}))
    assert run(fetch_one(server.url("/feed"))).body == FEED


@pytest.mark.parametrize("padding", [b"", b"\0" * 8])
def test_a_gzip_body_of_several_members_is_decoded_whole(
    server: LocalServer, padding: bytes
) -> None:
    """RFC 1952: a gzip stream may be several members one after another (files gzipped
    apart and joined); only the first was read, and the feed came cut short. Zero bytes
    after the last member are padding, as gzip itself reads them."""
    half = len(FEED) // 2
    body = gzip.compress(FEED[:half]) + gzip.compress(FEED[half:]) + padding
    server.route("/whole", lambda handler: send(handler, 200, body, {"Content-Encoding": "gzip"}))
    server.route("/pieces", in_pieces(body, "gzip", 7))  # a member split between reads
    assert run(fetch_one(server.url("/whole"))).body == FEED
    assert run(fetch_one(server.url("/pieces"))).body == FEED


def in_pieces(body: bytes, encoding: str, size: int, pause: float = 0.001) -> Any:
    """A route that sends ``body`` ``size`` bytes at a time, each write on its own, the
    first followed by ``pause`` seconds (so that the client reads it alone)."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Encoding", encoding)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for start in range(0, len(body), size):
            handler.wfile.write(body[start : start + size])
            handler.wfile.flush()
            time.sleep(pause if start == 0 else 0.001)

    return answer


def test_a_deflate_body_whose_first_read_is_one_byte_is_decoded(server: LocalServer) -> None:
    """Whether a deflate body is zlib-wrapped or raw was told from its first read: one
    byte was too little to tell, and a zlib-wrapped body was taken for a corrupt one."""
    server.route("/feed", in_pieces(zlib.compress(FEED), "deflate", 1, pause=0.3))
    assert run(fetch_one(server.url("/feed"))).body == FEED


def test_zlib_wrapped_deflate_body_is_decoded(server: LocalServer) -> None:
    body = zlib.compress(FEED)
    server.route("/feed", lambda handler: send(handler, 200, body, {"Content-Encoding": "deflate"}))
    assert run(fetch_one(server.url("/feed"))).body == FEED


def test_raw_deflate_body_is_decoded(server: LocalServer) -> None:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    body = packer.compress(FEED) + packer.flush()
    server.route("/feed", lambda handler: send(handler, 200, body, {"Content-Encoding": "deflate"}))
    assert run(fetch_one(server.url("/feed"))).body == FEED


def test_unsupported_content_encoding_raises_fetch_error(server: LocalServer) -> None:
    server.route("/feed", lambda handler: send(handler, 200, b"??", {"Content-Encoding": "br"}))
    with pytest.raises(FetchError, match="unsupported content encoding 'br'"):
        run(fetch_one(server.url("/feed")))


# --- redirects ------------------------------------------------------------------


@pytest.mark.parametrize("modified", [LAST_MODIFIED, LAST_MODIFIED + " \u00e9"])
def test_a_validator_with_bytes_beyond_ascii_is_sent_back_as_it_came(
    server: LocalServer, modified: str
) -> None:
    """RFC 9110 allows such bytes in an ETag (obs-text). httpx sends a str header as ASCII
    only: every conditional fetch of the source failed ("invalid URL …: 'ascii' codec
    can't encode"), and only the unconditional one every 12 hours got through. httpx reads
    a response's headers as UTF-8, or as Latin-1 when one of them is not UTF-8 (here the
    Last-Modified, in the second case): the validators are kept as the bytes they came as."""
    etag = '"caf\u00c3\u00a9-1"'  # http.server writes it as latin-1: "café" in UTF-8 bytes

    def answer(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == etag:
            send(handler, 304, headers={"ETag": etag})
        else:
            send(handler, 200, FEED, {"ETag": etag, "Last-Modified": modified})

    server.route("/feed", answer)
    first = run(fetch_one(server.url("/feed")))
    again = run(fetch_one(server.url("/feed"), etag=first.etag, last_modified=first.last_modified))
    assert again.status == 304
    assert server.requests[-1].headers["if-modified-since"] == modified


def test_permanent_redirect_chain_is_recorded(server: LocalServer) -> None:
    server.route("/old", redirect(server.url("/older-new"), 301))
    server.route("/older-new", redirect("/new", 308))
    server.route("/new", feed)
    fetched = run(fetch_one(server.url("/old")))
    assert fetched.url == server.url("/new")
    assert fetched.permanent_redirect == server.url("/new")
    assert fetched.body == FEED


def test_temporary_redirect_is_not_recorded(server: LocalServer) -> None:
    server.route("/feed", redirect("/today", 302))
    server.route("/today", feed)
    fetched = run(fetch_one(server.url("/feed")))
    assert (fetched.url, fetched.permanent_redirect) == (server.url("/today"), None)


def test_permanent_move_behind_a_temporary_redirect_is_not_recorded(server: LocalServer) -> None:
    server.route("/feed", redirect("/mirror", 302))
    server.route("/mirror", redirect("/moved", 301))
    server.route("/moved", feed)
    assert run(fetch_one(server.url("/feed"))).permanent_redirect is None


def test_redirect_loop_raises_fetch_error(server: LocalServer) -> None:
    server.route("/a", redirect("/b", 302))
    server.route("/b", redirect("/a", 302))
    with pytest.raises(FetchError, match="redirect loop"):
        run(fetch_one(server.url("/a")))


def test_more_redirects_than_allowed_raises_fetch_error(server: LocalServer) -> None:
    for hop in range(4):
        server.route(f"/{hop}", redirect(f"/{hop + 1}", 302))
    server.route("/4", feed)
    with pytest.raises(FetchError, match=r"too many redirects \(more than 3\)"):
        run(fetch_one(server.url("/0"), FetchLimits(max_redirects=3)))


def test_redirect_to_a_file_url_is_refused(server: LocalServer) -> None:
    server.route("/feed", redirect("file:///etc/passwd", 302))
    with pytest.raises(FetchError, match="refusing redirect to file:///etc/passwd"):
        run(fetch_one(server.url("/feed")))


# --- connection and URL errors --------------------------------------------------


def test_connection_refused_raises_fetch_error() -> None:
    port = closed_port()
    with pytest.raises(FetchError, match=f"cannot connect to 127.0.0.1:{port}: Connection refused"):
        run(fetch_one(f"http://127.0.0.1:{port}/feed"))


def self_signed_tls_server(tmp_path: Path) -> tuple[socket.socket, threading.Thread]:
    """A listener on 127.0.0.1 that presents a self-signed certificate to one client."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))

    def handshake_once() -> None:
        connection, _ = listener.accept()
        with connection, contextlib.suppress(ssl.SSLError, OSError):
            context.wrap_socket(connection, server_side=True).close()

    thread = threading.Thread(target=handshake_once, daemon=True)
    thread.start()
    return listener, thread


def test_untrusted_tls_certificate_raises_fetch_error(tmp_path: Path) -> None:
    listener, thread = self_signed_tls_server(tmp_path)
    with listener:
        port = listener.getsockname()[1]
        with pytest.raises(FetchError, match="certificate verify failed"):
            run(fetch_one(f"https://127.0.0.1:{port}/feed"))
        thread.join(5)


def test_a_feed_fetcher_checks_certificates_after_fetching_over_http(
    tmp_path: Path, server: LocalServer
) -> None:
    """A refresh's fetcher loads the certificate store at its first https request; one
    that fetched over http first still refuses an untrusted certificate after."""
    server.route("/feed", feed)
    listener, thread = self_signed_tls_server(tmp_path)

    async def http_then_https(port: int) -> None:
        guard = netguard.AddressGuard((), source="redirect")
        async with Fetcher(FetchLimits(), redirect_guard=guard) as fetcher:
            assert (await fetcher.fetch("plain", server.url("/feed"), now=NOW)).body == FEED
            await fetcher.fetch("secure", f"https://127.0.0.1:{port}/feed", now=NOW)

    with listener:
        with pytest.raises(FetchError, match="certificate verify failed"):
            run(http_then_https(listener.getsockname()[1]))
        thread.join(5)


def test_unsupported_scheme_raises_fetch_error() -> None:
    with pytest.raises(FetchError, match="unsupported URL scheme 'ftp'"):
        run(fetch_one("ftp://127.0.0.1/feed.xml"))


def test_url_without_host_raises_fetch_error() -> None:
    with pytest.raises(FetchError, match="invalid URL"):
        run(fetch_one("http:///feed.xml"))


# --- freshness ------------------------------------------------------------------


def test_cache_control_max_age_sets_fresh_until(server: LocalServer) -> None:
    server.route("/feed", lambda h: send(h, 200, FEED, {"Cache-Control": "public, max-age=600"}))
    assert run(fetch_one(server.url("/feed"))).fresh_until == NOW + timedelta(minutes=10)


def test_fresh_until_is_capped_at_24_hours() -> None:
    assert fresh_until({"cache-control": "max-age=31536000"}, NOW) == NOW + timedelta(hours=24)


def test_age_is_subtracted_from_max_age() -> None:
    headers = {"cache-control": "max-age=600", "age": "100"}
    assert fresh_until(headers, NOW) == NOW + timedelta(seconds=500)


def test_expires_counts_from_the_server_date() -> None:
    served = NOW - timedelta(hours=3)  # a server clock three hours behind
    headers = {
        "date": format_datetime(served, usegmt=True),
        "expires": format_datetime(served + timedelta(minutes=30), usegmt=True),
    }
    assert fresh_until(headers, NOW) == NOW + timedelta(minutes=30)


def test_no_cache_gives_no_fresh_until() -> None:
    assert fresh_until({"cache-control": "no-cache, max-age=600"}, NOW) is None


# --- file:// --------------------------------------------------------------------


def test_file_url_is_read_with_its_mtime_as_last_modified(tmp_path: Path) -> None:
    path = tmp_path / "demo.xml"
    path.write_bytes(FEED)
    os.utime(path, (0, datetime(2026, 11, 1, 8, 30, tzinfo=UTC).timestamp()))
    fetched = run(fetch_one(path.as_uri()))
    assert (fetched.status, fetched.body) == (200, FEED)
    assert fetched.last_modified == "Sun, 01 Nov 2026 08:30:00 GMT"
    assert fetched.content_type == "application/xml"


def test_unchanged_file_is_not_modified_on_second_fetch(tmp_path: Path) -> None:
    path = tmp_path / "demo.xml"
    path.write_bytes(FEED)
    first = run(fetch_one(path.as_uri()))
    second = run(fetch_one(path.as_uri(), etag=first.etag, last_modified=first.last_modified))
    assert second.not_modified and second.body is None
    assert second.etag == first.etag


def test_touched_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "demo.xml"
    path.write_bytes(FEED)
    first = run(fetch_one(path.as_uri()))
    os.utime(path, (0, time.time() + 60))
    assert run(fetch_one(path.as_uri(), etag=first.etag)).status == 200


def test_a_file_rewritten_within_the_same_second_is_read_again(tmp_path: Path) -> None:
    # Last-Modified has whole seconds: an edit in the second the file was read looked
    # unchanged until the file changed again.
    path = tmp_path / "demo.xml"
    second = 1_790_000_000
    path.write_bytes(FEED)
    os.utime(path, ns=(0, second * 10**9 + 200_000_000))
    first = run(fetch_one(path.as_uri()))
    path.write_bytes(FEED.replace(b"</channel>", b"<item><title>New</title></item></channel>"))
    os.utime(path, ns=(0, second * 10**9 + 700_000_000))
    again = run(fetch_one(path.as_uri(), etag=first.etag, last_modified=first.last_modified))
    assert again.status == 200 and b"New" in (again.body or b"")


def test_missing_file_raises_fetch_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.xml"
    with pytest.raises(FetchError, match=f"file not found: {missing}"):
        run(fetch_one(missing.as_uri()))


def test_file_over_the_cap_raises_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(b"x" * 2000)
    with pytest.raises(ResponseTooLarge, match="file larger than 1 kB cap"):
        run(fetch_one(path.as_uri(), FetchLimits(max_bytes=1000)))


# --- concurrency ----------------------------------------------------------------


def counting(delay: float) -> tuple[Any, list[int]]:
    """A handler that records the most requests it ever had in flight at once."""
    lock = threading.Lock()
    state = [0, 0]  # in flight now, most ever

    def handler(request: BaseHTTPRequestHandler) -> None:
        with lock:
            state[0] += 1
            state[1] = max(state)
        time.sleep(delay)
        with lock:
            state[0] -= 1
        feed(request)

    return handler, state


async def fetch_many(url: str, limits: FetchLimits, count: int) -> list[Fetched]:
    async with Fetcher(limits) as fetcher:
        return await asyncio.gather(*(fetcher.fetch(f"s{i}", url) for i in range(count)))


def test_per_host_bound_holds_for_twenty_parallel_fetches(server: LocalServer) -> None:
    handler, state = counting(0.05)
    server.route("/feed", handler)
    results = run(fetch_many(server.url("/feed"), FetchLimits(per_host=2), 20))
    assert [r.status for r in results] == [200] * 20
    assert state[1] == 2


def test_overall_bound_holds_when_lower_than_per_host(server: LocalServer) -> None:
    handler, state = counting(0.05)
    server.route("/feed", handler)
    run(fetch_many(server.url("/feed"), FetchLimits(concurrency=3, per_host=8), 20))
    assert state[1] == 3


def test_url_with_bad_port_raises_fetch_error() -> None:
    with pytest.raises(FetchError, match="invalid URL"):
        run(fetch_one("http://127.0.0.1:99999/feed.xml"))


# --- redirects of the admin's own feeds -------------------------------------------


@pytest.fixture
def localhost_looks_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """The address guard's resolver sees "localhost" as a public host (the connection
    still dials it locally): a publisher's feed on the internet, served by the test."""
    real = netguard._resolve

    async def resolve(source: str, host: str, port: int) -> tuple[str, ...]:
        return ("93.184.216.34",) if host == "localhost" else await real(source, host, port)

    monkeypatch.setattr(netguard, "_resolve", resolve)


async def fetch_guarded(url: str, allow_hosts: tuple[str, ...] = ()) -> Fetched:
    guard = netguard.AddressGuard(allow_hosts, source="redirect")
    async with Fetcher(FetchLimits(), redirect_guard=guard) as fetcher:
        return await fetcher.fetch("test-source", url, now=NOW)


def test_a_public_feed_redirecting_to_a_private_address_is_refused(
    server: LocalServer, localhost_looks_public: None
) -> None:
    server.route("/feed", redirect(server.url("/internal")))  # 127.0.0.1: the loopback
    server.route("/internal", feed)
    public = server.url("/feed").replace("127.0.0.1", "localhost")
    with pytest.raises(BlockedAddress, match="redirected from a public address"):
        run(fetch_guarded(public))
    assert [r.path for r in server.requests] == ["/feed"]
    assert run(fetch_guarded(public, allow_hosts=("127.0.0.1",))).body == FEED


def test_a_redirect_from_a_public_feed_connects_to_the_address_that_was_checked(
    server: LocalServer, localhost_looks_public: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the redirect's host answers the guard's lookup with the address it
    approves (an allowed host here), and the connection's with another (nothing, here).
    httpx resolved the name again and dialled what the second answer said; the fetch
    succeeds only because the connection goes to the checked address."""
    lookups = rebinding(monkeypatch, "rebind.test")
    server.route("/feed", redirect(f"http://rebind.test:{server.port}/moved"))
    server.route("/moved", feed)
    public = server.url("/feed").replace("127.0.0.1", "localhost")
    assert run(fetch_guarded(public, allow_hosts=("rebind.test",))).body == FEED
    assert lookups == ["rebind.test"]
    assert server.requests[-1].headers["host"] == f"rebind.test:{server.port}"


def test_a_redirect_to_an_international_name_connects_where_that_name_was_checked(
    server: LocalServer, localhost_looks_public: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """To Python's resolver (IDNA 2003) "straße" is "strasse", to httpx (IDNA 2008)
    "xn--strae-oqa": the guard judged and pinned one name, and the connection asked
    for the other, resolved afresh. Each name's lookup is a rebinding one's here."""
    lookups = rebinding(monkeypatch, "straße.test", "strasse.test", "xn--strae-oqa.test")
    server.route("/feed", redirect(f"http://straße.test:{server.port}/moved"))
    server.route("/moved", feed)
    public = server.url("/feed").replace("127.0.0.1", "localhost")
    assert run(fetch_guarded(public, allow_hosts=("straße.test",))).body == FEED
    assert lookups == ["xn--strae-oqa.test"]


def test_behind_a_proxy_from_the_environment_the_feeds_go_through_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The proxy resolves the names, so the redirect guard's pinning makes way for it."""
    with LocalServer() as proxy:
        proxy.route("/feed", feed)  # a proxy is asked for the whole URL: its path is /feed
        monkeypatch.setenv("http_proxy", proxy.url("/"))
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        assert run(fetch_guarded("http://feeds.example/feed")).body == FEED
        assert [r.headers["host"] for r in proxy.requests] == ["feeds.example"]


def test_an_intranet_feed_may_redirect_within_the_intranet(server: LocalServer) -> None:
    server.route("/feed", redirect(server.url("/moved")))  # the admin's own loopback feed
    server.route("/moved", feed)
    assert run(fetch_guarded(server.url("/feed"))).body == FEED
