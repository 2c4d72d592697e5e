"""Find the feeds of a web site, for ``medfeed sources add https://site/``.

    page     = fetch(url)                       # the address the admin typed
    if page is a feed: that feed
    else:    candidates = <link rel="alternate"> feeds the page declares
                          or, when it declares none, the usual paths (/feed, /rss.xml …)
    found    = every candidate that fetches and parses: title, kind guess, item count

Fetching and parsing are the refresh's own (``Fetcher``, ``parse_document``), so a
feed found here is one the refresh can read. It writes nothing: choosing one and
adding it to config.yaml is ``configedit``'s job, driven by the command line.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .errors import BlockedAddress, FetchError, MedfeedError
from .fetch import Fetcher, FetchLimits
from .netguard import AddressGuard
from .parse import parse_document
from .parse.discovery import advertised_feeds, looks_like_html
from .records import Fetched, Kind, ParsedFeed, ParsedItem

# Where sites keep a feed they do not declare: WordPress, Ghost, Hugo, Jekyll, Blogger, …
COMMON_PATHS = (
    "feed",
    "rss",
    "feed.xml",
    "rss.xml",
    "atom.xml",
    "index.xml",
    "feed.json",
    "feeds/posts/default",
)
DISCOVER_SOURCE = "discover"  # the "source" named in fetch errors


@dataclass(frozen=True)
class FoundFeed:
    url: str
    title: str | None
    kind: Kind  # a guess from the entries: events, videos, scholarly articles, else news
    items: int
    declared: bool  # the page declared it (rel=alternate), or it is the URL itself


class NoFeedFound(MedfeedError):
    """The site declares no feed and none of the usual paths holds one."""


def guess_kind(feed: ParsedFeed) -> Kind:
    """The kind most of the entries look like; news when nothing marks them."""
    votes = Counter(_kind_of_entry(item) for item in feed.items)
    if not votes:
        return Kind.NEWS
    return max(votes, key=lambda kind: (votes[kind], _TIE_ORDER.index(kind)))


# On a tie the more specific kind wins: one marked entry says more than one unmarked.
_TIE_ORDER = (Kind.NEWS, Kind.ARTICLE, Kind.VIDEO, Kind.CONFERENCE)


def _kind_of_entry(item: ParsedItem) -> Kind:
    if item.event is not None:
        return Kind.CONFERENCE
    if item.video is not None:
        return Kind.VIDEO
    if item.article is not None and (item.article.doi or item.article.pmid):
        return Kind.ARTICLE
    return Kind.NEWS


def candidate_urls(page: Fetched) -> tuple[list[str], bool]:
    """Feeds a page declares (True), else the usual paths under its site and folder (False)."""
    body = page.body or b""
    declared = advertised_feeds(body, url=page.url)
    if declared:
        return declared, True
    parts = urlsplit(page.url)
    root = f"{parts.scheme}://{parts.netloc}/"
    folder = page.url if page.url.endswith("/") else page.url.rsplit("/", 1)[0] + "/"
    urls: list[str] = []
    for base in dict.fromkeys((folder, root)):
        for path in COMMON_PATHS:
            url = urljoin(base, path)
            if url not in urls:
                urls.append(url)
    return urls, False


async def discover(
    url: str, limits: FetchLimits, *, allow_hosts: Collection[str] = ()
) -> list[FoundFeed]:
    """The feeds found at ``url``, the site's own order first; NoFeedFound when none.

    The admin chose ``url``'s host, which may be an intranet one. A feed the page
    declares on another host is the page's word, so it is fetched behind the address
    guard (``netguard``): a page cannot send medfeed to the loopback, the intranet or
    a metadata service, nor add one of their feeds, unless ``allow_hosts`` lists it.
    A redirect on the site's own host is the publisher's word too: as in the refresh,
    one from a public address must not lead to a private one.
    """
    guard = AddressGuard(allow_hosts, source=DISCOVER_SOURCE)
    redirects = AddressGuard(allow_hosts, source=DISCOVER_SOURCE)
    async with (
        Fetcher(limits, redirect_guard=redirects) as fetcher,
        Fetcher(limits, guard=guard) as guarded,
    ):
        page = await fetcher.fetch(DISCOVER_SOURCE, url)
        body = page.body or b""
        if not looks_like_html(body):
            itself = _read(page)
            if itself is not None:
                return [_found(page.url, itself, declared=True)]
        urls, declared = candidate_urls(page)
        own = (urlsplit(page.url).hostname or "").lower()
        results = await asyncio.gather(
            *(_probe(fetcher if _host(u) == own else guarded, u) for u in urls)
        )
    found = [_found(u, feed, declared=declared) for u, feed in zip(urls, results, strict=True)
             if isinstance(feed, ParsedFeed)]  # fmt: skip
    if not found:
        where = "declares no feed (rel=alternate)" if not declared else "declares feeds"
        tried = "; ".join(
            f"{u if _host(u) != own else urlsplit(u).path} ({why})"
            for u, why in zip(urls[:4], results[:4], strict=True)
        )
        raise NoFeedFound(
            f"no feed found at {url}: the page {where}, and none of them is a readable feed: "
            f"{tried}{'; …' if len(urls) > 4 else ''}"
        )
    return _unique(found)


async def _probe(fetcher: Fetcher, url: str) -> ParsedFeed | str:
    """The feed at ``url``, or why there is none there (the admin is told)."""
    try:
        fetched = await fetcher.fetch(DISCOVER_SOURCE, url)
    except BlockedAddress as exc:
        return f"{exc.reason}; list its host in fulltext.allow_hosts to allow it"
    except FetchError as exc:
        return exc.reason
    except MedfeedError as exc:
        return str(exc)
    return _read(fetched) or "not a feed"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _read(fetched: Fetched) -> ParsedFeed | None:
    try:
        return parse_document(
            fetched.body or b"", url=fetched.url, content_type=fetched.content_type
        )
    except MedfeedError:
        return None


def _found(url: str, feed: ParsedFeed, *, declared: bool) -> FoundFeed:
    title = (feed.title or "").strip() or None
    return FoundFeed(url, title, guess_kind(feed), len(feed.items), declared)


def _unique(found: list[FoundFeed]) -> list[FoundFeed]:
    """``/feed`` and ``/feed/`` are often one feed: keep the first of identical twins."""
    seen: set[tuple[str | None, int]] = set()
    unique = []
    for feed in found:
        key = (feed.title, feed.items)
        if feed.declared or key not in seen:
            unique.append(feed)
        seen.add(key)
    return unique
