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


def stored(
    body: bytes, tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> dict[str, str | None]:
    """Each item's stored author (by title) once the feed ``body`` is refreshed."""
    server.route("/feed.xml", served(body))
    outcome = refresh_one(tmp_path, database_url, store, server.url("/feed.xml"))
    assert outcome.status == "ok", outcome.error
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
    assert stored(body, tmp_path, database_url, store, server) == {
        "Item 1": "Anna Müller",
        "Item 2": "Anna Müller",
        "Item 3": "desk@medwire.museum",
        "Item 4": "Anna Müller",
        "Item 5": "Søren Ødegård",
        "Item 6": "Jo Ng, 李伟",
        "Item 7": "Anna Müller",
    }


def test_an_authors_name_is_stored_from_name_bar_email_and_from_an_address_in_any_script(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """feedparser's address pattern finds no address on a domain outside ASCII (the whole
    text was stored), and leaves the bar of "Name | email" in the name ("Anna Müller |",
    "| Anna Müller"); an author before the last has lost its text, and is put back
    together (items 5 and 6). Two addresses name nobody: kept as written."""
    body = authored(
        ("author", "Anna Müller | anna@clinic.org"),
        ("author", "anna@clinic.hospital | Anna Müller"),
        ("author", "anna@klinik.рф (Анна Мюллер)"),
        ("dc:creator", "news@医院.中国 (李伟)"),
        ("dc:creator", "Anna Müller | anna@clinic.hospital", "dc:creator", "Jo Ng"),
        ("dc:creator", "anna@klinik.рф (Анна Мюллер)", "dc:creator", "jo@ng.org | Jo Ng"),
        ("author", "Anna Müller | Reuters"),
        ("author", "desk@medwire.org | news@medwire.org"),
    )
    assert stored(body, tmp_path, database_url, store, server) == {
        "Item 1": "Anna Müller",
        "Item 2": "Anna Müller",
        "Item 3": "Анна Мюллер",
        "Item 4": "李伟",
        "Item 5": "Anna Müller, Jo Ng",
        "Item 6": "Анна Мюллер, Jo Ng",
        "Item 7": "Anna Müller | Reuters",
        "Item 8": "desk@medwire.org | news@medwire.org",
    }


def test_every_author_of_a_list_of_addressed_authors_is_stored(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """feedparser and parseaddr read the first address of "a@b.org (Ann), c@d.org (Jo)"
    only: the other authors were lost. A name that holds a comma is one author still."""
    body = authored(
        ("author", "Anna Müller <anna@clinic.org>, Jo Ng <jo@ng.org>"),
        ("author", "anna@klinik.рф (Анна Мюллер), jo@ng.org (Jo Ng)"),
        ("author", "anna@clinic.org, jo@ng.org"),
        ("author", '"Müller, Anna" <anna@clinic.org>'),
        ("author", "anna@clinic.org (Müller, Anna)"),
    )
    assert stored(body, tmp_path, database_url, store, server) == {
        "Item 1": "Anna Müller, Jo Ng",
        "Item 2": "Анна Мюллер, Jo Ng",
        "Item 3": "anna@clinic.org, jo@ng.org",
        "Item 4": "Müller, Anna",
        "Item 5": "Müller, Anna",
    }


def test_a_bar_with_nothing_on_its_other_side_is_no_author(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """A template's "{name} | {email}" with no name: the address alone is kept, as
    everywhere, not the bar ("|" was the stored author)."""
    body = authored(
        ("author", "| anna@clinic.org"),
        ("author", "anna@clinic.org |"),
        ("dc:creator", "| anna@clinic.org", "dc:creator", "Jo Ng"),
    )
    assert stored(body, tmp_path, database_url, store, server) == {
        "Item 1": "anna@clinic.org",
        "Item 2": "anna@clinic.org",
        "Item 3": "anna@clinic.org, Jo Ng",
    }


def test_an_author_in_comments_nested_a_thousand_deep_fails_no_feed(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """The standard library's address parsers recurse into each "(": a RecursionError
    failed the whole feed at every fetch. That author keeps feedparser's reading."""
    nested = "(" * 3000 + "anna@clinic.org"
    body = authored(("author", "Jo Ng <jo@ng.org>"), ("author", nested))
    authors = stored(body, tmp_path, database_url, store, server)
    assert authors["Item 1"] == "Jo Ng"
    assert "Item 2" in authors
