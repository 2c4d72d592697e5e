"""Read whose copy stored items show: their ``reconcile.Owner``.

Ingest reads them to decide claims (``aggregator.store.ingest``), and a late
identifier's join to decide which of two items stays (``aggregator.store.folds``).
It writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, not_, select
from sqlalchemy.orm import Session

from ..reconcile import Owner
from .models import Item, Source
from .upsert import chunks

_RETIRED = select(not_(Source.in_config)).where(Source.id == Item.source_id).scalar_subquery()
OWNER_COLUMNS = (Item.source_id, Item.guid_key, Item.label, Item.kind, _RETIRED)  # ``Owner``'s
_OWNERS = select(Item.id, *OWNER_COLUMNS).where(Item.id.in_(bindparam("keys", expanding=True)))


def read_owners(session: Session, item_ids: Sequence[int]) -> dict[int, Owner]:
    """Whose copy these items show (``reconcile.Owner``), by item id."""
    found: dict[int, Owner] = {}
    for chunk in chunks(item_ids):
        rows = session.execute(_OWNERS, {"keys": list(chunk)})
        found.update({item_id: Owner(*owner) for item_id, *owner in rows})
    return found
