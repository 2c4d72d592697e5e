"""Item ids are never given twice, on SQLite too.

An item's id is its public name: ``/items/ID``, and the id of its entry in
``/feed.atom`` and ``/feed.json`` (an item merged into another keeps answering,
with a redirect: ``models.MergedItem``). SQLite gives a new row the largest id in the
table plus one, so an item that retention deletes while it holds the largest id
would lend that id to the next item stored: a bookmark or a subscriber's reader
would then take the new item for the old one. PostgreSQL's sequence never goes
back, and the table is not declared ``AUTOINCREMENT`` on SQLite because
rebuilding ``items`` would cascade deletes to every table referring to it. So on
SQLite a deletion records the id after the largest one deleted (``meta``), and
new items are numbered from there when the table's own next id is lower.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, func, select

from .models import Base

FLOOR_KEY = "items.next_id"  # meta: no new item is numbered below this
_ITEMS = Base.metadata.tables["items"]
_META = Base.metadata.tables["meta"]
# Built once: asked before every source's new items are inserted (``first_new_id``)
_FLOOR = select(_META.c.value).where(_META.c.key == FLOOR_KEY)
_LARGEST = select(func.max(_ITEMS.c.id))


def remember_deleted(connection: Connection, ids: Iterable[int], now: datetime) -> None:
    """Deleting ``ids``: keep every later item's id above them (SQLite only)."""
    if connection.dialect.name != "sqlite":
        return
    floor = max(ids, default=0) + 1
    if floor <= (_floor(connection) or 0):
        return
    values = {"key": FLOOR_KEY, "value": str(floor), "changed_at": now}
    if connection.execute(
        _META.update().where(_META.c.key == FLOOR_KEY).values(value=values["value"], changed_at=now)
    ).rowcount:
        return
    connection.execute(_META.insert().values(values))


def first_new_id(connection: Connection) -> int | None:
    """The id to give the next new item, or None when the database's own choice is right.

    Called by the one writer holding SQLite's write lock, so the answer holds until it
    inserts."""
    if connection.dialect.name != "sqlite":
        return None
    floor = _floor(connection)
    if floor is None:
        return None
    largest = connection.execute(_LARGEST).scalar_one_or_none() or 0
    return floor if floor > largest + 1 else None


def _floor(connection: Connection) -> int | None:
    value = connection.execute(_FLOOR).scalar_one_or_none()
    return int(value) if value is not None else None
