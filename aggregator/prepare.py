"""Prepare a fetched body for storing: parse, sanitize, identify, tag, sign.

This is the work a parse-pool worker does, in a module of its own so that a
worker imports only the parse stack (feedparser, icalendar, nh3, the tagger's
vocabulary, the near-duplicate features) and never the store, SQLAlchemy,
httpx, pydantic or the web; the refresh process imports it only to build
jobs; the parsers run in the workers. It reads no
database, no settings object and no clock: everything it needs comes in one
picklable ``PrepareJob``.
"""

from __future__ import annotations

import gc
import hashlib
import signal
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from threading import Barrier, BrokenBarrierError

from .dedupe import Signature, document_levels, signature
from .derived import read_in_turn
from .identity import identify_document
from .leases import die_with
from .parsecode import fingerprint
from .records import DocumentLimits, ItemUpdate, Kind, Label
from .sanitize import html_to_text, plain_text
from .tagging import Specialty, Tagger, specialties_from_config


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
    limits: DocumentLimits = field(default_factory=DocumentLimits)  # kept of the document

    def digest(self, *, besides: object = None) -> str:
        """The same digest, the same items: a refresh need not prepare a body whose digest
        is the one its source last stored.

        The body's bytes, and everything else that decides what ``prepare`` makes of
        them (where they came from, the source's kind, label and tags, the
        vocabulary, the caps, and the code and libraries that do it: the
        ``parsecode.fingerprint``, so that a parser fixed reaches every source at its
        next fetch, with no version to remember to raise), but not the clock: ``now``
        dates what is new, which the same bytes do not bring, and opens a calendar's
        window of occurrences, which ``store.series`` moves along between reads.
        ``besides``: what else a read of the body does that the bytes alone do not
        decide (the hub it subscribes to, ``refresh.Refresher._hub``).
        """
        how = (fingerprint(), self.source_id, self.kind, self.label,
               self.source_tags, self.specialties, self.url, self.content_type,
               self.limits, besides)  # fmt: skip
        head = repr(how).encode()
        digest = hashlib.sha256(len(head).to_bytes(8, "big") + head)  # where the body begins
        digest.update(self.body)
        return digest.hexdigest()


@dataclass(frozen=True)
class Prepared:
    updates: tuple[ItemUpdate, ...]
    warnings: tuple[str, ...]
    signatures: tuple[Signature, ...] = ()  # near-duplicate features, one per update


def prepare(job: PrepareJob) -> Prepared:
    """Parse a fetched body into items ready to store (runs in a worker process)."""
    from .parse import parse_document  # feedparser, icalendar: a refresh that parses in a pool

    feed = parse_document(
        job.body,
        url=job.url,
        content_type=job.content_type,
        kind=job.kind,
        now=job.now,
        limits=job.limits,
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


_WARM_URL = "https://example.org/"
_WARM_UP = (
    b"<rss version='2.0'><channel><title>w</title><item><title>w</title></item></channel></rss>"
)
_started_together: Barrier | None = None  # ``start_worker``


def warm_up() -> None:
    """Each worker's first job (``refresh.PoolOnDemand``): a first document prepared, which
    loads what the first one loads (the parsers, the word lists: over a second on a busy
    machine), so that a parse's deadline counts only its own work, and leaves it out of
    the collector's later collections (``gc.freeze``). The workers wait for
    each other here, so that each takes one of these jobs."""
    now = datetime.now(UTC)
    vocabulary = specialties_from_config(None)  # the built-in one: its tagger loads tables
    job = PrepareJob(
        "warm-up", Kind.NEWS, Label.NEWS, (), vocabulary, _WARM_UP, _WARM_URL, None, now
    )
    prepare(job)
    # What is loaded by now (the parsers, the word lists, the drug table) lasts as long
    # as the worker: the collector's full collections need not walk it again.
    gc.freeze()
    if _started_together is not None:
        with suppress(BrokenBarrierError):
            _started_together.wait(timeout=60)


@lru_cache(maxsize=4)
def _tagger(specialties: tuple[Specialty, ...]) -> Tagger:
    return Tagger(specialties)


def start_worker(
    holder: str, tables: AbstractContextManager[object], together: Barrier | None = None
) -> None:
    """A parse worker exits with its parent, leaves Ctrl-C to it, and derives the drug
    table and the word list while holding ``tables``, a lock the pool's workers share
    (``derived.read_in_turn``).

    Ctrl-C reaches the whole process group: the parent stops the pool; a
    worker printing its own KeyboardInterrupt traceback would only add noise.
    """
    global _started_together
    _started_together = together
    die_with(holder)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    read_in_turn(tables)
