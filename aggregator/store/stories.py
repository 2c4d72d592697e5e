"""Persist story membership and the near-duplicate candidate index (dedup layer 4).

``assign_story`` puts one stored item into a story: it computes the item's
signature, finds earlier or later items sharing an LSH band key inside the
window (one indexed equality lookup per band on ``story_bands(band_key,
published)``, so the cost follows the number of items in the window, not the
size of the database), lets ``aggregator.dedupe`` verify them, writes
``items.story_id`` and the item's band rows, and refreshes which member of the
touched stories is the representative (``items.is_representative``).

It does not decide what a story is (``aggregator.dedupe`` does) and does not
commit: the caller's transaction covers the item and its story together.

Story ids are item ids: a story is labelled by the id of the member that
founded it. When that founding member leaves (edited into another story,
detached before deletion), the members that remain stay together and are
relabelled with the smallest id among them, so a story id always names one of
its own members and the leaving item can start a story under its own id.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from aggregator.dedupe import (
    DEFAULT_THRESHOLD,
    DEFAULT_WINDOW,
    MIN_SHARED_BANDS,
    Candidate,
    Signature,
    StoryText,
    choose_representative,
    choose_story,
    signature,
)
from aggregator.store.models import Item, StoryBand

# Which kinds can tell one story: a paper and the news about it can (the
# evaluation set labels them so), a video explainer is not the news story it
# explains, and events never cluster by text (see ``assign_story``).
STORY_KINDS = {"news": ("news", "article"), "article": ("news", "article"), "video": ("video",)}

_COLUMNS = (
    Item.id,
    Item.title,
    Item.summary,
    Item.published,
    Item.kind,
    Item.source_id,
    Item.label,
    Item.doi,
    Item.pmid,
    Item.nct,
    Item.story_id,
)


def assign_story(
    session: Session,
    item_id: int,
    *,
    window: timedelta = DEFAULT_WINDOW,
    threshold: float = DEFAULT_THRESHOLD,
) -> int:
    """Put the stored item ``item_id`` into a story and index it; returns its story id.

    Safe to re-run after the item was edited: only this item's bands and
    membership are recomputed; the rest of its former story stays together.
    """
    row = session.execute(select(*_COLUMNS).where(Item.id == item_id)).one()
    item = _story_text(row)
    sig = _signature(item.title, item.text)
    _leave_story(session, item_id, row.story_id)
    if item.kind == "conference":
        # Events are matched by page URL and date (layer 2). Two events that read
        # alike are a recurring series or an annual meeting, not one story retold.
        session.execute(update(Item).where(Item.id == item_id).values(story_id=item_id))
        _refresh_representative(session, item_id)
        return item_id
    candidates = _candidates(session, item, sig.band_keys, window)
    joined = choose_story(
        item,
        sig,
        (_candidate(other) for other in candidates),
        window=window,
        threshold=threshold,
    )
    story_id = item_id if joined is None else joined
    session.execute(update(Item).where(Item.id == item_id).values(story_id=story_id))
    if sig.band_keys:
        session.execute(
            insert(StoryBand),
            [
                {"band_key": key, "item_id": item_id, "published": item.published}
                for key in sig.band_keys
            ],
        )
    _refresh_representative(session, story_id)
    return story_id


def detach(session: Session, item_id: int) -> None:
    """Take an item out of its story and out of the candidate index (before removal or edit).

    The item becomes a story of its own; the rest of its former story stays
    together (relabelled if the item had founded it) and gets a new
    representative if the item was it.
    """
    story_id = session.execute(select(Item.story_id).where(Item.id == item_id)).scalar_one()
    _leave_story(session, item_id, story_id)
    session.execute(
        update(Item).where(Item.id == item_id).values(story_id=item_id, is_representative=True)
    )


def _leave_story(session: Session, item_id: int, story_id: int | None) -> None:
    """Drop the item's bands and hand its former story on to the members that remain."""
    session.execute(delete(StoryBand).where(StoryBand.item_id == item_id))
    if story_id is None:
        return
    others = select(Item.id).where(Item.story_id == story_id, Item.id != item_id)
    remaining = session.execute(others.order_by(Item.id)).scalars().all()
    if not remaining:
        return
    if story_id == item_id:
        story_id = remaining[0]
        session.execute(update(Item).where(Item.id.in_(remaining)).values(story_id=story_id))
    _refresh_representative(session, story_id, exclude=item_id)


def _candidates(
    session: Session, item: StoryText, band_keys: Sequence[str], window: timedelta
) -> Sequence[Any]:
    """Stored items sharing a band key with ``item`` within ``window`` of it, and the other
    members of their stories in that window (a story is joined only if none conflicts)."""
    if not band_keys:
        return ()
    matching = (
        select(StoryBand.item_id)
        .where(
            StoryBand.band_key.in_(band_keys),
            StoryBand.published >= item.published - window,
            StoryBand.published <= item.published + window,
        )
        .group_by(StoryBand.item_id)
        .having(func.count() >= MIN_SHARED_BANDS)
    )
    ids = session.execute(matching).scalars().all()
    if not ids:
        return ()
    story_ids = (
        session.execute(
            select(func.coalesce(Item.story_id, Item.id)).where(Item.id.in_(ids)).distinct()
        )
        .scalars()
        .all()
    )
    # Two indexed lookups (primary key, ix_items_story); one query with
    # ``id IN … OR story_id IN …`` makes SQLite scan the window of items.
    # The kind is filtered here, not in SQL: a condition on ``kind`` tempts
    # SQLite's planner into the (kind, …) indexes, a scan that grows with the
    # database, instead of the primary key and ix_items_story.
    in_window = (
        Item.published >= item.published - window,
        Item.published <= item.published + window,
    )
    kinds = STORY_KINDS.get(item.kind, (item.kind,))
    rows = {
        row.id: row
        for query in (
            select(*_COLUMNS).where(Item.id.in_(ids), *in_window),
            select(*_COLUMNS).where(Item.story_id.in_(story_ids), *in_window),
        )
        for row in session.execute(query)
        if row.kind in kinds
    }
    return [rows[key] for key in sorted(rows)]


def _refresh_representative(session: Session, story_id: int, exclude: int | None = None) -> None:
    """Mark the story's representative (``choose_representative``) and unmark the rest."""
    query = select(Item.id, Item.published, Item.label).where(Item.story_id == story_id)
    if exclude is not None:
        query = query.where(Item.id != exclude)
    members = session.execute(query).all()
    if not members:
        return
    representative = choose_representative(
        [StoryText(m.id, "", "", m.published, label=m.label) for m in members]
    )
    ids = [member.id for member in members]
    session.execute(
        update(Item).where(Item.id.in_(ids)).values(is_representative=Item.id == representative)
    )


class SignatureCache:
    """Signatures by (title, text), the most recent few thousand.

    A new item is compared with recent ones again and again (every candidate of
    every later item in the window): analysing each text once per process, not
    once per comparison, is most of the cost of assigning a story. The refresh
    computes new items' signatures in its parse pool and hands them in with
    ``put``, so the writer thread only looks them up.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[str, str], Signature] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, title: str, text: str, sig: Signature) -> None:
        with self._lock:
            self._entries[(title, text)] = sig
            self._entries.move_to_end((title, text))
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def get(self, title: str, text: str) -> Signature:
        with self._lock:
            found = self._entries.get((title, text))
            if found is not None:
                self._entries.move_to_end((title, text))
                return found
        sig = signature(title, text)
        self.put(title, text, sig)
        return sig


SIGNATURES = SignatureCache(8192)
_signature = SIGNATURES.get


def _candidate(row: Any) -> Candidate:
    return Candidate(
        _story_text(row), _signature(row.title, row.summary or ""), row.story_id or row.id
    )


def _story_text(row: Any) -> StoryText:
    """The dedupe view of an ``items`` row selected with ``_COLUMNS``."""
    return StoryText(
        item_id=row.id,
        title=row.title,
        text=row.summary or "",
        published=row.published,
        kind=row.kind,
        source_id=row.source_id,
        label=row.label,
        identifiers=tuple(_identifiers(row.doi, row.pmid, row.nct or ())),
    )


def _identifiers(doi: str | None, pmid: str | None, nct: Iterable[str]) -> Iterable[str]:
    if doi:
        yield f"doi:{doi}"
    if pmid:
        yield f"pmid:{pmid}"
    yield from (f"nct:{number}" for number in nct)
