"""HTTP hygiene: ETag / Last-Modified validators, 304s, and the app factory's wiring."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from webfactory import app, client, entry, filled, save, settings

from aggregator.records import Kind
from aggregator.store import Store
from web import create_app


@pytest.mark.parametrize("path", ["/", "/api/items", "/feed.atom", "/feed.json", "/items/1"])
def test_second_get_with_the_etag_gets_304(client: FlaskClient, filled: Store, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200 and first.headers["Last-Modified"]
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
