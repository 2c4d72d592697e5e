"""Decide what one source's fetched batch does to the stored items (dedup layers 1-3).

Given the batch and a ``StoredState`` (what the database held for it, read in
one go by ``aggregator.store.ingest``), ``reconcile`` returns one intent per
entry, in feed order:

* ``Purged``: retention deleted this entry's item; it stays deleted.
* ``Unchanged``: the same (source, guid key) with the same content hash.
* ``Updated``: the same (source, guid key) with another content hash; the
  item's own content is rewritten only when this entry owns the item (or
  now claims it, below).
* ``New``: nothing stored matches; a new item.
* ``Duplicate``: the same canonical URL (layer 2) or DOI / PMID / video id
  (layer 3) as a stored item, or as an item earlier in this batch: one more
  source of that item. An identifier that reaches an entry already stored (a
  journal adding the DOI later) is matched once the batch is written: the store
  joins the two items then (``aggregator.latejoin``, ``aggregator.store.folds``).

Which URL names an entry. ``identity`` gives no layer-2 key to a URL that
entries of different titles in one document carry (a society's home page);
across documents, a new entry whose URL is held by an item its own source
already carries under another title is a new item, without that key
(``_Matching.names``); and an item whose entry had the URL to itself loses it as
a key once the entry's document shares it, the entry unchanged or not
(``Unchanged.frees_url``, ``_Matching.frees``). A guid-less entry, keyed by its
URL alone or by URL and title while its URL is shared, is found under the key it
was stored by when its feed starts or stops sharing that URL (``as_stored``).

Which copy an item shows. An item merged from several copies shows the text
(title, summary, content, dates) of one of them, its *owner*; so that the
same documents give the same items whatever order they arrive in (issue 9),
the owner is the most preferred copy, not the first: ``Owner.rank``, the
video's own copy first (so the item stays a video when news posts link to it),
then the label's authority (``records.AUTHORITY``), then source id, then guid key. A
copy preferred over the item's owner *claims* the item (``Duplicate.claims``,
or an ``Updated`` that owns the item from now on): it becomes the owner and
rewrites the item's content, and the item's story is decided again from the
new text. An event is claimed only by another copy of an event, and keeps the
date it was first announced (calendars restamp theirs on every export); its
calendar fields are its owner's. An entry whose text has not changed still
claims its item when the owner's source has left config.yaml (``Owner.retired``).

It does not read or write the database and has no clock (pass ``now``): the
store applies the intents, and the database's unique constraints still have
the last word, so a concurrent writer that inserted first makes the store read
again and decide again rather than write a second row. The fetch state (next
fetch, 410 Gone) is decided before the store, by the refresh and ``pacing``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from .dating import Dating, date_new_item, source_date
from .identity import same_title
from .records import ItemUpdate, Kind, authority

TAG_LENGTH = 64  # the tag column's size: stored tags are cut to it


@dataclass(frozen=True)
class Pending:
    """The ``index``-th new item of the batch: it has no id until it is inserted."""

    index: int


ItemRef = int | Pending  # a stored item's id, or an item this batch inserts


@dataclass(frozen=True)
class Owner:
    """The entry whose text an item shows: only it rewrites the item's content."""

    source_id: str
    guid_key: str
    label: str
    kind: str
    retired: bool = False  # its source is no longer in config.yaml (removed, or renamed)
    video: bool = False  # the video's own copy (``is_video_copy``)

    def is_entry(self, entry: ItemUpdate) -> bool:
        return (self.source_id, self.guid_key) == (entry.source_id, entry.identity.guid_key)

    @property
    def rank(self) -> tuple[bool, bool, int, str, str]:
        """Smaller is preferred: a fixed order over copies, whatever their arrival. A retired
        source's copy comes last, or an id renamed in config.yaml would keep the items under
        its old name, and the feed's edits would never show. The video's own copy comes
        before the posts linking to it: the item's kind is its owner's, and a channel's
        label (``news`` by default) ties with a news site's, so the source ids decided
        whether the item was in Videos or in News."""
        return (
            self.retired,
            not self.video,
            authority(self.label),
            self.source_id,
            self.guid_key,
        )


@dataclass(frozen=True)
class StoredLink:
    """What the database holds for one (source, guid key) of the batch."""

    item_id: int
    content_hash: str
    owner: Owner  # the item's
    canonical_url: str | None  # the item's, freed when its owner changes it
    title: str | None = None  # the item's, when this source owns it; None: not read, or another's


@dataclass(frozen=True)
class StoredState:
    """Everything the decisions need to know about the database, read once per batch."""

    purged: frozenset[str] = frozenset()  # guid keys of this source that retention deleted
    links: Mapping[str, StoredLink] = field(default_factory=dict)  # by guid key, this source
    by_url: Mapping[str, int] = field(default_factory=dict)  # canonical URL -> item id
    by_identifier: Mapping[str, int] = field(default_factory=dict)  # "doi:..." -> item id
    tags: Mapping[int, frozenset[str]] = field(default_factory=dict)  # stored tags of items
    owners: Mapping[int, Owner] = field(default_factory=dict)  # of the by_url / by_identifier items
    # titles of the by_url items this source already carries (``_Matching.names``)
    carried: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Purged:
    entry: ItemUpdate


@dataclass(frozen=True)
class Unchanged:
    """``frees_url``: the item's canonical URL is one its entry's feed now shares among
    entries of other titles: it names the item no longer (``_Matching.frees``)."""

    entry: ItemUpdate
    item_id: int
    frees_url: bool = False


@dataclass(frozen=True)
class Updated:
    """The source changed its entry: its link is rewritten, and the item when it owns it."""

    entry: ItemUpdate
    item_id: int
    owns_item: bool
    published: datetime | None = None  # a new date from the source, when it is believed
    keeps_url: bool = False  # its new canonical URL is another item's: keep the old one
    replaces: Owner | None = None  # owns_item: the owner it expects (another one: it claims)


@dataclass(frozen=True)
class New:
    entry: ItemUpdate
    ref: Pending
    dating: Dating


@dataclass(frozen=True)
class Duplicate:
    """One more source of an existing item; ``tags`` is the item's new tag set, if it grew.

    ``claims``: the entry is preferred over the item's owner (``replaces``) and
    becomes the owner: the item's content is rewritten from it, its canonical
    URL kept (the entry matched it, or an identifier), ``published`` taken when
    the entry gives a date that is believed, and ``tags`` is then always set.
    """

    entry: ItemUpdate
    of: ItemRef
    tags: tuple[str, ...] | None = None
    claims: bool = False
    replaces: Owner | None = None
    published: datetime | None = None


Intent = Purged | Unchanged | Updated | New | Duplicate


def reconcile(entries: Sequence[ItemUpdate], stored: StoredState, now: datetime) -> list[Intent]:
    """One intent per distinct guid key of ``entries``, in feed order.

    Entries already stored are decided first, as they are written first: an
    entry that changed its canonical URL frees the old one, and claims the new
    one, before the new entries are matched.
    """
    batch = unique_by_guid([as_stored(entry, stored) for entry in entries])
    state = _Matching(stored)
    decided: dict[int, Intent] = {}
    fresh: list[tuple[int, ItemUpdate]] = []
    for position, entry in enumerate(batch):
        key = entry.identity.guid_key
        link = stored.links.get(key)
        if key in stored.purged:
            decided[position] = Purged(entry)
        elif link is None:
            fresh.append((position, entry))
        elif link.content_hash == entry.identity.content_hash and not state.claims(entry, link):
            decided[position] = Unchanged(entry, link.item_id, state.frees(entry, link))
        else:
            decided[position] = state.update(entry, link, now)
    pending = 0
    for position, entry in fresh:
        if not state.names(entry):
            entry = replace(entry, identity=replace(entry.identity, canonical_url=None))
        target = state.match(entry)
        if target is None:
            ref = Pending(pending)
            pending += 1
            decided[position] = New(entry, ref, date_new_item(entry.item, now))
            state.remember(entry, ref, entry.tags)
            state.owners[ref] = owner_of(entry)
        else:
            decided[position] = state.duplicate(entry, target, now)
    return [decided[position] for position in range(len(batch))]


def owner_of(entry: ItemUpdate) -> Owner:
    return Owner(
        entry.source_id,
        entry.identity.guid_key,
        entry.label.value,
        entry.kind.value,
        video=is_video_copy(entry),
    )


def is_video_copy(entry: ItemUpdate) -> bool:
    """Whether ``entry`` is a video's own copy: from a source of kind video, naming no paper.

    Its item is the video (same video URL or id), so it owns the item whatever the labels:
    a news post linking to the video would otherwise take the item out of Videos. A video
    naming a DOI, PMID or PMCID may be merged with the paper's own copy by it, and is ranked
    by its label as any copy is, or the paper would leave Articles. The store reads the
    same from the item's columns (``store.ingest``), which hold the owner's copy.
    """
    article = entry.item.article
    scholarly = article is not None and bool(article.doi or article.pmid or article.pmcid)
    return entry.kind is Kind.VIDEO and not scholarly


def prefers(entry: ItemUpdate, owner: Owner) -> bool:
    """Whether ``entry`` claims an item ``owner`` owns (``outranks``)."""
    return outranks(owner_of(entry), owner)


def outranks(copy: Owner, owner: Owner) -> bool:
    """Whether ``copy`` is shown rather than ``owner``: it ranks first, and both are events
    or neither is (a news item about a congress does not become its calendar entry)."""
    conference = Kind.CONFERENCE.value
    if (copy.kind == conference) != (owner.kind == conference):
        return False
    return copy.rank < owner.rank


def as_stored(entry: ItemUpdate, stored: StoredState) -> ItemUpdate:
    """The entry under the guid key it is stored by, when that is one of its aliases.

    A guid-less entry is keyed by its URL, or by its URL and title while other
    entries of its feed share that URL (``identity.identify``); when the feed
    starts or stops sharing it, the entry is still the item it was. Under its
    bare URL only while the stored item has its title: that key is the other
    entries' too.
    """
    identity = entry.identity
    if identity.guid_key in stored.purged:
        return entry
    # the alias first: a feed that stops sharing a URL keys its entries by the bare URL
    # again, which may be another entry's item (the one that had the URL to itself)
    for alias in identity.aliases:
        link = stored.links.get(alias)
        if link is not None and _stored_as(link, entry):
            return replace(entry, identity=replace(identity, guid_key=alias))
    return entry


def _stored_as(link: StoredLink, entry: ItemUpdate) -> bool:
    """Whether ``link`` holds this entry: the same title as the item, when its source's
    copy is the one the item shows; else the same content as its source's copy (the
    item's title is another outlet's)."""
    if link.title is None:
        return link.content_hash == entry.identity.content_hash
    return same_title(link.title) == same_title(entry.item.title)


def unique_by_guid(entries: Sequence[ItemUpdate]) -> list[ItemUpdate]:
    """A feed that repeats a guid keeps its first entry, as readers do."""
    seen: set[str] = set()
    unique = []
    for entry in entries:
        if entry.identity.guid_key not in seen:
            seen.add(entry.identity.guid_key)
            unique.append(entry)
    return unique


def stored_tags(tags: Sequence[str]) -> frozenset[str]:
    """The tags as the tag table keeps them: cut to the column's size."""
    return frozenset(tag[:TAG_LENGTH] for tag in tags)


class _Matching:
    """What the database will hold as the batch is written, entry by entry."""

    def __init__(self, stored: StoredState) -> None:
        self.by_url: dict[str, ItemRef] = {**stored.by_url}
        self.by_identifier: dict[str, ItemRef] = {**stored.by_identifier}
        self.tags: dict[ItemRef, frozenset[str]] = dict(stored.tags.items())
        self.owners: dict[ItemRef, Owner] = {k.item_id: k.owner for k in stored.links.values()}
        self.owners.update(stored.owners.items())
        self.carried = stored.carried

    def claims(self, entry: ItemUpdate, link: StoredLink) -> bool:
        """Whether an entry its source has not changed now claims its item: the owner's
        source was removed from config.yaml (``Owner.retired``), and a configured copy
        must take over, or the item would show a source that no longer exists."""
        owner = self.owners.get(link.item_id, link.owner)
        return not owner.is_entry(entry) and prefers(entry, owner)

    def frees(self, entry: ItemUpdate, link: StoredLink) -> bool:
        """Whether an unchanged entry's item lets its canonical URL go: the entry owns the
        item, and its document now gives that URL to entries of other titles too, so it
        names none of them (``identity.shared_urls``). An entry that changed lets it go
        with its rewrite (``update``); without this, an item whose entry never changes
        kept the URL, and took in every other source's entry linking to the page."""
        shared = entry.identity.shared_url
        if shared is None or link.canonical_url != shared:
            return False
        if not self.owners.get(link.item_id, link.owner).is_entry(entry):
            return False  # the URL is the owner's, another source's copy: its feed's word
        if self.by_url.get(shared) == link.item_id:
            del self.by_url[shared]
        return True

    def update(self, entry: ItemUpdate, link: StoredLink, now: datetime) -> Updated:
        owner = self.owners.get(link.item_id, link.owner)
        if not owner.is_entry(entry) and not prefers(entry, owner):
            return Updated(entry, link.item_id, owns_item=False)
        self.owners[link.item_id] = owner_of(entry)
        url = entry.identity.canonical_url
        holder = self.by_url.get(url) if url else None
        keeps_url = holder is not None and holder != link.item_id
        if not keeps_url and url != link.canonical_url:
            if link.canonical_url and self.by_url.get(link.canonical_url) == link.item_id:
                del self.by_url[link.canonical_url]
            if url:
                self.by_url[url] = link.item_id
        for identifier in entry.identity.identifiers:
            self.by_identifier.setdefault(identifier, link.item_id)
        self.tags[link.item_id] = stored_tags(entry.tags)
        published = source_date(entry.item, now)
        # An event is announced once: calendars restamp DTSTAMP on every export, and a
        # series changes each week, which must not float it back to the top of the stream.
        if entry.item.event is not None:
            published = None
        return Updated(entry, link.item_id, True, published, keeps_url, owner)

    def names(self, entry: ItemUpdate) -> bool:
        """Whether a new entry's URL names it: not when its source already carries the
        stored item of that URL under another guid and title. A feed that links each of
        its entries to one page, and holds one entry at a time, shows the page shared
        across fetches only (``identity.shared_urls`` sees one document)."""
        url = entry.identity.canonical_url
        held = self.by_url.get(url) if url else None
        title = self.carried.get(held) if isinstance(held, int) else None
        return title is None or same_title(title) == same_title(entry.item.title)

    def match(self, entry: ItemUpdate) -> ItemRef | None:
        url = entry.identity.canonical_url
        if url and url in self.by_url:
            return self.by_url[url]
        for identifier in entry.identity.identifiers:
            if identifier in self.by_identifier:
                return self.by_identifier[identifier]
        return None

    def duplicate(self, entry: ItemUpdate, target: ItemRef, now: datetime) -> Duplicate:
        current = self.tags.get(target, frozenset())
        owner = self.owners.get(target)
        claims = owner is not None and prefers(entry, owner)
        merged: tuple[str, ...] | None = None
        if claims or (entry.tags and not set(entry.tags) <= current):
            # A claim rewrites the item's tags from its entry: they are set merged again.
            merged = tuple(sorted(current | set(entry.tags)))
        self.remember(entry, target, merged)
        if not claims:
            return Duplicate(entry, target, merged)
        self.owners[target] = owner_of(entry)
        # An event keeps the date it was first announced (as in ``update``).
        published = None if entry.item.event is not None else source_date(entry.item, now)
        return Duplicate(entry, target, merged, True, owner, published)

    def remember(self, entry: ItemUpdate, ref: ItemRef, tags: Sequence[str] | None) -> None:
        if entry.identity.canonical_url:
            self.by_url.setdefault(entry.identity.canonical_url, ref)
        for identifier in entry.identity.identifiers:
            self.by_identifier.setdefault(identifier, ref)
        if tags is not None:
            self.tags[ref] = stored_tags(tags)
