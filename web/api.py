"""The JSON API: items (filtered, keyset-paginated), one item, the featured item, sources, health.

Field names are the contract of DESIGN.md (see docs/api.md); shaping is in
``serialize``, validation in ``params``, error answers in ``errors``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request

from aggregator.errors import StorageError

from .context import config_error, featured_or_404, item_or_404, state
from .errors import database_trouble
from .exposure import public_config_error, public_source
from .http import conditional, conditional_on_body
from .params import list_query
from .serialize import item_json, source_json

blueprint = Blueprint("api", __name__)


@blueprint.get("/api/items")
@conditional
def items() -> Response:
    query = list_query(request.args)
    page = state().store.list_items(**query.store_args(), now=datetime.now(UTC))
    return jsonify(items=[item_json(item) for item in page.items], next=page.next)


@blueprint.get("/api/items/<int:item_id>")
@conditional
def item(item_id: int) -> Response:
    found = item_or_404(item_id)
    return jsonify(item_json(found, full=True))


@blueprint.get("/api/featured")
@conditional
def featured() -> Response:
    found = featured_or_404()
    return jsonify(item_json(found, full=True))


@blueprint.get("/api/sources")
@conditional_on_body
def sources() -> Response:
    medfeed = state()
    internals = medfeed.settings.admin.show_internals
    return jsonify(
        sources=[
            source_json(public_source(source.as_reported(), show_internals=internals))
            for source in medfeed.store.sources()
        ],
        config_error=public_config_error(config_error(), show_internals=internals),
    )


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        state().store.check_alive()
    except StorageError as exc:
        return jsonify(status="unavailable", error=database_trouble(exc)), 503
    return jsonify(status="ok"), 200
