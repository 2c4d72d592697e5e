"""Values longer than the database's columns (a guid, a link, an image address, an ETag, a
redirect target) never fail their source. PostgreSQL refuses a value longer than its
column, and it refused the whole batch with it: the source failed on every pass and kept
none of its items, while SQLite, which does not check lengths, stored them all."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from aggregator.cli import main
from aggregator.config import load_settings
from aggregator.refresh import Refresher
from aggregator.store import Store
from aggregator.store.models import Item, Source
from tests.feeds import Entry, always_sent, config_text, refresh_one, rss, served
from tests.localserver import LocalServer, send

LONG_LINK = "https://news.example/" + "a" * 2100
LONG_GUID = "tag:news.example," + "g" * 1500
LONG_IMAGE = "https://img.example/" + "i" * 2100 + ".jpg"


def feed_with_oversized_values() -> bytes:
    body = rss(
        [
            Entry("Long guid", "https://news.example/1", guid=LONG_GUID),
            Entry("Long link", LONG_LINK),
            Entry("Long image", "https://news.example/3"),
            Entry("Plain", "https://news.example/4"),
        ]
    )
    enclosure = f"<enclosure url='{LONG_IMAGE}' type='image/jpeg' length='1'/>"
    return body.replace(
        b"<title>Long image</title>", b"<title>Long image</title>" + enclosure.encode()
    )


def test_an_item_with_an_oversized_guid_link_or_image_is_stored_with_the_rest(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    with LocalServer() as server:
        body = {"now": feed_with_oversized_values()}
        server.route("/feed", always_sent(lambda: body["now"]))
        outcome = refresh_one(tmp_path, database_url, store, server.url("/feed"))
        assert (outcome.status, outcome.new) == ("ok", 4)
        body["now"] += b"\n"  # read again, not found the same as the body stored
        again = Refresher(load_settings(tmp_path / "config.yaml"), store).refresh(due_only=False)
    assert [(o.status, o.new) for o in again] == [("ok", 0)]  # the long guid is known again
    with store.session() as session:
        rows = {title: (url, image) for title, url, image in session.execute(
            select(Item.title, Item.canonical_url, Item.image))}  # fmt: skip
    assert set(rows) == {"Long guid", "Long link", "Long image", "Plain"}
    assert rows["Long link"] == (None, None)  # shown with its permalink
    assert rows["Long image"] == ("https://news.example/3", None)


def test_an_oversized_etag_is_not_kept_and_the_feed_is_stored(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    etag = '"' + "e" * 600 + '"'

    def handle(handler: object) -> None:
        headers = {"Content-Type": "application/rss+xml", "ETag": etag}
        send(handler, 200, rss([Entry("Plain", "https://news.example/1")]), headers)  # type: ignore[arg-type]

    with LocalServer() as server:
        server.route("/feed", handle)
        outcome = refresh_one(tmp_path, database_url, store, server.url("/feed"))
    assert (outcome.status, outcome.new) == ("ok", 1)
    with store.session() as session:
        assert session.scalar(select(Source.etag)) is None


def test_a_permanent_redirect_to_an_oversized_address_is_followed_but_not_kept(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    target = "/moved/" + "m" * 2100
    with LocalServer() as server:
        server.route("/feed", lambda h: send(h, 301, headers={"Location": server.url(target)}))
        server.route(target, served(rss([Entry("Plain", "https://news.example/1")])))
        outcome = refresh_one(tmp_path, database_url, store, server.url("/feed"))
    assert (outcome.status, outcome.new) == ("ok", 1)
    with store.session() as session:
        assert session.scalar(select(Source.permanent_redirect)) is None


def test_oversized_codes_are_left_out_and_oversized_prose_is_cut(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    """A DOI is a code: cut, it would name another paper, so it is left out. A journal's
    name is prose, and is cut."""
    doi = "10.1000/" + "d" * 300
    body = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:prism='
        '"http://prismstandard.org/namespaces/basic/2.0/"><channel><title>J</title><item>'
        "<title>A paper</title><link>https://journal.example/1</link>"
        f"<prism:doi>{doi}</prism:doi><prism:publicationName>{'Journal ' * 60}"
        "</prism:publicationName></item></channel></rss>"
    ).encode()
    with LocalServer() as server:
        server.route("/feed", served(body))
        outcome = refresh_one(tmp_path, database_url, store, server.url("/feed"))
    assert (outcome.status, outcome.new) == ("ok", 1), outcome.error
    with store.session() as session:
        stored_doi, journal = session.execute(select(Item.doi, Item.journal)).one()
    assert stored_doi is None
    assert journal is not None and journal.startswith("Journal Journal") and len(journal) == 300


@pytest.mark.parametrize(
    ("field", "line", "value"),
    [
        ("name", 7, "N" * 201),
        ("url", 8, "https://news.example/" + "u" * 2040),
    ],
)
def test_a_source_name_or_url_longer_than_its_column_is_a_config_error(
    tmp_path: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    field: str,
    line: int,
    value: str,
) -> None:
    """It passed check-config, and PostgreSQL refused the mirror of the whole config:
    ``medfeed run`` did not start, and an edit adding it stopped no less."""
    text = config_text(database_url, [("wire", "https://news.example/feed.xml", "news")])
    replaced = {"name": "name: Wire", "url": "url: https://news.example/feed.xml"}[field]
    path = tmp_path / "config.yaml"
    path.write_text(text.replace(replaced, f"{field}: {value}"))
    assert main(["--config", str(path), "refresh", "--all"]) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert f"line {line}, field sources[0].{field}:" in said
