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

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

import httpx

from .errors import MedfeedError
from .fetch import FetchLimits
from .netguard import AddressGuard
from .records import Fetched
from .store import Store
from .transports import TLSOnDemand

log = logging.getLogger(__name__)

LEASE = timedelta(days=7)  # asked of the hub; it may grant another
MAX_LEASE = timedelta(days=30)  # believed of a hub at most: a lease is renewed within it
RENEW_BEFORE = timedelta(days=1)  # re-subscribe when less than this is left
SCAN_BYTES = 64 * 1024  # hub links live in the feed's head
# Linear on any input, since a feed and its headers are a stranger's: no run a match
# attempt scans can reach into the next attempt's. A tag or a header's target ends at the
# next "<" (neither a URI nor a well-formed XML attribute holds one), and an attribute
# name starts only where no name character precedes it. Before, a 15,000-character run
# of "<" in a Link header cost 3 s and one 64 KB attribute name 80 s, on the event loop.
_LINK_TAG = re.compile(r"<(?:atom:)?link\b[^<>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""(?<![a-zA-Z-])([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LINK_HEADER = re.compile(r"<([^<>]+)>\s*;([^,]*)")
# What asking a hub can raise: the network, an address the guard refuses or an address
# that does not parse (an IDNA error is a ValueError), and the deadline.
_HUB_FAILURES = (httpx.HTTPError, httpx.InvalidURL, ValueError, TimeoutError, MedfeedError)
_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256,
               "sha384": hashlib.sha384, "sha512": hashlib.sha512}  # fmt: skip


def hub_links(fetched: Fetched) -> tuple[str | None, str | None]:
    """The hub and the topic (``rel="self"``) a fetched feed names; headers win over the body."""
    found: dict[str, str] = {}
    for url, params in _LINK_HEADER.findall(fetched.headers.get("link", "")):
        rels = re.search(r"""rel\s*=\s*"?([^";]+)"?""", params)
        for rel in rels.group(1).lower().split() if rels else ():
            _note(found, rel, fetched.url, url)
    text = (fetched.body or b"")[:SCAN_BYTES].decode("utf-8", errors="replace")
    for tag in _LINK_TAG.findall(text):
        attrs = {name.lower(): a or b for name, a, b in _ATTR.findall(tag)}
        for rel in attrs.get("rel", "").lower().split():
            if attrs.get("href"):
                _note(found, rel, fetched.url, attrs["href"])
    return found.get("hub"), found.get("self")


def _note(found: dict[str, str], rel: str, base: str, href: str) -> None:
    """Keep the first http(s) link of each relation; one that does not parse ("http://[x")
    is passed over, so that it cannot fail the feed that carries it."""
    if rel in found:
        return
    try:
        url = urljoin(base, href.strip())
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        return
    if parts.scheme in ("http", "https") and parts.hostname:
        found[rel] = url


def callback_url(public_url: str, source_id: str, secret: str) -> str:
    """Where the hub is to verify and deliver: the source and a token of this request's
    secret, so that only the hub asked can confirm, deny or renew the subscription (the
    source id and the topic are public)."""
    return f"{public_url.rstrip('/')}/websub/{source_id}/{callback_token(secret)}"


def callback_token(secret: str) -> str:
    return hmac.new(secret.encode(), b"websub callback", hashlib.sha256).hexdigest()[:32]


def signature(secret: str, body: bytes, algorithm: str = "sha256") -> str:
    """An ``X-Hub-Signature`` value: ``sha256=<hex HMAC of the body>``."""
    digest = hmac.new(secret.encode(), body, _ALGORITHMS[algorithm]).hexdigest()
    return f"{algorithm}={digest}"


def valid_signature(secret: str | None, body: bytes, header: str | None) -> bool:
    """True when ``header`` is the HMAC of ``body`` with ``secret`` (any algorithm WebSub names)."""
    if not secret or not header or "=" not in header:
        return False
    algorithm, _, given = header.strip().partition("=")
    if algorithm.lower() not in _ALGORITHMS or not given.isascii():
        return False  # (compare_digest refuses a str beyond ASCII: a forged header's)
    return hmac.compare_digest(
        signature(secret, body, algorithm.lower()), f"{algorithm.lower()}={given.lower()}"
    )


async def subscribe_due(
    public_url: str,
    store: Store,
    limits: FetchLimits,
    now: datetime,
    *,
    allow_hosts: Collection[str] = (),
) -> list[str]:
    """Ask hubs for the subscriptions that need it; the source ids asked for.

    A hub's address comes from a feed, so it goes through the address guard
    (``netguard``: no loopback, private or metadata address unless the admin
    lists the host in ``fulltext.allow_hosts``), each request has the fetch
    timeout as its whole deadline, and the answer's body is never read. Any
    failure is the subscription's own: it is recorded and the others go on.
    """
    asked: list[str] = []
    due = store.websub.due(now, RENEW_BEFORE)
    if not due:
        return asked
    guard = AddressGuard(allow_hosts, source="websub")
    pool = httpx.Limits(max_connections=4)
    async with httpx.AsyncClient(
        timeout=limits.timeout,
        headers={"User-Agent": limits.user_agent},
        follow_redirects=False,
        transport=TLSOnDemand(lambda context: guard.transport(pool, context)),
    ) as client:
        for sub in due:
            secret = secrets.token_hex(20)
            # Stored before asking: some hubs verify before they answer the request.
            store.websub.mark_requested(sub.source_id, secret, now)
            form = {
                "hub.mode": "subscribe",
                "hub.topic": sub.topic,
                "hub.callback": callback_url(public_url, sub.source_id, secret),
                "hub.secret": secret,
                "hub.lease_seconds": str(int(LEASE.total_seconds())),
            }
            try:
                await guard.check(sub.hub)
                async with asyncio.timeout(limits.timeout):
                    async with client.stream("POST", sub.hub, data=form) as response:
                        status = response.status_code
            except _HUB_FAILURES as exc:
                error = str(exc) or type(exc).__name__
                store.websub.mark_failed(sub.source_id, f"hub {sub.hub}: {error}", now)
                continue
            if status not in (202, 204):
                store.websub.mark_failed(
                    sub.source_id, f"hub {sub.hub} answered HTTP {status}", now
                )
                continue
            log.info("websub: asked %s to push %s", sub.hub, sub.source_id)
            asked.append(sub.source_id)
    return asked
