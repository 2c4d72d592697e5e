"""Dates in conference prose, and the date strings JSON Feed and event modules use."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.parse import parse_document
from aggregator.parse.dates import date_range_in_text, from_text, lift_time_elements, readable_date


def day(year: int, month: int, date: int) -> datetime:
    return datetime(year, month, date, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Vienna, 12–14 March 2027", day(2027, 3, 12), day(2027, 3, 15)),
        ("March 12-14, 2027 in Boston", day(2027, 3, 12), day(2027, 3, 15)),
        ("March 30 – April 2, 2027", day(2027, 3, 30), day(2027, 4, 3)),
        ("30 March to 2 April 2027", day(2027, 3, 30), day(2027, 4, 3)),
        ("on Sept. 3, 2026", day(2026, 9, 3), day(2026, 9, 4)),
        ("the 5th June 2027", day(2027, 6, 5), day(2027, 6, 6)),
    ],
)
def test_date_ranges_in_prose_become_all_day_spans(
    text: str, start: datetime, end: datetime
) -> None:
    assert date_range_in_text(text) == (start, end)


@pytest.mark.parametrize("text", ["in 2027", "31 February 2027", "14–12 March 2027", "no date"])
def test_text_without_a_real_date_gives_none(text: str) -> None:
    assert date_range_in_text(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-05T14:00:00+02:00", datetime(2026, 11, 5, 12, 0, tzinfo=UTC)),
        ("2026-11-05T14:00:00Z", datetime(2026, 11, 5, 14, 0, tzinfo=UTC)),
        ("2026-11-05", datetime(2026, 11, 5, tzinfo=UTC)),
        ("Thu, 05 Nov 2026 14:00:00 GMT", datetime(2026, 11, 5, 14, 0, tzinfo=UTC)),
        ("not a date", None),
        (None, None),
    ],
)
def test_date_strings_become_utc_datetimes(value: str | None, expected: datetime | None) -> None:
    assert from_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Friday, January 29, 2021 04:42 PM", datetime(2021, 1, 29, 16, 42, tzinfo=UTC)),
        ("January 29, 2021 4:42 PM EST", datetime(2021, 1, 29, 21, 42, tzinfo=UTC)),
        ("29 January 2021", datetime(2021, 1, 29, tzinfo=UTC)),
        ("9999-12-31T23:59:59-05:00", None),
        ("0001-01-01T00:00:00Z", None),
        ("Mon, 01 Jan 0001 00:00:00 +0000", None),
    ],
)
def test_readable_dates_are_read_and_placeholder_years_are_not(
    value: str, expected: datetime | None
) -> None:
    assert from_text(value) == expected


@pytest.mark.parametrize("text", ["January 2021", "4:42 PM", "2021", "Friday", "issue 42"])
def test_a_readable_date_needs_day_month_and_year(text: str) -> None:
    assert readable_date(text) is None


def test_a_time_element_inside_a_date_element_gives_its_datetime_attribute() -> None:
    body = (
        b'<item><pubDate><time datetime="2019-05-03T19:21:28Z">Fri, 05/03/2019 - 15:21</time>'
        b"</pubDate><dc:date>\n <time class='x' datetime='2020-01-02'>2 Jan</time> </dc:date>"
        b'<description><time datetime="2000-01-01">kept</time></description></item>'
    )
    assert lift_time_elements(body) == (
        b"<item><pubDate>2019-05-03T19:21:28Z</pubDate><dc:date>2020-01-02</dc:date>"
        b'<description><time datetime="2000-01-01">kept</time></description></item>'
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Seg, 24 Set 2018 19:42:40 -0300", datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)),
        ("Mié, 02 Dic 2026 10:00:00 +0100", datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),
        ("Mié, 02 Dic 2026", day(2026, 12, 2)),
        ("Di, 03 Mär 2026 10:00:00 +0100", datetime(2026, 3, 3, 9, 0, tzinfo=UTC)),
        ("mer., 02 déc. 2026 10:00:00 +0100", datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),
        ("jeu, 02 juil 2026 10:00 GMT", datetime(2026, 7, 2, 10, 0, tzinfo=UTC)),
        ("gio, 11 giu 2026 08:00:00 +0200", datetime(2026, 6, 11, 6, 0, tzinfo=UTC)),
        ("wo, 14 okt 2026 12:00:00 +0200", datetime(2026, 10, 14, 10, 0, tzinfo=UTC)),
        ("Seg, 24 Xyz 2018 19:42:40 -0300", None),
    ],
)
def test_rfc822_dates_in_european_languages_are_read(value: str, expected: datetime | None) -> None:
    """They were dropped, and years-old items were listed as today's news."""
    assert from_text(value) == expected


def test_a_portuguese_feeds_dates_are_its_items_dates(corpus: Path) -> None:
    body = (corpus / "quirks/rss-parser--uolNoticias_iso-8859-1.rss").read_bytes()
    feed = parse_document(body, url="https://noticias.uol.com.br/rss.xml")
    assert len(feed.items) == 15
    assert feed.items[0].published == datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)
    assert all(item.published is not None for item in feed.items)
    assert not any("cannot read" in warning for warning in feed.warnings)


def test_dates_that_cannot_be_read_are_warned_of_with_how_many_and_an_example() -> None:
    items = "".join(
        f"<item><title>{n}</title><link>https://e.org/{n}</link><pubDate>{date}</pubDate></item>"
        for n, date in enumerate(["Sat, 24 Sep 2018 10:00:00 GMT", "le jour du seigneur", "soon"])
    )
    body = f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>".encode()
    feed = parse_document(body, url="https://e.org/feed")
    assert [item.published is None for item in feed.items] == [False, True, True]
    assert feed.warnings == (
        "2 of 3 entries have a date medfeed cannot read (e.g. 'le jour du seigneur'); "
        "they are dated when first seen",
    )


def test_json_feed_dates_that_cannot_be_read_are_warned_of() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "items": [{"id": "1", "title": "x", "date_published": "gestern"}],
        }
    ).encode()
    feed = parse_document(body, url="https://e.org/feed.json")
    assert feed.warnings == (
        "1 of 1 entries has a date medfeed cannot read (e.g. 'gestern'); "
        "they are dated when first seen",
    )
