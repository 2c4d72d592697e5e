"""HTTP hygiene: ETag / Last-Modified validators, 304s, and the app factory's wiring."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from webfactory import app, client, dated, entry, filled, save, settings
from werkzeug.http import http_date, parse_date

from aggregator.records import Kind
from aggregator.store import Store
from web import create_app
from web.cache import Version

PATHS = ["/", "/api/items", "/feed.atom", "/feed.json", "/items/1"]


@pytest.mark.parametrize("path", PATHS)
def test_second_get_with_the_etag_gets_304(client: FlaskClient, filled: Store, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    second = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304
    assert second.data == b""


@pytest.mark.parametrize("path", ["/", "/feed.atom", "/feed.json"])
def test_the_etag_a_compressing_proxy_made_weak_still_gets_304(
    client: FlaskClient, filled: Store, path: str
) -> None:
    """nginx and Caddy mark an ETag weak when they compress the answer; If-None-Match
    compares weakly (RFC 9110, 13.1.2), or feed readers behind them never got a 304."""
    etag = client.get(path).headers["ETag"]
    assert client.get(path, headers={"If-None-Match": f"W/{etag}"}).status_code == 304


def test_source_health_answers_304_to_its_own_etag(client: FlaskClient, filled: Store) -> None:
    first = client.get("/sources")
    second = client.get("/sources", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304


def test_a_new_item_changes_the_etag(client: FlaskClient, filled: Store) -> None:
    before = client.get("/").headers["ETag"]
    save(filled, [entry(Kind.NEWS, title="Fresh news")])
    assert client.get("/", headers={"If-None-Match": before}).status_code == 200


def test_different_queries_have_different_etags(client: FlaskClient, filled: Store) -> None:
    assert client.get("/?kind=news").headers["ETag"] != client.get("/?kind=video").headers["ETag"]


def test_swapping_settings_changes_the_featured_article(
    app: Flask, client: FlaskClient, filled: Store
) -> None:
    medfeed = app.extensions["medfeed"]
    newest = client.get("/api/featured").get_json()
    pinned_url = filled.list_items(kind=Kind.ARTICLE, limit=5).items[-1].url
    medfeed.settings = medfeed.settings.model_copy(
        update={"featured": medfeed.settings.featured.model_copy(
            update={"policy": "pinned", "pinned": pinned_url})}
    )  # fmt: skip
    assert client.get("/api/featured").get_json()["url"] == pinned_url != newest["url"]


def test_app_reads_the_config_named_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "medfeed.yaml"
    config.write_text(
        "database: sqlite:///site.db\n"
        "sources:\n  - {id: a, name: A, url: https://example.org/a.xml, kind: news}\n"
    )
    monkeypatch.setenv("MEDFEED_CONFIG", str(config))
    site = create_app()
    try:
        assert site.test_client().get("/healthz").status_code == 200
        assert (tmp_path / "site.db").exists()
    finally:
        site.extensions["medfeed"].store.close()


def test_a_pinned_address_matches_its_item_however_it_is_written(
    app: Flask, client: FlaskClient, store: Store
) -> None:
    """Pasted without the feed's tracking tags, or with a trailing slash, it matched nothing."""
    save(store, [entry(Kind.ARTICLE, title="Statins after 75", url="https://p.org/statins")])
    save(store, [entry(Kind.ARTICLE, title="A newer article")])
    medfeed = app.extensions["medfeed"]
    medfeed.settings = medfeed.settings.model_copy(
        update={"featured": medfeed.settings.featured.model_copy(
            update={"policy": "pinned", "pinned": "http://P.org/statins/?utm_source=rss"})}
    )  # fmt: skip
    assert client.get("/api/featured").get_json()["title"] == "Statins after 75"


@pytest.mark.parametrize("path", PATHS)
def test_if_modified_since_alone_gets_304_when_nothing_changed(
    client: FlaskClient, filled: Store, path: str
) -> None:
    """Many feed readers send only If-Modified-Since: they got every answer in full."""
    first = dated(client, path)
    assert first.status_code == 200
    second = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert second.status_code == 304
    assert second.data == b""
    assert second.headers["ETag"] == first.headers["ETag"]


def test_if_modified_since_is_compared_to_the_second(client: FlaskClient, filled: Store) -> None:
    modified = parse_date(dated(client, "/feed.atom").headers["Last-Modified"])
    assert modified is not None

    def status(since: datetime) -> int:
        return client.get("/feed.atom", headers={"If-Modified-Since": http_date(since)}).status_code

    second = timedelta(seconds=1)
    statuses = [status(modified - second), status(modified), status(modified + second)]
    assert statuses == [200, 304, 304]


def test_if_modified_since_from_before_a_change_gets_the_new_answer(
    client: FlaskClient, filled: Store
) -> None:
    held = dated(client, "/feed.atom").headers["Last-Modified"]
    save(filled, [entry(Kind.NEWS, title="Fresh news")])
    again = client.get("/feed.atom", headers={"If-Modified-Since": held})
    assert again.status_code == 200
    assert b"Fresh news" in again.data
    assert again.headers.get("Last-Modified") != held


def test_if_none_match_takes_precedence_over_if_modified_since(
    client: FlaskClient, filled: Store
) -> None:
    first = dated(client, "/api/items")
    stale = client.get(
        "/api/items",
        headers={"If-None-Match": '"another"', "If-Modified-Since": first.headers["Last-Modified"]},
    )
    assert stale.status_code == 200
    held = client.get(
        "/api/items",
        headers={"If-None-Match": first.headers["ETag"], "If-Modified-Since": http_date(0)},
    )
    assert held.status_code == 304


@pytest.mark.parametrize("since", ["yesterday", "Mon, 32 Foo 2026 25:61:61 GMT", ""])
def test_a_malformed_if_modified_since_is_ignored(
    client: FlaskClient, filled: Store, since: str
) -> None:
    dated(client, "/")
    assert client.get("/", headers={"If-Modified-Since": since}).status_code == 200


def test_last_modified_is_the_second_after_the_version_was_seen_and_never_ahead_of_now() -> None:
    """Rounded down, two versions seen within one second shared a date, and a client holding
    the first got 304 for the second; a date later than the answer's own is not allowed."""
    seen = datetime(2026, 12, 2, 12, 0, 0, 200_000, tzinfo=UTC)
    version = Version("v", seen)
    assert version.last_modified(seen + timedelta(milliseconds=700)) is None
    assert version.last_modified(seen + timedelta(seconds=1)) == datetime(
        2026, 12, 2, 12, 0, 1, tzinfo=UTC
    )
    whole = datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC)
    assert Version("v", whole).last_modified(whole) == whole


@pytest.mark.parametrize("path", [*PATHS, "/nothing-here"])
def test_a_raw_byte_in_the_query_that_is_not_utf8_is_read_as_its_percent_encoding(
    client: FlaskClient, filled: Store, path: str
) -> None:
    """Gunicorn refuses such a request line; Werkzeug's server (``flask run``) passes it on,
    and every view and the error page itself raised on it."""
    raw = client.get(path, environ_overrides={"QUERY_STRING": "q=\xff&kind=\xe9"})
    encoded = client.get(path, query_string="q=%FF&kind=%E9")
    assert raw.status_code == encoded.status_code < 500
    assert raw.data == encoded.data


def test_raw_utf8_in_the_query_reads_as_the_text_it_encodes(
    client: FlaskClient, filled: Store
) -> None:
    raw = client.get("/api/items", environ_overrides={"QUERY_STRING": "kind=vid\xc3\xa9o"})
    assert raw.json is not None
    assert raw.json["error"].endswith("not 'vidéo'")


@pytest.mark.parametrize(
    ("path", "canonical"),
    [("/items/1/", "/items/1"), ("/sources/", "/sources"), ("/api/items/?kind=news&limit=2",
     "/api/items?kind=news&limit=2"), ("/specialties/", "/specialties")],
)  # fmt: skip
def test_a_path_pasted_with_a_trailing_slash_is_redirected_to_the_pages_own_address(
    client: FlaskClient, filled: Store, path: str, canonical: str
) -> None:
    answer = client.get(path)
    assert answer.status_code == 308
    assert answer.headers["Location"] == canonical
    assert client.get(canonical).status_code == 200


@pytest.mark.parametrize(
    "path", ["//evil.example/", "//evil.example//", "///evil.example/", "//sources/", "//items/1/"]
)
def test_a_path_starting_with_two_slashes_is_never_redirected_off_the_site(
    client: FlaskClient, filled: Store, path: str
) -> None:
    """``//sources`` in a Location header is the host "sources": the redirect goes to the
    route's own address, whatever the path looked like."""
    answer = client.get("/", environ_overrides={"PATH_INFO": path})
    location = answer.headers.get("Location", "")
    assert not location.startswith("//") and urlsplit(location).netloc in ("", "localhost")
    assert location in ("", "/sources", "/items/1")


def test_a_static_files_path_is_left_to_the_static_route_and_never_redirected(
    client: FlaskClient, filled: Store
) -> None:
    with client.get("/static/style.css/") as slashed:
        assert slashed.status_code != 308 and "Location" not in slashed.headers
