"""SQLAlchemy 2 typed models: the schema of medfeed's database.

Uniqueness lives here as named constraints, so that concurrent refreshes (many
processes on one PostgreSQL) cannot store an item twice whatever the Python code
checked first. Nothing outside ``aggregator.store`` imports these classes; the
rest of the code sees the records of ``aggregator.records``. The full-text
index (``items_fts`` on SQLite, ``item_search`` on PostgreSQL, migration 0006)
differs by dialect and is not mapped here: ``aggregator.store.search`` owns it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored and returned as aware UTC; SQLite would drop the zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


Timestamp = Annotated[datetime, mapped_column(UTCDateTime())]
URL = Annotated[str, mapped_column(String(2048))]
SourceId = Annotated[str, mapped_column(String(64))]
# Tables that are their primary key: on SQLite the key is then the table, not a copy of it
# beside a rowid table (migration 0008).
ROWID_LESS = {"sqlite_with_rowid": False}

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads this class attribute)
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Source(Base):
    """The config mirror of one source plus its fetch state."""

    __tablename__ = "sources"

    id: Mapped[SourceId] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[URL]
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(16))
    tags: Mapped[list[str]] = mapped_column(default=list)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    in_config: Mapped[bool] = mapped_column(Boolean, default=True)
    # the document limits the last config gave (``records.DocumentLimits``): entries kept of
    # one document (its own, else parse's), categories of one entry; NULL until a config is
    # synced since migration 0026
    max_entries: Mapped[int | None] = mapped_column(Integer)
    max_categories: Mapped[int | None] = mapped_column(Integer)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    # of the last body stored, and how it was read (``prepare.PrepareJob.digest``): sha256 hex
    body_digest: Mapped[str | None] = mapped_column(String(64))
    last_fetch_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_unconditional_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_http_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_warning: Mapped[str | None] = mapped_column(Text)  # of the last document read
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_fetch_at: Mapped[datetime | None]
    permanent_redirect: Mapped[str | None] = mapped_column(String(2048))
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[Timestamp]

    __table_args__ = (Index("ix_sources_due", "enabled", "next_fetch_at"),)


class Item(Base):
    """One distinct item, whichever sources carried it."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[SourceId] = mapped_column(ForeignKey("sources.id"))
    guid_key: Mapped[str] = mapped_column(String(1024))
    # NULL when it is the canonical URL, '' for none (aggregator.store.sameurl, migration 0011)
    url: Mapped[str | None] = mapped_column(String(2048))
    canonical_url: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(Text)
    title_derived: Mapped[bool] = mapped_column(Boolean, server_default=false())
    summary: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str | None] = mapped_column(Text)
    # True: ``content`` holds what follows the summary it began with (aggregator.store.contenttail)
    content_extends_summary: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    author: Mapped[str | None] = mapped_column(String(500))
    published: Mapped[Timestamp]  # the feed's date, else first-seen time
    # "source" or "first_seen": whether ``published`` is the document's own date
    published_from: Mapped[str] = mapped_column(String(16), server_default="source")
    # False for an event already over when first seen: on the calendar, not in the stream
    in_stream: Mapped[bool] = mapped_column(Boolean, server_default=true())
    updated: Mapped[datetime | None]
    image: Mapped[str | None] = mapped_column(String(2048))
    tags: Mapped[list[str]] = mapped_column(default=list)
    content_hash: Mapped[str] = mapped_column(String(80))  # 32 hex digits (migration 0008)
    story_id: Mapped[int | None] = mapped_column(Integer)
    is_representative: Mapped[bool] = mapped_column(Boolean, default=True)
    # True for the story's first item of its kind: it heads that kind's list
    # (aggregator.store.kindleads, migration 0013)
    leads_kind: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The terms the item's own feed repeated, "term:level ..." (see aggregator.dedupe),
    # and the story change that last touched the item (see aggregator.store.stories).
    story_levels: Mapped[str | None] = mapped_column(Text)
    story_seq: Mapped[int | None] = mapped_column(Integer)
    # conference
    event_start: Mapped[datetime | None]
    event_end: Mapped[datetime | None]
    event_timezone: Mapped[str | None] = mapped_column(String(64))
    event_location: Mapped[str | None] = mapped_column(String(500))
    event_online: Mapped[bool | None] = mapped_column(Boolean)
    event_url: Mapped[str | None] = mapped_column(String(2048))
    event_all_day: Mapped[bool | None] = mapped_column(Boolean)
    # "cancelled" | "postponed" | "tentative", None when on as given (records.EventStatus,
    # migration 0018): a called-off event leaves the calendar (``store.reads._events``)
    event_status: Mapped[str | None] = mapped_column(String(16))
    # recurring series: the RRULE, and coming occurrences as [[start, end], ...] ISO strings;
    # event_start/event_end then hold the next occurrence's start and the series' last end
    event_rule: Mapped[str | None] = mapped_column(String(500))
    event_occurrences: Mapped[list[Any]] = mapped_column(JSON, server_default="[]")
    # video
    video_id: Mapped[str | None] = mapped_column(String(128))
    video_thumbnail: Mapped[str | None] = mapped_column(String(2048))
    video_duration: Mapped[int | None]
    video_embed_url: Mapped[str | None] = mapped_column(String(2048))
    video_provider: Mapped[str | None] = mapped_column(String(32))
    video_views: Mapped[int | None]
    # scholarly article
    doi: Mapped[str | None] = mapped_column(String(255))
    pmid: Mapped[str | None] = mapped_column(String(32))
    pmcid: Mapped[str | None] = mapped_column(String(32))
    nct: Mapped[list[str]] = mapped_column(default=list)
    journal: Mapped[str | None] = mapped_column(String(300))
    authors: Mapped[list[str]] = mapped_column(default=list)
    pub_type: Mapped[str | None] = mapped_column(String(100))
    cites: Mapped[list[str]] = mapped_column(default=list, server_default="[]")  # DOIs cited
    flags: Mapped[list[str]] = mapped_column(default=list)  # "retracted", "corrected"
    # featured-article full text
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    fulltext: Mapped[str | None] = mapped_column(Text)
    fulltext_error: Mapped[str | None] = mapped_column(Text)
    fulltext_at: Mapped[datetime | None]
    # when its text changed after it was first stored (aggregator.dating.revised, 0015)
    revised_at: Mapped[datetime | None]
    first_seen_at: Mapped[Timestamp]
    changed_at: Mapped[Timestamp]

    __table_args__ = (
        UniqueConstraint("source_id", "guid_key", name="uq_items_source_guid"),
        UniqueConstraint("canonical_url", name="uq_items_canonical_url"),
        Index("ix_items_stream", "is_representative", "published", "id"),
        Index("ix_items_kind_stream", "kind", "leads_kind", "published", "id"),
        Index("ix_items_published", "published", "id"),
        Index("ix_items_story", "story_id"),
        Index("ix_items_story_seq", "story_seq"),
        Index("ix_items_event", "kind", "event_end", "event_start", "id"),
        Index("ix_items_doi", "doi"),
        Index("ix_items_source_published", "source_id", "published", "id"),
    )


class ItemSource(Base):
    """Which source carried which item, under which guid: the "also from" list."""

    __tablename__ = "item_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    source_id: Mapped[SourceId] = mapped_column(ForeignKey("sources.id"))
    guid_key: Mapped[str] = mapped_column(String(1024))
    # NULL when it is the item's URL, '' for none (aggregator.store.sameurl, migration 0011)
    url: Mapped[str | None] = mapped_column(String(2048))
    # The page the link names, as dedupe layer 2 reads it (``identity.page_of`` its key: an
    # event's without its date); NULL when it is the item's canonical_url, '' for none (a
    # URL its feed shared; aggregator.store.sameurl). A pasted address finds every copy by
    # it (``addresses.items_at``, migration 0025).
    canonical_url: Mapped[str | None] = mapped_column(String(2048))
    content_hash: Mapped[str] = mapped_column(String(80))
    first_seen_at: Mapped[Timestamp]

    __table_args__ = (
        UniqueConstraint("source_id", "guid_key", name="uq_item_sources_source_guid"),
        Index("ix_item_sources_canonical_url", "canonical_url"),
        Index("ix_item_sources_item", "item_id"),
        Index("ix_item_sources_source_item", "source_id", "item_id"),
    )


class PurgedItem(Base):
    """A guid whose item retention purged: the source's next fetch must not bring it back.

    Kept while the source's feed still carries the guid (``seen_at``), dropped
    some time after it stopped (``aggregator.store.retention``).
    """

    __tablename__ = "purged_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[SourceId] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    guid_key: Mapped[str] = mapped_column(String(1024))
    purged_at: Mapped[Timestamp]
    seen_at: Mapped[Timestamp]

    __table_args__ = (
        UniqueConstraint("source_id", "guid_key", name="uq_purged_items_source_guid"),
        Index("ix_purged_items_seen", "seen_at"),
    )


class WebSubSubscription(Base):
    """A source's WebSub subscription: its hub, topic, secret, state and lease."""

    __tablename__ = "websub_subscriptions"

    source_id: Mapped[SourceId] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    hub: Mapped[URL]
    topic: Mapped[URL]
    secret: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # discovered | requested | active | denied
    requested_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[Timestamp]


class WebSubDelivery(Base):
    """Content a hub pushed, verified, waiting for the refresh to ingest it."""

    __tablename__ = "websub_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[SourceId] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[Timestamp]


class ItemIdentifier(Base):
    """DOI / PMID / PMCID / video ids: dedup layer 3, unique across all items."""

    __tablename__ = "item_identifiers"

    identifier: Mapped[str] = mapped_column(String(300), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))

    __table_args__ = (Index("ix_item_identifiers_item", "item_id"), ROWID_LESS)


class MergedItem(Base):
    """An id whose item was merged into another (``store.folds``), and the item it is now.

    An item's id is its public name (``/items/ID``, the API, feed entries' ids): a
    bookmark or a feed reader's link to a merged-away item must lead to the article,
    which still exists, rather than to a 404. ``item_id`` always names an item that
    exists: a later merge of that item re-points its rows here, so one read answers;
    and its rows go with it when retention deletes it, after which the id is a 404 as
    the item's own is.
    """

    __tablename__ = "merged_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    merged_at: Mapped[Timestamp]

    __table_args__ = (Index("ix_merged_items_item", "item_id"),)


class ItemCitation(Base):
    """A DOI an item's text cites: "covers: …" links and retraction / erratum marks.

    Indexed by DOI both ways round: the items citing a DOI come from here, the
    stored article having it from ``ix_items_doi``.
    """

    __tablename__ = "item_citations"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    doi: Mapped[str] = mapped_column(String(255), primary_key=True)

    __table_args__ = (Index("ix_item_citations_doi", "doi"), ROWID_LESS)


class ItemTag(Base):
    __tablename__ = "item_tags"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = (Index("ix_item_tags_tag_item", "tag", "item_id"), ROWID_LESS)


class StoryCorrection(Base):
    """An editor's word on two items: one story (``same``) or never one (``apart``).

    The pair is stored once, lower id first (a check constraint, so that the
    unique pair cannot be written the other way round), and goes with either item.
    ``aggregator.storyindex`` weighs it above anything the text says.
    """

    __tablename__ = "story_corrections"

    first_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    second_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    same: Mapped[bool] = mapped_column(Boolean)
    made_at: Mapped[Timestamp]

    __table_args__ = (
        CheckConstraint("first_id < second_id", name="ordered"),
        Index("ix_story_corrections_second", "second_id"),
        ROWID_LESS,
    )


class FetchLog(Base):
    """One row per fetch attempt; trimmed to the newest few per source."""

    __tablename__ = "fetch_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[SourceId] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    started_at: Mapped[Timestamp]
    duration_ms: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    http_status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (Index("ix_fetch_log_source_started", "source_id", "started_at"),)


class Meta(Base):
    """Small shared state between processes: data generation, config status."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[Timestamp]
