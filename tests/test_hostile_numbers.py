"""Issue 12, cases 3 and 6: numbers from outside are clamped or refused, never an overflow.

Headers (``Cache-Control: max-age``, ``Age``, ``Retry-After``), a deeply nested
JSON Feed, item ids in paths and ``before`` cursors in queries: each gives a
readable per-source outcome or a 4xx, never "internal error" or a 500.
"""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from webfactory import app, client, filled, settings

from aggregator.config import load_settings
from aggregator.parse import parse_document
from aggregator.refresh import Refresher
from aggregator.store import Store
from tests.feeds import Entry, config_text, refresh_one, rss
from tests.localserver import LocalServer, send

HUGE = "99999999999999999999"
FEED = rss([Entry("Trial results", "https://news.example.org/trial", "t-1")])


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def test_huge_max_age_is_clamped_and_the_feed_is_stored(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    headers = {"Content-Type": "application/rss+xml", "Cache-Control": f"max-age={HUGE}"}
    server.route("/a.xml", lambda handler: send(handler, 200, FEED, headers | {"Age": HUGE}))
    outcome = refresh_one(tmp_path, database_url, store, server.url("/a.xml"))
    assert (outcome.status, outcome.new, outcome.error) == ("ok", 1, None)  # type: ignore[attr-defined]
    (source,) = store.sources()
    assert source.next_fetch_at is not None
    assert source.next_fetch_at <= datetime.now(UTC) + timedelta(days=2)


@pytest.mark.parametrize("status", [429, 503])
def test_huge_retry_after_is_clamped_into_a_readable_failure(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer, status: int
) -> None:
    server.route("/a.xml", lambda handler: send(handler, status, headers={"Retry-After": HUGE}))
    outcome = refresh_one(tmp_path, database_url, store, server.url("/a.xml"))
    assert outcome.status == "failed"  # type: ignore[attr-defined]
    assert f"HTTP {status}" in outcome.error and "internal" not in outcome.error  # type: ignore[attr-defined]
    (source,) = store.sources()
    assert source.next_fetch_at is not None
    assert source.next_fetch_at <= datetime.now(UTC) + timedelta(days=366)


def test_deeply_nested_json_feed_is_a_parse_failure_not_an_internal_error(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    depth = 100_000
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": [{"id": "1", '
        b'"title": "deep", "content_text": "x", "_x": ' + b"[" * depth + b"]" * depth + b"}]}"
    )
    headers = {"Content-Type": "application/feed+json"}
    server.route("/a.json", lambda handler: send(handler, 200, body, headers))
    outcome = refresh_one(tmp_path, database_url, store, server.url("/a.json"))
    assert outcome.status == "failed"  # type: ignore[attr-defined]
    assert "nested" in outcome.error and "internal" not in outcome.error  # type: ignore[attr-defined]


def test_json_feed_number_of_5000_digits_is_a_parse_failure_not_an_internal_error(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """Python refuses to read an int of more than 4,300 digits (a plain ValueError)."""
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": [{"id": '
        + b"1"
        + b"0" * 5000
        + b', "title": "big", "content_text": "x"}]}'
    )
    headers = {"Content-Type": "application/feed+json"}
    server.route("/a.json", lambda handler: send(handler, 200, body, headers))
    outcome = refresh_one(tmp_path, database_url, store, server.url("/a.json"))
    assert outcome.status == "failed"  # type: ignore[attr-defined]
    assert outcome.error == "invalid JSON Feed: a number of more than 4,300 digits"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "reference", ["&#" + "9" * 5000 + ";", "&#x" + "9" * 30 + ";", "&#x110000;", "&#xD800;"]
)
def test_a_reference_to_no_character_reads_as_a_replacement_character(reference: str) -> None:
    """feedparser's lenient parser ran int() and chr() on the digits: ValueError,
    OverflowError or UnicodeEncodeError, "internal error" for the whole source."""
    body = rss([Entry("Trial results", "https://news.example.org/trial", "t-1", "a-here-b")])
    body = body.replace(b"-here-", reference.encode())  # as written, not escaped
    (item,) = parse_document(body, url="https://news.example.org/feed").items
    assert "a\ufffdb" in item.summary


@pytest.mark.parametrize("size", ["9" * 5000, "²"])
def test_an_image_size_int_cannot_read_is_no_decoration(size: str) -> None:
    summary = f'<p>x</p><img src="https://news.example.org/a.png" width="{size}">'
    body = rss([Entry("Trial results", "https://news.example.org/trial", "t-1", summary)])
    (item,) = parse_document(body, url="https://news.example.org/feed").items
    assert item.image == "https://news.example.org/a.png"


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("path", ["/items/999999999999999999999999", "/items/9223372036854775808"])
def test_item_id_beyond_64_bits_is_404(client: FlaskClient, filled: Store, path: str) -> None:
    assert client.get(path).status_code == 404
    assert client.get("/api" + path).status_code == 404


@pytest.mark.parametrize(
    "raw",
    [
        "0001-01-01T00:00:00+14:00|1",  # moving it to UTC leaves the datetime range
        "9999-12-31T23:59:59-14:00|1",
        "2026-01-01T00:00:00+00:00|" + "9" * 30,  # an id no column holds
        "2026-01-01T00:00:00+00:00|-5",
        "2026-01-01T00:00:00+00:00|٣",  # a digit, but not an ASCII one
        "2026-01-01T00:00:00|5",  # no zone
    ],
)
def test_crafted_cursor_is_400_not_500(client: FlaskClient, filled: Store, raw: str) -> None:
    for path in ("/api/items", "/", "/feed.atom", "/feed.json"):
        answer = client.get(path, query_string={"before": cursor(raw)})
        assert answer.status_code == 400, path


@pytest.mark.parametrize("block", [HUGE + "999", str(2**63), "-" + HUGE, "0"])
def test_crafted_search_cursor_block_is_400_not_500(
    client: FlaskClient, filled: Store, block: str
) -> None:
    # A search by relevance pages by blocks of matches, each named by its newest id.
    raw = f"{block}@1.0~2026-01-01T00:00:00+00:00|5"
    for path in ("/api/items", "/"):
        answer = client.get(path, query_string={"q": "trial", "before": cursor(raw)})
        assert answer.status_code == 400, path


@pytest.mark.parametrize("limit", [HUGE, "-1", "0", "1e9", "٣"])
def test_out_of_range_limit_is_400(client: FlaskClient, filled: Store, limit: str) -> None:
    assert client.get("/api/items", query_string={"limit": limit}).status_code == 400


def test_overlong_cursor_is_400(client: FlaskClient, filled: Store) -> None:
    assert client.get("/api/items", query_string={"before": "A" * 10_000}).status_code == 400
