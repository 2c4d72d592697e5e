"""A search that is one web address finds the item stored at that address, by the canonical
URL dedupe keys items on: pasted with its tracking tags, over http, with a trailing slash,
through a click tracker, or as the address of a story's other copy; an address no item has
is searched as words, without an error. On the page and in the API, on both databases."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

from urllib.parse import quote

from flask.testing import FlaskClient
from webfactory import app, client, entry, make_story, save, settings

from aggregator.identity import identify
from aggregator.records import ArticleInfo, Kind, ParsedItem
from aggregator.searchquery import pasted_address
from aggregator.store import Store

STORY = "https://www.statnews.com/2026/09/01/measles-vaccination-gap/"


def news(title: str, url: str) -> tuple[Kind, ParsedItem, tuple[str, ...]]:
    return entry(Kind.NEWS, title=title, url=url, summary="<p>Clinics report.</p>")


def found(client: FlaskClient, q: str) -> list[str]:
    answer = client.get(f"/api/items?q={quote(q, safe='')}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [item["title"] for item in answer.get_json()["items"]]


def test_only_a_query_that_is_one_web_address_is_read_as_one() -> None:
    assert pasted_address(" HTTP://WWW.StatNews.com:80/a/?utm_source=x&b=2 ") == (
        "https://www.statnews.com/a?b=2"
    )
    for words in ("measles https://www.statnews.com/a", "www.statnews.com/a", "ftp://x.org/a"):
        assert pasted_address(words) is None, words


def test_a_pasted_address_with_tracking_tags_finds_its_item(
    client: FlaskClient, store: Store
) -> None:
    save(
        store,
        [
            news("Measles vaccination gap widens", STORY),
            news("Heat and hospital admissions", "https://www.statnews.com/2026/09/02/heat/"),
        ],
        identify=identify,
    )
    for pasted in (
        STORY + "?utm_source=newsletter&utm_medium=email&utm_campaign=morning-rounds",
        "http://www.statnews.com:80/2026/09/01/measles-vaccination-gap",  # http, no slash
        f"  {STORY}#comments  ",
        "https://www.google.com/url?rct=j&sa=t&url=" + quote(STORY, safe="") + "&ct=ga",
    ):
        assert found(client, pasted) == ["Measles vaccination gap widens"], pasted
    body = client.get(f"/api/items?q={quote(STORY + '?fbclid=x', safe='')}").get_json()
    assert body["items"][0]["highlight"] == {
        "title": "Measles vaccination gap widens",
        "summary": "",
    }
    page = client.get(f"/?q={quote(STORY + '?utm_source=x', safe='')}").get_data(as_text=True)
    assert "Measles vaccination gap widens" in page
    assert "Heat and hospital admissions" not in page
    assert "No items match" not in page


def test_the_address_of_a_story_copy_finds_the_story(client: FlaskClient, store: Store) -> None:
    copy = "https://www.fda.gov/news-events/press-announcements/measles-vaccine-supply"
    save(store, [news("Measles vaccination gap widens", STORY)], identify=identify)
    fda = news("FDA on measles vaccine supply", copy)
    save(store, [fda], source="fda-press", identify=identify)
    ids = {item.title: item.id for item in store.list_items(stories=False, limit=10).items}
    make_story(store, ids["Measles vaccination gap widens"], [ids["FDA on measles vaccine supply"]])
    answer = client.get(f"/api/items?q={quote(copy + '?utm_source=twitter', safe='')}").get_json()
    [listed] = answer["items"]
    assert listed["title"] == "FDA on measles vaccine supply"
    assert [other["title"] for other in listed["also"]] == ["Measles vaccination gap widens"]


def test_the_address_another_source_gave_the_same_story_finds_the_one_item(
    client: FlaskClient, store: Store
) -> None:
    save(store, [news("Measles vaccination gap widens", STORY)], identify=identify)
    carried = STORY.replace("https", "http") + "?utm_source=fda&utm_medium=rss"
    save(store, [news("Measles gap widens", carried)], source="fda-press", identify=identify)
    [listed] = client.get(f"/api/items?q={quote(carried, safe='')}").get_json()["items"]
    assert {source["id"] for source in listed["sources"]} == {"health-news", "fda-press"}


def test_an_unknown_address_is_searched_as_words_without_an_error(
    client: FlaskClient, store: Store
) -> None:
    save(store, [news("Measles vaccination gap widens", STORY)], identify=identify)
    unknown = "https://www.statnews.com/2026/09/03/not-stored/?utm_source=x"
    assert found(client, unknown) == []
    # Longer than a query of words may be, and of more words than one may have.
    long_one = "https://example.net/" + "/".join(f"part{n}" for n in range(40)) + "?a=1&b=2"
    assert len(long_one) > 200
    assert found(client, long_one) == []
    assert client.get("/api/items?q=" + "+".join(["word"] * 41)).status_code == 400  # 204 chars
    page = client.get(f"/?q={quote(unknown, safe='')}")
    assert page.status_code == 200
    assert "No items match" in page.get_data(as_text=True)
    # Its words still find an item that has them all, as any search.
    save(store, [news("https www statnews com 2026 09 03 not stored utm source x", "")])
    assert found(client, unknown) == ["https www statnews com 2026 09 03 not stored utm source x"]


def test_a_doi_link_still_finds_its_article(client: FlaskClient, store: Store) -> None:
    article = entry(
        Kind.ARTICLE,
        title="Soda taxes and obesity",
        url="https://ajph.aphapublications.org/doi/10.2105/AJPH.2014.302272",
        summary="<p>Abstract.</p>",
        article=ArticleInfo(doi="10.2105/ajph.2014.302272", journal="AJPH"),
    )
    save(store, [article], identify=identify)
    assert found(client, "https://doi.org/10.2105/AJPH.2014.302272") == ["Soda taxes and obesity"]
    assert found(client, "https://pubmed.ncbi.nlm.nih.gov/25521897/") == []
