"""Read queries for the web site and the API: items and stories as ``StoredItem`` records.

Owned by the web layer's needs; every query here is a fixed number of SQL
statements whatever the number of items, backed by the indexes in ``models``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker


class Reads:
    """Mixed into ``Store``: the read side of the facade."""

    _sessions: sessionmaker[Session]
