"""The page cache: answers built once per data version, fresh after every change that shows.

Each change a reader can see (a refresh committing items, a source renamed in
the config and mirrored by the refresh side, an edit of the config the site
follows) must reach the next request, and the old ETag must stop answering 304.
"""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

import shutil
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from webfactory import NOW, SOURCES, app, client, dated, entry, fill, filled, save, settings

import web
from aggregator.config import Settings, load_settings
from aggregator.records import Kind
from aggregator.store import Store
from web import WATCHER, create_app
from web.cache import EXTENSION
from web.context import BUILD, build_of

LATER = NOW + timedelta(minutes=1)  # newer than everything ``filled`` holds


def test_a_page_asked_again_is_served_without_reading_any_item(
    client: FlaskClient, filled: Store
) -> None:
    first = client.get("/")
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(filled.engine, "before_cursor_execute", count)
    try:
        second = client.get("/")
    finally:
        event.remove(filled.engine, "before_cursor_execute", count)
    assert second.status_code == 200
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert statements == []


def test_the_cached_answer_keeps_its_validators_and_security_headers(
    client: FlaskClient, filled: Store
) -> None:
    first = dated(client, "/api/items")
    again = client.get("/api/items")
    assert again.get_json() == first.get_json()
    assert again.headers["Last-Modified"] == first.headers["Last-Modified"]
    assert again.headers["Cache-Control"] == "no-cache"
    assert "Content-Security-Policy" in again.headers
    revalidated = client.get("/api/items", headers={"If-None-Match": again.headers["ETag"]})
    assert revalidated.status_code == 304


def test_an_upgrade_that_changes_a_template_changes_every_etag(tmp_path: Path) -> None:
    """The build in every ETag was a name bumped by hand, and the header's search box came
    without a bump: a browser holding the front page from before the upgrade got 304 and
    kept the page without the box until the hour turned or a refresh committed."""
    package = Path(web.__file__).parent
    copy = tmp_path / "web"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert build_of(copy) == BUILD  # compiled bytecode is no part of it
    base = copy / "templates" / "base.html"
    base.write_text(base.read_text().replace("</header>", "<p>A notice</p>\n</header>"))
    assert build_of(copy) != BUILD


def test_a_refresh_commit_reaches_the_cached_front_page(client: FlaskClient, filled: Store) -> None:
    before = client.get("/")
    assert b"Fresh from the wire" not in before.data
    save(filled, [entry(Kind.NEWS, title="Fresh from the wire", published=LATER)])
    after = client.get("/")
    assert b"Fresh from the wire" in after.data
    assert client.get("/", headers={"If-None-Match": before.headers["ETag"]}).status_code == 200


def test_a_refresh_commit_reaches_the_cached_api_list(client: FlaskClient, filled: Store) -> None:
    client.get("/api/items?kind=news")
    save(filled, [entry(Kind.NEWS, title="Fresh from the wire", published=LATER)])
    titles = [item["title"] for item in client.get("/api/items?kind=news").get_json()["items"]]
    assert "Fresh from the wire" in titles


def test_a_source_renamed_by_the_refresh_side_is_shown_at_once(
    client: FlaskClient, filled: Store, settings: Settings
) -> None:
    before = client.get("/")
    assert b'<option value="bmj">The BMJ</option>' in before.data
    renamed = settings.model_copy(
        update={
            "sources": tuple(
                s.model_copy(update={"name": "British Medical Journal"}) if s.id == "bmj" else s
                for s in settings.sources
            )
        }
    )
    filled.sync_sources(
        renamed.configured_sources()
    )  # what `medfeed run` / `refresh` do after a config edit
    assert client.get("/", headers={"If-None-Match": before.headers["ETag"]}).status_code == 200
    after = client.get("/")
    assert b'<option value="bmj">British Medical Journal</option>' in after.data


def test_syncing_an_unchanged_config_keeps_the_cache(
    client: FlaskClient, filled: Store, settings: Settings
) -> None:
    etag = client.get("/").headers["ETag"]
    filled.sync_sources(settings.configured_sources())
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 304


def test_a_config_edit_the_site_follows_reaches_the_cached_page(
    tmp_path: Path, database_url: str
) -> None:
    config = tmp_path / "config.yaml"
    document: dict[str, Any] = {
        "database": database_url,
        "featured": {"policy": "latest", "kinds": ["article"], "min_words": 50},
        "sources": [
            {"id": sid, "name": name, "url": f"https://example.org/{sid}.xml",
             "kind": kind.value, "label": label.value}
            for sid, (kind, label, name) in SOURCES.items()
        ],
    }  # fmt: skip
    config.write_text(yaml.safe_dump(document))
    site = create_app(load_settings(config), watch=True)
    store: Store = site.extensions["medfeed"].store
    try:
        store.sync_sources(site.extensions["medfeed"].settings.configured_sources())
        fill(store, 6)
        client = site.test_client()
        first = client.get("/api/featured").get_json()
        oldest = store.list_items(kind=Kind.ARTICLE, limit=6).items[-1].url
        document["featured"] = {**document["featured"], "policy": "pinned", "pinned": oldest}
        config.write_text(yaml.safe_dump(document))
        site.extensions[WATCHER].request_check()  # what SIGHUP does; else within 2 s
        # The worker follows the file from its own thread, never inside a request.
        deadline = time.monotonic() + 30  # an upper bound, for a loaded machine
        while client.get("/api/featured").get_json()["url"] != oldest:
            assert time.monotonic() < deadline, "the edit never reached the cached page"
            time.sleep(0.05)
        assert oldest != first["url"]
    finally:
        store.close()


def test_the_same_path_on_another_host_is_built_for_that_host(
    client: FlaskClient, filled: Store
) -> None:
    # Two names of this host that the default web.allowed_hosts trusts.
    one = client.get("/feed.atom", base_url="http://localhost")
    other = client.get("/feed.atom", base_url="http://127.0.0.1")
    assert b"http://127.0.0.1/" in other.data and b"http://localhost/" not in other.data
    assert one.headers["ETag"] != other.headers["ETag"]


def test_errors_are_not_cached(app: Flask, client: FlaskClient, filled: Store) -> None:
    assert client.get("/items/999999").status_code == 404
    assert client.get("/api/items?limit=nope").status_code == 400
    assert len(app.extensions[EXTENSION]) == 0


@pytest.mark.parametrize(
    ("path", "status"), [("/api/items/999999", 404), ("/items/424242", 404), ("/?limit=0", 400)]
)
def test_if_none_match_star_never_turns_an_error_into_not_modified(
    client: FlaskClient, filled: Store, path: str, status: int
) -> None:
    assert client.get(path, headers={"If-None-Match": "*"}).status_code == status


def test_if_none_match_star_gets_the_page_itself(client: FlaskClient, filled: Store) -> None:
    answer = client.get("/api/items", headers={"If-None-Match": "*"})
    assert answer.status_code == 200 and answer.json["items"]  # type: ignore[index]
