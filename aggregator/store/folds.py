"""Join stored items that an identifier arriving late names twice (dedup layer 3).

An item's copies may bring a DOI, PMID or video id after it was stored (a
journal adds the DOI to its entry), when another item already holds it: the
identifier table keeps it with that item (``ingest._add_identifiers``). Once a
batch is written, ``join_late_identifiers`` finds such pairs, reads what
``aggregator.latejoin`` weighs (owners, sources, identifiers), and applies its
folds: the absorbed item's links and identifiers move to the kept item, its
tags are merged in, it leaves its story (``stories.detach``) and is deleted.
Its id, the public name of its page, API answer and feed entry, then leads to the
kept item (``merged_items``: the web answers it with a 301), as do the ids merged
into it before. The kept item already shows the preferred copy's text (it is the
one whose owner ranks first), so nothing is rewritten. Its flags ("retracted" among
them) are merged into the kept item's, and so are an editor's story corrections naming
it (``latejoin.carry_corrections``: those it cannot take, ``Joined.dropped``, ``db fold``
prints); what the absorbed item alone had goes with it: its full text. ``fold_stored``
finds the same pairs among the stored items, by the identifiers their own copies gave:
those a database stored twice before late identifiers were joined (``medfeed db fold``,
``Store.fold_identified``).

It decides nothing itself, and runs inside ingest's transaction, after the
batch's rows: on PostgreSQL with the story lock and the two items locked, in
id order, before anything is read.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from ..identity import identifier_keys
from ..latejoin import Fold, Holder, carry_corrections, folds
from ..reconcile import TAG_LENGTH
from ..records import DroppedCorrection, ItemUpdate
from . import itemids, sameurl, search, stories
from .models import Item, ItemIdentifier, ItemSource, ItemTag, MergedItem
from .owners import read_owners
from .upsert import chunks, insert_ignore

_KEYS: BindParameter[Any] = bindparam("keys", expanding=True)
_HOLDING = select(ItemIdentifier.identifier, ItemIdentifier.item_id).where(
    ItemIdentifier.identifier.in_(_KEYS)
)
_HELD_BY = select(ItemIdentifier.item_id, ItemIdentifier.identifier).where(
    ItemIdentifier.item_id.in_(_KEYS)
)
log = logging.getLogger(__name__)

_CARRIERS = select(ItemSource.item_id, ItemSource.source_id).where(ItemSource.item_id.in_(_KEYS))
_CITED = (Item.doi, Item.pmid, Item.pmcid)  # what the article cites it by
_TRIALS = select(Item.id, Item.nct).where(Item.id.in_(_KEYS))
_OWN_IDENTIFIERS = (Item.id, *_CITED, Item.video_provider, Item.video_id)
_OWN = select(*_OWN_IDENTIFIERS).where(Item.id.in_(_KEYS))


def join_late_identifiers(
    session: Session, carried: Sequence[tuple[int, ItemUpdate]], now: datetime
) -> dict[int, int]:
    """Fold the items that the identifiers ``carried`` (item id, entry) name twice; returns
    each absorbed item's id and the id of the item it is now part of.

    A refresh has no editor watching, so the story corrections a fold drops are logged:
    the log is where the editor learns to make one again."""
    wanted: dict[int, set[str]] = {}
    for item_id, entry in carried:
        wanted.setdefault(item_id, set()).update(entry.identity.identifiers)
    joined = _join(session, wanted, now)[0]
    for dropped in joined.dropped:
        log.warning("%s (a refresh merged the items)", dropped.describe())
    return joined.into


@dataclass(frozen=True)
class Joined:
    """What a join did: each absorbed item's id and the id of the item it is now part of,
    and the pairs naming one identifier that stay two items (``latejoin.joinable``), and
    the editors' story corrections that went with the items absorbed, as made, and why."""

    into: dict[int, int] = field(default_factory=dict)
    apart: list[tuple[int, int]] = field(default_factory=list)
    dropped: list[DroppedCorrection] = field(default_factory=list)


def _join(
    session: Session,
    wanted: Mapping[int, Collection[str]],
    now: datetime,
    most: int | None = None,
) -> tuple[Joined, bool]:
    """Fold the items that ``wanted`` (item id: identifiers it carries) and the identifier
    table name twice, no more than ``most`` of them; and whether every fold was applied.

    Folds cut short report no pair left apart: pairs not yet folded are not apart, and
    the next call, which reads them again, decides them."""
    held = _holders(session, sorted({i for ids in wanted.values() for i in ids}))
    pairs = sorted(
        {
            (item_id, held[identifier])
            for item_id, ids in wanted.items()
            for identifier in ids
            if held.get(identifier, item_id) != item_id
        }
    )
    if not pairs:
        return Joined(), True
    ids = sorted({item_id for pair in pairs for item_id in pair})
    _lock(session, ids)
    holders = _read_holders(session, ids, wanted)
    pairs = [pair for pair in pairs if pair[0] in holders and pair[1] in holders]
    planned = folds(pairs, holders)
    into: dict[int, int] = {}
    dropped: list[DroppedCorrection] = []
    for fold in planned[:most]:
        dropped += _fold(session, fold, now)
        into[fold.absorbed] = fold.kept
        into.update({a: fold.kept for a, kept in into.items() if kept == fold.absorbed})
    if most is not None and len(planned) > most:
        return Joined(into, dropped=dropped), False
    return Joined(into, still_apart(pairs, into), dropped), True


def still_apart(pairs: Sequence[tuple[int, int]], into: Mapping[int, int]) -> list[tuple[int, int]]:
    """The pairs still two items, named by the ids they have now (an item of a pair left
    apart may have been merged into a third): each once, in order."""
    apart: dict[tuple[int, int], None] = {}
    for a, b in pairs:
        kept = (into.get(a, a), into.get(b, b))
        if kept[0] != kept[1]:
            apart[kept] = None
    return list(apart)


def fold_stored(
    session: Session, after: int, limit: int, most: int, now: datetime
) -> tuple[int, Joined]:
    """Fold the items of the next ``limit`` ids above ``after`` whose own identifiers
    (DOI, PMID, PMCID and video id in their columns: their owner's copy's) another item
    holds: items stored twice before identifiers arriving late were joined (``medfeed db
    fold``). No more than ``most`` folds, so that a transaction stays short beside a
    refresh. Returns the last id read and what was joined: ``after`` when none is left,
    or when folds remain among these ids (the next call reads them again).

    Only the owner's copy's identifiers are stored with an item: one another copy of
    it carried, and the identifier table did not take, waits for that copy's next change.
    """
    rows = session.execute(
        select(*_OWN_IDENTIFIERS).where(Item.id > after).order_by(Item.id).limit(limit)
    ).all()
    if not rows:
        return after, Joined()
    wanted = {row.id: _own_keys(row) for row in rows}
    _claim_unheld(session, wanted)
    joined, complete = _join(session, {i: keys for i, keys in wanted.items() if keys}, now, most)
    return (rows[-1].id if complete else after), joined


def _claim_unheld(session: Session, wanted: Mapping[int, Collection[str]]) -> None:
    """Store each identifier no item holds with the lowest id showing it, as ingest
    would have: the item holding it may have been deleted by retention (its rows went
    with it) while two items that gained it late still show it, and pairs are found
    only through the identifier table. One already held is left as it is."""
    rows = [
        {"identifier": identifier, "item_id": item_id}
        for item_id in sorted(wanted)
        for identifier in sorted(wanted[item_id])
    ]
    insert_ignore(session, ItemIdentifier.__table__, rows)


def _own_keys(row: Any) -> frozenset[str]:
    """The identifier keys an item's own columns (``_OWN_IDENTIFIERS``) show."""
    return frozenset(
        identifier_keys(
            doi=row.doi,
            pmid=row.pmid,
            pmcid=row.pmcid,
            video_provider=row.video_provider,
            video_id=row.video_id,
        )
    )


def _holders(session: Session, identifiers: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(identifiers):
        rows = session.execute(_HOLDING, {"keys": list(chunk)})
        found.update({identifier: item_id for identifier, item_id in rows})
    return found


def _lock(session: Session, item_ids: Sequence[int]) -> None:
    """On PostgreSQL: the story lock (a fold moves items out of stories), then the items,
    in id order, as every writer of stories and items takes them (``ingest._decide_locked``).
    A concurrent link to an item being absorbed then waits, and fails on its deletion."""
    if session.get_bind().dialect.name != "postgresql":
        return
    stories.lock_stories(session)
    query = select(Item.id).where(Item.id.in_(item_ids)).order_by(Item.id).with_for_update()
    session.execute(query)


def _read_holders(
    session: Session, item_ids: Sequence[int], wanted: Mapping[int, Collection[str]]
) -> dict[int, Holder]:
    """Each item's owner, sources and identifiers: those it holds, its NCT numbers, those
    its copies carry that another item holds, and those its own columns show. The columns
    matter for an item outside ``wanted``: stored twice, it shows a PMID another item
    holds, and without it two items whose PMIDs differ would be joined (``db fold`` reads
    one batch at a time, and the holder of an identifier may be in another)."""
    owners = read_owners(session, item_ids)
    sources: dict[int, set[str]] = {item_id: set() for item_id in owners}
    known: dict[int, set[str]] = {item_id: set(wanted.get(item_id, ())) for item_id in owners}
    for chunk in chunks(list(owners)):
        keys = {"keys": list(chunk)}
        for item_id, source_id in session.execute(_CARRIERS, keys):
            sources[item_id].add(source_id)
        for item_id, identifier in session.execute(_HELD_BY, keys):
            known[item_id].add(identifier)
        for item_id, trials in session.execute(_TRIALS, keys):
            known[item_id].update(f"nct:{number.upper()}" for number in trials or ())
        for row in session.execute(_OWN, keys):
            known[row.id].update(_own_keys(row))
    return {
        item_id: Holder(item_id, owner, frozenset(sources[item_id]), frozenset(known[item_id]))
        for item_id, owner in owners.items()
    }


def _fold(session: Session, fold: Fold, now: datetime) -> list[DroppedCorrection]:
    """Move ``fold.absorbed``'s links, identifiers, tags and story corrections to
    ``fold.kept``; delete it. Returns the story corrections dropped, as made: its
    deletion takes those naming it with it."""
    connection = session.connection()
    kept, absorbed = fold.kept, fold.absorbed
    corrections = carry_corrections(
        fold,
        stories.corrections(session, naming=absorbed),
        stories.corrections(session, naming=kept),
    )
    stories.correct(session, corrections.kept, (), now)
    sameurl.spell_out_links(connection, [absorbed])  # its links' URL was the absorbed item's
    for table in (ItemSource, ItemIdentifier):
        session.execute(
            update(table).where(table.item_id == absorbed).values(item_id=kept),
            execution_options={"synchronize_session": False},
        )
    _merge_into(session, kept, absorbed, now)
    stories.detach(session, [absorbed])
    _lead_to(session, kept, absorbed, now)
    itemids.remember_deleted(connection, [absorbed], now)
    session.execute(
        delete(Item).where(Item.id == absorbed), execution_options={"synchronize_session": False}
    )
    sameurl.fold_links(connection, [kept])
    return corrections.dropped


def _lead_to(session: Session, kept: int, absorbed: int, now: datetime) -> None:
    """The absorbed item's id, and the ids merged into it before, name ``kept`` from now on.

    Re-pointed here rather than followed at read time, so that a link to an id merged
    twice is one lookup; and before the deletion, which would cascade to those rows."""
    session.execute(
        update(MergedItem).where(MergedItem.item_id == absorbed).values(item_id=kept),
        execution_options={"synchronize_session": False},
    )
    session.execute(insert(MergedItem).values(id=absorbed, item_id=kept, merged_at=now))


def _merge_into(session: Session, kept: int, absorbed: int, now: datetime) -> None:
    """The kept item takes the absorbed one's tags and flags (merged, as a duplicate's
    are), its first sighting, the earlier of the two, and the DOI, PMID or PMCID it lacks:
    the article shows them, and search finds the item by them (``search.DETAILS``).

    The flags above all: the absorbed copy may be the one a retraction notice was matched
    to, and nothing checks the citations again until the notice or the article is next
    written, so a kept item without them would show a retracted paper as sound."""
    rows = {
        row.id: row
        for row in session.execute(
            select(Item.id, Item.tags, Item.flags, Item.first_seen_at, *_CITED).where(
                Item.id.in_((kept, absorbed))
            )
        )
    }
    kept_row, absorbed_row = rows[kept], rows[absorbed]
    values: dict[str, object] = {
        "changed_at": now,
        "first_seen_at": min(kept_row.first_seen_at, absorbed_row.first_seen_at),
    }
    values |= {
        column.key: getattr(absorbed_row, column.key)
        for column in _CITED
        if getattr(kept_row, column.key) is None and getattr(absorbed_row, column.key) is not None
    }
    kept_flags = list(kept_row.flags or ())
    gained = [flag for flag in absorbed_row.flags or () if flag not in kept_flags]
    if gained:  # as ``citations._add_flags`` writes a flag
        values |= {"flags": kept_flags + gained, "revised_at": now}
    kept_tags, absorbed_tags = kept_row.tags, absorbed_row.tags
    if not set(absorbed_tags) <= set(kept_tags):
        values["tags"] = sorted(set(kept_tags) | set(absorbed_tags))
        insert_ignore(
            session,
            ItemTag.__table__,
            [{"item_id": kept, "tag": tag[:TAG_LENGTH]} for tag in absorbed_tags],
        )
    indexed = any(column.key in values for column in _CITED)
    if indexed:  # SQLite's index reads the old words back from the columns to drop them
        search.unindex(session.connection(), [kept])
    session.execute(
        update(Item).where(Item.id == kept).values(values),
        execution_options={"synchronize_session": False},
    )
    if indexed:
        search.index_stored(session.connection(), [kept])
