"""An RSS author's name as a feed writes it ("email (Name)", "Name <email>", an address
alone, a name alone), served and stored: feedparser's pattern took a top-level domain of
two to four letters, so "news@medwire-daily-0.example (Anna Müller)" was stored as the
author "ple (Anna Müller"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import select

from aggregator.store import Store
from aggregator.store.models import Item
from tests.feeds import refresh_one, served
from tests.localserver import LocalServer

DC = "http://purl.org/dc/elements/1.1/"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def authored(*authors: tuple[str, ...]) -> bytes:
    """One item a row of author elements (``("author", text)``, ``("dc:creator", text)``),
    titled by its position."""
    items = []
    for number, elements in enumerate(authors, start=1):
        names = "".join(
            f"<{tag}>{escape(text)}</{tag}>"
            for tag, text in zip(elements[::2], elements[1::2], strict=True)
        )
        items.append(
            f"<item><title>Item {number}</title><link>https://medwire.example/{number}</link>"
            f"{names}</item>"
        )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="{DC}"><channel>'
        "<title>Medwire</title><link>https://medwire.example/</link><description>d</description>"
        f"{''.join(items)}</channel></rss>"
    ).encode()


def stored_authors(store: Store) -> dict[str, str | None]:
    with store.session() as session:
        return {title: author for title, author in session.execute(select(Item.title, Item.author))}


def test_an_rss_authors_name_is_stored_whatever_the_length_of_the_addresss_domain(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """The name without the address; an address alone stays the author, as a short one
    always did; a name alone is kept as written. Before the address went to
    ``email.utils.parseaddr``, items 1, 3, 5 and 6 were stored as "ple (Anna Müller", "um",
    "Søren Ødegård (th" and "ic (Jo Ng, 李伟" (item 2's name was "Anna Müller <ital>", the
    "tag" dropped by ``html_to_text``)."""
    body = authored(
        ("author", "news@medwire-daily-0.example (Anna Müller)"),
        ("author", "Anna Müller <anna@clinic.hospital>"),
        ("author", "desk@medwire.museum"),
        ("author", "Anna Müller"),
        ("dc:creator", "Søren Ødegård (soren@medwire.health)"),
        ("dc:creator", "jo@medwire.clinic (Jo Ng)", "dc:creator", "李伟 <li@medwire.hospital>"),
        ("author", "news@medwire.com (Anna Müller)"),
    )
    server.route("/feed.xml", served(body))
    outcome = refresh_one(tmp_path, database_url, store, server.url("/feed.xml"))
    assert outcome.status == "ok", outcome.error
    assert stored_authors(store) == {
        "Item 1": "Anna Müller",
        "Item 2": "Anna Müller",
        "Item 3": "desk@medwire.museum",
        "Item 4": "Anna Müller",
        "Item 5": "Søren Ødegård",
        "Item 6": "Jo Ng, 李伟",
        "Item 7": "Anna Müller",
    }
