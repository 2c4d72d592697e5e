"""The ``meta`` table's small shared values (data generation, story sequence, last pass).

They are written in every refresh and every story pass, so each is one statement
on the table rather than an ORM load, an identity-map object and a flush.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, Text, cast, delete, insert, select, update
from sqlalchemy.orm import Session

from aggregator.store.models import Base, Meta

_META = Base.metadata.tables["meta"]


def read(session: Session, *keys: str) -> dict[str, str]:
    """The stored values of ``keys`` (absent keys are left out), in one query."""
    rows = session.execute(select(Meta.key, Meta.value).where(Meta.key.in_(keys)))
    return {key: value for key, value in rows}


def put(session: Session, key: str, value: str, now: datetime) -> None:
    """Set ``key`` to ``value`` (an update, or an insert the first time)."""
    changed = session.execute(
        update(_META).where(_META.c.key == key).values(value=value, changed_at=now)
    )
    if not changed.rowcount:  # type: ignore[attr-defined]
        session.execute(insert(_META).values(key=key, value=value, changed_at=now))


def bump(session: Session, key: str, now: datetime) -> None:
    """Add one to the counter ``key`` in the database itself, so that concurrent
    writers each count (starting at 1)."""
    changed = session.execute(
        update(_META)
        .where(_META.c.key == key)
        .values(value=cast(cast(_META.c.value, Integer) + 1, Text), changed_at=now)
    )
    if not changed.rowcount:  # type: ignore[attr-defined]
        session.execute(insert(_META).values(key=key, value="1", changed_at=now))


def remove(session: Session, key: str) -> None:
    session.execute(delete(_META).where(_META.c.key == key))
