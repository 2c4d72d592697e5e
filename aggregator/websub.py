"""WebSub (W3C): find a feed's hub, subscribe to it, check what it pushes.

    fetched feed names rel="hub" (Link header or <link>)  -> store.websub.note_hub
    after each batch, when public_url is set:
        for each subscription new, unverified for an hour, or within a day of its lease end:
            new secret -> store, then POST hub.mode=subscribe to the hub
    the site answers the hub's verification (GET) and checks each delivery's
        X-Hub-Signature (HMAC of the body with the secret) before queueing it
    the refresh ingests queued deliveries like fetched bodies (``Refresher.ingest_pushed``)

Polling stays the fallback: a source with a hub is still fetched on its
interval. This module parses hub links, signs and checks, and talks to hubs; it
does not store items or serve the callback (``web/websub.py`` does).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import datetime, timedelta
from urllib.parse import urljoin

import httpx

from .fetch import FetchLimits
from .records import Fetched
from .store import Store

log = logging.getLogger(__name__)

LEASE = timedelta(days=7)  # asked of the hub; it may grant another
RENEW_BEFORE = timedelta(days=1)  # re-subscribe when less than this is left
SCAN_BYTES = 64 * 1024  # hub links live in the feed's head
_LINK_TAG = re.compile(r"<(?:atom:)?link\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LINK_HEADER = re.compile(r"<([^>]+)>\s*;([^,]*)")
_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256,
               "sha384": hashlib.sha384, "sha512": hashlib.sha512}  # fmt: skip


def hub_links(fetched: Fetched) -> tuple[str | None, str | None]:
    """The hub and the topic (``rel="self"``) a fetched feed names; headers win over the body."""
    found: dict[str, str] = {}
    for url, params in _LINK_HEADER.findall(fetched.headers.get("link", "")):
        rels = re.search(r"""rel\s*=\s*"?([^";]+)"?""", params)
        for rel in rels.group(1).lower().split() if rels else ():
            found.setdefault(rel, urljoin(fetched.url, url.strip()))
    text = (fetched.body or b"")[:SCAN_BYTES].decode("utf-8", errors="replace")
    for tag in _LINK_TAG.findall(text):
        attrs = {name.lower(): a or b for name, a, b in _ATTR.findall(tag)}
        for rel in attrs.get("rel", "").lower().split():
            if attrs.get("href"):
                found.setdefault(rel, urljoin(fetched.url, attrs["href"].strip()))
    return found.get("hub"), found.get("self")


def callback_url(public_url: str, source_id: str) -> str:
    return f"{public_url.rstrip('/')}/websub/{source_id}"


def signature(secret: str, body: bytes, algorithm: str = "sha256") -> str:
    """An ``X-Hub-Signature`` value: ``sha256=<hex HMAC of the body>``."""
    digest = hmac.new(secret.encode(), body, _ALGORITHMS[algorithm]).hexdigest()
    return f"{algorithm}={digest}"


def valid_signature(secret: str | None, body: bytes, header: str | None) -> bool:
    """True when ``header`` is the HMAC of ``body`` with ``secret`` (any algorithm WebSub names)."""
    if not secret or not header or "=" not in header:
        return False
    algorithm, _, given = header.strip().partition("=")
    if algorithm.lower() not in _ALGORITHMS:
        return False
    return hmac.compare_digest(
        signature(secret, body, algorithm.lower()), f"{algorithm.lower()}={given.lower()}"
    )


async def subscribe_due(
    public_url: str, store: Store, limits: FetchLimits, now: datetime
) -> list[str]:
    """Ask hubs for the subscriptions that need it; the source ids asked for."""
    asked: list[str] = []
    due = store.websub.due(now, RENEW_BEFORE)
    if not due:
        return asked
    async with httpx.AsyncClient(
        timeout=limits.timeout, headers={"User-Agent": limits.user_agent}
    ) as client:
        for sub in due:
            secret = secrets.token_hex(20)
            # Stored before asking: some hubs verify before they answer the request.
            store.websub.mark_requested(sub.source_id, secret, now)
            form = {
                "hub.mode": "subscribe",
                "hub.topic": sub.topic,
                "hub.callback": callback_url(public_url, sub.source_id),
                "hub.secret": secret,
                "hub.lease_seconds": str(int(LEASE.total_seconds())),
            }
            try:
                response = await client.post(sub.hub, data=form)
            except httpx.HTTPError as exc:
                store.websub.mark_failed(sub.source_id, f"hub {sub.hub}: {exc}", now)
                continue
            if response.status_code not in (202, 204):
                error = f"hub {sub.hub} answered HTTP {response.status_code}"
                store.websub.mark_failed(sub.source_id, error, now)
                continue
            log.info("websub: asked %s to push %s", sub.hub, sub.source_id)
            asked.append(sub.source_id)
    return asked
