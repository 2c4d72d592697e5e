"""Small text and URL helpers every format reader shares.

Plain text becomes escaped HTML, bodies get a short excerpt, relative URLs get
resolved, the first image of a body is found. Nothing here knows which feed
format it is reading; nothing here parses a document.
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urljoin

from aggregator.sanitize import html_to_text

_IMG_SRC_RE = re.compile(r"<img\b[^>]*?\bsrc=\"([^\"]+)\"", re.IGNORECASE)
_PARAGRAPH_BREAK_RE = re.compile(r"\n\s*\n")
_EXCERPT_CHARS = 600
_WEB_SCHEMES = ("http://", "https://")


def clean_str(value: object) -> str | None:
    """A stripped, non-empty string, or None for anything else (feeds put lists in titles)."""
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    return None


def absolute_url(href: str | None, base: str | None) -> str | None:
    """Resolve a possibly relative URL; None unless the result is http(s).

    Every URL a feed gives ends up in an href or src on our pages, so
    ``javascript:``, ``data:`` and the like are dropped here, once.
    """
    if not href:
        return None
    href = href.strip()
    if base and not href.lower().startswith(_WEB_SCHEMES):
        try:
            href = urljoin(base, href)
        except ValueError:
            return None
    return href if href.lower().startswith(_WEB_SCHEMES) else None


def plain_to_html(text: str) -> str:
    """Escape plain text, keeping line breaks as <br> and blank lines as paragraphs."""
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK_RE.split(text.strip()) if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html_lib.escape(line.strip()) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )


def excerpt(content_html: str) -> str:
    """A short plain-text summary (as escaped HTML) for entries that only carry a full body."""
    text = html_to_text(content_html)
    if len(text) > _EXCERPT_CHARS:
        text = text[:_EXCERPT_CHARS].rsplit(" ", 1)[0] + "…"
    return html_lib.escape(text, quote=False)


def first_image(html: str | None) -> str | None:
    """The first absolute ``<img src>`` of sanitized HTML: a picture for entries without one."""
    if not html:
        return None
    match = _IMG_SRC_RE.search(html)
    if match is None:
        return None
    return absolute_url(html_lib.unescape(match.group(1)), None)
