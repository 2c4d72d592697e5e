"""Rendered answers kept per data version: a page is built once per change, not per request.

The feed page, the lists and the feeds change only when something they show
changes: a refresh commits items, the source mirror changes (a rename), the
config in force changes (the featured policy, say), or the hour turns
(upcoming conferences move with the clock). ``Version`` folds those into one
string: the database's ``generation`` counter (bumped in the same transaction
as the writes, so every worker of every host sees the same value), a
fingerprint of the settings, the build and the hour. An answer's ETag is the
version plus the request's URL, and ``PageCache`` keeps the rendered bytes
under that ETag, so a request for a page already built costs one small query
(the counter) and a dictionary look-up. A new version empties the cache.

A version's ``seen_at`` is when this worker first answered from it: the same
notion of "changed" as the ETag (any part of the key), on the worker's clock,
so it is never earlier than the change, whichever part changed (a refresh
stamps the generation with the time its pass began, before its commit).

This module keeps bytes and computes validators; it renders nothing and does
not decide how to answer (``http`` does).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask, Response, current_app

from aggregator.config import Settings
from aggregator.store import Store

EXTENSION = "medfeed.page_cache"  # app.extensions key
MAX_ENTRIES = 1024
MAX_BYTES = 32 * 1024 * 1024  # per worker process
MAX_BODY = 2 * 1024 * 1024  # a bigger answer is served, not kept
_SKIPPED_HEADERS = {"content-length", "etag", "last-modified", "cache-control"}


@dataclass(frozen=True)
class Version:
    """What every cached answer of this moment was built from, and since when."""

    key: str
    seen_at: datetime  # when this worker first answered from this version

    def etag(self, request_key: str) -> str:
        """The validator of one answer: this version and the request's URL (host included)."""
        return hashlib.sha256(f"{self.key}|{request_key}".encode()).hexdigest()[:32]

    def last_modified(self, now: datetime) -> datetime | None:
        """``Last-Modified`` for an answer sent at ``now``: ``seen_at`` rounded up to the
        whole second (HTTP dates have no fraction), or None while that second is not over.

        Rounded down, two versions seen within one second shared a date, and a client
        holding the first got 304 for the second. Rounded up, a later version has a later
        date, provided no client was given it before the second ended (a date may not be
        later than the answer's own, RFC 9110, 8.8.2.1): until then only the ETag decides.
        """
        whole = self.seen_at.replace(microsecond=0)
        if whole != self.seen_at:
            whole += timedelta(seconds=1)
        return whole if whole <= now else None


@dataclass(frozen=True)
class Cached:
    """One rendered 200 answer: its body and the headers its view set."""

    body: bytes
    headers: tuple[tuple[str, str], ...]

    def response(self) -> Response:
        return Response(self.body, status=200, headers=list(self.headers))

    @classmethod
    def of(cls, response: Response) -> Cached:
        headers = tuple(
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in _SKIPPED_HEADERS
        )
        return cls(response.get_data(), headers)


class PageCache:
    """The answers of the current version, least recently used dropped first.

    One per app (so one per gunicorn worker); thread-safe for threaded servers.
    """

    def __init__(self, *, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, Cached] = OrderedDict()
        self._bytes = 0
        self._version_key = ""
        self._seen_at = datetime.min.replace(tzinfo=UTC)
        self._settings: tuple[Settings, str] | None = None

    def version(
        self, store: Store, settings: Settings, build: str, now: datetime | None = None
    ) -> Version:
        """The version in force: one query for the generation, the rest from memory."""
        value = store.generation()
        now = now or datetime.now(UTC)
        key = f"{value}|{self._fingerprint(settings)}|{build}|{now:%Y%m%d%H}"
        with self._lock:
            if key != self._version_key:
                self._entries.clear()
                self._bytes = 0
                self._version_key = key
                self._seen_at = now
            return Version(key, self._seen_at)

    def get(self, etag: str) -> Cached | None:
        with self._lock:
            found = self._entries.get(etag)
            if found is not None:
                self._entries.move_to_end(etag)
            return found

    def put(self, version: Version, etag: str, response: Response) -> None:
        """Keep a 200 answer built for ``version`` (unless the version moved on meanwhile)."""
        entry = Cached.of(response)
        if len(entry.body) > MAX_BODY:
            return
        with self._lock:
            if version.key != self._version_key or etag in self._entries:
                return
            self._entries[etag] = entry
            self._bytes += len(entry.body)
            while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)

    def _fingerprint(self, settings: Settings) -> str:
        """A hash of the whole config in force, computed once per settings object."""
        known = self._settings
        if known is not None and known[0] is settings:
            return known[1]
        digest = hashlib.sha256(settings.model_dump_json(warnings=False).encode()).hexdigest()[:16]
        self._settings = (settings, digest)
        return digest


def install(app: Flask) -> PageCache:
    cache = PageCache()
    app.extensions[EXTENSION] = cache
    return cache


def page_cache() -> PageCache:
    """The current app's cache (inside a request or app context)."""
    cache: PageCache = current_app.extensions[EXTENSION]
    return cache
