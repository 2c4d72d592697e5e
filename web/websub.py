"""The WebSub callback, ``/websub/<source>/<token>``: answer hubs, check and queue pushes.

GET is the hub verifying a subscription (or reporting a denial): we echo the
challenge only for a request we made, for that source and topic, at the
callback we gave that request (its token derives from the request's secret, so
a stranger who knows the public source id and topic cannot confirm, stretch or
deny a subscription). POST is a delivery: the body must carry
``X-Hub-Signature``, the HMAC of the body with the secret we gave the hub; a
valid one is queued for the refresh to ingest (``Refresher.ingest_pushed``), an
invalid one is acknowledged and dropped, as the W3C recommendation says (so a
forger learns nothing). ``/websub/<source>`` still takes deliveries of
subscriptions made before callbacks had a token. The body is read no further
than ``http.max_bytes``, chunked or not. The site never writes an item: it only
queues bytes.
"""

from __future__ import annotations

import hmac
import logging
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, abort, request

from aggregator.websub import LEASE, MAX_LEASE, callback_token, valid_signature

from .context import state

log = logging.getLogger(__name__)
blueprint = Blueprint("websub", __name__)


@blueprint.get("/websub/<source_id>/<token>")
def verify(source_id: str, token: str) -> Response:
    medfeed = state()
    subscription = medfeed.store.websub.subscription(source_id)
    secret = subscription.secret if subscription is not None else None
    if not secret or not hmac.compare_digest(callback_token(secret).encode(), token.encode()):
        abort(404)
    mode = request.args.get("hub.mode", "")
    topic = request.args.get("hub.topic", "")
    now = datetime.now(UTC)
    if mode == "denied":
        reason = request.args.get("hub.reason", "the hub gave no reason")
        if medfeed.store.websub.deny(source_id, topic, reason, now):
            log.warning("websub: the hub denied %s: %s", source_id, reason)
            return Response("", status=200)
        abort(404)
    challenge = request.args.get("hub.challenge")
    if mode != "subscribe" or not challenge:
        abort(404)
    lease = _lease(request.args.get("hub.lease_seconds"))
    if not medfeed.store.websub.verify(source_id, topic, lease, now):
        abort(404)
    log.info("websub: subscription of %s verified for %s", source_id, lease)
    return Response(challenge, status=200, content_type="text/plain; charset=utf-8")


@blueprint.post("/websub/<source_id>")
@blueprint.post("/websub/<source_id>/<token>")
def deliver(source_id: str, token: str | None = None) -> Response:
    medfeed = state()
    source = medfeed.settings.source(source_id)
    subscription = medfeed.store.websub.subscription(source_id)
    if source is None or not source.enabled or subscription is None:
        abort(404)
    limit = medfeed.settings.http.max_bytes
    if (request.content_length or 0) > limit:
        abort(413)
    body = request.stream.read(limit + 1)  # a chunked body says no length: read no further
    if len(body) > limit:
        abort(413)
    if not valid_signature(subscription.secret, body, request.headers.get("X-Hub-Signature")):
        log.warning("websub: delivery for %s with a bad or missing signature dropped", source_id)
        return Response("", status=202)
    medfeed.store.websub.queue(source_id, body, request.content_type, datetime.now(UTC))
    return Response("", status=202)


def _lease(value: str | None) -> timedelta:
    """The lease the hub grants, within a minute and MAX_LEASE (a hub's word is not
    worth a lease that outlives the next renewal check, nor an overflow)."""
    try:
        seconds = int(value) if value else int(LEASE.total_seconds())
    except ValueError:
        seconds = int(LEASE.total_seconds())
    return timedelta(seconds=min(max(seconds, 60), int(MAX_LEASE.total_seconds())))
