"""Small text and URL helpers every format reader shares.

Plain text becomes escaped HTML (its web addresses links), bodies get a short
excerpt, relative URLs get resolved (and kept only when they are web URLs, or
local files of a local feed), the first image of a body is found. Nothing here
knows which feed format it is reading; nothing here parses a document.
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urljoin

from aggregator.sanitize import clean_html, html_to_text

_IMG_RE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE_RE = re.compile(r"\b(src|alt|title|width|height)=\"([^\"]*)\"", re.IGNORECASE)
# What a feed's buttons, ads and counters say of themselves: "Add to Facebook", "Share on
# X", a FeedBurner flare (/~ff/), an ad server's banner, a spacer or a tracking pixel.
# They come before the picture, when there is one.
_BUTTON_TEXT = re.compile(  # "Add to Facebook", "Share on X": a few words naming an action
    r"^(add\s+to|share|tweet|like|follow|subscribe|email|print|bookmark|digg|save\s+to)\b",
    re.IGNORECASE,
)
BUTTON_WORDS = 4  # more words than this is a description ("Share of adults with ...")
_NOT_A_PICTURE = re.compile(
    r"""/~f[fa]/ | /~r/ | \b(pixel|spacer|blank|tracker|beacon|1x1|share-?button)\b
      | //ads?\d*\. | /ads?/ | doubleclick | adserver""",
    re.IGNORECASE | re.VERBOSE,
)
TINY = 16  # pixels: an image no larger than this either way is a pixel or an icon
_PARAGRAPH_BREAK_RE = re.compile(r"\n\s*\n")
_EXCERPT_CHARS = 600
DERIVED_TITLE_CHARS = 120
# A sentence ends at . ! ? (or their full-width forms) followed by a space.
_SENTENCE_END_RE = re.compile(r"(?<=[.!?。！？])\s")
_WEB_SCHEMES = ("http://", "https://")
# A web address in plain text ends at a space, a quote or an angle bracket; the
# punctuation of its sentence is trimmed off it (``_address``).
_TEXT_URL_RE = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
_SENTENCE_PUNCTUATION = ".,;:!?*"
_LOCAL_SCHEMES = (*_WEB_SCHEMES, "file://")


def clean_str(value: object) -> str | None:
    """A stripped, non-empty string, or None for anything else (feeds put lists in titles)."""
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    return None


def is_web_url(url: str | None) -> bool:
    return url is not None and url.lower().startswith(_WEB_SCHEMES)


def is_local_url(url: str | None) -> bool:
    """A ``file://`` document: a feed the admin keeps on this machine (the demo's)."""
    return url is not None and url.lower().startswith("file://")


def absolute_url(href: str | None, base: str | None, *, local: bool = False) -> str | None:
    """Resolve a possibly relative URL; None unless the result is http(s).

    Every URL a feed gives ends up in an href or src on our pages, so
    ``javascript:``, ``data:`` and the like are dropped here, once. ``local``
    (the document itself is a ``file://`` URL) also keeps ``file://`` results:
    an admin's local feed may point at its own thumbnails and pages, a remote
    feed must never point us at files on this machine.
    """
    if not href:
        return None
    href = href.strip()
    kept = _LOCAL_SCHEMES if local else _WEB_SCHEMES
    if base and not href.lower().startswith(kept):
        try:
            href = urljoin(base, href)
        except ValueError:
            return None
    return href if href.lower().startswith(kept) else None


def item_base(document_url: str, channel_link: str | None) -> str:
    """The base that relative item links and images resolve against, for RSS and JSON Feed.

    The channel link (RSS ``<link>``, JSON Feed ``home_page_url``) is what
    readers have long used for RSS, which defines no base; it is used only
    when it and the document are both web URLs. A local (``file://``) feed's
    relative links are relative to the file, and a missing or relative channel
    link leaves the document URL (RFC 3986: the base of a document is its URL).
    """
    if channel_link is not None and is_web_url(channel_link) and is_web_url(document_url):
        return channel_link
    return document_url


# Inline formatting a title written as HTML carries: "<i>Lancet</i> study".
_INLINE_TAG_RE = re.compile(r"<(/?)(i|em|b|strong|sup|sub|span|a|small|u|p|div)\b[^>]*>", re.I)
_LINE_BREAK_RE = re.compile(r"<br\b[^>]*>", re.I)


def looks_like_markup(value: str) -> bool:
    """Whether text said to be plain is really HTML: an inline element opened and then
    closed ("<i>Lancet</i> study"), or a line break, a void tag that never closes
    ("Part one<br/>part two"). A lone tag is the text naming a tag: read as HTML,
    "Die Rückkehr von <i> und <b>" was shown as "Die Rückkehr von und"."""
    end = value.rfind(">") + 1  # no tag after the last ">": an unclosed tail is read once
    if _LINE_BREAK_RE.search(value, 0, end):
        return True
    opened: set[str] = set()
    for closing, name in _INLINE_TAG_RE.findall(value, 0, end):
        if not closing:
            opened.add(name.lower())
        elif name.lower() in opened:
            return True
    return False


def unescaped(value: str) -> str:
    """Plain text with the entities it was written with decoded: feeds entity-encode text
    that needs no encoding ("Blackletter &amp; thick"), and escaping it again for a page
    showed the "&amp;"."""
    return html_lib.unescape(value) if "&" in value else value


def title_text(value: str, *, markup: bool | None = None) -> str:
    """A title as plain text, whitespace collapsed.

    ``markup``: True when the feed says the title is HTML (Atom's type, feedparser's
    judgement); None, for a title said to be text (JSON Feed's are, but some carry <i>),
    when it really is markup (``looks_like_markup``). A plain-text title keeps what looks
    like a tag: "Why <script> tags in EHR portals leak PHI" was cut to "Why".
    """
    if markup is None:
        markup = looks_like_markup(value)
    if markup:
        return html_to_text(value)
    return " ".join(unescaped(value).split())


def plain_to_html(text: str) -> str:
    """Escape plain text, keeping line breaks as <br> and blank lines as paragraphs.

    Its web addresses become links, as a mail or calendar client shows them (an event's
    registration link was plain text); only then does the HTML go through the sanitizer,
    which gives the links their ``rel``.
    """
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK_RE.split(text.strip()) if p.strip()]
    html = "".join(
        "<p>" + "<br>".join(_linked(line.strip()) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )
    return clean_html(html) if _TEXT_URL_RE.search(text) else html


def first_text_url(text: str) -> str | None:
    """The first http(s) address written in plain text, if any."""
    for match in _TEXT_URL_RE.finditer(text):
        url = _address(match.group())
        if not url.endswith("//"):
            return url
    return None


def _linked(line: str) -> str:
    """One line of plain text as escaped HTML, its web addresses as links."""
    parts: list[str] = []
    done = 0
    for match in _TEXT_URL_RE.finditer(line):
        url = _address(match.group())
        if url.endswith("//"):
            continue  # "https://)))": no address, only brackets
        parts.append(html_lib.escape(line[done : match.start()]))
        parts.append(f'<a href="{html_lib.escape(url)}">{html_lib.escape(url)}</a>')
        done = match.start() + len(url)
    parts.append(html_lib.escape(line[done:]))
    return "".join(parts)


def _address(candidate: str) -> str:
    """A web address without the punctuation of the sentence around it: "see
    https://e.org/r." and "(https://e.org/r)" end before the dot and the bracket, while
    https://en.wikipedia.org/wiki/Stent_(medicine) keeps its own.

    One backward walk with the brackets counted once: trimming a bracket at a time and
    counting both kinds again each time was quadratic ("https://a" and 200,000 ")" of a
    hostile feed held a parse worker for a minute)."""
    unmatched = candidate.count(")") - candidate.count("(")
    end = len(candidate)
    while end:
        last = candidate[end - 1]
        if last in _SENTENCE_PUNCTUATION:
            end -= 1
        elif last == ")" and unmatched > 0:
            end -= 1
            unmatched -= 1
        else:
            break
    return candidate[:end]


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
    for tag in _IMG_RE.findall(html):
        attributes = {
            name.lower(): html_lib.unescape(value) for name, value in _ATTRIBUTE_RE.findall(tag)
        }
        src = attributes.get("src")
        if src and not _decoration(attributes):
            return absolute_url(src, None)
    return None


def _decoration(attributes: dict[str, str]) -> bool:
    """A share button, an icon or a tracking pixel rather than the entry's picture."""
    sizes = [attributes.get("width", ""), attributes.get("height", "")]
    # isascii: "²" is a digit that int() refuses; the length: int() refuses 4,300 digits
    if any(
        size.isascii() and size.isdigit() and len(size) < 6 and int(size) <= TINY for size in sizes
    ):
        return True
    labels = (attributes.get(name, "") for name in ("alt", "title"))
    if any(_BUTTON_TEXT.search(t) and len(t.split()) <= BUTTON_WORDS for t in labels):
        return True
    said = (attributes.get(name, "") for name in ("alt", "title", "src"))
    return any(_NOT_A_PICTURE.search(text) for text in said)


def derived_title(*bodies: str | None) -> str:
    """A title for an entry that has none: the first sentence of its text.

    Cut at a word so that it is at most ``DERIVED_TITLE_CHARS`` characters
    (an ellipsis marks the cut); "" when the entry has no text at all.
    """
    # Twice: text that itself shows markup ("&lt;b&gt;") must not turn into a title
    # that looks like markup.
    text = next((t for t in (html_to_text(html_to_text(b or "")) for b in bodies) if t), "")
    sentence = _SENTENCE_END_RE.split(text, maxsplit=1)[0].strip()
    if len(sentence) <= DERIVED_TITLE_CHARS:
        return sentence
    cut = sentence[: DERIVED_TITLE_CHARS - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–—-") + "…"
