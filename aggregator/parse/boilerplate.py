"""Take off what a feed's platform adds to an entry and what no reader should see.

Syndication services and publishing platforms wrap every entry in the same
chrome: a "Read full article >>" link back to the entry's own page at the end of
its summary (the page already links the item), the line breaks that stood around
share buttons the sanitizer dropped, and whole entries that are an advertiser's
banner (pheedo's "Featured Advertiser", linking to the ad server). HighWire's
bioRxiv and medRxiv feeds lost the backslashes of their paragraph breaks, so an
abstract reads "…fixation.nnSignificance Statement…".

It works on sanitized HTML (``sanitize.clean_html``'s output, where every
attribute is written ``name="value"``) and on parsed items; it fetches nothing
and does not decide what an item is beyond "this entry is an ad".
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urlsplit

from aggregator.records import ParsedItem
from aggregator.sanitize import html_to_text, is_ad_server

# A link's words that only send the reader on to the page: "Read full article >>",
# "Continue reading...", "Read more »", "Full story".
_READ_ON = re.compile(
    r"(?:read|continue|keep|view|see)(?: (?:the|this))?"
    r"(?: (?:full|whole|entire|more|rest|original))?"
    r"(?: (?:of the|article|story|post|reading|here))*"
    r"|full (?:article|story|text)|more",
    re.IGNORECASE,
)
_READ_ON_PUNCTUATION = " .…:>»›→-"
# The last link of a summary and whatever trails it: breaks, spaces, closing tags.
_LAST_LINK = re.compile(r'<a href="([^"]*)"[^>]*>([^<]*)</a>((?:\s|&nbsp;|<br>|</p>|</div>)*)$')
# Breaks and spaces a summary ends on (the share buttons' lines), and what an empty
# paragraph holds (``_without_trailing_blanks``).
_BLANKS = ("&nbsp;", "<br>")
_BLANK_RE = re.compile(r"(?:\s|&nbsp;|<br>)*")
# HighWire's lost "\n\n": a sentence's end, "nn", and the next sentence's capital.
_LOST_BREAK = re.compile(r"(?<=[a-z0-9)\]][.!?:])nn(?=[A-Z])")
# A summary's first line: up to its first tag, which must end the line (``without_title``).
_FIRST_LINE = re.compile(r"(<p>)?([^<]*+)(<br>|</p>)\s*")


# The section heading that follows such a break, run into its first sentence
# ("ResultsHere, we…", "One sentence summaryGreen microalgae…").
_GLUED_HEADING = re.compile(
    r"(?<=<br><br>)((?:significance statement|one sentence summary|key message(?-i:s)?"
    r"|highlight(?-i:s)?|summary|background|methods|results|conclusion(?-i:s)?|abbreviations"
    r"|abstract))(?=[A-Z])",  # a plural "s" is lower-case: "Key MessageSignificant…"
    re.IGNORECASE,
)


def restore_breaks(text: str) -> str:
    """``"…fixation.nnSignificance StatementSymbiotic"`` -> ``"…fixation.<br><br>Significance
    Statement<br>Symbiotic"``, before sanitizing."""
    if "nn" not in text:
        return text
    return _GLUED_HEADING.sub(r"\1<br>", _LOST_BREAK.sub("<br><br>", text))


def without_chrome(summary: str, link: str | None) -> str:
    """``summary`` without a trailing read-on link to ``link`` and the blank lines it ends on."""
    if not summary:
        return summary
    last = _LAST_LINK.search(summary)
    if (
        last
        and link
        and _is_read_on(html_lib.unescape(last[2]))
        and _same_page(html_lib.unescape(last[1]), link)
    ):
        summary = summary[: last.start()] + _closing_tags(last[3])
    return _without_trailing_blanks(summary)


def _without_trailing_blanks(html: str) -> str:
    """``html`` without the breaks, spaces and empty paragraphs it ends on, taken off from
    the end: a regex anchored at the end (``(?:\\s|<br>|…)+$``) is tried from every
    position of a blank run that text follows, quadratic in the run's length (80 kB of
    ``<br>`` in a hostile feed's summary took 19 s of a parse worker)."""
    end = len(html)
    while True:
        while end and html[end - 1].isspace():
            end -= 1
        blank = next((blank for blank in _BLANKS if html.endswith(blank, 0, end)), None)
        if blank is not None:
            end -= len(blank)
            continue
        opened = html.rfind("<p>", 0, end - 4) if html.endswith("</p>", 0, end) else -1
        if opened < 0 or not _BLANK_RE.fullmatch(html, opened + 3, end - 4):
            return html[:end]
        end = opened


def _is_read_on(words: str) -> bool:
    return bool(_READ_ON.fullmatch(" ".join(words.split()).strip(_READ_ON_PUNCTUATION)))


def _same_page(href: str, link: str) -> bool:
    """Whether two URLs name one page: scheme, host case, fragment and a final "/" aside."""

    def page(url: str) -> tuple[str, str, str]:
        parts = urlsplit(url.strip())
        return (parts.netloc.lower().removeprefix("www."), parts.path.rstrip("/"), parts.query)

    return page(href) == page(link)


def _closing_tags(trailer: str) -> str:
    """The paragraph ends a trailer closes: kept, so the markup stays balanced."""
    return "".join(re.findall(r"</p>|</div>", trailer))


def without_title(summary: str, title: str) -> str:
    """``summary`` without a first line that only repeats ``title``: a schedule's calendar
    (Sched) opens every DESCRIPTION with the session's name, a forum's feed every post."""
    if not summary or not title.strip():
        return summary
    first = _FIRST_LINE.match(summary)
    # The title as sanitized HTML writes it holds no "<", so the line holds it all. A
    # pattern of the title's own words was compiled anew for every item: a third of a
    # parse worker's time went to re's compiler.
    if first is None or (first[1], first[3]) == (None, "</p>"):
        return summary
    if first[2].split() != [html_lib.escape(word, quote=False) for word in title.split()]:
        return summary
    rest = summary[first.end() :]
    if not html_to_text(rest).strip():
        return summary  # the title is all it says: keep it
    # "<p>Title<br>text</p>": the paragraph goes on, so its start stays
    return ("<p>" if (first[1], first[3]) == ("<p>", "<br>") else "") + rest


def is_ad(item: ParsedItem) -> bool:
    """An advertiser's banner posing as an entry: it links to an ad server and says nothing.
    A proxied feed's entry (FeedBlitz's ``feeds.feedblitz.com/~/…`` links) with no summary
    is a real one: only ad servers count."""
    if not item.url or not is_ad_server(item.url):
        return False
    return not html_to_text((item.summary or "") + (item.content or "")).strip()
