"""HTML pages: the feed page, specialty pages, one item, the featured article, source health.

Each view parses its arguments, makes one store call and renders a template;
formatting lives in ``present`` and the templates. It never writes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
    url_for,
)

from aggregator.searchquery import boolean_words

from .context import (
    config_error,
    featured_now,
    item_or_404,
    specialties,
    specialty_or_404,
    state,
)
from .exposure import public_config_error, public_source
from .http import conditional, conditional_on_body
from .params import ListQuery, feed_filters, list_query
from .present import fetch_status, list_heading, local_media_target, needs_attention

blueprint = Blueprint("pages", __name__)
COUNT_AT_MOST = 1000  # a filtered view counts its matches up to here


@blueprint.get("/")
@conditional
def index() -> str:
    """The front page leads with the featured article and four sections; older pages don't."""
    query = list_query(request.args)
    medfeed = state()
    sources = medfeed.store.source_names()
    if query.before is None and not query.filtered:
        front = medfeed.store.front_page(
            medfeed.settings.featured.as_policy(), datetime.now(UTC), limit=query.limit
        )
        return render_template(
            "index.html",
            featured=front.featured,
            pinned=medfeed.settings.featured.policy == "pinned",
            sections=front.sections,
            page=front.stream,
            query=query,
            sources=sources,
            heading=list_heading(query, sources, None, COUNT_AT_MOST, specialties()),
            specialties=specialties(),
        )
    return _stream_page(query)


def _stream_page(query: ListQuery) -> str:
    medfeed = state()
    sources = medfeed.store.source_names()
    now = datetime.now(UTC)
    page = medfeed.store.list_items(**query.store_args(), now=now)
    count = medfeed.store.count_items(query.wanted, at_most=COUNT_AT_MOST, now=now)
    filters = feed_filters()
    atom_feed, specialty_feed = _atom_feeds(filters)
    return render_template(
        "index.html",
        featured=None,
        sections=None,
        page=page,
        query=query,
        sources=sources,
        heading=list_heading(query, sources, count, COUNT_AT_MOST, specialties()),
        specialties=specialties(),
        feed_filters=filters,
        atom_feed=atom_feed,
        specialty_feed=specialty_feed,
        boolean_words=boolean_words(query.wanted.q or ""),
    )


def _atom_feeds(filters: dict[str, Any]) -> tuple[str, str | None]:
    """The list's Atom feed, and its specialty's own when that is another feed.

    A list of one specialty alone is that specialty's feed,
    ``/specialties/<slug>/feed.atom`` (the one ``/specialties`` and the page's subscribe
    line link): the page named it beside ``/feed.atom?specialty=<slug>``, one feed under
    two addresses and titles, and a feed reader offered both."""
    slug = filters.get("specialty")
    own = url_for("feeds.specialty_atom", slug=slug) if slug in specialties() else None
    if own and filters.keys() == {"specialty"}:
        return own, None
    return url_for("feeds.atom", **filters), own


@blueprint.get("/specialties")
@conditional
def specialties_index() -> str:
    return render_template("specialties.html", specialties=specialties())


@blueprint.get("/specialties/<slug>")
@conditional
def specialty(slug: str) -> str:
    """One specialty's stream; the other filters (kind, source, search) narrow it further."""
    query = list_query(request.args)
    wanted = replace(query.wanted, specialty=specialty_or_404(slug))
    return _stream_page(replace(query, wanted=wanted))


LOCAL_MEDIA_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
LOCAL_IMAGE_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


@blueprint.get("/items/<int:item_id>")
@conditional
def item(item_id: int) -> str:
    found = item_or_404(item_id)
    play = request.args.get("play") == "1"
    show_thumbnail = request.args.get("thumbnail") == "1"
    return render_template("item.html", item=found, play=play, show_thumbnail=show_thumbnail)


@blueprint.get("/items/<int:item_id>/media/<which>")
def local_media(item_id: int, which: str) -> Response:
    """An item's image from an admin's local feed folder (see ``present.media_url``).

    Only the file the item itself names, only image types, and sandboxed: a
    local SVG cannot run script on the site's origin.
    """
    target = local_media_target(item_or_404(item_id), which)
    if not target or not target.startswith("file://"):
        abort(404)
    path = Path(url2pathname(urlsplit(target).path))
    mimetype = LOCAL_IMAGE_TYPES.get(path.suffix.lower())
    if mimetype is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=mimetype, max_age=3600, conditional=True)
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    )
    return response


@blueprint.get("/favicon.ico")
def favicon() -> Response:
    """The site's icon where browsers and feed readers look for it without being told: it
    answered 404, and a reader's list showed a blank square beside medfeed's feeds."""
    return current_app.send_static_file("favicon.ico")


@blueprint.get("/featured")
@conditional
def featured() -> str:
    """The featured article in full; when none qualifies yet, the page says so (the site's
    menu links here always: a 404 read as a broken site)."""
    pinned = state().settings.featured.policy == "pinned"
    return render_template("featured.html", item=featured_now(), pinned=pinned)


@blueprint.get("/sources")
@conditional_on_body
def sources() -> str:
    """Source health, the sources that need the admin first (in name order within each group)."""
    medfeed = state()
    internals = medfeed.settings.admin.show_internals
    listed = sorted(medfeed.store.sources(), key=lambda source: not needs_attention(source))
    return render_template(
        "sources.html",
        sources=[public_source(s, show_internals=internals) for s in listed],
        statuses={s.id: fetch_status(s) for s in listed},  # before the address is hidden
        attention=sum(1 for source in listed if needs_attention(source)),
        config_error=public_config_error(config_error(), show_internals=internals),
        now=datetime.now(UTC),
    )
