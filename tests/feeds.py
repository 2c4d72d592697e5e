"""Small feeds written for the tests, and a route that serves them like a real server.

``served(body)`` answers with an ETag and Last-Modified and honours both on a
conditional GET, so tests can watch medfeed's conditional requests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from xml.sax.saxutils import escape

from aggregator.config import load_settings
from aggregator.records import SourceOutcome
from aggregator.refresh import Refresher
from aggregator.store import Store
from tests.localserver import send

LAST_MODIFIED = "Wed, 25 Nov 2026 08:00:00 GMT"


@dataclass(frozen=True)
class Entry:
    title: str
    link: str
    guid: str | None = None
    summary: str = ""
    published: str = "Tue, 24 Nov 2026 10:00:00 GMT"


def rss(entries: Sequence[Entry], *, title: str = "Test feed") -> bytes:
    items = []
    for e in entries:
        guid = f"<guid isPermaLink='false'>{escape(e.guid)}</guid>" if e.guid else ""
        items.append(
            f"<item><title>{escape(e.title)}</title><link>{escape(e.link)}</link>{guid}"
            f"<description>{escape(e.summary)}</description><pubDate>{e.published}</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://example.org/</link>"
        f"<description>test</description>{''.join(items)}</channel></rss>"
    ).encode()


def served(
    body: Callable[[], bytes] | bytes, *, content_type: str = "application/rss+xml"
) -> Callable[[BaseHTTPRequestHandler], None]:
    """A route answering 200 with validators, or 304 when the client sent matching ones."""

    def handle(handler: BaseHTTPRequestHandler) -> None:
        data = body() if callable(body) else body
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        if handler.headers.get("If-None-Match") == etag:
            send(handler, 304, headers={"ETag": etag})
            return
        headers = {"Content-Type": content_type, "ETag": etag, "Last-Modified": LAST_MODIFIED}
        send(handler, 200, data, headers)

    return handle


def always_sent(
    body: Callable[[], bytes] | bytes, *, content_type: str = "application/rss+xml"
) -> Callable[[BaseHTTPRequestHandler], None]:
    """A route answering 200 with the whole body every time, without validators."""

    def handle(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, body() if callable(body) else body, {"Content-Type": content_type})

    return handle


def config_text(database: str, sources: Sequence[tuple[str, str, str]], **extra: str) -> str:
    """A config.yaml for the given (id, url, kind) sources."""
    lines = [f"database: {database}", "http:", "  timeout: 2s", "  max_bytes: 1MB"]
    for key, value in extra.items():
        lines.append(f"{key}: {value}")
    lines.append("sources:")
    for source_id, url, kind in sources:
        lines += [f"  - id: {source_id}", f"    name: {source_id.title()}", f"    url: {url}",
                  f"    kind: {kind}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def refresh_one(
    tmp_path: Path, database_url: str, store: Store, url: str, source_id: str = "alpha"
) -> SourceOutcome:
    """Configure one news source at ``url`` and refresh it once; its outcome."""
    path = tmp_path / "config.yaml"
    path.write_text(config_text(database_url, [(source_id, url, "news")]))
    settings = load_settings(path)
    store.sync_sources(settings.configured_sources())
    (outcome,) = Refresher(settings, store).refresh(due_only=False)
    return outcome
