"""Items and sources as JSON-ready dicts: the field names of the API contract (DESIGN.md).

Shared by the API and the JSON Feed so both say the same thing about an item.
It shapes records into plain data; it neither queries nor writes responses.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from aggregator.records import SourceRef, StoredItem, StoredItemRef, StoredSource

from .eventtime import ComingDate, coming, repeats, upcoming
from .present import iso, marked, media_url, shown_as_video, web_link


def item_json(item: StoredItem, *, full: bool = False) -> dict[str, Any]:
    """One item; ``full`` adds the sanitized content and extracted text."""
    data: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind.value,
        "label": item.label.value,
        "title": item.title,
        "title_derived": item.title_derived,
        "url": web_link(item.url),
        "permalink": url_for("pages.item", item_id=item.id, _external=True),
        "summary": item.summary,
        "author": item.author,
        "published": iso(item.published),
        "published_from": item.published_from,
        "updated": iso(item.updated) or None,
        "source": _source(item.source),
        "sources": [_carrier(ref) for ref in item.sources],
        "image": media_url(item, "image", external=True),
        "tags": list(item.tags),
        "flags": list(item.flags),
        "story_id": item.story_id,
        "also": [_ref(ref) for ref in item.also],
        "covers": [_ref(ref) for ref in item.covers],
        "covered_by": [_ref(ref) for ref in item.covered_by],
        "event": _event(item, full=full),
        "video": _video(item),
        "article": _article(item),
    }
    if item.match is not None:
        # Escaped text with <mark> around the matched words: safe to insert as HTML.
        data["highlight"] = {"title": str(marked(item.match.title)),
                             "summary": str(marked(item.match.snippet))}  # fmt: skip
    if full:
        data["content"] = item.content
        data["fulltext"] = item.fulltext
    return data


def _source(ref: SourceRef) -> dict[str, Any]:
    return {"id": ref.id, "name": ref.name}


def _carrier(ref: SourceRef) -> dict[str, Any]:
    return {"id": ref.id, "name": ref.name, "url": web_link(ref.url)}


def _ref(ref: StoredItemRef) -> dict[str, Any]:
    return {
        "id": ref.id,
        "title": ref.title,
        "url": web_link(ref.url),
        "source": _source(ref.source),
    }


def _event(item: StoredItem, *, full: bool) -> dict[str, Any] | None:
    """A series shows its next occurrence, its RRULE and the rule in words; ``full`` adds
    the coming occurrences."""
    event = upcoming(item.event)
    if event is None:
        return None
    data: dict[str, Any] = {
        "start": iso(event.start),
        "end": iso(event.end) or None,
        "all_day": event.all_day,
        "timezone": event.timezone,
        "location": event.location,
        "online": event.online,
        "url": web_link(event.url),
        "rule": event.rule,
        "repeats": repeats(event) or None,
        "status": event.status.value if event.status else None,
    }
    if full and event.occurrences:
        data["occurrences"] = [_occurrence(date) for date in coming(event)]
    return data


def _occurrence(date: ComingDate) -> dict[str, Any]:
    """A coming date as ``{start, end}``; one its calendar moved adds ``original_start``,
    one it renamed or placed elsewhere its own ``title`` or ``location`` (the item's and
    the event's fields of the series), each absent from the others, so that the object
    clients already read stays as it was."""
    data = {"start": iso(date.event.start), "end": iso(date.event.end) or None}
    if date.moved_from is not None:
        data["original_start"] = iso(date.moved_from.start)
    if date.title is not None:
        data["title"] = date.title
    if date.location is not None:
        data["location"] = date.location
    return data


def _video(item: StoredItem) -> dict[str, Any] | None:
    """What plays, as the pages show it (``shown_as_video``): a news article that older
    versions stored with a related clip it merely carried has none, as the parser now
    gives such an entry none, without waiting for its feed to send it again."""
    video = item.video
    if video is None or not shown_as_video(item):
        return None
    return {
        "id": video.id,
        "provider": video.provider,
        "thumbnail": media_url(item, "thumbnail", external=True),
        "duration": video.duration,
        "embed_url": video.embed_url,
    }


def _article(item: StoredItem) -> dict[str, Any] | None:
    article = item.article
    if article is None:
        return None
    return {
        "doi": article.doi,
        "pmid": article.pmid,
        "pmcid": article.pmcid,
        "nct": list(article.nct),
        "journal": article.journal,
        "authors": list(article.authors),
        "pub_type": article.pub_type,
        "cites": list(article.cites),
    }


def source_json(source: StoredSource) -> dict[str, Any]:
    return {
        "id": source.id,
        "name": source.name,
        "url": source.url,
        "kind": source.kind.value,
        "label": source.label.value,
        "enabled": source.enabled,
        "disabled_reason": source.disabled_reason,
        "last_fetch_at": iso(source.last_fetch_at) or None,
        "last_success_at": iso(source.last_success_at) or None,
        "last_status": source.last_status,
        "last_http_status": source.last_http_status,
        "last_error": source.last_error,
        "last_warning": source.last_warning,
        "consecutive_failures": source.consecutive_failures,
        "next_fetch_at": iso(source.next_fetch_at) or None,
        "permanent_redirect": source.permanent_redirect,
        "item_count": source.item_count,
    }
