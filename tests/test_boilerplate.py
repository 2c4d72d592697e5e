"""What ``aggregator.parse.boilerplate`` takes off a summary, on hostile input too."""

from __future__ import annotations

import time

import pytest

from aggregator.parse import parse_document
from aggregator.parse.boilerplate import without_chrome, without_title
from aggregator.records import Kind


@pytest.mark.parametrize(
    ("summary", "kept"),
    [
        ("<p>Text.</p>\n<p> <br>&nbsp;</p> <br> ", "<p>Text.</p>"),
        ("<p>Text.<br><br></p>", "<p>Text.<br><br></p>"),
        ("<p>One.</p><p></p><p>&nbsp;</p>", "<p>One.</p>"),
        ("Text &nbsp;<br>\n", "Text"),
        ("<p>a</p><p>b <br></p>", "<p>a</p><p>b <br></p>"),
        (" <br> ", ""),
    ],
)
def test_a_summary_loses_the_breaks_spaces_and_empty_paragraphs_it_ends_on(
    summary: str, kept: str
) -> None:
    assert without_chrome(summary, None) == kept


@pytest.mark.parametrize("blank", [" ", "<br>", "&nbsp;"])
def test_a_long_blank_run_inside_a_summary_takes_linear_time(blank: str) -> None:
    """A regex anchored at the end was tried from every position of such a run: 10,000
    breaks took 6 s, 20,000 of them 19 s, in the parse worker of a hostile feed."""
    summary = "<p>a" + blank * 10_000 + "b</p>"
    started = time.thread_time()
    assert without_chrome(summary, None) == summary
    assert time.thread_time() - started < 0.5


@pytest.mark.parametrize(
    ("summary", "title", "kept"),
    [
        ("<p>FDA OKs drug</p><p>Text.</p>", "FDA OKs drug", "<p>Text.</p>"),
        ("<p>FDA OKs drug<br>Text.</p>", "FDA OKs drug", "<p>Text.</p>"),
        ("FDA OKs drug<br> Text.", "FDA OKs drug", "Text."),
        ("<p> FDA\n OKs\u00a0drug </p>\n<p>Text.</p>", " FDA OKs  drug", "<p>Text.</p>"),
        ("<p>Q&amp;A: 1 &lt; 2</p><p>Text.</p>", "Q&A: 1 < 2", "<p>Text.</p>"),
        ("FDA OKs drug</p><p>Text.</p>", "FDA OKs drug", "FDA OKs drug</p><p>Text.</p>"),
        ("<p>FDA OKs drugs</p><p>Text.</p>", "FDA OKs drug", "<p>FDA OKs drugs</p><p>Text.</p>"),
        (
            "<p>FDA OKs <b>drug</b></p><p>Text.</p>",
            "FDA OKs drug",
            "<p>FDA OKs <b>drug</b></p><p>Text.</p>",
        ),
        ("<p>FDA OKs drug</p> <br>", "FDA OKs drug", "<p>FDA OKs drug</p> <br>"),
        ("<p>Text.</p>", "FDA OKs drug", "<p>Text.</p>"),
    ],
)
def test_a_summary_loses_a_first_line_that_only_repeats_the_title(
    summary: str, title: str, kept: str
) -> None:
    assert without_title(summary, title) == kept


def test_only_an_entry_of_an_ad_server_is_an_ad_not_one_of_a_feed_proxy() -> None:
    """FeedBlitz links a proxied feed's entries through its own host, the host its
    tracking pixels come from: such entries without a summary were all dropped as ads."""
    entries = [
        ("FDA approves a drug", "https://feeds.feedblitz.com/~/9/0/medwire~FDA-approves/"),
        ("Clinic opens", "https://notpheedo.com/clinic-opens"),
        ("Featured Advertiser", "http://ads.pheedo.com/click.phdo?s=1"),
    ]
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid></item>"
        for title, link in entries
    )
    body = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    )
    feed = parse_document(body.encode(), url="https://news.example.org/feed", kind=Kind.NEWS)
    assert [item.title for item in feed.items] == ["FDA approves a drug", "Clinic opens"]
