"""Config edits reach the site without a restart, when the app read the config file itself.

The app is built the way ``flask --app web run`` builds it (no Settings passed,
``$MEDFEED_CONFIG`` names the file); the file is then edited on disk and the
page is polled until it reflects the edit.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask
from webfactory import entry, save, setup_store, web_settings

from aggregator.records import Kind
from aggregator.store import Store
from web import WATCHER, create_app

NEWEST, OLDER = "Newest long article on renal denervation", "Older article on statin adherence"
WAIT = 30.0  # seconds, an upper bound for a loaded machine; the watcher looks every 2 s


def config(database_url: str, featured: str) -> str:
    lines = [
        f"database: {database_url}",
        "featured:",
        *(f"  {line}" for line in featured.splitlines()),
        "sources:",
        "  - id: bmj",
        "    name: The BMJ",
        "    url: https://example.org/bmj.xml",
        "    kind: article",
    ]
    return "\n".join(lines) + "\n"


LATEST = "policy: latest\nmin_words: 50"
PINNED = "policy: pinned\npinned: https://example.org/older\nmin_words: 50"


@pytest.fixture
def config_file(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(config(database_url, LATEST))
    monkeypatch.setenv("MEDFEED_CONFIG", str(path))
    return path


@pytest.fixture
def site(config_file: Path, store: Store, database_url: str) -> Flask:
    setup_store(store, web_settings(database_url))
    body = f"<p>{'word ' * 80}</p>"
    save(
        store,
        [
            entry(Kind.ARTICLE, title=NEWEST, content=body),
            entry(Kind.ARTICLE, title=OLDER, content=body, url="https://example.org/older"),
        ],
    )
    return create_app(store=store)


def featured_title(site: Flask) -> str:
    answer = site.test_client().get("/api/featured")
    assert answer.status_code == 200
    return str(answer.get_json()["title"])


def wait_for(site: Flask, title: str) -> float:
    """Seconds until the featured article is ``title``; fails after WAIT."""
    started = time.monotonic()
    while time.monotonic() - started < WAIT:
        if featured_title(site) == title:
            return time.monotonic() - started
        time.sleep(0.1)
    pytest.fail(f"featured is still {featured_title(site)!r} after {WAIT} s")


def wait_for_rejection(site: Flask) -> None:
    """Until the watcher has looked at the bad file and kept the last good settings."""
    started = time.monotonic()
    while site.extensions[WATCHER].error is None:
        if time.monotonic() - started > WAIT:
            pytest.fail(f"the edit was not rejected within {WAIT} s")
        featured_title(site)
        time.sleep(0.1)


def test_edit_to_the_featured_policy_reaches_the_page_within_seconds(
    site: Flask, config_file: Path, database_url: str
) -> None:
    assert featured_title(site) == NEWEST
    config_file.write_text(config(database_url, PINNED))
    assert wait_for(site, OLDER) < 15  # a few of the watcher's looks, on a busy machine too


def test_invalid_edit_keeps_the_last_good_settings(
    site: Flask, config_file: Path, database_url: str
) -> None:
    config_file.write_text(config(database_url, PINNED))
    wait_for(site, OLDER)
    config_file.write_text(config(database_url, "policy: sometimes"))
    wait_for_rejection(site)
    assert featured_title(site) == OLDER


def test_fixed_edit_after_an_invalid_one_is_applied(
    site: Flask, config_file: Path, database_url: str
) -> None:
    config_file.write_text("featured: [unclosed\n")
    wait_for_rejection(site)
    assert featured_title(site) == NEWEST
    config_file.write_text(config(database_url, PINNED))
    wait_for(site, OLDER)


def test_app_given_settings_explicitly_does_not_watch_a_file(
    store: Store, database_url: str
) -> None:
    assert WATCHER not in create_app(settings=web_settings(database_url), store=store).extensions
