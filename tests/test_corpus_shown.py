"""What a reader is shown of the shared corpus's real feeds, entry by entry.

Each test parses one real feed of ``../shared/corpus`` as its source kind would
and checks a fault that was seen on the site: an advertiser's banner listed as
news, a summary ending on the platform's "Read full article >>" link and the
blank lines of its share buttons, a preprint abstract reading ".nnResults".
"""

from __future__ import annotations

from pathlib import Path

from aggregator.parse import parse_document
from aggregator.records import Kind, ParsedFeed

WAPO = "medical/node-feedparser--wapowellness.xml"


def parsed(corpus: Path, name: str, kind: Kind) -> ParsedFeed:
    return parse_document(
        (corpus / name).read_bytes(), url=f"https://corpus.example.org/{name}", kind=kind
    )


def test_the_washington_posts_featured_advertiser_entries_are_not_items(corpus: Path) -> None:
    feed = parsed(corpus, WAPO, Kind.NEWS)
    assert [item.title for item in feed.items if "Advertiser" in item.title] == []
    assert not [item.url for item in feed.items if item.url and "pheedo.com" in item.url]
    assert len(feed.items) == 26  # 29 entries, three of them pheedo's banners
