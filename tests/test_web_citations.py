"""Citations and notice flags on the site: "Covers" / "Covered by", badges, and the JSON."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from webfactory import (
    NOW,
    app,
    client,
    entry,
    make_story,
    save,
    settings,
    setup_store,
    web_settings,
    words,
)

from aggregator.config import Settings
from aggregator.records import ArticleInfo, Kind, ParsedItem
from aggregator.store import Store
from web import create_app

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


def test_an_item_page_lists_each_other_item_of_its_story_once(
    client: FlaskClient, store: Store
) -> None:
    """A news report on a paper is in the paper's story as well as under "Covers": the
    page named it twice, under "Covers" and again under "Same story elsewhere"."""
    ids = _covered(store)
    save(store, [entry(Kind.NEWS, title="The retelling")], source="fda-press")
    ids = _ids(store)
    make_story(store, ids["The paper"], [ids["The story"], ids["The retelling"]])
    story = client.get(f"/items/{ids['The story']}").get_data(as_text=True)
    paper = client.get(f"/items/{ids['The paper']}").get_data(as_text=True)
    assert story.count(f'href="/items/{ids["The paper"]}"') == 1
    assert paper.count(f'href="/items/{ids["The story"]}"') == 1
    for page in (story, paper):
        assert page.count(f'href="/items/{ids["The retelling"]}"') == 1
        assert "Same story elsewhere" in page


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


def _long(title: str, **extra: object) -> tuple[Kind, ParsedItem, tuple[str, ...]]:
    """An article long enough to be featured (the test settings' ``min_words`` is 50)."""
    return entry(Kind.ARTICLE, title=title, content=f"<p>{words(120, len(title))}</p>", **extra)


def _retracted_lead(store: Store) -> dict[str, int]:
    """An older long article, then a newer long one that a notice retracts."""
    save(store, [_long("The older trial", published=NOW - timedelta(hours=2))])
    paper = ArticleInfo(doi=PAPER)
    save(store, [_long("The paper", published=NOW - timedelta(hours=1), article=paper)])
    info = ArticleInfo(doi="10.1136/bmj.2026.0099", pub_type="Retraction", cites=(PAPER,))
    save(store, [entry(Kind.ARTICLE, title="Retraction: The paper", article=info)])
    return _ids(store)


def test_a_retracted_article_gives_the_featured_slot_to_the_previous_long_article(
    client: FlaskClient, store: Store
) -> None:
    ids = _retracted_lead(store)
    assert client.get("/api/featured").get_json()["id"] == ids["The older trial"]
    assert 'id="featured-title"><a href="/items/{}"'.format(ids["The older trial"]) in (
        client.get("/").get_data(as_text=True)
    )


def test_a_pinned_retracted_article_stays_featured_with_its_banner_and_notice(
    store: Store, database_url: str
) -> None:
    settings = web_settings(database_url, policy="pinned", pinned="https://example.org/the-paper")
    setup_store(store, settings)
    app = create_app(settings=settings, store=store)
    save(store, [_long("The older trial", published=NOW - timedelta(hours=2))])
    paper = ArticleInfo(doi=PAPER)
    pinned = _long("The paper", url="https://example.org/the-paper", article=paper)
    save(store, [pinned])
    info = ArticleInfo(doi="10.1136/bmj.2026.0099", pub_type="Retraction", cites=(PAPER,))
    save(store, [entry(Kind.ARTICLE, title="Retraction: The paper", article=info)])
    ids = _ids(store)
    client = app.test_client()
    assert client.get("/api/featured").get_json()["id"] == ids["The paper"]
    notice = (
        f'Covered by: <a href="/items/{ids["Retraction: The paper"]}">Retraction: The paper</a>'
    )
    for path in ("/", "/featured"):
        page = client.get(path).get_data(as_text=True)
        featured = page[page.index('id="featured"') :]
        assert '<p class="banner flag-notice" role="note"><strong>Retracted.</strong>' in featured
        assert notice in featured


def test_a_covering_item_a_removed_source_owned_is_named_by_its_other_carrier(
    client: FlaskClient, store: Store, settings: Settings
) -> None:
    """The story both outlets carry (the FDA's copy shown) stays listed once the FDA's
    feed is removed from the config; "Covered by" names the outlet readers still follow,
    as the story's own page does."""
    save(store, [entry(Kind.ARTICLE, title="The paper", article=ArticleInfo(doi=PAPER))])
    story = entry(Kind.NEWS, title="The story", article=ArticleInfo(cites=(PAPER,)))
    save(store, [story])
    save(store, [story], source="fda-press")
    paper = f"/items/{_ids(store)['The paper']}"
    assert "The story</a> — FDA Press Releases" in client.get(paper).get_data(as_text=True)
    kept = [source for source in settings.configured_sources() if source.id != "fda-press"]
    store.sync_sources(kept, NOW)
    page = client.get(paper).get_data(as_text=True)
    assert "The story</a> — Health News Daily" in page
    assert "FDA Press Releases" not in page
