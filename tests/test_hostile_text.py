"""Characters XML cannot hold (C0 controls, U+FFFE/U+FFFF, lone surrogates) that a feed
carries, escaped in JSON or as "&#1;" in XML: the parse stage drops them from every
text of an item, and the Atom output drops any stored before, so that one item never
makes the combined feed unreadable to every subscriber."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)
from __future__ import annotations

import json
from pathlib import Path

import feedparser
from flask import Flask
from flask.testing import FlaskClient
from webfactory import app, client, entry, save, settings

from aggregator.config import load_settings
from aggregator.parse import parse_document
from aggregator.records import Kind
from aggregator.refresh import Refresher
from aggregator.sanitize import xml_safe
from aggregator.store import Store
from tests.feeds import config_text, served
from tests.localserver import LocalServer

HOSTILE = "Bad\u0001title\u0008 \ufffe\ud800with\u001f controls"


def test_a_json_feed_items_controls_are_dropped_from_every_text() -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Feed\u0007",
        "items": [
            {
                "id": "1",
                "url": "https://news.example/1",
                "title": HOSTILE,
                "summary": "sum\u0003mary",
                "content_html": "<p>con\u0002tent</p>",
                "tags": ["on\u0001cology"],
                "authors": [{"name": "Ann\u0005 Lee"}],
            }
        ],
    }
    body = json.dumps(document).encode()
    feed = parse_document(body, url="https://news.example/feed.json")
    (item,) = feed.items
    assert feed.title == "Feed"
    assert item.title == "Badtitle with controls"
    assert "\u0003" not in item.summary and "summary" in item.summary
    assert item.content == "<p>content</p>"
    assert item.tags == ("oncology",)
    assert item.author == "Ann Lee"


def test_character_references_to_controls_in_rss_are_dropped() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item>'
        b"<title>Recall&#1; of&#31; infant formula</title><link>https://news.example/2</link>"
        b"<description>Lot&#2; 42</description></item></channel></rss>"
    )
    (item,) = parse_document(body, url="https://news.example/rss").items
    assert item.title == "Recall of infant formula"
    assert "\u0002" not in item.summary


def test_an_item_stored_with_controls_still_gives_a_readable_atom_feed(
    client: FlaskClient, app: Flask
) -> None:
    store = app.extensions["medfeed"].store
    stored = "Bad\u0001title\u0008 \ufffewith\u001f controls"  # (a database holds no surrogate)
    save(store, [entry(Kind.NEWS, title=stored, summary="<p>a\u0002b</p>", tags=["x\u0001y"])])
    parsed = feedparser.parse(client.get("/feed.atom").data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    (story,) = parsed.entries
    assert story.title == "Badtitle with controls"


def test_text_without_controls_is_returned_as_it_is() -> None:
    text = "Tab\tnewline\nand return\r are kept; so is é and 漢字"
    assert xml_safe(text) is text


def test_a_served_feed_with_nul_and_controls_is_stored_whole(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    """PostgreSQL holds no NUL in text and no database a lone surrogate: before the parse
    stage dropped them, such an item failed its whole source."""
    items = [
        {"id": "1", "url": "https://news.example/1", "title": "Null\u0000 byte", "summary": "a"},
        {"id": "2", "url": "https://news.example/2", "title": "Lone \ud800surrogate"},
        {"id": "3", "url": "https://news.example/3", "title": "Bell\u0007 and escape\u001b"},
        {
            "id": "4",
            "url": "https://news.example/4",
            "title": "Surrogate in the body",
            "content_html": "<p>x \udfff y</p>",  # nh3 raised on it: the source failed
        },
    ]
    document = {"version": "https://jsonfeed.org/version/1.1", "title": "Wire", "items": items}
    with LocalServer() as server:
        server.route(
            "/feed.json",
            served(json.dumps(document).encode(), content_type="application/feed+json"),
        )
        path = tmp_path / "config.yaml"
        path.write_text(config_text(database_url, [("wire", server.url("/feed.json"), "news")]))
        settings = load_settings(path)
        store.sync_sources(settings.configured_sources())
        (outcome,) = Refresher(settings, store).refresh(due_only=False)
    assert (outcome.status, outcome.new) == ("ok", 4)
    titles = {item.title for item in store.list_items().items}
    assert titles == {"Null byte", "Lone surrogate", "Bell and escape", "Surrogate in the body"}
