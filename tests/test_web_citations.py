"""Citations and notice flags on the site: "Covers" / "Covered by", badges, and the JSON."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

from flask.testing import FlaskClient
from webfactory import app, client, entry, save, settings

from aggregator.records import ArticleInfo, Kind
from aggregator.store import Store

PAPER = "10.1136/bmj.2026.0001"


def _ids(store: Store) -> dict[str, int]:
    return {item.title: item.id for item in store.list_items(limit=100, stories=False).items}


def _covered(store: Store) -> dict[str, int]:
    save(store, [entry(Kind.ARTICLE, title="The paper", article=ArticleInfo(doi=PAPER))])
    story = entry(Kind.NEWS, title="The story", article=ArticleInfo(cites=(PAPER,)))
    save(store, [story])
    return _ids(store)


def _retracted(store: Store) -> dict[str, int]:
    save(store, [entry(Kind.ARTICLE, title="The paper", article=ArticleInfo(doi=PAPER))])
    info = ArticleInfo(doi="10.1136/bmj.2026.0099", pub_type="Retraction", cites=(PAPER,))
    save(store, [entry(Kind.ARTICLE, title="Retraction: The paper", article=info)])
    return _ids(store)


def test_a_news_item_page_says_which_article_it_covers(client: FlaskClient, store: Store) -> None:
    ids = _covered(store)
    page = client.get(f"/items/{ids['The story']}").get_data(as_text=True)
    assert f'Covers: <a href="/items/{ids["The paper"]}">The paper</a>' in page


def test_an_article_page_lists_the_news_covering_it(client: FlaskClient, store: Store) -> None:
    ids = _covered(store)
    page = client.get(f"/items/{ids['The paper']}").get_data(as_text=True)
    assert f'Covered by: <a href="/items/{ids["The story"]}">The story</a>' in page


def test_item_json_has_cites_covers_and_covered_by(client: FlaskClient, store: Store) -> None:
    ids = _covered(store)
    story = client.get(f"/api/items/{ids['The story']}").get_json()
    paper = client.get(f"/api/items/{ids['The paper']}").get_json()
    assert story["article"]["cites"] == [PAPER]
    assert [ref["id"] for ref in story["covers"]] == [ids["The paper"]]
    assert [ref["id"] for ref in paper["covered_by"]] == [ids["The story"]]


def test_a_retracted_article_shows_a_retracted_badge_on_the_front_page(
    client: FlaskClient, store: Store
) -> None:
    _retracted(store)
    page = client.get("/").get_data(as_text=True)
    assert '<span class="badge flag flag-retracted">Retracted</span>' in page


def test_a_retracted_article_page_says_so_above_the_text(client: FlaskClient, store: Store) -> None:
    ids = _retracted(store)
    page = client.get(f"/items/{ids['The paper']}").get_data(as_text=True)
    assert '<p class="banner flag-notice" role="note"><strong>Retracted.</strong>' in page


def test_item_json_lists_flags(client: FlaskClient, store: Store) -> None:
    ids = _retracted(store)
    listed = client.get("/api/items?kind=article&stories=0").get_json()["items"]
    assert {item["title"]: item["flags"] for item in listed} == {
        "The paper": ["retracted"],
        "Retraction: The paper": [],
    }
    assert client.get(f"/api/items/{ids['The paper']}").get_json()["flags"] == ["retracted"]
