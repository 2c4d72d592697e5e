"""Take off what a feed's platform adds to an entry and what no reader should see.

Syndication services insert whole entries that are an advertiser's banner
(pheedo's "Featured Advertiser" in the Washington Post's feeds, linking to the
ad server): they are no item.

It works on parsed items; it fetches nothing and does not decide what an item
is beyond "this entry is an ad".
"""

from __future__ import annotations

from aggregator.records import ParsedItem
from aggregator.sanitize import html_to_text, is_ad_host


def is_ad(item: ParsedItem) -> bool:
    """An advertiser's banner posing as an entry: it links to an ad server and says nothing."""
    if not item.url or not is_ad_host(item.url):
        return False
    return not html_to_text((item.summary or "") + (item.content or "")).strip()
