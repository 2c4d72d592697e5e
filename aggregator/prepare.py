"""Prepare a fetched body for storing: parse, sanitize, identify, tag, sign.

This is the work a parse-pool worker does, in a module of its own so that a
worker imports only the parse stack (feedparser, icalendar, nh3, the tagger's
vocabulary, the near-duplicate features) and never the store, SQLAlchemy,
httpx, pydantic or the web; the refresh process imports it only to build
jobs, and imports the parsers only when it parses in-process. It reads no
database, no settings object and no clock: everything it needs comes in one
picklable ``PrepareJob``.
"""

from __future__ import annotations

import signal
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from .dedupe import Signature, document_levels, signature
from .derived import read_in_turn
from .identity import identify_document
from .leases import die_with
from .records import ItemUpdate, Kind, Label
from .sanitize import html_to_text, plain_text
from .tagging import Specialty, Tagger


@dataclass(frozen=True)
class PrepareJob:
    """Everything a parse worker needs; picklable, no database, no settings object."""

    source_id: str
    kind: Kind
    label: Label
    source_tags: tuple[str, ...]
    specialties: tuple[Specialty, ...]
    body: bytes
    url: str
    content_type: str | None
    now: datetime


@dataclass(frozen=True)
class Prepared:
    updates: tuple[ItemUpdate, ...]
    warnings: tuple[str, ...]
    signatures: tuple[Signature, ...] = ()  # near-duplicate features, one per update


def prepare(job: PrepareJob) -> Prepared:
    """Parse a fetched body into items ready to store (runs in a worker process)."""
    from .parse import parse_document  # feedparser, icalendar: a refresh that parses in a pool

    feed = parse_document(
        job.body, url=job.url, content_type=job.content_type, kind=job.kind, now=job.now
    )
    tagger = _tagger(job.specialties)
    updates = []
    for item, identity in zip(feed.items, identify_document(feed.items), strict=True):
        tags = tagger.tag(
            title=item.title,
            text=html_to_text(item.summary),
            source_id=job.source_id,
            source_tags=job.source_tags,
            feed_tags=item.tags,
        )
        updates.append(
            ItemUpdate(
                source_id=job.source_id,
                kind=job.kind,
                label=job.label,
                item=item,
                identity=identity,
                tags=tags,
                text=plain_text(item.summary, item.content),
            )
        )
    # One feed document is one sample of its source's habits: the terms it repeats
    # across its items are its boilerplate (aggregator.dedupe.document_levels).
    signatures = document_levels([signature(u.item.title, u.item.summary) for u in updates])
    return Prepared(tuple(updates), feed.warnings, tuple(signatures))


def warm_up() -> None:
    """A worker's first job when the pool starts early (``refresh.PoolOnDemand.warm``)."""
    from .parse import parse_document  # noqa: F401  (what ``prepare`` imports at its first body)


@lru_cache(maxsize=4)
def _tagger(specialties: tuple[Specialty, ...]) -> Tagger:
    return Tagger(specialties)


def start_worker(holder: str, tables: AbstractContextManager[object]) -> None:
    """A parse worker exits with its parent, leaves Ctrl-C to it, and derives the drug
    table and the word list while holding ``tables``, a lock the pool's workers share
    (``derived.read_in_turn``).

    Ctrl-C reaches the whole process group: the parent stops the pool; a
    worker printing its own KeyboardInterrupt traceback would only add noise.
    """
    die_with(holder)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    read_in_turn(tables)
