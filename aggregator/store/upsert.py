"""Dialect-aware ``INSERT ... ON CONFLICT DO NOTHING``, the one write primitive for links.

Both SQLite and PostgreSQL support it; using it means a concurrent writer that
got there first is not an error, and the unique constraint decides. ``chunks``
splits the ``IN`` lists of batched lookups under SQLite's parameter limit.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, TypeVar, cast

from sqlalchemy import Executable, FromClause
from sqlalchemy.orm import Session

CHUNK = 400  # stays under SQLite's bound-parameter limit
T = TypeVar("T")


def chunks(values: Sequence[T]) -> Iterable[Sequence[T]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def insert_ignore(session: Session, table: FromClause, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    name = "postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"
    session.execute(_insert_ignoring(name, table), rows)


@lru_cache(maxsize=64)
def _insert_ignoring(dialect: str, table: FromClause) -> Executable:
    """The statement for ``table``, built once: a first pass writes links, tags and
    citations this way for every source, and built it again at each call.

    Each dialect's module is imported on first use: a SQLite site never pays
    for loading the PostgreSQL dialect at start.
    """
    module: Any = importlib.import_module(f"sqlalchemy.dialects.{dialect}")
    return cast(Executable, module.insert(table).on_conflict_do_nothing())
