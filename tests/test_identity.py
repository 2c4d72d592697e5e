"""Canonical URLs, identifiers and content hashes: what dedupe layers 1-3 match on."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from aggregator.identity import (
    canonical_url,
    content_hash,
    identify,
    identify_document,
    page_of,
    spellings,
)
from aggregator.records import ArticleInfo, EventInfo, ParsedItem, VideoInfo

ITEM = ParsedItem(
    guid=None,
    url="https://news.example.org/a",
    title="Title",
    summary="<p>Summary</p>",
    published=datetime(2026, 11, 1, tzinfo=UTC),
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://News.Example.ORG/a", "https://news.example.org/a"),
        ("https://news.example.org:443/a", "https://news.example.org/a"),
        ("http://news.example.org:80/a", "https://news.example.org/a"),
        ("https://news.example.org:8443/a", "https://news.example.org:8443/a"),
        ("https://news.example.org/a#comments", "https://news.example.org/a"),
        ("https://news.example.org/a/", "https://news.example.org/a"),
        ("https://news.example.org/", "https://news.example.org/"),
        ("https://news.example.org", "https://news.example.org/"),
    ],
)
def test_canonical_url_normalises_scheme_host_port_fragment_and_slash(
    url: str, expected: str
) -> None:
    assert canonical_url(url) == expected


def test_https_on_port_80_keeps_its_port_only_a_schemes_default_is_dropped() -> None:
    assert canonical_url("https://news.example.org:80/a") == "https://news.example.org:80/a"
    assert canonical_url("https://news.example.org:443/a") == "https://news.example.org/a"
    assert canonical_url("http://news.example.org:80/a") == "https://news.example.org/a"
    assert canonical_url("https://news.example.org:80/a") != canonical_url(
        "https://news.example.org/a"
    )


def test_canonical_url_drops_tracking_parameters() -> None:
    url = (
        "https://j.example.org/doi/10.1/x?utm_source=rss&utm_medium=feed&fbclid=1&gclid=2"
        "&mc_cid=3&mc_eid=4&_hsenc=5&_hsmi=6&igshid=7&ref_src=8&af=R"
    )
    assert canonical_url(url) == "https://j.example.org/doi/10.1/x"


def test_names_that_track_only_on_some_sites_name_the_page_elsewhere() -> None:
    assert canonical_url("https://h.example.org/features.php?feature=101") != canonical_url(
        "https://h.example.org/features.php?feature=102"
    )
    assert canonical_url("https://e.org/p?af=2") == "https://e.org/p?af=2"
    assert canonical_url("https://www.youtube.com/watch?v=abc&feature=share") == (
        "https://www.youtube.com/watch?v=abc"
    )


def test_canonical_url_sorts_the_parameters_it_keeps() -> None:
    assert canonical_url("https://e.org/s?b=2&a=1&utm_campaign=x") == "https://e.org/s?a=1&b=2"


def test_canonical_url_keeps_www_as_a_different_host() -> None:
    assert canonical_url("https://www.e.org/a") != canonical_url("https://e.org/a")


def test_canonical_url_treats_escaped_and_unescaped_paths_alike() -> None:
    assert canonical_url("https://e.org/a b/%c3%a9") == canonical_url("https://e.org/a%20b/%C3%A9")


@pytest.mark.parametrize(
    "url",
    [None, "", "mailto:desk@e.org", "ftp://e.org/f", "tag:e.org,2026:1", "/relative", "http://"],
)
def test_canonical_url_is_none_for_anything_but_http(url: str | None) -> None:
    assert canonical_url(url) is None


def test_guid_key_is_the_guid_when_the_feed_gives_one() -> None:
    assert identify(replace(ITEM, guid=" tag:e.org,1 ")).guid_key == "tag:e.org,1"


def test_guid_key_falls_back_to_the_canonical_url() -> None:
    item = replace(ITEM, url="http://news.example.org/a?utm_source=x")
    assert identify(item).guid_key == "https://news.example.org/a"


def test_guid_key_falls_back_to_the_content_hash_without_guid_or_url() -> None:
    identity = identify(replace(ITEM, url=None))
    assert identity.guid_key == f"sha256:{identity.content_hash}"
    assert identity.canonical_url is None


def test_identifiers_hold_doi_pmid_pmcid_and_video_ids_but_not_trial_numbers() -> None:
    item = replace(
        ITEM,
        article=ArticleInfo(
            doi="10.1056/nejmoa1", pmid="123", pmcid="pmc456", nct=("NCT01234567",)
        ),
        video=VideoInfo(id="AbCdEfGhIjK", provider="youtube"),
    )
    assert identify(item).identifiers == (
        "doi:10.1056/nejmoa1",
        "pmcid:PMC456",
        "pmid:123",
        "youtube:AbCdEfGhIjK",
    )


def test_vimeo_videos_are_identified_by_provider_and_id() -> None:
    item = replace(ITEM, video=VideoInfo(id="1013595996", provider="vimeo"))
    assert identify(item).identifiers == ("vimeo:1013595996",)


def test_an_item_without_identifiers_has_none() -> None:
    assert identify(ITEM).identifiers == ()


def test_content_hash_ignores_updated_published_and_view_counts() -> None:
    video = VideoInfo(id="AbCdEfGhIjK", provider="youtube", views=10)
    before = replace(ITEM, video=video)
    after = replace(
        before,
        updated=datetime(2026, 11, 2, tzinfo=UTC),
        published=datetime(2026, 11, 3, tzinfo=UTC),
        video=replace(video, views=5000),
    )
    assert content_hash(before) == content_hash(after)


def test_content_hash_is_the_head_of_the_sha256_stored_before_migration_0008() -> None:
    # what this item hashed to when whole sha256 digests were stored: the stored
    # hashes were cut to their first 32 digits, so they still equal fresh ones
    whole = "4bcbd4ff4bbf9c2d06c3be67963f2b1eb9a23bdb16532d9921102d0d61b71901"
    assert content_hash(ITEM) == whole[:32]


@pytest.mark.parametrize(
    "change",
    [
        {"title": "New title"},
        {"summary": "<p>Edited</p>"},
        {"content": "<p>Body</p>"},
        {"url": "https://news.example.org/b"},
        {"article": ArticleInfo(doi="10.1/x")},
    ],
)
def test_content_hash_changes_when_the_content_changes(change: dict[str, object]) -> None:
    assert content_hash(replace(ITEM, **change)) != content_hash(ITEM)  # type: ignore[arg-type]


def test_occurrences_of_a_recurring_event_keep_their_own_url_key() -> None:
    page = "https://hospital.example/education/journal-club"
    first, second = (
        ParsedItem(
            guid=f"club@{day}",
            url=page,
            title="Journal club",
            event=EventInfo(start=datetime(2026, 12, day, 12, tzinfo=UTC)),
        )
        for day in (2, 9)
    )
    assert identify(first).canonical_url != identify(second).canonical_url
    assert identify(first).canonical_url == identify(first).canonical_url


def test_events_of_one_registration_page_on_different_days_keep_their_url_keys() -> None:
    """Their keys hold their dates already: one congress from a calendar and from a
    society's RSS still merge by it."""
    page = "https://society.example/register"
    events = [
        ParsedItem(
            guid=f"event-{day}",
            url=page,
            title=f"Workshop {day}",
            event=EventInfo(start=datetime(2027, 3, day, 9, tzinfo=UTC)),
        )
        for day in (4, 5)
    ]
    keys = [identity.canonical_url for identity in identify_document(events)]
    assert keys == [f"{page}#event=2027-03-04", f"{page}#event=2027-03-05"]


def test_events_of_one_registration_page_on_one_day_have_no_url_key() -> None:
    page = "https://society.example/register"
    start = datetime(2027, 3, 4, 9, tzinfo=UTC)
    events = [
        ParsedItem(guid=f"session-{n}", url=page, title=title, event=EventInfo(start=start))
        for n, title in enumerate(("Morning session", "Afternoon session"))
    ]
    assert [identity.canonical_url for identity in identify_document(events)] == [None, None]


def test_an_address_is_looked_for_in_every_spelling_of_its_host_and_path() -> None:
    assert set(spellings("https://xn--bcher-kva.example/%7Eanna/list?q=1")) == {
        "https://xn--bcher-kva.example/%7Eanna/list?q=1",
        "https://xn--bcher-kva.example/~anna/list?q=1",
        "https://bücher.example/%7Eanna/list?q=1",
        "https://bücher.example/~anna/list?q=1",
    }
    assert spellings("https://news.example:8080/a") == ("https://news.example:8080/a",)
    for url in ("https://bücher.example:8443/~a", "https://[::1]:8080/%41"):
        page = canonical_url(url)
        assert page is not None
        assert spellings(page)[0] == page


def test_the_page_of_an_events_key_is_its_address_without_the_date_or_series_mark() -> None:
    page = "https://congress.example/e?a=%23b"
    assert page_of(f"{page}#event=2027-03-01") == page
    assert page_of(f"{page}#series") == page
    assert page_of(page) == page
    assert page_of(None) is None
