"""Formatting helpers for templates: dates, durations, labels, reading time, safe HTML.

Templates stay logic-free by calling these filters. Stored item HTML was
sanitized on the way in; ``clean`` runs the same allow-list once more at render
time so that a row written by anything other than the pipeline still cannot
put a script on the page. No query, no request state beyond building URLs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import Flask, g, request, url_for
from markupsafe import Markup, escape

from aggregator.records import Fragment, Kind, Label, StoredItem, StoredItemRef, StoredSource
from aggregator.sanitize import clean_html, html_to_text, word_count

from .context import specialties, state
from .eventtime import coming, event_dates, event_dates_utc, online_unsaid, repeats, upcoming
from .params import ListQuery, link_args

WORDS_PER_MINUTE = 230
LABELS = {
    Label.JOURNAL: "Journal",
    Label.PREPRINT: "Preprint",
    Label.NEWS: "News",
    Label.PRESS_RELEASE: "Press release",
    Label.SOCIETY: "Society",
    Label.SPONSORED: "Sponsored",
}
FLAGS = {
    "retracted": "Retracted",
    "corrected": "Corrected",
    "expression-of-concern": "Expression of concern",
}
SECTION_TITLES = {
    Kind.NEWS: "News",
    Kind.ARTICLE: "Articles",
    Kind.CONFERENCE: "Conferences",
    Kind.VIDEO: "Videos",
}
NOCOOKIE_EMBED = "https://www.youtube-nocookie.com/embed/"
DESCRIPTION_CHARS = 160  # what search engines show of a meta description
LEAD_WORDS = 60  # the featured article's lead on a phone
_HEADING_RE = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)
_PARAGRAPH_RE = re.compile(r"<p\b[^>]*>.*?</p>", re.IGNORECASE | re.DOTALL)


def iso(moment: datetime | None) -> str:
    """ISO 8601 in UTC with a Z, to the second, for ``<time datetime>`` and JSON: a date
    medfeed stamped itself (when it first saw an item) came out with microseconds,
    unlike every source's date and the documented format."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def day(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%-d %b %Y")


def day_time(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%-d %b %Y, %H:%M UTC")


def duration(seconds: int | None) -> str:
    if not seconds:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def reading_minutes(item: StoredItem) -> int:
    return max(1, math.ceil(word_count(item.body) / WORDS_PER_MINUTE))


def label_text(label: Label) -> str:
    return LABELS.get(label, label.value)


def flag_text(flag: str) -> str:
    """The badge for a mark a notice put on an article: "Retracted", "Corrected", …"""
    return FLAGS.get(flag, flag.replace("-", " ").capitalize())


def youtube_embed(item: StoredItem) -> str | None:
    """The privacy-enhanced player URL, only for YouTube videos with a known id."""
    video = item.video
    if video is None or not video.id or (video.provider or "youtube") != "youtube":
        return None
    return f"{NOCOOKIE_EMBED}{video.id}?autoplay=1"


def shown_as_video(item: StoredItem) -> bool:
    """Whether pages present the item as a video (a play placeholder in lists, the player or
    its thumbnail on its page): only when something plays, a player or a provider's video,
    or it comes from a video source (its link is the video). A news article stored with a
    related clip it merely carried keeps its lead image instead."""
    video = item.video
    return video is not None and bool(video.embed_url or video.id or item.kind is Kind.VIDEO)


def media_url(item: StoredItem, which: str, *, external: bool = False) -> str | None:
    """Where a browser can load an item's image or video thumbnail.

    Remote images are linked as they are. An admin's local feed (``file://``,
    e.g. the offline demo) has local images that no browser loads from an http
    page, so those are served by the site itself (``pages.local_media``).
    """
    url = local_media_target(item, which)
    if url is None:
        return None
    if url.startswith("file://"):
        if not Path(url2pathname(urlsplit(url).path)).is_file():
            return None  # gone from the folder: a placeholder, not a broken image
        return url_for("pages.local_media", item_id=item.id, which=which, _external=external)
    return url


def local_media_target(item: StoredItem, which: str) -> str | None:
    if which == "thumbnail":
        return item.video.thumbnail if item.video else None
    if which == "image":
        return item.image
    return None


def clean(html: str | None) -> Markup:
    """Stored HTML, sanitized (again) and marked safe: the only way item HTML reaches a page."""
    return Markup(clean_html(html or ""))


_IMG_RE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_EMPTY_LINK_RE = re.compile(r"<a\b[^>]*>\s*</a>", re.IGNORECASE)


def clean_in_list(html: str | None) -> Markup:
    """A summary as a list shows it: sanitized, without its images. A Vimeo description
    carries the video's picture from vimeo.com, a request to another site from every
    reader's browser (lists show none, see ``thumbnail``), and a link around it that a
    screen reader announces without a name. The item's own page shows the whole summary."""
    text = _IMG_RE.sub("", clean_html(html or ""))
    return Markup(_EMPTY_LINK_RE.sub("", text))


def nest_headings(html: Markup | str, level: int) -> Markup:
    """Renumber an article body's headings so that its top one sits at ``level`` + 1.

    A body's own sections must nest under the article's title (an ``h2`` on the
    front page, an ``h1`` on its own page), not stand beside the page's sections.
    The input is sanitized HTML (``clean``), whose tags the pattern reads reliably.
    """
    text = str(html)
    found = [int(m.group(2)) for m in _HEADING_RE.finditer(text)]
    if not found:
        return Markup(text)
    shift = level + 1 - min(found)

    def renumber(match: re.Match[str]) -> str:
        return f"<{match.group(1)}h{min(6, int(match.group(2)) + shift)}"

    return Markup(_HEADING_RE.sub(renumber, text))


def lead(item: StoredItem) -> Markup:
    """The opening of an article for a phone: its summary, else its first paragraph, cut short."""
    source = item.summary if item.summary and item.summary != item.body else item.body
    first = _PARAGRAPH_RE.search(source or "")
    words = html_to_text(first.group(0) if first else source or "").split()
    text = " ".join(words[:LEAD_WORDS]) + (" …" if len(words) > LEAD_WORDS else "")
    return Markup("<p>{}</p>").format(text)


def description(html: str | None) -> str:
    """Plain text for a ``<meta name="description">``: whole words, at most 160 characters."""
    text = " ".join(html_to_text(html or "").split())
    if len(text) <= DESCRIPTION_CHARS:
        return text
    return text[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"


def shown_label(thing: StoredItem | StoredSource) -> Label | None:
    """The badge of an item or a source, only when the admin gave that source a label.

    A label the config left out is a default by kind ("news" for a video
    channel, say), which is a guess, not information worth a badge.
    """
    source_id = thing.source.id if isinstance(thing, StoredItem) else thing.id
    source = state().settings.source(source_id)
    return thing.label if source is not None and source.label is not None else None


def needs_attention(source: StoredSource) -> bool:
    """Failing, backing off or disabled by medfeed: what an admin opens /sources to find."""
    return bool(source.consecutive_failures or source.disabled_reason)


def fetch_status(source: StoredSource) -> str:
    """The last fetch's outcome as ``/sources`` shows it (``StoredSource.as_reported``):
    "ok (200)", "not-modified (304)", "unchanged (200)" (the last body sent again), a local
    file's without a code ("unchanged", "ok"): no server answered it."""
    reported = source.as_reported()
    if not reported.last_status:
        return "—"
    code = f" ({reported.last_http_status})" if reported.last_http_status else ""
    return reported.last_status + code


def host(url: str | None) -> str:
    return urlsplit(url or "").hostname or ""


def is_remote(url: str | None) -> bool:
    """True for an image another site would serve: loaded only when the reader asks."""
    return bool(url) and not str(url).startswith("file://")


@dataclass(frozen=True)
class ListHeading:
    """What a filtered view is called: its ``<title>``/``h1`` and the line under it."""

    title: str
    count: str


def list_heading(
    query: ListQuery,
    sources: dict[str, str],
    count: int | None,
    at_most: int,
    specialties: dict[str, str] | None = None,
) -> ListHeading:
    """The heading "News in Cardiology tagged “oncology”, older" and the line "23 items".

    A search names what it searched for, so that a reader who gets nothing
    back sees the query the site ran, not only an empty list.
    """
    wanted = query.wanted
    title = _kind_title(wanted.kind, wanted.when)
    if wanted.specialty:
        name = (specialties or {}).get(wanted.specialty, wanted.specialty)
        title = name if title == "Everything" else f"{title} in {name}"
    if wanted.q:
        title = f"Search results for “{wanted.q}”" + (f" in {title}" if wanted.kind else "")
    if wanted.tag:
        title += f" tagged “{wanted.tag}”"
    if wanted.source:
        title += f" from {sources.get(wanted.source, wanted.source)}"
    if not wanted.stories:
        title += ", every copy"
    if query.before:
        title += ", older"
    if count is None:
        return ListHeading(title, "")
    if count > at_most:
        return ListHeading(title, f"more than {at_most:,} items")
    return ListHeading(title, "1 item" if count == 1 else f"{count:,} items")


def _kind_title(kind: Kind | None, when: str | None) -> str:
    """ "News", "Everything"; a calendar view says which part of the calendar it is."""
    if when in ("past", "upcoming") and kind in (None, Kind.CONFERENCE):
        return f"{when.capitalize()} conferences"
    title = SECTION_TITLES[kind] if kind else "Everything"
    return f"{title}, past events" if when == "past" else title


def web_link(url: str | None) -> str | None:
    """``url`` when a reader's browser can follow it (http or https), else None: a demo's or
    a local source's ``file://`` link named a path on the server, and led nowhere."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def marked(fragments: tuple[Fragment, ...]) -> Markup:
    """Search-result text with the matched words in ``<mark>``; everything else escaped.

    The fragments are plain text (the index holds no HTML), so escaping each one
    and adding only our own ``<mark>`` tags is the whole of the sanitising.
    """
    return Markup("").join(
        Markup("<mark>%s</mark>") % part.text if part.matched else escape(part.text)
        for part in fragments
    )


@dataclass(frozen=True)
class Outlet:
    """One name of an "Also from …" line and where that outlet's copy is read."""

    name: str
    href: str


def other_outlets(item: StoredItem) -> list[Outlet]:
    """The other carriers of this item, then the story's other outlets, each linked to its own
    copy: a list named them in plain text, and a reader had to open the item to reach them.
    A copy with no web address (a local file) links to where the site shows it: the
    carrier's line under the item's "Sources", or the story's other item's page."""
    outlets = [
        Outlet(ref.name, web_link(ref.url) or _item_url(item.id, f"source-{ref.id}"))
        for ref in item.sources
        if ref.id != item.source.id
    ]
    outlets += [
        Outlet(ref.source.name, web_link(ref.url) or _item_url(ref.id))
        for ref in item.also
        if ref.source.id != item.source.id
    ]
    first: dict[str, Outlet] = {}
    for outlet in outlets:
        first.setdefault(outlet.name, outlet)
    return list(first.values())


def _item_url(item_id: int, anchor: str | None = None) -> str:
    return url_for("pages.item", item_id=item_id, _anchor=anchor)


def other_sources(item: StoredItem) -> list[str]:
    """Names for "also from …": other carriers of this item, then the story's other outlets."""
    return [outlet.name for outlet in other_outlets(item)]


def story_elsewhere(item: StoredItem) -> list[StoredItemRef]:
    """The story's other items not already listed under "Covers" or "Covered by": a news
    report on a paper is usually in the paper's story too, and the item page listed it
    twice, once under each heading."""
    cited = {ref.id for ref in (*item.covers, *item.covered_by)}
    return [ref for ref in item.also if ref.id not in cited]


def list_url(**changes: Any) -> str:
    """The current page's URL with some query parameters changed (None removes one)."""
    args: dict[str, Any] = link_args("before")
    args.update(changes)
    kept: dict[str, Any] = {key: value for key, value in args.items() if value not in (None, "")}
    kept.update(request.view_args or {})
    return url_for(request.endpoint or "pages.index", **kept)


def tag_links(tags: Sequence[str]) -> list[tuple[str, str]]:
    """Each tag's link and words: a specialty's page under the specialty's name
    ("Obstetrics & gynecology", with its own feed), any other tag the list of the
    tag as written. Every chip read as a slug ("obstetrics-gynecology")."""
    if "medfeed_specialties" not in g:
        g.medfeed_specialties = specialties()
    names: dict[str, str] = g.medfeed_specialties
    return [
        (url_for("pages.specialty", slug=tag), names[tag])
        if tag in names
        else (url_for("pages.index", tag=tag), tag)
        for tag in tags
    ]


def install_template_helpers(app: Flask) -> None:
    app.add_template_filter(web_link)
    app.add_template_filter(clean_in_list)
    app.add_template_filter(media_url)
    app.add_template_filter(iso)
    app.add_template_filter(day)
    app.add_template_filter(day_time)
    app.add_template_filter(event_dates)
    app.add_template_filter(event_dates_utc)
    app.add_template_filter(upcoming)
    app.add_template_filter(coming)
    app.add_template_filter(repeats)
    app.add_template_filter(online_unsaid)
    app.add_template_filter(duration)
    app.add_template_filter(reading_minutes)
    app.add_template_filter(label_text)
    app.add_template_filter(flag_text)
    app.add_template_filter(clean)
    app.add_template_filter(other_outlets)
    app.add_template_filter(story_elsewhere)
    app.add_template_filter(nest_headings)
    app.add_template_filter(lead)
    app.add_template_filter(description)
    app.add_template_filter(host)
    app.add_template_filter(tag_links)
    app.add_template_global(shown_label)
    app.add_template_global(is_remote)
    app.add_template_global(needs_attention)
    app.add_template_filter(marked)
    app.add_template_global(youtube_embed)
    app.add_template_global(shown_as_video)
    app.add_template_global(list_url)
    app.jinja_env.globals["section_titles"] = SECTION_TITLES
