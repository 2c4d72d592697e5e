"""Extract the full text of an article page, for the featured article.

Fetches the page through ``Fetcher`` (same timeout and size caps, same
streaming code) behind an ``AddressGuard`` — the URL came from a third-party
feed, so it may not reach loopback, private or cloud-metadata addresses unless
the admin allowed the host — then lets trafilatura find the main text, keeps it
as simple HTML (paragraphs, headings, numbered and bulleted lists, links, images
with their captions, tables with theirs; ``articlemarkup``), and runs it through
the one sanitizer. Title, author and lead image come from the page's
metadata (og: tags and the like); the authors from its citation tags
(``citation_author``, else ``dc.creator``: one name a tag, "Last, First" turned
round) when it has them, given as the feeds' byline is ("A, B, C", or "A et al.").

It does not decide which article is featured, store the text, or retry: a
failure raises ``ExtractionError`` or the ``FetchError`` family, and the
caller records it.
"""

from __future__ import annotations

import asyncio
import codecs
import re
from collections.abc import Collection
from email.message import Message
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document

from aggregator.articlemarkup import article_html, keep_captions, keep_numbers
from aggregator.errors import ConfigError, ExtractionError
from aggregator.fetch import Fetcher, FetchLimits
from aggregator.netguard import AddressGuard
from aggregator.parse.scholarly import byline, given_name_first
from aggregator.records import Extracted, Fetched
from aggregator.sanitize import clean_html, html_to_text, word_count

ACCEPT_HTML = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_DECLARED_CHARSET = re.compile(rb"<meta[^>]+charset\s*=|<\?xml[^>]+encoding\s*=", re.IGNORECASE)
MAX_PAGE_BYTES = 3_000_000  # an article page is far smaller; extraction time grows with it
MAX_WORDS = 60_000  # a long review article has ~15,000
# Meta tags naming one author each, the first kind a page has wins (Highwire / Google
# Scholar's, then Dublin Core's); lower-cased, as pages write "DC.creator" or "dc.Creator".
_AUTHOR_METAS = ("citation_author", "dc.creator")


async def extract_article(
    url: str,
    limits: FetchLimits,
    *,
    allow_hosts: Collection[str] = (),
    allow_files: bool = False,
    min_words: int = 50,
    source_id: str = "fulltext",
) -> Extracted:
    """Fetch ``url`` behind the address guard and extract its main text.

    ``allow_files`` lets a ``file://`` URL through; pass it only for items of
    an admin-configured local file source. ``min_words`` is the floor below
    which the page is taken to have no article (a paywall, an index page);
    the featured policy's own, higher minimum is the caller's to apply.
    """
    try:
        guard = AddressGuard(allow_hosts, allow_files=allow_files, source=source_id)
    except ValueError as exc:
        raise ConfigError(str(exc), field="fulltext.allow_hosts") from exc
    async with Fetcher(limits, guard=guard, accept=ACCEPT_HTML) as fetcher:
        page = await fetcher.fetch(source_id, url)
    _require_html(page)
    assert page.body is not None  # no validators were sent, so never a 304
    return await asyncio.to_thread(_extract, page.body, _charset(page), page.url, min_words)


def _require_html(page: Fetched) -> None:
    """Refuse PDFs, images and JSON early, with a message that names what came back."""
    media_type = (page.content_type or "").split(";", 1)[0].strip().lower()
    if media_type in _HTML_TYPES:
        return
    if not media_type and urlsplit(page.url).path.lower().endswith(_HTML_SUFFIXES):
        return
    if not media_type and urlsplit(page.url).scheme in ("http", "https"):
        return  # servers that send no Content-Type are usually serving HTML
    raise ExtractionError(f"{page.url} is not an HTML page ({media_type or 'unknown type'})")


def _charset(page: Fetched) -> str | None:
    """The charset the server declared, when Python knows it; else the page decides."""
    if not page.content_type:
        return None
    message = Message()
    message["content-type"] = page.content_type
    charset = message.get_param("charset")
    if not isinstance(charset, str):
        return None
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def _extract(body: bytes, charset: str | None, url: str, min_words: int) -> Extracted:
    """Run trafilatura (CPU-bound, in a worker thread) and build the record."""
    if len(body) > MAX_PAGE_BYTES:
        # an article page is far smaller; trafilatura spent minutes of CPU on 8.5 MB
        raise ExtractionError(
            f"{url}: the page is {len(body):,} bytes, more than an article page "
            f"({MAX_PAGE_BYTES:,} at most)"
        )
    tree = trafilatura.load_html(_document(body, charset))
    if tree is None:
        raise ExtractionError(f"{url}: the page could not be parsed as HTML")
    metadata = trafilatura.extract_metadata(tree, default_url=url)
    authors = _page_authors(tree)
    captions = keep_captions(tree)
    keep_numbers(tree)
    # The tree, not trafilatura's HTML output: that one turns numbered and definition lists
    # into bullets and a table's caption into a header row (``articlemarkup``).
    # No url here: trafilatura would resolve links against the site's root ("appendix.html"
    # on /articles/2026/ became /appendix.html); the sanitizer resolves them against the page.
    document = trafilatura.bare_extraction(
        tree,
        output_format="xml",
        include_formatting=True,
        include_links=True,
        include_images=True,
        include_tables=True,
        include_comments=False,
        # Without the fallback extractors: on a paywalled page they took the whole page
        # (teaser, "subscribe" box, other articles' blurbs) for the article.
        fast=True,
    )
    title = (metadata.title or "").strip() or None
    main = document.body if isinstance(document, Document) else None
    html = clean_html(article_html(main, captions, title), base_url=url) if main is not None else ""
    words = word_count(html)
    if words < min_words:
        found = "no article text" if words == 0 else f"only {words} words of article text"
        raise ExtractionError(f"{url}: {found} (at least {min_words} needed)")
    if words > MAX_WORDS:
        raise ExtractionError(f"{url}: {words:,} words is no article ({MAX_WORDS:,} at most)")
    return Extracted(
        html=html,
        text=html_to_text(html),
        word_count=words,
        image=_absolute_http(metadata.image, url),
        title=title,
        author=byline(authors) if authors else _byline_of(metadata.author),
        authors=authors,
    )


def _page_authors(tree: HtmlElement) -> tuple[str, ...]:
    """The page's authors from its citation meta tags, in their order, "First Last".

    trafilatura's author splits a name at its comma ("Smith, Jane" and "Doe, John" came
    out as "Smith; Jane; Doe; John"): a tag names one author, so its commas are read here.
    """
    found: dict[str, list[str]] = {name: [] for name in _AUTHOR_METAS}
    for meta in tree.iter("meta"):
        kind = (meta.get("name") or "").strip().lower()
        if kind in found:
            found[kind].append(given_name_first(meta.get("content") or ""))
    names = next((names for names in found.values() if any(names)), [])
    return tuple(dict.fromkeys(name for name in names if name))


def _byline_of(author: str | None) -> str | None:
    """trafilatura's author ("A; B; C; D") as a byline, when the page has no citation tags."""
    names = [name.strip() for name in (author or "").split(";")]
    return byline([name for name in names if name])


def _document(body: bytes, charset: str | None) -> str | bytes:
    """The page as text: in the charset the server declared; else, when the page declares
    one itself, as bytes for trafilatura to read by it; else UTF-8 if it is, and otherwise
    windows-1252, as browsers read an undeclared page (trafilatura's guess garbled French
    "étude" as "ťtude")."""
    if charset:
        return body.decode(charset, errors="replace")
    if _DECLARED_CHARSET.search(body[:4096]):
        return body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def _absolute_http(link: str | None, base: str) -> str | None:
    """``link`` resolved against ``base``, kept only when it is an http(s) URL."""
    if not link:
        return None
    absolute = urljoin(base, link.strip())
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None
