"""Dialect-aware ``INSERT ... ON CONFLICT DO NOTHING``, the one write primitive for links.

Both SQLite and PostgreSQL support it; using it means a concurrent writer that
got there first is not an error, and the unique constraint decides.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import FromClause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, table: FromClause, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    session.execute(module.insert(table).on_conflict_do_nothing(), rows)
