"""Formatting helpers for templates: dates, durations, labels, reading time, safe HTML.

Templates stay logic-free by calling these filters. Stored item HTML was
sanitized on the way in; ``clean`` runs the same allow-list once more at render
time so that a row written by anything other than the pipeline still cannot
put a script on the page. No query, no request state beyond building URLs.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, request, url_for
from markupsafe import Markup, escape

from aggregator.records import EventInfo, Fragment, Kind, Label, StoredItem
from aggregator.sanitize import clean_html, word_count

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


def iso(moment: datetime | None) -> str:
    """ISO 8601 in UTC with a Z, for ``<time datetime>`` and JSON."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def day(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%-d %b %Y")


def day_time(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%-d %b %Y, %H:%M UTC")


def event_dates(event: EventInfo | None) -> str:
    """ "3–5 Mar 2027"; a one-day event that is not all-day shows its start time.

    All-day ends are exclusive (the day after), as in iCalendar, so a display
    of the last day steps back one day.
    """
    if event is None:
        return ""
    start, end = event.start.astimezone(UTC), (event.end or event.start).astimezone(UTC)
    if event.all_day and end > start:
        end -= timedelta(days=1)
    if end.date() <= start.date():
        return day(start) if event.all_day else day_time(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{day(end)}"
    if start.year == end.year:
        return f"{start.strftime('%-d %b')} – {day(end)}"
    return f"{day(start)} – {day(end)}"


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


def marked(fragments: tuple[Fragment, ...]) -> Markup:
    """Search-result text with the matched words in ``<mark>``; everything else escaped.

    The fragments are plain text (the index holds no HTML), so escaping each one
    and adding only our own ``<mark>`` tags is the whole of the sanitising.
    """
    return Markup("").join(
        Markup("<mark>%s</mark>") % part.text if part.matched else escape(part.text)
        for part in fragments
    )


def other_sources(item: StoredItem) -> list[str]:
    """Names for "also from …": other carriers of this item, then the story's other outlets."""
    names = [ref.name for ref in item.sources if ref.id != item.source.id]
    names += [ref.source.name for ref in item.also if ref.source.id != item.source.id]
    return list(dict.fromkeys(names))


def list_url(**changes: Any) -> str:
    """The current page's URL with some query parameters changed (None removes one)."""
    args = {key: value for key, value in request.args.items() if key != "before"}
    args.update(changes)
    kept: dict[str, Any] = {key: value for key, value in args.items() if value not in (None, "")}
    kept.update(request.view_args or {})
    return url_for(request.endpoint or "pages.index", **kept)


def install_template_helpers(app: Flask) -> None:
    app.add_template_filter(media_url)
    app.add_template_filter(iso)
    app.add_template_filter(day)
    app.add_template_filter(day_time)
    app.add_template_filter(event_dates)
    app.add_template_filter(duration)
    app.add_template_filter(reading_minutes)
    app.add_template_filter(label_text)
    app.add_template_filter(flag_text)
    app.add_template_filter(clean)
    app.add_template_filter(other_sources)
    app.add_template_filter(marked)
    app.add_template_global(youtube_embed)
    app.add_template_global(list_url)
    app.jinja_env.globals["section_titles"] = SECTION_TITLES
