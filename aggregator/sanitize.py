"""Make feed HTML safe to show, and turn HTML into plain text.

``clean_html`` runs one allow-list (nh3) over every summary and body: article
markup survives, anything that can execute (scripts, styles, frames, forms,
event handlers, ``javascript:``/``data:`` URLs) does not, relative links are
resolved against the entry's base URL and every link gets
``rel="noopener noreferrer nofollow"``; images that are no part of the story
(tracking pixels, share buttons, ad hosts' images) are dropped. ``html_to_text``
and ``word_count`` derive plain text for titles, search and the featured-article
length check. Before the allow-list reads a fragment, ``nesting.shallow`` leaves out
the tags nested too deep for it to read in time.

It does not fetch anything, parse feeds or decide what an item is; it only
rewrites strings.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

import nh3

from .htmltokens import tags_end
from .nesting import shallow
from .records import PlainText

_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl",
        "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
        "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong",
        "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
    }
)  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "time": {"datetime"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
# Dropped together with their content: their text is code or chrome, never prose.
_DROP_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg",
     "form", "select", "textarea", "button", "applet", "frameset", "noembed", "xmp",
     "annotation", "annotation-xml"}
)  # fmt: skip
_SCHEMES = frozenset({"http", "https", "mailto"})
_LINK_REL = "noopener noreferrer nofollow"

# What XML 1.0 cannot hold, not even as a character reference: C0 controls but tab,
# newline and carriage return; lone surrogates; U+FFFE and U+FFFF. A feed that carries
# one (JSON escapes it, a reader decodes "&#1;") would make every Atom document holding
# the item unreadable, so none is kept.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Where a block or a cell ends, words must not run together: "<th>Age</th><th>Dose</th>" is
# "Age Dose", not "AgeDose" (a change here rebuilds SQLite's search index: see html_to_text).
_BLOCK_RE = re.compile(
    r"<(?:br|hr|/(?:p|div|li|h[1-6]|tr|td|th|dt|dd|caption|figcaption|blockquote|pre|table"
    r"|section|article|header|footer|aside|summary|details|address))\b[^>]*>",
    re.IGNORECASE,
)
# The attributes of _ATTRIBUTES that hold URLs: the only ones a base URL rewrites.
_URL_ATTRIBUTES = ("href", "src", "cite")
# What follows such a name when its value is an absolute http(s) URL, written plainly
# (matched in the lower-cased fragment).
_ABSOLUTE_VALUE = re.compile(r"=[\"']https?://")


@lru_cache(maxsize=512)
def _cleaner(base_url: str | None) -> nh3.Cleaner:
    """One compiled cleaner per base URL: a feed reuses a handful of bases."""
    if base_url is None:
        return _make_cleaner("pass_through")
    return _make_cleaner(("rewrite_with_base", base_url))


def _make_cleaner(
    url_relative: Literal["pass_through"] | tuple[Literal["rewrite_with_base"], str],
) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in _ATTRIBUTES.items()},
        strip_comments=True,
        link_rel=_LINK_REL,
        url_schemes=set(_SCHEMES),
        url_relative=url_relative,
    )


def _usable_base(base_url: str | None) -> str | None:
    """Only an absolute http(s) URL can anchor relative links; anything else is ignored."""
    if base_url and base_url.startswith(("http://", "https://")):
        return base_url
    return None


def clean_html(html: str, *, base_url: str | None = None) -> str:
    """Sanitize ``html`` to the article allow-list, resolving relative URLs against ``base_url``."""
    if not html:
        return ""
    # Most items have a base of their own (their link), and a cleaner takes as long to
    # build as to run: without a relative URL there is nothing to resolve, so the
    # shared cleaner gives the same output.
    base = _usable_base(base_url) if _may_hold_relative_urls(html) else None
    try:
        cleaner = _cleaner(base)
    except ValueError:  # nh3 refuses a base it cannot parse: keep links as they are
        cleaner = _cleaner(None)
    return _without_chrome_images(
        cleaner.clean(shallow(_formulas_as_text(_videos_as_links(xml_safe(html)))))
    ).strip()


# An embedded player: its frame is dropped with everything else that runs, and the video
# went with it, unseen. A YouTube, Vimeo or PeerTube player becomes a link to the video.
_IFRAME_RE = re.compile(r"<iframe\b([^>]*)>", re.IGNORECASE)
# A name is tried from its first character only, and read once: tried at every letter of
# a long word with no "=" after it, the name took the square of the word's length.
_RAW_ATTRIBUTE_RE = re.compile(r"(?<![\w-])([\w-]++)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)")
_PLAYERS = (
    (re.compile(r"https?://(?:www\.)?youtube(?:-nocookie)?\.com/embed/([\w-]{11})"),
     "https://www.youtube.com/watch?v={}", "YouTube"),
    (re.compile(r"https?://player\.vimeo\.com/video/(\d+)"), "https://vimeo.com/{}", "Vimeo"),
    (re.compile(r"(https?://[\w.-]+)/videos/embed/([\w-]{8,40})"), "{}/w/{}", "PeerTube"),
)  # fmt: skip


def _videos_as_links(html: str) -> str:
    """``html`` with each embedded YouTube, Vimeo or PeerTube player replaced by a link
    to its video, named by the frame's title when it has one."""
    if "iframe" not in html and "IFRAME" not in html:  # the common case, at no cost
        return html
    return _sub_tags(_IFRAME_RE, _video_link, html)


def _video_link(frame: re.Match[str]) -> str:
    attributes = {
        name.lower(): html_lib.unescape(value.strip("\"'"))
        for name, value in _RAW_ATTRIBUTE_RE.findall(frame[1])
    }
    src = attributes.get("src", "").strip()
    for player, watch, provider in _PLAYERS:
        found = player.match(src)
        if found:
            title = " ".join(attributes.get("title", "").split())
            words = title if title and "://" not in title else f"Video on {provider}"
            href = html_lib.escape(watch.format(*found.groups()))
            link = f'<p><a href="{href}">{html_lib.escape(words, quote=False)}</a></p>'
            return link + "<iframe>"  # the frame stays, so its fallback text goes with it
    return frame[0]


# An <img> and a link in the cleaner's output, where every attribute is written name="value"
# with '"', "<" and ">" escaped: a value never ends the tag.
_IMG_RE = re.compile(r'<img((?:\s+[\w-]+="[^"]*")*)\s*/?>')
_ATTRIBUTE_RE = re.compile(r'([\w-]+)="([^"]*)"')
_EMPTY_LINK_RE = re.compile(r'<a(?:\s+[\w-]+="[^"]*")*>\s*</a>')
# A share button's text: "Add to Facebook", "Share on X", "Post to Reddit", "Email this".
_SHARE_TEXT = re.compile(
    r"(?:add|share|post|save|submit|bookmark|email|tweet|send)(?: this| it)?"
    r"(?: (?:to|on|via|with) \S+(?: \S+)?)?",
    re.IGNORECASE,
)
# Hosts that serve only ads, tracking pixels and share buttons to feeds, never a picture
# of the story: their images are dropped wherever they sit.
_CHROME_HOSTS = (
    "pheedo.com", "feedsportal.com", "doubleclick.net", "adsrvr.org", "bluekai.com",
    "addtoany.com", "addthis.com", "sharethis.com", "pixel.wp.com", "stats.wordpress.com",
    "pixel.quantserve.com", "feeds.feedblitz.com",
)  # fmt: skip
# Of those, the ad servers: an entry linking to one is an advertiser's banner
# (``parse.boilerplate.is_ad``). Not the feed proxies (feedsportal, FeedBlitz), whose
# hosts also carry the links of a proxied feed's real entries.
_AD_SERVERS = ("pheedo.com", "doubleclick.net", "adsrvr.org", "bluekai.com")
# Feedburner's own paths: share buttons ("~ff/") and its click-counting pixel ("~r/").
_CHROME_PATHS = ("/~ff/", "/~r/")


def _without_chrome_images(html: str) -> str:
    """``html`` without the images that are no part of the story: tracking pixels (0 or 1
    pixel wide or high), share buttons (alt text "Add to Facebook") and the images of
    ad and tracking hosts. Left in, a reader sees their alt texts ("Add to Twitter")
    inside the article wherever the image does not load, and the host learns who read it;
    a link left empty by them goes with them."""
    if "<img" not in html:
        return html
    kept = _IMG_RE.sub(lambda tag: "" if _is_chrome(tag[1]) else tag[0], html)
    return kept if kept == html else _EMPTY_LINK_RE.sub("", kept)


def _is_chrome(attributes: str) -> bool:
    values = {name: html_lib.unescape(value) for name, value in _ATTRIBUTE_RE.findall(attributes)}
    if any(
        values.get(side, "").strip().removesuffix("px") in ("0", "1")
        for side in ("width", "height")
    ):
        return True
    if any(_SHARE_TEXT.fullmatch(values.get(name, "").strip()) for name in ("alt", "title")):
        return True
    src = urlsplit(values.get("src", ""))
    host = (src.hostname or "").removeprefix("www.")
    return is_ad_host(values.get("src", "")) or (
        host in ("feeds.feedburner.com", "feedproxy.google.com")
        and src.path.startswith(_CHROME_PATHS)
    )


def is_ad_host(url: str, hosts: tuple[str, ...] = _CHROME_HOSTS) -> bool:
    """Whether ``url`` is on one of ``hosts`` or under it (a "." before it: "ads.pheedo.com",
    not "notpheedo.com"): by default those that serve feeds only ads, pixels and share
    buttons."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # a malformed address ("http://[::1") names no ad host
        return False
    return any(host == name or host.endswith(f".{name}") for name in hosts)


def is_ad_server(url: str) -> bool:
    """Whether ``url`` is on an ad server (``_AD_SERVERS``)."""
    return is_ad_host(url, _AD_SERVERS)


# MathML: nh3 drops a foreign element with its content, and an abstract's "(p<0.001)"
# became "()". Its elements are renamed <x-formula>, so that the parser reads them as
# unknown HTML elements (the cleaner drops their tags and keeps their text);
# annotations (a TeX or HTML copy of the formula) go with their content. One pass over
# the text, with nothing to backtrack: a regex matching <math>…</math> took quadratic
# time on unclosed tags (25 s for 192 KB), and reached into comments and attributes.
_MATHML = (
    "math|mi|mn|mo|ms|mtext|mspace|mrow|mfrac|msqrt|mroot|mstyle|merror|mpadded|mphantom"
    "|mfenced|menclose|msub|msup|msubsup|munder|mover|munderover|mmultiscripts|mprescripts"
    "|mtable|mtr|mtd|mlabeledtr|maction|semantics"
)
_MATH_TAG_RE = re.compile(rf"<(/?)(?:[A-Za-z][\w.-]*:)?(?:{_MATHML})(?=[\s/>])", re.IGNORECASE)


_PREFIXED_ANNOTATION_RE = re.compile(
    r"<(/?)[A-Za-z][\w.-]*:(annotation(?:-xml)?)(?=[\s/>])", re.IGNORECASE
)


_ANNOTATION_OPEN_RE = re.compile(
    r"<(?:[A-Za-z][\w.-]*:)?annotation(?:-xml)?(?=[\s/>])", re.IGNORECASE
)
_ANNOTATION_CLOSE_RE = re.compile(r"</(?:[A-Za-z][\w.-]*:)?annotation(?:-xml)?\s*>", re.IGNORECASE)


def _formulas_as_text(html: str) -> str:
    if "math" not in html.lower():
        return html
    html = _without_annotations(html)
    html = _PREFIXED_ANNOTATION_RE.sub(r"<\1\2", html)  # an unclosed "mml:annotation"
    return _MATH_TAG_RE.sub(r"<\1x-formula", html)


def _without_annotations(html: str) -> str:
    """``html`` without its MathML annotations (a TeX or HTML copy of the formula), cut out
    as text, each from its start to its end, in one pass: left to the parser, an HTML copy
    holding a <p> closed the paragraph around the formula and showed itself."""
    parts, at = [], 0
    while (start := _ANNOTATION_OPEN_RE.search(html, at)) is not None:
        end = _ANNOTATION_CLOSE_RE.search(html, start.end())
        if end is None:
            break  # never closed: the cleaner drops it with what it holds
        parts.append(html[at : start.start()])
        at = end.end()
    parts.append(html[at:])
    return "".join(parts)


def _sub_tags(
    pattern: re.Pattern[str], replacement: str | Callable[[re.Match[str]], str], html: str
) -> str:
    """``pattern.sub(replacement, html)`` for a pattern that matches whole tags, in linear
    time (``htmltokens.tags_end``)."""
    end = tags_end(html)
    return pattern.sub(replacement, html[:end]) + html[end:]


def _may_hold_relative_urls(html: str) -> bool:
    """False only when every ``href``, ``src`` and ``cite`` in ``html`` starts a quoted
    absolute http(s) URL: a base resolves relative URLs alone, so it changes nothing.

    Feeds mostly link absolutely (every link of the generated corpus does), and a
    fragment's own cleaner (``_cleaner``) was most of sanitizing it. Anything else
    the names appear in (a relative or unquoted value, spaces around ``=``, the
    word "cite" in the text) keeps the base, as before.
    """
    lowered = html.lower()  # str.find, not a case-blind regex: a fifth of the time
    for name in _URL_ATTRIBUTES:
        start = lowered.find(name)
        while start != -1:
            end = start + len(name)
            if not _ABSOLUTE_VALUE.match(lowered, end):
                return True
            start = lowered.find(name, end)
    return False


@lru_cache(maxsize=256)
def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed.

    Remembered for the last few hundred fragments: an item's summary is turned into
    text by the parser, the tagger, the stored text and the story signature in turn.

    SQLite's search index reads back the text it indexed by running this again
    (``store/search.py``, migration 0010): a change to what it returns must come
    with a migration that rebuilds the index (``search.rebuild``).

    The fragment goes through the sanitizer with no tags allowed first, so the
    text of scripts and styles is dropped rather than shown; entities are then
    decoded once (nh3 re-escapes ``<`` and ``&``).
    """
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        return " ".join(html.split())
    # xml_safe: a lone surrogate (a JSON Feed may escape one) makes nh3 raise
    html = _formulas_as_text(xml_safe(html))
    text = _text_cleaner().clean(shallow(_sub_tags(_BLOCK_RE, " ", html)) if "<" in html else html)
    return " ".join(html_lib.unescape(text).split())


def xml_safe(text: str) -> str:
    """``text`` without the characters XML cannot hold (``_NOT_XML``)."""
    return _NOT_XML.sub("", text) if _NOT_XML.search(text) else text


@lru_cache(maxsize=1)
def _text_cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={},
        strip_comments=True,
        link_rel=None,
    )


def plain_text(summary: str, content: str | None) -> PlainText:
    """An item's summary and content as one text, and its length in words.

    Feeds often repeat the summary at the head of the content: the summary's
    text is then kept once, inside the content's.
    """
    summary_text = html_to_text(summary)
    if not content:
        return PlainText(summary_text, len(summary_text.split()))
    whole = html_to_text(content)
    body = whole if summary_text in whole else f"{summary_text} {whole}".strip()
    return PlainText(body, len(whole.split()))


def word_count(html: str) -> int:
    """Words of running text in an HTML fragment, for the featured article's minimum length."""
    text = html_to_text(html)
    return len(text.split()) if text else 0
