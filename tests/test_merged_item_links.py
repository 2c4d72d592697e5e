"""An item merged into another keeps its public links: its id (``/items/ID``, ``/api/items/ID``,
its feed entries' ids) answers a 301 to the item it went into, query string kept, so a
bookmark, a shared link or a feed reader's entry still reaches the article. Merged twice,
it leads straight to the last item; once retention deletes that item, the id is a 404 as
the item's own is.

The merge is the one of tests/test_late_identifiers.py: a journal entry gains the DOI of
another source's item, both feeds served by a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from aggregator.cli import main
from aggregator.records import FeaturedPolicy, Kind
from aggregator.store import Store
from aggregator.store.models import Item
from aggregator.store.retention import PurgePlan
from tests.localserver import LocalServer
from tests.test_late_identifiers import DOI, NEJM, PUBMED, Article, Feeds
from web import create_app


def ids_by_owner(store: Store) -> dict[str, int]:
    """Each stored item's id, by the source whose copy it shows."""
    with store.session() as session:
        rows = session.execute(select(Item.source_id, Item.id))
        return {source_id: item_id for source_id, item_id in rows}


def client(feeds: Feeds) -> FlaskClient:
    return create_app(feeds.settings, feeds.store, watch=False).test_client()


def merged_pair(tmp_path: Path, database_url: str, store: Store) -> tuple[Feeds, int, int]:
    """NEJM's entry gains the DOI PubMed's item holds: the two are merged, NEJM's copy kept.
    Returns the feeds, the merged-away id and the kept one."""
    with LocalServer() as server:
        feeds = Feeds(server, tmp_path, database_url, store)
        feeds.entries.update(nejm=[NEJM], pubmed=[replace(PUBMED, pmid=None)])
        feeds.refresh()
        before = ids_by_owner(store)
        feeds.entries["nejm"] = [replace(NEJM, doi=DOI)]
        feeds.refresh("nejm")
    assert ids_by_owner(store) == {"nejm": before["nejm"]}
    return feeds, before["pubmed"], before["nejm"]


def test_a_merged_away_items_page_leads_to_the_item_it_joined(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    feeds, old, kept = merged_pair(tmp_path, database_url, store)

    answer = client(feeds).get(f"/items/{old}?play=1")

    assert answer.status_code == 301
    assert answer.headers["Location"] == f"/items/{kept}?play=1"


def test_a_merged_away_items_api_url_leads_to_the_item_it_joined(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    feeds, old, kept = merged_pair(tmp_path, database_url, store)
    web = client(feeds)

    answer = web.get(f"/api/items/{old}")
    followed = web.get(f"/api/items/{old}", follow_redirects=True)

    assert answer.status_code == 301
    assert answer.headers["Location"] == f"/api/items/{kept}"
    assert (followed.status_code, followed.get_json()["id"]) == (200, kept)


def test_an_item_merged_twice_leads_straight_to_the_last_item(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    """cove's item joins bay's (bay ranks first: the source id), then bay's joins apex's;
    cove's id must not lead to bay's, which is gone."""
    cove = Article("cove-1", "https://cove.example/kidney")
    bay = Article("bay-1", "https://bay.example/kidney", doi=DOI)
    apex = Article("apex-1", "https://apex.example/kidney", pmid="41234567")
    with LocalServer() as server:
        feeds = Feeds(server, tmp_path, database_url, store, ("apex", "bay", "cove"))
        feeds.entries.update(apex=[apex], bay=[bay], cove=[cove])
        feeds.refresh()
        before = ids_by_owner(store)
        feeds.entries["cove"] = [replace(cove, doi=DOI)]
        feeds.refresh("cove")
        assert ids_by_owner(store) == {"apex": before["apex"], "bay": before["bay"]}
        feeds.entries["bay"] = [replace(bay, pmid=apex.pmid)]
        feeds.refresh("bay")
    assert ids_by_owner(store) == {"apex": before["apex"]}

    web = client(feeds)
    for old in (before["cove"], before["bay"]):
        answer = web.get(f"/items/{old}")
        assert (answer.status_code, answer.headers["Location"]) == (
            301,
            f"/items/{before['apex']}",
        )


def test_a_merged_away_id_is_a_404_once_retention_deletes_the_item_it_joined(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    feeds, old, kept = merged_pair(tmp_path, database_url, store)
    now = datetime.now(UTC)
    nothing_featured = FeaturedPolicy(kinds=(Kind.VIDEO,))  # the article is not kept for it

    assert store.purge(PurgePlan(now=now, older_than=now), nothing_featured).items == 1

    web = client(feeds)
    assert web.get(f"/items/{kept}").status_code == 404
    assert web.get(f"/items/{old}").status_code == 404
    assert web.get(f"/api/items/{old}").status_code == 404


def stories(feeds: Feeds, *args: object) -> int:
    return main(["--config", str(feeds.settings.path), "stories", *map(str, args)])


def test_stories_show_of_a_merged_away_id_shows_the_kept_items_story_and_says_so(
    tmp_path: Path, database_url: str, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    feeds, old, kept = merged_pair(tmp_path, database_url, store)
    capsys.readouterr()

    assert stories(feeds, "show", old, "--json") == 0

    answer = capsys.readouterr()
    assert f"item {old} was merged into item {kept}" in answer.err
    shown = json.loads(answer.out)
    assert shown["story_id"] == kept
    assert [member["id"] for member in shown["members"]] == [kept]


def test_stories_why_of_a_merged_away_id_and_its_item_says_they_are_one_item(
    tmp_path: Path, database_url: str, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    feeds, old, kept = merged_pair(tmp_path, database_url, store)
    capsys.readouterr()

    assert stories(feeds, "why", old, kept) == 2

    assert f"items {old} and {kept} are item {kept} now" in capsys.readouterr().err
