"""What the database says about the service's health: the figures ``/metrics`` and
``/readyz`` read at request time.

These are states, not events: how many sources are backing off, when each last
succeeded, how large the database is, how many stories it holds, when the last
refresh pass ended. Reading them from the database (rather than counting in
one process) makes them right whichever process or machine did the work.
Only reads, apart from ``mark_pass``; nothing here decides what is healthy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from . import meta
from .models import Item, Meta, Source

LAST_PASS = "last_pass"  # meta key: when the newest refresh pass ended (ISO 8601 UTC)


@dataclass(frozen=True)
class SourceVitals:
    id: str
    kind: str
    enabled: bool
    backing_off: bool
    consecutive_failures: int
    last_success_at: datetime | None
    stopped: bool = False  # enabled in the config, but its server said it is gone (HTTP 410)


@dataclass(frozen=True)
class Vitals:
    sources: tuple[SourceVitals, ...]
    items: int
    stories: int
    database_bytes: int | None
    last_pass_at: datetime | None
    # The earliest next fetch of a source that is fetched at all: before it, no pass is
    # owed (every source may be waiting on its interval, Cache-Control or Retry-After).
    next_due_at: datetime | None = None


def vitals(session: Session) -> Vitals:
    rows = session.execute(
        select(
            Source.id,
            Source.kind,
            Source.enabled,
            Source.disabled_reason,
            Source.consecutive_failures,
            Source.last_success_at,
        )
        .where(Source.in_config.is_(True))
        .order_by(Source.id)
    )
    sources = tuple(_source(row) for row in rows)
    items = session.scalar(select(func.count()).select_from(Item)) or 0
    # A story is shown by exactly one item, its representative (ix_items_stream).
    stories = session.scalar(select(func.count()).where(Item.is_representative.is_(True))) or 0
    return Vitals(
        sources=sources,
        items=int(items),
        stories=int(stories),
        database_bytes=database_bytes(session),
        last_pass_at=last_pass_at(session),
        next_due_at=session.scalar(
            select(func.min(Source.next_fetch_at)).where(
                Source.in_config.is_(True),
                Source.enabled.is_(True),
                Source.disabled_reason.is_(None),
            )
        ),
    )


def _source(row: Any) -> SourceVitals:
    active = bool(row.enabled) and row.disabled_reason is None
    return SourceVitals(
        id=row.id,
        kind=row.kind,
        enabled=active,
        backing_off=active and row.consecutive_failures > 0,
        consecutive_failures=row.consecutive_failures,
        last_success_at=row.last_success_at,
        stopped=bool(row.enabled) and row.disabled_reason is not None,
    )


def last_pass_at(session: Session) -> datetime | None:
    row = session.execute(select(Meta.changed_at).where(Meta.key == LAST_PASS)).first()
    return None if row is None else row.changed_at


def mark_pass(session: Session, now: datetime) -> None:
    """Record that a refresh pass ended at ``now`` (an upsert of one meta row)."""
    meta.put(session, LAST_PASS, now.isoformat(), now)


def database_bytes(session: Session) -> int | None:
    """The database's size on disk: SQLite pages in use, PostgreSQL's database size."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        pages = session.execute(text("PRAGMA page_count")).scalar_one()
        size = session.execute(text("PRAGMA page_size")).scalar_one()
        return int(pages) * int(size)
    if dialect == "postgresql":
        size = session.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        return int(size)
    return None
