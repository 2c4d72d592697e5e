"""Explain documents that are not feeds, pointing at the feed a web page advertises.

Admins often paste a site's home page (or a YouTube channel page) instead of
its feed. When that happens we say so and name the ``<link rel="alternate">``
feed the page declares, so the fix is one copy-paste. This module only reads
the page it was given; it does not fetch the advertised feed.
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urljoin, urlsplit

_HTML_START_RE = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html\b|head\b|body\b)", re.IGNORECASE | re.DOTALL
)
_LINK_TAG_RE = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_ATTR_RE = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json",
     "application/json", "application/rdf+xml"}
)  # fmt: skip
_SCAN_BYTES = 512 * 1024  # feed <link>s live in <head>; no need to scan a whole page


def looks_like_html(body: bytes) -> bool:
    """True when the document starts like a web page rather than XML or JSON."""
    return bool(_HTML_START_RE.match(body.lstrip(b"\xef\xbb\xbf")[:4096]))


def advertised_feed(body: bytes, *, url: str) -> str | None:
    """The first feed URL a page declares with ``<link rel="alternate" type="...">``."""
    return next(iter(advertised_feeds(body, url=url)), None)


def advertised_feeds(body: bytes, *, url: str) -> list[str]:
    """Every feed URL a page declares with ``<link rel="alternate" type="...">``, in order."""
    text = body[:_SCAN_BYTES].decode("utf-8", errors="replace")
    found: list[str] = []
    for tag in _LINK_TAG_RE.findall(text):
        attrs = {
            name.lower(): html_lib.unescape(double or single or bare)
            for name, double, single, bare in _ATTR_RE.findall(tag)
        }
        rels = attrs.get("rel", "").lower().split()
        if (
            "alternate" in rels
            and attrs.get("type", "").lower() in _FEED_TYPES
            and attrs.get("href")
        ):
            feed = _web_address(url, attrs["href"])
            if feed is not None and feed not in found:
                found.append(feed)
    return found


def _web_address(base: str, href: str) -> str | None:
    """``href`` against ``base`` when that is an http(s) URL that parses: a page is outside
    data, and a feed it declares at ``file:///…`` or ``http://[x`` is no feed of the site."""
    try:
        url = urljoin(base, href.strip())
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def html_page_message(body: bytes, *, url: str) -> str:
    message = "not a feed: the server sent an HTML page"
    feed = advertised_feed(body, url=url)
    if feed:
        message += f"; the page advertises a feed at {feed}"
    return message
