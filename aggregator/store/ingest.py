"""Write one source's parsed entries as items: dedup layers 1-3, in one transaction.

Layer 1: the same (source, guid key) is the same item, updated in place when its
content hash changed. Layer 2: the same canonical URL from any source is the same
item with one more source. Layer 3: the same DOI / PMID / video id likewise.
Lookups are batched per feed; every uniqueness decision is finally the database's
(named unique constraints), so a concurrent refresh that inserted first turns
our insert into a link, never into a second row. The DOIs each item cites are
written with it, and retraction / erratum notices mark the articles they name
(``aggregator.store.citations``). Its full-text index row is written with it
too (``aggregator.store.search``), so an item is searchable exactly when it is
visible. Near-duplicate stories (layer 4) are assigned afterwards by
``aggregator.store.stories``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..dating import FROM_SOURCE, date_new_item, last_end, source_date
from ..records import EventInfo, ItemUpdate
from ..sanitize import word_count
from . import search
from .citations import mark_noticed, set_citations
from .models import Base, Item, ItemIdentifier, ItemSource, ItemTag
from .retention import forget_known
from .upsert import chunks, insert_ignore

_ITEMS = Base.metadata.tables["items"]
_INSERT_ITEM = insert(_ITEMS).returning(_ITEMS.c.id)
_INSERT_LINK = insert(Base.metadata.tables["item_sources"])


@dataclass
class IngestResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    touched: list[int] = field(default_factory=list)  # items inserted or changed: re-cluster these
    flagged: int = 0  # retracted / corrected / expression-of-concern marks added


def ingest(
    session: Session, source_id: str, updates: Sequence[ItemUpdate], now: datetime
) -> IngestResult:
    result = IngestResult()
    batch = _unique_by_guid(updates)
    # Entries retention purged stay purged: they are neither new nor updated.
    purged = forget_known(session, source_id, [u.identity.guid_key for u in batch], now)
    if purged:
        batch = [u for u in batch if u.identity.guid_key not in purged]
        result.unchanged += len(purged)
    links = _existing_links(session, source_id, [u.identity.guid_key for u in batch])
    fresh: list[ItemUpdate] = []
    written: list[tuple[int, ItemUpdate]] = []  # rows whose content this feed wrote
    for update_ in batch:
        link = links.get(update_.identity.guid_key)
        if link is None:
            fresh.append(update_)
        elif link[1] == update_.identity.content_hash:
            result.unchanged += 1
        else:
            if _update_in_place(session, link[0], update_, now):
                written.append((link[0], update_))
            result.updated += 1
            result.touched.append(link[0])
    known = _find_known(session, fresh)
    for update_ in fresh:
        item_id = _match(known, update_)
        if item_id is None:
            item_id = _insert_item(session, update_, now)
            if item_id is not None:
                result.touched.append(item_id)
                result.new += 1
                known.remember(update_, item_id)
                written.append((item_id, update_))
                continue
            # Someone else inserted it between our lookup and our insert.
            item_id = _match(_find_known(session, [update_]), update_)
            if item_id is None:
                raise RuntimeError("item vanished after a unique-constraint conflict")
        _link(session, item_id, update_, now)
        known.remember(update_, item_id)
        result.new += 1
    result.flagged = mark_noticed(session, written, now)
    search.index_items(
        session.connection(),
        [
            search.index_row(i, u.item.title[:2000], u.item.summary, u.item.content)
            for i, u in written
        ],
    )
    return result


def _unique_by_guid(updates: Sequence[ItemUpdate]) -> list[ItemUpdate]:
    """A feed that repeats a guid keeps its first entry, as readers do."""
    seen: set[str] = set()
    unique = []
    for update_ in updates:
        if update_.identity.guid_key not in seen:
            seen.add(update_.identity.guid_key)
            unique.append(update_)
    return unique


def _existing_links(
    session: Session, source_id: str, keys: Sequence[str]
) -> dict[str, tuple[int, str]]:
    links: dict[str, tuple[int, str]] = {}
    for chunk in chunks(keys):
        rows = session.execute(
            select(ItemSource.guid_key, ItemSource.item_id, ItemSource.content_hash).where(
                ItemSource.source_id == source_id, ItemSource.guid_key.in_(chunk)
            )
        )
        links.update({key: (item_id, digest) for key, item_id, digest in rows})
    return links


@dataclass
class _Known:
    by_url: dict[str, int] = field(default_factory=dict)
    by_identifier: dict[str, int] = field(default_factory=dict)

    def remember(self, update_: ItemUpdate, item_id: int) -> None:
        if update_.identity.canonical_url:
            self.by_url.setdefault(update_.identity.canonical_url, item_id)
        for identifier in update_.identity.identifiers:
            self.by_identifier.setdefault(identifier, item_id)


def _find_known(session: Session, updates: Sequence[ItemUpdate]) -> _Known:
    known = _Known()
    urls = sorted({u.identity.canonical_url for u in updates if u.identity.canonical_url})
    identifiers = sorted({i for u in updates for i in u.identity.identifiers})
    for chunk in chunks(urls):
        rows = session.execute(
            select(Item.canonical_url, Item.id).where(Item.canonical_url.in_(chunk))
        )
        known.by_url.update({url: item_id for url, item_id in rows if url})
    for chunk in chunks(identifiers):
        rows = session.execute(
            select(ItemIdentifier.identifier, ItemIdentifier.item_id).where(
                ItemIdentifier.identifier.in_(chunk)
            )
        )
        known.by_identifier.update({key: item_id for key, item_id in rows if key})
    return known


def _match(known: _Known, update_: ItemUpdate) -> int | None:
    url = update_.identity.canonical_url
    if url and url in known.by_url:
        return known.by_url[url]
    for identifier in update_.identity.identifiers:
        if identifier in known.by_identifier:
            return known.by_identifier[identifier]
    return None


def _insert_item(session: Session, update_: ItemUpdate, now: datetime) -> int | None:
    """Insert a new item with its link, identifiers and tags; None if it already exists."""
    dating = date_new_item(update_.item, now)
    values = {
        **_content_values(update_),
        "kind": update_.kind.value,
        "source_id": update_.source_id,
        "guid_key": update_.identity.guid_key,
        "published": dating.published,
        "published_from": dating.published_from,
        "in_stream": dating.in_stream,
        "first_seen_at": now,
        "changed_at": now,
        "story_id": None,
        "is_representative": True,
    }
    try:
        with session.begin_nested():
            # Core statements with bound parameters: the statement is compiled once
            # and cached, where ``.values(**row)`` would be rebuilt for every item.
            item_id = session.execute(_INSERT_ITEM, values).scalar_one()
            session.execute(
                _INSERT_LINK,
                {
                    "item_id": item_id,
                    "source_id": update_.source_id,
                    "guid_key": update_.identity.guid_key,
                    "url": update_.item.url,
                    "content_hash": update_.identity.content_hash,
                    "first_seen_at": now,
                },
            )
    except IntegrityError:
        return None
    _add_identifiers(session, item_id, update_)
    _set_tags(session, item_id, update_.tags)
    set_citations(session, item_id, _cites(update_))
    return item_id


def _link(session: Session, item_id: int, update_: ItemUpdate, now: datetime) -> None:
    """Record that one more source carried an existing item (the "also from" list)."""
    insert_ignore(
        session,
        ItemSource.__table__,
        [
            {
                "item_id": item_id,
                "source_id": update_.source_id,
                "guid_key": update_.identity.guid_key,
                "url": update_.item.url,
                "content_hash": update_.identity.content_hash,
                "first_seen_at": now,
            }
        ],
    )
    _add_identifiers(session, item_id, update_)
    extra = set(update_.tags)
    if extra:
        current = set(session.scalars(select(ItemTag.tag).where(ItemTag.item_id == item_id)))
        if not extra <= current:
            merged = sorted(current | extra)
            _set_tags(session, item_id, tuple(merged))
            session.execute(
                update(Item).where(Item.id == item_id).values(tags=merged, changed_at=now)
            )


def _update_in_place(session: Session, item_id: int, update_: ItemUpdate, now: datetime) -> bool:
    """The source changed its entry: refresh the item if this source owns it, and the link.

    True when the item's own content was rewritten (this source owns it).
    """
    session.execute(
        update(ItemSource)
        .where(
            ItemSource.source_id == update_.source_id,
            ItemSource.guid_key == update_.identity.guid_key,
        )
        .values(content_hash=update_.identity.content_hash, url=update_.item.url)
    )
    owner = session.scalar(select(Item.source_id).where(Item.id == item_id))
    if owner != update_.source_id:
        return False
    values = _content_values(update_)
    published = source_date(update_.item, now)
    # An event is announced once: calendars restamp DTSTAMP on every export, and a
    # series changes each week, which must not float it back to the top of the stream.
    if published is not None and update_.item.event is None:
        values["published"] = published
        values["published_from"] = FROM_SOURCE
    try:
        with session.begin_nested():
            session.execute(update(Item).where(Item.id == item_id).values(**values, changed_at=now))
    except IntegrityError:
        # Its new URL is another item's: keep the old one rather than merge silently.
        del values["canonical_url"]
        session.execute(update(Item).where(Item.id == item_id).values(**values, changed_at=now))
    _add_identifiers(session, item_id, update_)
    _set_tags(session, item_id, update_.tags)
    set_citations(session, item_id, _cites(update_))
    return True


def _add_identifiers(session: Session, item_id: int, update_: ItemUpdate) -> None:
    rows = [{"identifier": i, "item_id": item_id} for i in update_.identity.identifiers]
    insert_ignore(session, ItemIdentifier.__table__, rows)


def _set_tags(session: Session, item_id: int, tags: Sequence[str]) -> None:
    session.execute(delete(ItemTag).where(ItemTag.item_id == item_id))
    rows = [{"item_id": item_id, "tag": tag[:64]} for tag in dict.fromkeys(tags)]
    insert_ignore(session, ItemTag.__table__, rows)


def _content_values(update_: ItemUpdate) -> dict[str, Any]:
    """Every column that comes from the feed entry itself."""
    item = update_.item
    event, video, article = item.event, item.video, item.article
    return {
        "label": update_.label.value,
        "url": item.url,
        "canonical_url": update_.identity.canonical_url,
        "title": item.title[:2000],
        "title_derived": item.title_derived,
        "summary": item.summary,
        "content": item.content,
        "author": (item.author or None) and item.author[:500],
        "updated": item.updated,
        "image": item.image,
        "tags": list(update_.tags),
        "content_hash": update_.identity.content_hash,
        "word_count": word_count(item.content or item.summary),
        "event_start": event.start if event else None,
        "event_end": last_end(event) if event else None,
        "event_rule": event.rule if event else None,
        "event_occurrences": _occurrences(event),
        "event_timezone": event.timezone if event else None,
        "event_location": event.location[:500] if event and event.location else None,
        "event_online": event.online if event else None,
        "event_url": event.url if event else None,
        "event_all_day": event.all_day if event else None,
        "video_id": video.id if video else None,
        "video_thumbnail": video.thumbnail if video else None,
        "video_duration": video.duration if video else None,
        "video_embed_url": video.embed_url if video else None,
        "video_provider": video.provider if video else None,
        "video_views": video.views if video else None,
        "doi": article.doi if article else None,
        "pmid": article.pmid if article else None,
        "pmcid": article.pmcid if article else None,
        "nct": list(article.nct) if article else [],
        "journal": article.journal if article else None,
        "authors": list(article.authors) if article else [],
        "pub_type": article.pub_type if article else None,
        "cites": list(_cites(update_)),
    }


def _occurrences(event: EventInfo | None) -> list[list[str | None]]:
    """A series' coming occurrences as JSON: [[start, end], ...] in ISO 8601 UTC."""
    if event is None:
        return []
    return [[o.start.isoformat(), o.end.isoformat() if o.end else None] for o in event.occurrences]


def _cites(update_: ItemUpdate) -> tuple[str, ...]:
    article = update_.item.article
    return article.cites if article else ()
