"""A search that is one web address finds the item stored at that address, by the canonical
URL dedupe keys items on: pasted with its tracking tags, over http, with a trailing slash,
through a click tracker, or as the address of a story's other copy, of a copy joined to the
item by its DOI (on arrival or late), or of an event's page, with its host in Unicode or
punycode and "~" escaped or not; an address no item has is searched as words, without an
error. On the page and in the API, on both databases."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from urllib.parse import quote

from flask.testing import FlaskClient
from webfactory import NOW, app, client, entry, make_story, save, settings

from aggregator.identity import identify, identify_document
from aggregator.records import ArticleInfo, EventInfo, ItemIdentity, Kind, ParsedItem
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


PREPRINT = "https://www.medrxiv.org/content/10.1101/2026.08.01.26311111v2"
JOURNAL = "https://www.bmj.com/content/391/bmj-2026-081234"
DOI = "10.1136/bmj-2026-081234"


def paper(
    title: str, url: str, doi: str | None, summary: str = "Abstract."
) -> tuple[Kind, ParsedItem, tuple[str, ...]]:
    article = ArticleInfo(doi=doi, journal="The BMJ")
    return entry(Kind.ARTICLE, title=title, url=url, summary=f"<p>{summary}</p>", article=article)


def sources_of(client: FlaskClient, q: str) -> list[set[str]]:
    answer = client.get(f"/api/items?q={quote(q, safe='')}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [{source["id"] for source in item["sources"]} for item in answer.get_json()["items"]]


def published_and_preprint(store: Store, preprint_doi: str | None) -> None:
    """The journal's article, with its DOI, then the preprint server's copy, with ``doi``."""
    save(store, [paper("Statins after 75", JOURNAL, DOI)], identify=identify)
    preprint = paper("Statins in the old", PREPRINT, preprint_doi)
    save(store, [preprint], source="medrxiv", identify=identify)


def test_the_address_of_a_copy_joined_by_its_doi_finds_the_one_item(
    client: FlaskClient, store: Store
) -> None:
    published_and_preprint(store, DOI)
    for pasted in (PREPRINT + "?utm_source=twitter", JOURNAL + "/"):
        assert sources_of(client, pasted) == [{"bmj", "medrxiv"}], pasted


def test_the_address_of_an_item_joined_late_finds_the_item_it_joined(
    client: FlaskClient, store: Store
) -> None:
    published_and_preprint(store, None)
    assert sources_of(client, PREPRINT) == [{"medrxiv"}]
    # The preprint server adds the DOI of the published version: the two items become one.
    late = paper("Statins in the old", PREPRINT, DOI, summary="Abstract. Now published.")
    save(store, [late], source="medrxiv", identify=identify)
    assert len(store.list_items(stories=False, limit=10).items) == 1
    assert sources_of(client, PREPRINT + "?utm_medium=rss") == [{"bmj", "medrxiv"}]


def test_an_event_page_finds_the_single_events_held_there(
    client: FlaskClient, store: Store
) -> None:
    club = "https://www.esc.org/journal-club"

    def event(title: str, url: str, days: int) -> tuple[Kind, ParsedItem, tuple[str, ...]]:
        start = NOW + timedelta(days=days)
        info = EventInfo(start=start, end=start + timedelta(hours=1), url=url)
        return entry(Kind.CONFERENCE, title=title, url=url, event=info)

    save(
        store,
        [
            event("Journal club: statins", club, 7),
            event("Journal club: SGLT2", club + "?utm_source=rss", 14),
            event("ESC Congress 2027", "https://www.esc.org/congresses/esc-2027", 200),
        ],
        identify=identify,
    )
    assert sorted(found(client, "http://www.esc.org/journal-club/")) == [
        "Journal club: SGLT2",
        "Journal club: statins",
    ]
    assert found(client, "https://www.esc.org/congresses/esc-2027#programme") == [
        "ESC Congress 2027"
    ]


def test_an_address_spelt_another_way_than_its_feed_did_finds_the_item(
    client: FlaskClient, store: Store
) -> None:
    save(
        store,
        [
            news(
                "Ärzte warnen vor Masern", "https://xn--rzteblatt-u2a.example/%7Eredaktion/masern"
            ),
            news("Hitze in Kliniken", "https://ärzteblatt.example/~redaktion/hitze"),
        ],
        identify=identify,
    )
    for pasted in (
        "https://ärzteblatt.example/~redaktion/masern",
        "https://ÄRZTEBLATT.example/%7eredaktion/masern/",
    ):
        assert found(client, pasted) == ["Ärzte warnen vor Masern"], pasted
    assert found(client, "https://xn--rzteblatt-u2a.example/%7Eredaktion/hitze") == [
        "Hitze in Kliniken"
    ]


def as_one_document(
    entries: Sequence[tuple[Kind, ParsedItem, tuple[str, ...]]],
) -> Callable[[ParsedItem], ItemIdentity]:
    """Each entry recognised as its feed's document has it: a URL several entries share is
    known as shared (``identity.shared_urls``)."""
    identities = identify_document([item for _, item, _ in entries])
    by_guid = {item.guid: found for (_, item, _), found in zip(entries, identities, strict=True)}
    return lambda item: by_guid[item.guid]


def test_a_page_its_feed_now_gives_several_entries_names_none_of_them(
    client: FlaskClient, store: Store
) -> None:
    home = "https://www.society.example/"
    first = [news("Statement on measles", home)]
    save(store, first, source="fda-press", identify=as_one_document(first))
    assert found(client, home) == ["Statement on measles"]
    # The next fetch links a second statement to the same home page: it names a site now.
    both = [*first, news("Statement on heat", home)]
    save(store, both, source="fda-press", identify=as_one_document(both))
    assert found(client, home) == []


def test_a_copys_address_still_finds_the_item_after_the_item_moved_to_another(
    client: FlaskClient, store: Store
) -> None:
    moved = STORY.replace("measles-vaccination-gap", "measles-vaccination-gap-widens")
    first = news("Measles vaccination gap widens", STORY)
    save(store, [first], source="fda-press", identify=identify)  # the owner: an agency's own
    save(store, [news("Measles gap widens", STORY)], identify=identify)
    # The agency moves its release to a new address; the news copy stays at the old one.
    kind, item, tags = first
    save(
        store,
        [(kind, replace(item, url=moved, summary="<p>Updated.</p>"), tags)],
        source="fda-press",
        identify=identify,
    )
    [listed] = client.get(f"/api/items?q={quote(moved, safe='')}").get_json()["items"]
    assert listed["url"] == moved
    assert sources_of(client, STORY) == [{"health-news", "fda-press"}]
