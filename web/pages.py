"""HTML pages: the feed page, one item, the featured article and source health.

Each view parses its arguments, makes one store call and renders a template;
formatting lives in ``present`` and the templates. It never writes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template, request

from .context import featured_or_404, item_or_404, state
from .http import conditional, conditional_on_body
from .params import list_query

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
@conditional
def index() -> str:
    """The front page leads with the featured article and four sections; older pages don't."""
    query = list_query(request.args)
    medfeed = state()
    sources = medfeed.store.source_names()
    if query.before is None and not query.filtered:
        front = medfeed.store.front_page(
            medfeed.settings.featured, datetime.now(UTC), limit=query.limit
        )
        return render_template(
            "index.html",
            featured=front.featured,
            sections=front.sections,
            page=front.stream,
            query=query,
            sources=sources,
        )
    page = medfeed.store.list_items(**query.store_args())
    return render_template(
        "index.html", featured=None, sections=None, page=page, query=query, sources=sources
    )


@blueprint.get("/items/<int:item_id>")
@conditional
def item(item_id: int) -> str:
    found = item_or_404(item_id)
    play = request.args.get("play") == "1"
    return render_template("item.html", item=found, play=play)


@blueprint.get("/featured")
@conditional
def featured() -> str:
    found = featured_or_404()
    return render_template("featured.html", item=found)


@blueprint.get("/sources")
@conditional_on_body
def sources() -> str:
    store = state().store
    return render_template(
        "sources.html",
        sources=store.sources(),
        config_error=store.get_meta("config_error"),
        now=datetime.now(UTC),
    )
