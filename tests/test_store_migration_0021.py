"""Migration 0021: canonical URLs stored under earlier default-port rules get the form the
identity stage gives them now, the item's link reads as before, and a URL another item
already holds is left where it is, with a warning."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from aggregator.identity import canonical_url
from aggregator.store.database import make_engine
from tests.test_store_migration_0004 import add_source, migrate
from tests.test_store_migration_0008 import add_item

BEFORE = "0020_merged_items"


@pytest.fixture
def before(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine, BEFORE)
    add_source(engine, "wire", "news")
    yield engine
    engine.dispose()


def add(engine: Engine, guid: str, url: str | None, canonical: str) -> None:
    """An item as the old rules stored it: ``url`` NULL when it is ``canonical``."""
    add_item(engine, guid, linked=False, title=guid)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE items SET url = :url, canonical_url = :canonical WHERE guid_key = :g"),
            {"url": url, "canonical": canonical, "g": guid},
        )


def stored(engine: Engine) -> dict[str, tuple[str | None, str | None]]:
    """guid -> (url, canonical_url)."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT guid_key, url, canonical_url FROM items")).all()
    return {guid: (url, canonical) for guid, url, canonical in rows}


def links(engine: Engine) -> dict[str, str | None]:
    """guid -> the item's link, as the site reads it."""
    return {guid: url or canonical for guid, (url, canonical) in stored(engine).items()}


def test_canonical_urls_stored_under_earlier_port_rules_get_the_current_form(
    before: Engine,
) -> None:
    add(before, "on-80", "https://news.example:80/a", "https://news.example/a")
    add(before, "http-443", "http://news.example:443/b", "https://news.example:443/b")
    add(before, "same-443", None, "https://news.example:443/c")
    add(
        before,
        "event",
        "https://congress.example:80/e?utm_source=rss",
        "https://congress.example/e#event=2027-03-01",
    )
    add(before, "current-80", None, "https://news.example:80/kept")
    add(before, "other-port", None, "https://news.example:8080/d")
    add(before, "moved", "https://news.example:80/new", "https://news.example/old")
    was = links(before)
    migrate(before, "head")
    assert stored(before) == {
        "on-80": (None, "https://news.example:80/a"),
        "http-443": ("http://news.example:443/b", "https://news.example/b"),
        "same-443": ("https://news.example:443/c", "https://news.example/c"),
        "event": (
            "https://congress.example:80/e?utm_source=rss",
            "https://congress.example:80/e#event=2027-03-01",
        ),
        "current-80": (None, "https://news.example:80/kept"),
        "other-port": (None, "https://news.example:8080/d"),
        "moved": ("https://news.example:80/new", "https://news.example/old"),
    }
    assert links(before) == was
    for guid in ("on-80", "http-443"):
        url, canonical = stored(before)[guid]
        assert canonical_url(url or canonical) == canonical


def test_a_url_another_item_holds_is_left_and_logged(
    before: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    add(before, "old-rule", "https://news.example:80/a", "https://news.example/a")
    add(before, "new-rule", None, "https://news.example:80/a")
    add(before, "old-443", "http://news.example:443/b", "https://news.example:443/b")
    add(before, "new-443", None, "https://news.example/b")
    caplog.set_level(logging.WARNING, logger="aggregator.store.migrations")
    migrate(before, "head")
    assert stored(before) == {
        "old-rule": ("https://news.example:80/a", "https://news.example/a"),
        "new-rule": (None, "https://news.example:80/a"),
        "old-443": ("http://news.example:443/b", "https://news.example:443/b"),
        "new-443": (None, "https://news.example/b"),
    }
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "keeps its URL https://news.example/a: https://news.example:80/a" in warnings[0]
    assert "keeps its URL https://news.example:443/b: https://news.example/b" in warnings[1]
