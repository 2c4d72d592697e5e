"""Write one source's fetched batch as items: read once, decide, apply, in one transaction.

``ingest`` reads what the decisions need (``read_state``: this source's links
and purged guids, and the items the batch's canonical URLs and identifiers
already name), lets ``aggregator.reconcile`` decide what each entry is (new,
updated, unchanged, a duplicate of a stored item, purged), then writes the
intents with one multi-row statement per table (``apply``). Every uniqueness
decision is finally the database's (named unique constraints): when a
concurrent refresh inserted first, the savepoint is rolled back and the batch
is read and decided again, so its insert becomes a link, never a second row.
Likewise an item's content is rewritten only where its owner is still the one
the decision read (``_OWNED``): a concurrent claim (``reconcile.Owner``) that
committed first makes the batch read and decide again, so the preferred copy's
text stays whatever order the writers commit in. On PostgreSQL the stored
items a batch writes are locked in id order first, after the story lock
(``_decide_locked``).
The DOIs each item cites are written with it, and retraction / erratum notices
mark the articles they name (``aggregator.store.citations``). Its full-text
index row is written with it too (``aggregator.store.search``), so an item is
searchable exactly when it is visible. Last, an identifier a copy brought that
another item holds joins the two items (``aggregator.store.folds``: layer 3 for
identifiers that arrive after their item was stored). Near-duplicate stories
(layer 4) are decided afterwards by ``aggregator.storywindow``, through
``aggregator.store.stories``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    String,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from ..dating import FROM_SOURCE, last_end
from ..errors import StorageError
from ..identity import page_of
from ..reconcile import (
    TAG_LENGTH,
    Duplicate,
    Intent,
    ItemRef,
    New,
    Owner,
    Pending,
    Purged,
    StoredLink,
    StoredState,
    Unchanged,
    Updated,
    owner_of,
    reconcile,
    unique_by_guid,
)
from ..records import EventInfo, ItemUpdate, Occurrence, PlainText
from ..sanitize import plain_text
from . import folds, itemids, kindleads, retag, sameurl, search
from .citations import mark_noticed, replace_citations
from .contenttail import stored_content
from .models import Base, Item, ItemIdentifier, ItemSource, ItemTag, PurgedItem
from .owners import OWNER_COLUMNS, read_owners
from .retention import mark_still_carried
from .stories import PENDING, ItemText, NewMarks, lock_stories
from .upsert import chunks, insert_ignore

ATTEMPTS = 3  # reads and decisions of one batch, when concurrent writers keep winning
DEADLOCK = "40P01"  # PostgreSQL's SQLSTATE for "deadlock detected"
TITLE_LENGTH = 2000  # characters of a title stored (and indexed)
_ITEMS = Base.metadata.tables["items"]
_LINKS = Base.metadata.tables["item_sources"]
# One multi-row statement: each id comes back with its row's unique key (``_insert_items``).
_INSERT_ITEMS = insert(_ITEMS).returning(_ITEMS.c.source_id, _ITEMS.c.guid_key, _ITEMS.c.id)
_REWRITE_LINK = (
    update(_LINKS)
    .where(_LINKS.c.source_id == bindparam("b_source"), _LINKS.c.guid_key == bindparam("b_key"))
    .values(
        content_hash=bindparam("content_hash"),
        url=bindparam("url"),
        canonical_url=bindparam("canonical_url"),
    )
)
# The link of an entry whose URL its feed now shares names no item either (``_free_urls``).
_FREE_LINK_URL = (
    update(_LINKS)
    .where(
        _LINKS.c.source_id == bindparam("b_owner"), _LINKS.c.guid_key == bindparam("b_owner_key")
    )
    .values(canonical_url=sameurl.NONE)
)
_BY_ID = update(_ITEMS).where(_ITEMS.c.id == bindparam("b_id"))
_LIMITS = {
    column.name: column.type.length
    for column in _ITEMS.columns
    if isinstance(column.type, String)
    and column.type.length
    # identity and links are bounded where they are made (``identity``, ``parse``)
    and column.name not in {"guid_key", "canonical_url", "url"}
}
_PROSE = frozenset({"author", "event_location", "journal", "pub_type"})
# A content rewrite: only while the item's owner is the one the decision read.
_OWNED = _BY_ID.where(
    _ITEMS.c.source_id == bindparam("b_owner"), _ITEMS.c.guid_key == bindparam("b_owner_key")
)
# An unchanged entry's item whose canonical URL its feed now shares (``Unchanged.frees_url``):
# the URL stays the item's link, written out, and names it no longer.
_FREE_URL = _OWNED.where(_ITEMS.c.canonical_url == bindparam("b_url")).values(
    url=func.coalesce(_ITEMS.c.url, _ITEMS.c.canonical_url), canonical_url=None
)
# An entry whose new canonical URL is another item's (or that claims an item): its item
# keeps its stored one, which its URL is then compared with (``sameurl``).
_KEEPING_URL = _OWNED.values(
    url=case(
        (_ITEMS.c.canonical_url == bindparam("b_url"), None),
        else_=func.coalesce(bindparam("b_url"), sameurl.NONE),
    )
)


class OwnerMoved(Exception):
    """An item this batch rewrites has another owner than the batch read: decide again."""


@dataclass(frozen=True)
class _Rewrite:
    """One item's content from one entry: an owner's change, or a claim."""

    item_id: int
    entry: ItemUpdate
    owner: Owner  # the owner the decision read: the row is written only if it still is
    published: datetime | None
    keeps_url: bool


@dataclass
class IngestResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    touched: list[int] = field(default_factory=list)  # items inserted or changed: re-cluster these
    written: list[ItemText] = field(default_factory=list)  # texts of items inserted or rewritten
    marked: list[int] = field(default_factory=list)  # items inserted marked (``marks``)
    flagged: int = 0  # retracted / corrected / expression-of-concern marks added
    tagged: list[int] = field(default_factory=list)  # items whose tags were written


def ingest(
    session: Session,
    source_id: str,
    updates: Sequence[ItemUpdate],
    now: datetime,
    marks: NewMarks | None = None,
    vocabulary: dict[str, str] | None = None,
) -> IngestResult:
    """Read, decide, apply; again from the read when a concurrent writer was first (a unique
    constraint, an item's owner) or PostgreSQL broke a deadlock with this batch.

    ``marks``: new items are inserted marked for a later story decision, with these
    feed weights (``StoryStep.marks_new``). ``vocabulary``: the fingerprint of the
    specialties the entries were tagged with; if the re-tag plan has another, the
    re-tag is moved back to the items written (``retag.revisit``). The plan is held
    from before the reads: no re-tag batch commits in between, whose tags a
    duplicate's merge would overwrite with the ones read.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with session.begin_nested():
                held = retag.hold(session) if vocabulary is not None else None
                intents = _decide_locked(session, source_id, updates, now)
                result = apply(session, source_id, intents, now, marks)
                if vocabulary is not None:
                    retag.revisit(session, held, vocabulary, result.tagged, now)
                return result
        except IntegrityError:
            if attempt == ATTEMPTS:
                raise
        except DBAPIError as exc:
            # PostgreSQL chose this batch to break a deadlock with another writer's.
            if attempt == ATTEMPTS or getattr(exc.orig, "sqlstate", None) != DEADLOCK:
                raise
        except OwnerMoved as exc:
            if attempt == ATTEMPTS:
                raise StorageError(
                    f"source {source_id}: concurrent writers kept changing the owners of "
                    f"its items; {ATTEMPTS} attempts"
                ) from exc
    raise AssertionError("unreachable")


# --- read -------------------------------------------------------------------


def read_state(session: Session, source_id: str, updates: Sequence[ItemUpdate]) -> StoredState:
    """What the database holds for this batch: one ``IN`` query per table and chunk."""
    batch = unique_by_guid(updates)
    keys = [u.identity.guid_key for u in batch]
    purged = _purged(session, source_id, keys)
    aliases = [alias for u in batch for alias in u.identity.aliases]
    links = _links(session, source_id, [key for key in keys if key not in purged] + aliases)
    changing = [
        u
        for u in batch
        if u.identity.guid_key not in purged
        and (
            u.identity.guid_key not in links
            or links[u.identity.guid_key].content_hash != u.identity.content_hash
        )
    ]
    by_url = _by_url(session, sorted({u.identity.canonical_url or "" for u in changing} - {""}))
    by_identifier = _by_identifier(
        session, sorted({i for u in changing for i in u.identity.identifiers})
    )
    matched = sorted({*by_url.values(), *by_identifier.values()})
    tags = _tags(session, matched)
    owners = read_owners(session, matched)  # of the items entries may duplicate
    carried = _carried(session, source_id, sorted(set(by_url.values())))
    return StoredState(frozenset(purged), links, by_url, by_identifier, tags, owners, carried)


def _in(name: str = "keys") -> BindParameter[Any]:
    return bindparam(name, expanding=True)


# The reads of ``read_state``, built once: a first pass reads a few times per source,
# and building each select took as long as running it (~0.1 ms of ~0.2 ms).
_PURGED = select(PurgedItem.guid_key).where(
    PurgedItem.source_id == bindparam("source"), PurgedItem.guid_key.in_(_in())
)
_STORED_LINKS = (
    select(
        ItemSource.guid_key,
        ItemSource.item_id,
        ItemSource.content_hash,
        Item.canonical_url,
        Item.title,
        *OWNER_COLUMNS,
    )
    .join(Item, Item.id == ItemSource.item_id)
    .where(ItemSource.source_id == bindparam("source"), ItemSource.guid_key.in_(_in()))
)
_CARRIED = (
    select(Item.id, Item.title)
    .join(ItemSource, ItemSource.item_id == Item.id)
    .where(
        ItemSource.source_id == bindparam("source"),
        Item.source_id == bindparam("source"),  # its own copy's title: another's tells nothing
        Item.id.in_(_in()),
    )
)
_BY_URL = select(Item.canonical_url, Item.id).where(Item.canonical_url.in_(_in()))
_BY_IDENTIFIER = select(ItemIdentifier.identifier, ItemIdentifier.item_id).where(
    ItemIdentifier.identifier.in_(_in())
)
_TAGS = select(ItemTag.item_id, ItemTag.tag).where(ItemTag.item_id.in_(_in()))


def _purged(session: Session, source_id: str, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(keys):
        found.update(session.scalars(_PURGED, {"source": source_id, "keys": list(chunk)}))
    return found


def _links(session: Session, source_id: str, keys: Sequence[str]) -> dict[str, StoredLink]:
    links: dict[str, StoredLink] = {}
    for chunk in chunks(keys):
        rows = session.execute(_STORED_LINKS, {"source": source_id, "keys": list(chunk)})
        for key, item_id, digest, url, title, *owner in rows:
            held = Owner(*owner)
            # the item's title is its owner's copy: this source's own may differ
            own = title if held.source_id == source_id else None
            links[key] = StoredLink(item_id, digest, held, url, own)
    return links


def _carried(session: Session, source_id: str, item_ids: Sequence[int]) -> dict[int, str]:
    """The titles of the items a batch's URLs name that this source already carries
    (``reconcile._Matching.names``)."""
    found: dict[int, str] = {}
    for chunk in chunks(item_ids):
        rows = session.execute(_CARRIED, {"source": source_id, "keys": list(chunk)})
        found.update({item_id: title for item_id, title in rows})
    return found


def _by_url(session: Session, urls: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(urls):
        rows = session.execute(_BY_URL, {"keys": list(chunk)})
        found.update({url: item_id for url, item_id in rows if url})
    return found


def _by_identifier(session: Session, identifiers: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(identifiers):
        rows = session.execute(_BY_IDENTIFIER, {"keys": list(chunk)})
        found.update({key: item_id for key, item_id in rows if key})
    return found


def _tags(session: Session, item_ids: Sequence[int]) -> dict[int, frozenset[str]]:
    """The stored tags of the items an entry may turn out to duplicate."""
    found: dict[int, set[str]] = {item_id: set() for item_id in item_ids}
    for chunk in chunks(item_ids):
        for item_id, tag in session.execute(_TAGS, {"keys": list(chunk)}):
            found[item_id].add(tag)
    return {item_id: frozenset(tags) for item_id, tags in found.items()}


# --- apply ------------------------------------------------------------------


def apply(
    session: Session,
    source_id: str,
    intents: Sequence[Intent],
    now: datetime,
    marks: NewMarks | None = None,
) -> IngestResult:
    """Write the intents: one multi-row statement per table (and chunk), in dependency order.

    Rows are written in the order the decisions assumed (stored entries first,
    then the new ones in feed order), so that where two entries claim one
    identifier, the one that won in ``reconcile`` wins in the table too. Claims
    of items (``Duplicate.claims``) are written once their items and links are:
    one rewrite per item, from the copy that claimed it last.
    """
    connection = session.connection()
    updated = [i for i in intents if isinstance(i, Updated)]
    rewritten = [_rewrite_of(i) for i in updated if i.owns_item]
    rewritten_ids = [r.item_id for r in rewritten]
    new = [i for i in intents if isinstance(i, New)]
    duplicates = [i for i in intents if isinstance(i, Duplicate)]
    purged = [i.entry.identity.guid_key for i in intents if isinstance(i, Purged)]
    mark_still_carried(session, source_id, purged, now)
    _free_urls(connection, [i for i in intents if isinstance(i, Unchanged) and i.frees_url])
    _rewrite_links(connection, updated)
    sameurl.spell_out_links(connection, rewritten_ids)
    search.unindex(connection, rewritten_ids)
    _rewrite_items(connection, rewritten, now)
    # The new entries' column values, for their rows and then their search details.
    content = {id(n.entry): _content_values(n.entry) for n in new}
    new_ids = _insert_items(connection, new, content, now, marks)

    def resolve(ref: int | Pending) -> int:
        return new_ids[ref.index] if isinstance(ref, Pending) else ref

    duplicated = [(resolve(d.of), d.entry) for d in duplicates]
    _insert_links(session, new_ids, new, duplicated, now)
    claimed = _claims(duplicates, resolve)
    claimed_ids = [c.item_id for c in claimed]
    claimed_new = set(claimed_ids) & set(new_ids)
    indexed = set(claimed_ids) - claimed_new - set(rewritten_ids)  # as read, still in the index
    sameurl.spell_out_links(connection, claimed_ids)
    search.unindex(connection, sorted(indexed))
    _rewrite_items(connection, claimed, now)
    _follow_kind_leads(session, [*rewritten, *claimed], claimed_new)
    sameurl.fold_links(
        connection, [i.item_id for i in updated] + [item_id for item_id, _ in duplicated]
    )
    by_item = {r.item_id: r.entry for r in rewritten}
    by_item.update((new_ids[n.ref.index], n.entry) for n in new)
    by_item.update((c.item_id, c.entry) for c in claimed)  # a claim's text is the item's
    written = list(by_item.items())
    # Every copy brings its identifiers to its item, the owner's or not, as a duplicate does.
    carried = [(i.item_id, i.entry) for i in updated] + [
        (resolve(i.ref if isinstance(i, New) else i.of), i.entry)
        for i in intents
        if isinstance(i, New | Duplicate)
    ]
    _add_identifiers(session, carried)
    retagged = {resolve(d.of): d.tags for d in duplicates if d.tags is not None}
    _write_tags(session, rewritten_ids, written, retagged, now)
    replace_citations(
        session,
        [(item_id, _cites(entry)) for item_id, entry in written],
        replaced=sorted({*rewritten_ids, *claimed_ids} - claimed_new),
    )
    search.index_items(
        connection,
        [
            search.ItemText(
                i,
                u.item.title[:TITLE_LENGTH],
                u.item.summary,
                u.item.content,
                u.text.body if u.text is not None else None,
                search.details_of(content.get(id(u)) or _content_values(u)),
            )
            for i, u in written
        ],
    )
    flagged = mark_noticed(session, written, now)
    # Last, on the rows as written: an identifier a copy brought that another item holds.
    # A new item's identifiers were no other item's, or the entry had been its duplicate.
    inserted = set(new_ids)
    folded = folds.join_late_identifiers(
        session, [(item_id, entry) for item_id, entry in carried if item_id not in inserted], now
    )

    def kept(item_id: int) -> int:
        return folded.get(item_id, item_id)

    return IngestResult(
        new=len(new) + len(duplicates),
        updated=len(updated),
        unchanged=sum(1 for i in intents if isinstance(i, Unchanged | Purged)),
        # A claimed item shows another text, a joined one more copies: decided again.
        touched=list(
            dict.fromkeys(
                [*map(kept, [i.item_id for i in updated] + new_ids + claimed_ids), *folded.values()]
            )
        ),
        written=[
            ItemText(item_id, u.item.title[:TITLE_LENGTH], u.item.summary)
            for item_id, u in written
            if item_id not in folded
        ],
        # A new item claimed in its own batch was inserted marked with its first copy's weights.
        marked=[i for i in new_ids if i not in claimed_new and i not in folded]
        if marks is not None
        else [],
        flagged=flagged,
        tagged=sorted(set(map(kept, {*by_item, *retagged}))),
    )


def _decide_locked(
    session: Session, source_id: str, updates: Sequence[ItemUpdate], now: datetime
) -> list[Intent]:
    """Read and decide; on PostgreSQL, with the stored items the decisions write locked.

    Batches of other sources write these items too (claims, merged tags, story
    marks): each taking its rows in its own order, two processes deadlocked. So
    they are locked first, in id order; and as that may have waited for other
    writers to commit, the batch is read and decided again before anything is
    written (else its inserts went from a stale read, and lost to those writers
    again and again). The story lock comes before them (``stories.lock_stories``):
    a rewrite may move its item within its story (``_follow_kind_leads``), which
    story decisions write under that lock. SQLite has one writer at a time.
    """
    intents = reconcile(updates, read_state(session, source_id, updates), now)
    connection = session.connection()
    if connection.dialect.name != "postgresql" or not _stored_written(intents):
        return intents
    lock_stories(session)
    _lock_items(connection, _stored_written(intents))
    intents = reconcile(updates, read_state(session, source_id, updates), now)
    _lock_items(connection, _stored_written(intents))  # any the fresh decisions add
    return intents


def _stored_written(intents: Sequence[Intent]) -> list[int]:
    """The stored items these intents write, in id order."""
    written = {i.item_id for i in intents if isinstance(i, Updated)}
    written.update(i.item_id for i in intents if isinstance(i, Unchanged) and i.frees_url)
    written.update(
        i.of
        for i in intents
        if isinstance(i, Duplicate) and isinstance(i.of, int) and (i.claims or i.tags is not None)
    )
    return sorted(written)


def _lock_items(connection: Connection, written: Sequence[int]) -> None:
    """Lock these stored items, in id order (``_decide_locked``)."""
    for chunk in chunks(written):
        query = select(_ITEMS.c.id).where(_ITEMS.c.id.in_(chunk)).order_by(_ITEMS.c.id)
        # FOR NO KEY UPDATE, the lock the writes take: it leaves other writers free to
        # insert links to these items (a foreign key's KEY SHARE lock).
        connection.execute(query.with_for_update(key_share=True))


def _rewrite_of(intent: Updated) -> _Rewrite:
    owner = intent.replaces or owner_of(intent.entry)
    return _Rewrite(intent.item_id, intent.entry, owner, intent.published, intent.keeps_url)


def _claims(duplicates: Sequence[Duplicate], resolve: Callable[[ItemRef], int]) -> list[_Rewrite]:
    """One rewrite per claimed item: the last claim's entry (the preferred one) over the
    owner before the first (the one the database holds)."""
    before: dict[int, Owner] = {}
    last: dict[int, Duplicate] = {}
    for duplicate in duplicates:
        if duplicate.claims:
            item_id = resolve(duplicate.of)
            before.setdefault(item_id, duplicate.replaces or owner_of(duplicate.entry))
            last[item_id] = duplicate
    return [
        _Rewrite(item_id, claim.entry, before[item_id], claim.published, keeps_url=True)
        for item_id, claim in last.items()
    ]


def _free_urls(connection: Connection, unchanged: Sequence[Unchanged]) -> None:
    """The items of these entries let their canonical URL go, while the entry still owns
    the item and the URL is still its: a concurrent claim that committed first decides
    the item's URL from its own copy, and nothing is left to do.

    The item's URL as read is unchanged (``sameurl.item_url``), and so are its links'; the
    entry's link, whoever owns the item by now, no longer names it by that page. The other
    links' pages are written out first: a copy whose page was the item's key (NULL) would
    otherwise name none, and its address, which its own feed gives this one story, would
    find nothing (``addresses.items_at``). Their URLs, written out alongside, fold back.
    """
    if unchanged:
        item_ids = [u.item_id for u in unchanged]
        sameurl.spell_out_links(connection, item_ids)
        rows = [
            {
                "b_id": u.item_id,
                "b_owner": u.entry.source_id,
                "b_owner_key": u.entry.identity.guid_key,
                "b_url": u.entry.identity.shared_url,
            }
            for u in unchanged
        ]
        connection.execute(_FREE_URL, rows)
        links = [{"b_owner": r["b_owner"], "b_owner_key": r["b_owner_key"]} for r in rows]
        connection.execute(_FREE_LINK_URL, links)
        sameurl.fold_links(connection, item_ids)


def _rewrite_links(connection: Connection, updated: Sequence[Updated]) -> None:
    """Every changed entry's link gets its new content hash and URL."""
    if updated:
        rows = [
            {
                "b_source": i.entry.source_id,
                "b_key": i.entry.identity.guid_key,
                "content_hash": i.entry.identity.content_hash,
                "url": sameurl.spelled(i.entry.item.url),
                "canonical_url": sameurl.spelled(page_of(i.entry.identity.canonical_url)),
            }
            for i in updated
        ]
        connection.execute(_REWRITE_LINK, rows)


def _rewrite_items(connection: Connection, rewrites: Sequence[_Rewrite], now: datetime) -> None:
    """Items' content from their owners' entries, by primary key, while the owner is the
    one the decision read; an entry that claims its item becomes the owner.

    Consecutive rows that set the same columns (a new date, a kept URL, a new
    owner) go in one statement: an item rewritten twice in a batch is
    rewritten in the order decided. A row that finds another owner raises
    ``OwnerMoved``: a concurrent claim committed first.
    """
    statements: list[tuple[tuple[bool, tuple[str, ...]], list[dict[str, Any]]]] = []
    for rewrite in rewrites:
        values = {
            **_content_values(rewrite.entry),
            "changed_at": now,
            "revised_at": now,
            # the page may have changed with the entry (a retraction notice): extracted again
            "fulltext": None,
            "fulltext_error": None,
            "fulltext_at": None,
            "b_id": rewrite.item_id,
            "b_owner": rewrite.owner.source_id,
            "b_owner_key": rewrite.owner.guid_key,
        }
        if rewrite.published is not None:
            values.update(published=rewrite.published, published_from=FROM_SOURCE)
        if rewrite.keeps_url:
            del values["canonical_url"], values["url"]
            values["b_url"] = rewrite.entry.item.url
        if not rewrite.owner.is_entry(rewrite.entry):
            entry = rewrite.entry
            values.update(
                source_id=entry.source_id, guid_key=entry.identity.guid_key, kind=entry.kind.value
            )
        shape = (rewrite.keeps_url, tuple(values))
        if statements and statements[-1][0] == shape:
            statements[-1][1].append(values)
        else:
            statements.append((shape, [values]))
    for (keeps_url, _), rows in statements:
        result = connection.execute(_KEEPING_URL if keeps_url else _OWNED, rows)
        if result.rowcount != len(rows):
            raise OwnerMoved(f"{len(rows) - result.rowcount} of {len(rows)} items")


def _follow_kind_leads(session: Session, rewrites: Sequence[_Rewrite], fresh: set[int]) -> None:
    """A stored item with a new date, or a new owner (and with it maybe a new kind), may now
    come first of its kind in its story, or no longer (``kindleads``); items inserted in
    this batch are alone in their stories."""
    moved = {
        r.item_id
        for r in rewrites
        if r.item_id not in fresh and (r.published is not None or not r.owner.is_entry(r.entry))
    }
    if moved:
        kindleads.follow(session, kindleads.stories_of(session, moved))


def _insert_items(
    connection: Connection,
    new: Sequence[New],
    content: Mapping[int, dict[str, Any]],
    now: datetime,
    marks: NewMarks | None,
) -> list[int]:
    """Insert the new items; their ids in the order of ``new``. ``content``: each entry's
    ``_content_values``, by the entry's ``id()``.

    The ids are matched to the rows by their unique (source, guid key): with
    ``returning(sort_by_parameter_order=True)`` instead, SQLAlchemy inserts one
    row per statement on SQLite (whose RETURNING order is not guaranteed), a
    third more time for a feed's 50 new items.
    """
    if not new:
        return []
    rows = [
        {
            **content[id(n.entry)],
            "kind": n.entry.kind.value,
            "source_id": n.entry.source_id,
            "guid_key": n.entry.identity.guid_key,
            "published": n.dating.published,
            "published_from": n.dating.published_from,
            "in_stream": n.dating.in_stream,
            "first_seen_at": now,
            "changed_at": now,
            "story_id": None,
            "is_representative": True,  # alone in its story until one is decided
            "leads_kind": True,
        }
        for n in new
    ]
    if marks is not None:
        for row in rows:
            row["story_levels"] = marks(row["title"], row["summary"] or "")
            row["story_seq"] = PENDING
    first = itemids.first_new_id(connection)
    if first is not None:
        for number, row in enumerate(rows, start=first):
            row["id"] = number
    ids = {
        (source, key): item_id for source, key, item_id in connection.execute(_INSERT_ITEMS, rows)
    }
    return [ids[row["source_id"], row["guid_key"]] for row in rows]


def _insert_links(
    session: Session,
    new_ids: Sequence[int],
    new: Sequence[New],
    duplicates: Sequence[tuple[int, ItemUpdate]],
    now: datetime,
) -> None:
    """Each new item's first link, and one more link for each duplicate.

    A new item's link is a plain insert: a conflict means a concurrent writer
    carried the entry first, and the whole batch is decided again.
    """
    if new:
        # The entry that made the item: its URL is the item's, its layer-2 key the item's key.
        rows = [_link_row(new_ids[n.ref.index], n.entry, now, spelled=False) for n in new]
        session.connection().execute(insert(_LINKS), rows)
    # Written out: the item's are not read here (``apply`` folds the ones equal to them).
    rows = [_link_row(item_id, entry, now, spelled=True) for item_id, entry in duplicates]
    insert_ignore(session, _LINKS, rows)


def _link_row(item_id: int, entry: ItemUpdate, now: datetime, *, spelled: bool) -> dict[str, Any]:
    key = entry.identity.canonical_url
    return {
        "item_id": item_id,
        "source_id": entry.source_id,
        "guid_key": entry.identity.guid_key,
        "url": sameurl.spelled(entry.item.url) if spelled else None,
        "canonical_url": sameurl.spelled(page_of(key))
        if spelled
        else sameurl.stored(page_of(key), key),
        "content_hash": entry.identity.content_hash,
        "first_seen_at": now,
    }


def _add_identifiers(session: Session, carried: Sequence[tuple[int, ItemUpdate]]) -> None:
    """An identifier stays with the item that had it first (``ON CONFLICT DO NOTHING``)."""
    rows = [
        {"identifier": identifier, "item_id": item_id}
        for item_id, entry in carried
        for identifier in entry.identity.identifiers
    ]
    insert_ignore(session, ItemIdentifier.__table__, rows)


def _write_tags(
    session: Session,
    rewritten: Sequence[int],
    written: Sequence[tuple[int, ItemUpdate]],
    retagged: dict[int, tuple[str, ...]],
    now: datetime,
) -> None:
    """The tag rows of written items, and of items a duplicate gave more tags.

    A duplicate's tags are merged into its item's: the ``tags`` column follows.
    """
    final = {item_id: tuple(entry.tags) for item_id, entry in written}
    final.update(retagged)
    stale = sorted({*rewritten, *retagged})
    for chunk in chunks(stale):
        session.execute(delete(ItemTag).where(ItemTag.item_id.in_(chunk)))
    rows = [
        {"item_id": item_id, "tag": tag[:TAG_LENGTH]}
        for item_id, tags in final.items()
        for tag in dict.fromkeys(tags)
    ]
    insert_ignore(session, ItemTag.__table__, rows)
    if retagged:
        rows = [
            {"b_id": item_id, "tags": list(tags), "changed_at": now}
            for item_id, tags in retagged.items()
        ]
        session.connection().execute(_BY_ID, rows)


def _content_values(update_: ItemUpdate) -> dict[str, Any]:
    """Every column that comes from the feed entry itself, each within its column's size."""
    return _fitted(_entry_values(update_))


def _fitted(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` within the items table's column sizes: PostgreSQL refuses a longer value,
    and with it the source's whole batch (SQLite does not check). Prose (an author, a
    journal, a place) is cut; a code or an address cut would be wrong, so it is left out."""
    for name, limit in _LIMITS.items():
        value = values.get(name)
        if isinstance(value, str) and len(value) > limit:
            values[name] = value[:limit] if name in _PROSE else None
    return values


def _entry_values(update_: ItemUpdate) -> dict[str, Any]:
    item = update_.item
    event, video, article = item.event, item.video, item.article
    content, extends = stored_content(item.summary, item.content)
    return {
        "label": update_.label.value,
        "url": sameurl.stored(item.url, update_.identity.canonical_url),
        "canonical_url": update_.identity.canonical_url,
        "title": item.title[:TITLE_LENGTH],
        "title_derived": item.title_derived,
        "summary": item.summary,
        "content": content,
        "content_extends_summary": extends,
        "author": (item.author or None) and item.author[:500],
        "updated": item.updated,
        "image": item.image,
        "tags": list(update_.tags),
        "content_hash": update_.identity.content_hash,
        "word_count": _text(update_).words,
        "event_start": event.start if event else None,
        "event_end": last_end(event) if event else None,
        "event_rule": event.rule if event else None,
        "event_occurrences": _occurrences(event),
        "event_timezone": event.timezone if event else None,
        "event_location": event.location[:500] if event and event.location else None,
        "event_online": event.online if event else None,
        "event_url": event.url if event else None,
        "event_all_day": event.all_day if event else None,
        "event_status": event.status.value if event and event.status else None,
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


def _text(update_: ItemUpdate) -> PlainText:
    """The entry's plain text: the parse pool's, else derived here (an entry built elsewhere)."""
    if update_.text is not None:
        return update_.text
    return plain_text(update_.item.summary, update_.item.content)


def _occurrences(event: EventInfo | None) -> list[list[str | None]]:
    """A series' coming occurrences as JSON: [[start, end], ...] in ISO 8601 UTC; one its
    calendar changed as [start, end, recurrence_id, title, location] (``reads`` reads both)."""
    if event is None:
        return []
    return [_occurrence(o) for o in event.occurrences]


def _occurrence(occurrence: Occurrence) -> list[str | None]:
    pair = [occurrence.start.isoformat(), occurrence.end.isoformat() if occurrence.end else None]
    if occurrence.recurrence_id is None and not (occurrence.title or occurrence.location):
        return pair
    changed = occurrence.recurrence_id.isoformat() if occurrence.recurrence_id else None
    title = occurrence.title and occurrence.title[:TITLE_LENGTH]  # as an item's title is
    return [*pair, changed, title, occurrence.location and occurrence.location[:500]]


def _cites(update_: ItemUpdate) -> tuple[str, ...]:
    article = update_.item.article
    return article.cites if article else ()
