"""Read whose copy stored items show: their ``reconcile.Owner``.

Ingest reads them to decide claims (``aggregator.store.ingest``), and a late
identifier's join to decide which of two items stays (``aggregator.store.folds``).
It writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, bindparam, not_, select
from sqlalchemy.orm import Session

from ..reconcile import Owner
from ..records import Kind
from .models import Item, Source
from .upsert import chunks

_RETIRED = select(not_(Source.in_config)).where(Source.id == Item.source_id).scalar_subquery()
# ``reconcile.is_video_copy`` over the owner's copy, which the item's columns hold.
_VIDEO_COPY = and_(
    Item.kind == Kind.VIDEO.value, Item.doi.is_(None), Item.pmid.is_(None), Item.pmcid.is_(None)
)
OWNER_COLUMNS = (  # ``Owner``'s
    Item.source_id,
    Item.guid_key,
    Item.label,
    Item.kind,
    _RETIRED,
    _VIDEO_COPY,
)
_OWNERS = select(Item.id, *OWNER_COLUMNS).where(Item.id.in_(bindparam("keys", expanding=True)))


def read_owners(session: Session, item_ids: Sequence[int]) -> dict[int, Owner]:
    """Whose copy these items show (``reconcile.Owner``), by item id."""
    found: dict[int, Owner] = {}
    for chunk in chunks(item_ids):
        rows = session.execute(_OWNERS, {"keys": list(chunk)})
        found.update({item_id: Owner(*owner) for item_id, *owner in rows})
    return found
