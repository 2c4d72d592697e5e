"""Specialties in the page: the filter beside kind and source, /specialties/<slug> pages and
per-specialty Atom feeds, on both databases."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import pytest
from flask.testing import FlaskClient
from webfactory import app, client, entry, save, settings, setup_store, web_settings

from aggregator.config import SpecialtySettings
from aggregator.records import Kind
from aggregator.store import Store
from web import create_app

ATOM = "{http://www.w3.org/2005/Atom}"


def tagged(store: Store) -> None:
    save(
        store,
        [
            entry(Kind.NEWS, title="Statins after a heart attack", tags=("cardiology",)),
            entry(Kind.NEWS, title="Measles in schools", tags=("infectious-disease",)),
            entry(Kind.ARTICLE, title="Atrial fibrillation trial", tags=("cardiology",)),
        ],
    )


def test_the_filter_menu_offers_every_specialty_of_the_vocabulary(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<select name="specialty">' in html
    assert '<option value="cardiology">Cardiology</option>' in html
    assert '<option value="infectious-disease">Infectious disease</option>' in html


def test_the_specialty_filter_narrows_the_stream_with_kind(
    client: FlaskClient, store: Store
) -> None:
    tagged(store)
    html = client.get("/?specialty=cardiology").get_data(as_text=True)
    assert "Statins after a heart attack" in html and "Atrial fibrillation trial" in html
    assert "Measles in schools" not in html
    assert '<option value="cardiology" selected>' in html
    html = client.get("/?specialty=cardiology&kind=article").get_data(as_text=True)
    assert "Atrial fibrillation trial" in html and "Statins after" not in html
    items = client.get("/api/items?specialty=infectious-disease").get_json()["items"]
    assert [item["title"] for item in items] == ["Measles in schools"]


def test_a_specialty_page_lists_its_items_and_links_its_feed(
    client: FlaskClient, store: Store
) -> None:
    tagged(store)
    response = client.get("/specialties/cardiology")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Cardiology — medfeed</title>" in html
    assert "Statins after a heart attack" in html and "Measles in schools" not in html
    assert 'href="/specialties/cardiology/feed.atom"' in html
    assert 'rel="alternate" type="application/atom+xml" title="medfeed — Cardiology (Atom)"' in html
    narrowed = client.get("/specialties/cardiology?kind=news").get_data(as_text=True)
    assert "Statins after a heart attack" in narrowed and "Atrial fibrillation" not in narrowed
    # the heading says which list this is (it said "Everything", then "News")
    assert re.search(r"<h1[^>]*>\s*Cardiology\s*</h1>", html)
    assert re.search(r"<h1[^>]*>\s*News in Cardiology\s*</h1>", narrowed)


@pytest.mark.parametrize(
    ("query", "heading"),
    [("when=past", "Past conferences"), ("kind=conference", "Upcoming conferences"),
     ("kind=news&when=past", "News, past events")],
)  # fmt: skip
def test_a_calendar_list_says_which_part_of_the_calendar_it_is(
    client: FlaskClient, query: str, heading: str
) -> None:
    html = client.get(f"/?{query}").get_data(as_text=True)
    assert re.search(rf"<h1[^>]*>\s*{heading}\s*</h1>", html)


def test_the_specialties_page_links_every_page_and_feed(client: FlaskClient) -> None:
    html = client.get("/specialties").get_data(as_text=True)
    assert 'href="/specialties/oncology"' in html
    assert 'href="/specialties/oncology/feed.atom"' in html


def test_an_unknown_specialty_is_404_for_the_page_and_the_feed(client: FlaskClient) -> None:
    assert client.get("/specialties/astrology").status_code == 404
    assert client.get("/specialties/astrology/feed.atom").status_code == 404


def test_a_specialty_named_as_written_redirects_to_its_page_and_feed(client: FlaskClient) -> None:
    """``?specialty=Cardiology`` found the list while ``/specialties/Cardiology`` was a 404."""
    page = client.get("/specialties/Cardiology?kind=news")
    assert page.status_code == 301 and page.location == "/specialties/cardiology?kind=news"
    feed = client.get("/specialties/Infectious%20Disease/feed.atom")
    assert feed.status_code == 301
    assert feed.location == "/specialties/infectious-disease/feed.atom"
    assert client.get("/specialties/Cardiologie").status_code == 404


def test_a_specialty_feed_holds_only_its_items(client: FlaskClient, store: Store) -> None:
    tagged(store)
    response = client.get("/specialties/cardiology/feed.atom")
    assert response.status_code == 200
    feed = ET.fromstring(response.data)
    assert feed.findtext(f"{ATOM}title") == "medfeed — Cardiology"
    assert feed.findtext(f"{ATOM}id") == "http://localhost/specialties/cardiology/feed.atom"
    titles = sorted(e.findtext(f"{ATOM}title") or "" for e in feed.iter(f"{ATOM}entry"))
    assert titles == ["Atrial fibrillation trial", "Statins after a heart attack"]
    alternate = [
        link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "alternate"
    ]
    assert alternate == ["http://localhost/specialties/cardiology"]


def test_a_specialty_feed_pages_with_next_links(client: FlaskClient, store: Store) -> None:
    save(store, [entry(Kind.NEWS, tags=("oncology",)) for _ in range(3)])
    feed = ET.fromstring(client.get("/specialties/oncology/feed.atom?limit=2").data)
    following = [
        link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "next"
    ]
    assert len(following) == 1
    assert following[0].startswith("http://localhost/specialties/oncology/feed.atom?")
    rest = ET.fromstring(client.get(following[0].removeprefix("http://localhost")).data)
    assert len(list(rest.iter(f"{ATOM}entry"))) == 1


def test_configured_specialties_replace_the_built_in_menu(store: Store, database_url: str) -> None:
    vocabulary = {"Sports Medicine": SpecialtySettings(keywords=("ACL", "sprain"))}
    settings = web_settings(database_url).model_copy(update={"specialties": vocabulary})
    setup_store(store, settings)
    client = create_app(settings=settings, store=store).test_client()
    html = client.get("/").get_data(as_text=True)
    assert '<option value="sports-medicine">Sports Medicine</option>' in html  # as written
    assert 'value="cardiology"' not in html
    assert client.get("/specialties/sports-medicine").status_code == 200
    assert client.get("/specialties/cardiology").status_code == 404


@pytest.mark.parametrize("path", ["/feed.atom", "/feed.json"])
def test_the_combined_feed_narrowed_to_a_specialty_is_titled_with_its_name(
    client: FlaskClient, store: Store, path: str
) -> None:
    tagged(store)
    response = client.get(f"{path}?specialty=infectious-disease")
    if path.endswith(".json"):
        title = response.get_json()["title"]
    else:
        title = ET.fromstring(response.data).findtext(f"{ATOM}title")
    assert title == "medfeed — Infectious disease"


def test_a_specialty_whose_name_is_not_its_slug_capitalised_is_named_properly(
    client: FlaskClient,
) -> None:
    """The built-in obstetrics-gynecology showed as "Obstetrics gynecology"."""
    html = client.get("/specialties").get_data(as_text=True)
    assert '<a href="/specialties/obstetrics-gynecology">Obstetrics &amp; gynecology</a>' in html


def test_a_configured_specialty_is_named_as_its_key_is_written(
    store: Store, database_url: str
) -> None:
    vocabulary = {"Obstetrics & Gynaecology": SpecialtySettings(keywords=("pregnancy",))}
    settings = web_settings(database_url).model_copy(update={"specialties": vocabulary})
    setup_store(store, settings)
    client = create_app(settings=settings, store=store).test_client()
    html = client.get("/specialties/obstetrics-gynaecology").get_data(as_text=True)
    assert "<title>Obstetrics &amp; Gynaecology — medfeed</title>" in html


def test_a_specialty_pages_narrowed_list_links_feeds_narrowed_to_the_specialty_too(
    client: FlaskClient, store: Store
) -> None:
    """/specialties/cardiology?kind=news linked /feed.atom?kind=news: every specialty's news."""
    tagged(store)
    html = client.get("/specialties/cardiology?kind=news").get_data(as_text=True)
    links = re.findall(r'<link rel="alternate" type="[^"]+" title="([^"]*)" href="([^"]+)"', html)
    atom = "/feed.atom?kind=news&amp;specialty=cardiology"
    assert ("medfeed — News · Cardiology (Atom)", atom) in links
    assert ("medfeed — News · Cardiology (JSON Feed)", atom.replace("atom", "json")) in links
    assert not any("kind=news" in href and "specialty" not in href for _, href in links)
    feed = client.get(atom.replace("&amp;", "&")).data
    titles = [title.text for title in ET.fromstring(feed).iter(f"{ATOM}title")]
    assert titles[0] == "medfeed — News · Cardiology"
    assert "Statins after a heart attack" in titles and "Measles in schools" not in titles


def test_an_items_specialty_chip_names_the_specialty_and_opens_its_page(
    client: FlaskClient, store: Store
) -> None:
    """Every chip read as a slug ("obstetrics-gynecology") and led to "Everything tagged
    …", not to the specialty's page with its feed; a feed's own category stays a tag."""
    tags = ("obstetrics-gynecology", "weekly-digest")
    save(store, [entry(Kind.NEWS, title="Postpartum haemorrhage bundle", tags=tags)])
    (item,) = client.get("/api/items").get_json()["items"]
    for path in ("/", f"/items/{item['id']}"):
        html = client.get(path).get_data(as_text=True)
        (chips,) = re.findall(r'<ul class="tags".*?</ul>', html, re.DOTALL)
        specialty = '<a href="/specialties/obstetrics-gynecology">Obstetrics &amp; gynecology</a>'
        assert specialty in chips
        assert '<a href="/?tag=weekly-digest">weekly-digest</a>' in chips


@pytest.mark.parametrize("path", ["/?specialty=cardiology", "/specialties/cardiology"])
def test_a_specialtys_list_names_one_feed_per_format_its_own_atom_feed(
    client: FlaskClient, store: Store, path: str
) -> None:
    """The page's <head> named /feed.atom?specialty=cardiology and
    /specialties/cardiology/feed.atom, one feed under two addresses and titles: a feed
    reader offered both. The specialty's own feed is the one /specialties and the
    page's subscribe line link; JSON Feed has no other."""
    tagged(store)
    html = client.get(path).get_data(as_text=True)
    links = re.findall(r'<link rel="alternate" type="([^"]+)" title="([^"]*)" href="([^"]+)"', html)
    named = [(kind, title, href) for kind, title, href in links if "Cardiology" in title]
    assert named == [
        (
            "application/atom+xml",
            "medfeed — Cardiology (Atom)",
            "/specialties/cardiology/feed.atom",
        ),
        (
            "application/feed+json",
            "medfeed — Cardiology (JSON Feed)",
            "/feed.json?specialty=cardiology",
        ),
    ]
    assert not any("specialty=cardiology" in href and "atom" in href for _, _, href in links)
    assert (
        re.findall(r'href="([^"]*feed\.atom[^"]*)"', html).count(
            "/specialties/cardiology/feed.atom"
        )
        == 2
    )
    feed = client.get("/specialties/cardiology/feed.atom").data
    assert next(ET.fromstring(feed).iter(f"{ATOM}title")).text == "medfeed — Cardiology"


def test_a_narrowed_specialty_list_names_its_own_feed_and_the_specialtys_once_each(
    client: FlaskClient, store: Store
) -> None:
    tagged(store)
    html = client.get("/?specialty=cardiology&kind=news").get_data(as_text=True)
    links = re.findall(
        r'<link rel="alternate" type="application/atom\+xml" title="[^"]*" href="([^"]+)"', html
    )
    assert links == [
        "/feed.atom?kind=news&amp;specialty=cardiology",
        "/feed.atom",
        "/specialties/cardiology/feed.atom",
    ]
