"""The ``meta`` table's small shared values (data generation, story sequence, last pass).

They are written in every refresh and every story pass, so each is one statement
on the table rather than an ORM load, an identity-map object and a flush.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, Text, Update, cast, delete, select, update
from sqlalchemy.orm import Session

from aggregator.store.models import Base, Meta
from aggregator.store.upsert import insert_ignore

_META = Base.metadata.tables["meta"]


def read(session: Session, *keys: str) -> dict[str, str]:
    """The stored values of ``keys`` (absent keys are left out), in one query."""
    rows = session.execute(select(Meta.key, Meta.value).where(Meta.key.in_(keys)))
    return {key: value for key, value in rows}


def put(session: Session, key: str, value: str, now: datetime) -> None:
    """Set ``key`` to ``value`` (an update, or an insert the first time)."""
    statement = update(_META).where(_META.c.key == key).values(value=value, changed_at=now)
    _update_or_create(session, statement, key, value, now)


def bump(session: Session, key: str, now: datetime) -> None:
    """Add one to the counter ``key`` in the database itself, so that concurrent
    writers each count (starting at 1)."""
    statement = (
        update(_META)
        .where(_META.c.key == key)
        .values(value=cast(cast(_META.c.value, Integer) + 1, Text), changed_at=now)
    )
    _update_or_create(session, statement, key, "0", now)


def _update_or_create(
    session: Session, statement: Update, key: str, initial: str, now: datetime
) -> None:
    """Run ``statement`` on the row of ``key``, creating it with ``initial`` first if it is
    missing. Two processes can both find it missing (a new database): the second insert
    is ignored, and both updates apply (a plain insert made the second process fail)."""
    if session.execute(statement).rowcount:  # type: ignore[attr-defined]
        return
    insert_ignore(session, _META, [{"key": key, "value": initial, "changed_at": now}])
    session.execute(statement)


def remove(session: Session, key: str) -> None:
    session.execute(delete(_META).where(_META.c.key == key))
