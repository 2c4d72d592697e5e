"""Source rows: the config mirror, claiming due sources, and recording fetch outcomes.

Claiming is what lets many ``medfeed run`` / ``medfeed refresh`` processes share
one database: a claim is a lease (``claimed_by`` / ``claimed_until``) taken by a
conditional UPDATE, and on PostgreSQL the candidates are first locked with
``SELECT ... FOR UPDATE SKIP LOCKED`` so workers never wait on each other. A
killed worker's lease is taken over at once by a process on the same host
(the holder's PID and start time show it is gone, see ``leases``); a lease
held from another host expires.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Delete,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from ..leases import holder_gone
from ..records import ConfiguredSource, FetchReport, Kind, Label, SourceState, StoredSource
from . import reclassify, stories
from .models import FetchLog, Item, ItemSource, Source
from .upsert import insert_ignore

FETCH_LOG_KEEP = 50  # attempts kept per source
MAX_JITTER = 0.5  # the widest jitter the config allows (schedule.jitter), of the interval
# Core tables, for multi-row statements that need no ORM bookkeeping
SOURCES = cast(Table, Source.__table__)
FETCH_LOG = cast(Table, FetchLog.__table__)
_SOURCES = cast(Table, Source.__table__)


def sync_sources(
    session: Session, sources: Sequence[ConfiguredSource], now: datetime, *, edited: bool = False
) -> bool:
    """Mirror config.yaml: add new sources (due now), update changed ones, retire removed ones.

    ``edited``: the admin saved the file (a running service's reload, or SIGHUP). That
    also re-enables the sources medfeed disabled after a 410 Gone which the file keeps
    enabled: the file still said ``enabled: true``, so only two saves (``false``, then
    ``true``) re-enabled one, the first save of the file as the admin wanted it changing
    nothing. A start or a cron ``refresh`` mirrors the file unedited and leaves them be.

    A source whose kind or label changed takes the items it owns along
    (``reclassify``); it, and one leaving or coming back to the config, may change
    whose copy items show, so documents that carry them are read again
    (``_read_again``); a source whose document limits changed reads its own document
    whole (``_read_whole``). True when a row changed: pages show source names and the
    items' kinds, so the caller moves the data generation on.
    """
    rows = {row.id: row for row in session.scalars(select(Source))}
    if any(
        (row.kind, row.label) != (conf.kind.value, conf.label.value)
        for conf in sources
        if (row := rows.get(conf.id)) is not None
    ):
        # before any row is written: a story decision holding the lock may wait for them
        stories.lock_stories(session)
    changed = False
    added: list[dict[str, object]] = []
    reclassified: list[ConfiguredSource] = []
    ranked_anew: list[str] = []  # ``_read_again``
    recapped: list[str] = []  # ``_read_whole``
    for conf in sources:
        interval = int(conf.interval.total_seconds())
        values: dict[str, object] = {
            "name": conf.name,
            "kind": conf.kind.value,
            "label": conf.label.value,
            "tags": list(conf.tags),
            "interval_seconds": max(interval, 1),
            "enabled": conf.enabled,
            "in_config": True,
        }
        row = rows.get(conf.id)
        if row is None:
            added.append({"id": conf.id, "url": conf.url, "created_at": now, "next_fetch_at": now,
                          "consecutive_failures": 0, "max_entries": conf.limits.max_entries,
                          "max_categories": conf.limits.max_categories, **values})  # fmt: skip
            continue
        if row.url != conf.url:
            # A new address starts afresh: validators and redirects belonged to the old one.
            values.update(etag=None, last_modified=None, body_digest=None, permanent_redirect=None,
                          next_fetch_at=now, url=conf.url, disabled_reason=None,
                          consecutive_failures=0)  # fmt: skip
        elif row.interval_seconds != values["interval_seconds"]:
            sooner = _sooner(row, timedelta(seconds=max(interval, 1)), now)
            if sooner is not None:
                values["next_fetch_at"] = sooner
        if conf.enabled and (not row.enabled or (edited and row.disabled_reason is not None)):
            values["disabled_reason"] = None
            values["next_fetch_at"] = now
        if (row.kind, row.label) != (values["kind"], values["label"]):
            reclassified.append(conf)
        if (row.kind, row.label, row.in_config) != (values["kind"], values["label"], True):
            ranked_anew.append(conf.id)
        caps = (conf.limits.max_entries, conf.limits.max_categories)
        if (row.max_entries, row.max_categories) != caps:
            if row.max_entries is not None:  # NULL, from before 0026: unknown, no change
                recapped.append(conf.id)
            row.max_entries, row.max_categories = caps  # pages show no cap: same generation
        for key, value in values.items():
            if getattr(row, key) != value:
                setattr(row, key, value)
                changed = True
    # Another process starting at the same moment may add the same sources: not an error.
    insert_ignore(session, Source.__table__, added)
    for conf in reclassified:  # the items it owns move with the source
        reclassify.follow_source(session, conf.id, conf.kind, conf.label, now)
    configured = {s.id for s in sources}
    for source_id, row in rows.items():
        if source_id not in configured and row.in_config:
            row.in_config = False
            ranked_anew.append(source_id)
            changed = True
    if ranked_anew:
        _read_again(session, ranked_anew)
    if recapped:
        _read_whole(session, Source.id.in_(recapped))
    return changed or bool(added)


def _read_again(session: Session, source_ids: Sequence[str]) -> None:
    """Have ``source_ids``, and every source carrying an item they own, read their whole
    document at their next fetch: without validators (as the fetch every
    ``schedule.unconditional_every`` does), and with no body digest to match.

    Whose copy an item shows (``reconcile.Owner``) follows its sources' labels and
    kinds and whether they are in the config, and a source claims an item only when
    it reads the document that carries it. Those documents are likely the very bodies
    last stored, which a refresh does not read again: an item stayed under a source
    removed from the config until another's feed changed (tests/test_item_owner.py);
    forgetting the digest alone left it there where the server answers 304. A fetch
    already under way when this runs does not write its claim's digest back
    (``_DIGEST_OVER_CLAIMED``).
    """
    owned = select(Item.id).where(Item.source_id.in_(list(source_ids)))
    carriers = select(ItemSource.source_id).where(ItemSource.item_id.in_(owned))
    _read_whole(session, or_(Source.id.in_(list(source_ids)), Source.id.in_(carriers)))


def _read_whole(session: Session, sources: ColumnElement[bool]) -> None:
    """Have ``sources`` read their whole document at their next fetch, whatever its server
    and their digest say (``_read_again``). A source whose document limits changed is
    one: the same document gives other entries under a new ``max_entries`` (an archive
    feed's cap raised brings its older entries), or other categories under a new
    ``max_categories``, which a 304 would never show it."""
    session.execute(
        update(Source)
        .where(sources)
        .values(body_digest=None, last_unconditional_at=None)
        .execution_options(synchronize_session=False)
    )


def _sooner(row: Source, interval: timedelta, now: datetime) -> datetime | None:
    """When a shorter interval brings a source's next fetch forward: its last fetch plus
    the new interval (now, if that is past). Not when the next fetch is later than the
    old interval for a reason of its own, which an edit does not cancel: failures
    backing off, a server's Retry-After or Cache-Control (a next fetch further from the
    last than the old interval and its widest jitter); nor for a longer interval, which
    the next fetch will follow."""
    if row.next_fetch_at is None or row.consecutive_failures:
        return None
    old = timedelta(seconds=row.interval_seconds)
    if interval >= old:
        return None
    if row.last_fetch_at is None:
        return min(row.next_fetch_at, now + interval)
    if row.next_fetch_at - row.last_fetch_at > old * (1 + MAX_JITTER) + timedelta(seconds=1):
        return None
    return min(row.next_fetch_at, max(now, row.last_fetch_at + interval))


def claim(
    session: Session,
    *,
    now: datetime,
    worker: str,
    lease: timedelta,
    source_ids: Sequence[str] | None = None,
    due_only: bool = True,
    due_by: datetime | None = None,
    fetched_before: datetime | None = None,
    limit: int = 1000,
) -> list[SourceState]:
    """Take a lease on the sources to fetch now (due by ``due_by``, default now); sources
    leased by others are skipped.

    Leases whose holder is certainly gone are ended first, so a pass after a
    crash fetches what the dead process had claimed instead of skipping it.
    ``fetched_before`` also skips the sources whose last fetch ended at or
    after it: several ``refresh --all`` started together share one pass, and
    a source another of them has already fetched is done, not due again.
    """
    reclaim_dead(session, now)
    query = (
        select(Source)
        .where(*_claimable(now, source_ids, due_only, fetched_before, due_by))
        .order_by(Source.next_fetch_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = session.scalars(query).all()
    if not rows:
        return []
    # One conditional UPDATE for the whole batch; RETURNING says which leases were taken.
    taken = set(
        session.scalars(
            update(Source)
            .where(
                Source.id.in_([row.id for row in rows]),
                or_(Source.claimed_until.is_(None), Source.claimed_until < now),
            )
            .values(claimed_by=worker, claimed_until=now + lease)
            .returning(Source.id)
            .execution_options(synchronize_session=False)
        )
    )
    return [_state(row) for row in rows if row.id in taken]


def claimable_count(
    session: Session,
    *,
    now: datetime,
    source_ids: Sequence[str] | None = None,
    due_only: bool = True,
    fetched_before: datetime | None = None,
) -> int:
    """How many sources a ``claim`` with these arguments could take now (none are locked).

    Leases of holders that are gone are ended first, as ``claim`` does: a pass
    after a crash counts what the dead process held.
    """
    reclaim_dead(session, now)
    conditions = _claimable(now, source_ids, due_only, fetched_before)
    return int(session.scalar(select(func.count()).select_from(Source).where(*conditions)) or 0)


def _claimable(
    now: datetime,
    source_ids: Sequence[str] | None,
    due_only: bool,
    fetched_before: datetime | None,
    due_by: datetime | None = None,
) -> list[ColumnElement[bool]]:
    conditions = [
        Source.in_config.is_(True),
        Source.enabled.is_(True),
        Source.disabled_reason.is_(None),
        or_(Source.claimed_until.is_(None), Source.claimed_until < now),
    ]
    if source_ids is not None:
        conditions.append(Source.id.in_(list(source_ids)))
    if due_only:
        due = due_by or now
        conditions.append(or_(Source.next_fetch_at.is_(None), Source.next_fetch_at <= due))
    if fetched_before is not None:
        conditions.append(
            or_(Source.last_fetch_at.is_(None), Source.last_fetch_at < fetched_before)
        )
    return conditions


def reclaim_dead(session: Session, now: datetime) -> list[str]:
    """End the leases of holders that no longer run; the ids of the sources freed."""
    held = session.execute(
        select(Source.id, Source.claimed_by).where(
            Source.claimed_by.is_not(None), Source.claimed_until >= now
        )
    ).all()
    freed = []
    for source_id, holder in held:
        if holder and holder_gone(holder):
            session.execute(
                update(Source)
                .where(Source.id == source_id, Source.claimed_by == holder)
                .values(claimed_by=None, claimed_until=None)
            )
            freed.append(source_id)
    return freed


def release(session: Session, source_ids: Sequence[str], worker: str) -> None:
    """Give back claims without recording a fetch (shutdown mid-pass)."""
    session.execute(
        update(Source)
        .where(Source.id.in_(list(source_ids)), Source.claimed_by == worker)
        .values(claimed_by=None, claimed_until=None)
    )


def record(session: Session, report: FetchReport, worker: str) -> None:
    """Write a fetch's outcome as the source's state, release its claim, log the attempt."""
    record_many(session, [report], worker)


def record_many(session: Session, reports: Sequence[FetchReport], worker: str) -> None:
    """``record`` for many sources at once: a few multi-row statements, not a few per source.

    A pass of 304s writes nothing else, so these statements are most of its
    database work. Reports that set the same columns share one executemany
    UPDATE; every attempt gets its log row; each source keeps its newest
    ``FETCH_LOG_KEEP`` rows.
    """
    if not reports:
        return
    table = SOURCES
    groups: dict[tuple[bool, tuple[str, ...]], list[dict[str, object]]] = {}
    for report in reports:
        values = _state_values(report)
        failed = report.outcome.status == "failed"
        groups.setdefault((failed, tuple(sorted(values))), []).append(
            {"source_id": report.source_id, **values}
        )
    written = 0
    for (failed, keys), rows in groups.items():
        statement = update(table).where(table.c.id == bindparam("source_id"), _SAME_URL)
        if failed:  # counted in the database: a concurrent writer cannot lose an increment
            statement = statement.values(consecutive_failures=table.c.consecutive_failures + 1)
        if "digest_read" in keys:
            statement = statement.values(body_digest=_DIGEST_OVER_CLAIMED)
        written += session.execute(statement, rows).rowcount  # type: ignore[attr-defined]
    if written != len(reports):  # a source's URL changed since its claim: only released
        release(session, [r.source_id for r in reports if r.outcome.status != "pushed"], worker)
    session.execute(insert(FETCH_LOG), [_log_row(report, worker) for report in reports])
    _trim_logs(session, sorted({report.source_id for report in reports}))


def _state_values(report: FetchReport) -> dict[str, object]:
    """The columns a fetch's outcome sets (a failure's count is added by the statement)."""
    outcome = report.outcome
    values: dict[str, object] = {
        "fetched_url": report.url,
        "last_fetch_at": report.finished_at,
        "last_status": outcome.status,
        "last_http_status": report.http_status,
        "last_error": outcome.error,
        "next_fetch_at": report.next_fetch_at,
    }
    if outcome.status != "pushed":  # a push holds no claim: one held is another worker's
        values.update(claimed_by=None, claimed_until=None)
    if outcome.status != "failed":
        values.update(consecutive_failures=0, last_success_at=report.finished_at)
        if outcome.status == "ok" or report.body_digest:  # a body came: its validators
            values.update(
                etag=_fitting("etag", report.etag),
                last_modified=_fitting("last_modified", report.last_modified),
            )
        if report.body_digest:  # written by ``_DIGEST_OVER_CLAIMED``
            values.update(digest_read=report.body_digest, digest_claimed=report.claimed_digest)
        elif outcome.status == "pushed":
            # A hub's body is stored: the next poll's body is to be compared with the
            # items as they are now, which no polled digest describes.
            values["body_digest"] = None
        if not report.conditional:
            values["last_unconditional_at"] = report.finished_at
    if outcome.status in ("ok", "pushed"):  # a document was read: its warnings, or none
        values["last_warning"] = "; ".join(outcome.warnings) or None
    if _fitting("permanent_redirect", report.permanent_redirect):
        values["permanent_redirect"] = report.permanent_redirect
    if report.disable_reason:
        values["disabled_reason"] = report.disable_reason
    return values


# A fetch's state is written only over the address it fetched: a config edit that changed
# the source's URL meanwhile (``sync_sources``) reset its state for the new one, and an
# answer of the old address (410 Gone, an ETag, a day's Retry-After or freshness) would
# have disabled the new one, or put its first fetch off with the old one's validators.
_FETCHED_URL = bindparam("fetched_url", type_=SOURCES.c.url.type)
_SAME_URL = or_(_FETCHED_URL.is_(None), SOURCES.c.url == _FETCHED_URL)

# A digest is written over the one its claim read, never over what changed since: a
# config edit that cleared it (``_read_again``) or a push stored meanwhile. Had the old
# digest been written back, the edit would have waited for the next unconditional
# fetch (12 h). In the statement, so that it holds against a writer in another process
# (PostgreSQL evaluates it on the row as the concurrent edit left it).
_DIGEST_OVER_CLAIMED = case(
    (
        SOURCES.c.body_digest.is_not_distinct_from(
            bindparam("digest_claimed", type_=SOURCES.c.body_digest.type)
        ),
        bindparam("digest_read", type_=SOURCES.c.body_digest.type),
    ),
    else_=SOURCES.c.body_digest,
)


def _fitting(column: str, value: str | None) -> str | None:
    """``value`` if the sources table's column holds it, else None: a server's 600-character
    ETag, or a redirect to a 3,000-character address, is not worth keeping, and PostgreSQL
    refused the whole fetch's write for it (the source then failed on every pass)."""
    length = _SOURCES.c[column].type.length  # type: ignore[attr-defined]
    return value if value is None or len(value) <= length else None


def _log_row(report: FetchReport, worker: str) -> dict[str, object]:
    outcome = report.outcome
    return {
        "source_id": report.source_id,
        "started_at": report.started_at,
        "duration_ms": int((report.finished_at - report.started_at).total_seconds() * 1000),
        "status": outcome.status,
        "http_status": report.http_status,
        "error": outcome.error,
        "new": outcome.new,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "worker": worker,
    }


def _trim_statement() -> Delete:
    """All but the newest ``keep`` log rows of each of the sources ``ids``."""
    newest_first = (
        func.row_number()
        .over(partition_by=FETCH_LOG.c.source_id, order_by=FETCH_LOG.c.id.desc())
        .label("n")
    )
    ranked = (
        select(FETCH_LOG.c.id, newest_first)
        .where(FETCH_LOG.c.source_id.in_(bindparam("ids", expanding=True)))
        .subquery()
    )
    old = select(ranked.c.id).where(ranked.c.n > bindparam("keep"))
    return delete(FETCH_LOG).where(FETCH_LOG.c.id.in_(old))


# Built once: a first pass trims after each of its sources, and building the window
# query took twice as long as running it (~0.2 ms of ~0.3 ms).
_TRIM_LOGS = _trim_statement()


def _trim_logs(session: Session, source_ids: Sequence[str]) -> None:
    """Delete all but the newest ``FETCH_LOG_KEEP`` log rows of each source, in one statement."""
    session.execute(_TRIM_LOGS, {"ids": list(source_ids), "keep": FETCH_LOG_KEEP})


def unvalidated_count(session: Session, source_ids: Sequence[str]) -> int:
    """How many of ``source_ids`` have nothing to know an unchanged document by: no
    validator (ETag, Last-Modified) to send, no digest of a body stored."""
    query = select(func.count()).select_from(Source)
    query = query.where(
        Source.id.in_(source_ids),
        Source.etag.is_(None),
        Source.last_modified.is_(None),
        Source.body_digest.is_(None),
    )
    return int(session.scalar(query) or 0)


def enabled_ids(session: Session) -> list[str]:
    """The sources a ``refresh --all`` covers, without the item counts ``list_sources`` adds."""
    query = select(Source.id).where(Source.in_config.is_(True), Source.enabled.is_(True))
    return list(session.scalars(query.order_by(Source.kind, Source.id)))


def list_sources(session: Session, *, include_retired: bool = False) -> list[StoredSource]:
    counts = (
        select(ItemSource.source_id, func.count(func.distinct(ItemSource.item_id)).label("n"))
        .group_by(ItemSource.source_id)
        .subquery()
    )
    query = select(Source, func.coalesce(counts.c.n, 0)).outerjoin(
        counts, counts.c.source_id == Source.id
    )
    if not include_retired:
        query = query.where(Source.in_config.is_(True))
    rows = session.execute(query.order_by(Source.kind, Source.id)).all()
    return [_stored(row, count) for row, count in rows]


def _state(row: Source) -> SourceState:
    return SourceState(
        id=row.id,
        url=row.url,
        kind=Kind(row.kind),
        label=Label(row.label),
        tags=tuple(row.tags or ()),
        interval=timedelta(seconds=row.interval_seconds),
        etag=row.etag,
        last_modified=row.last_modified,
        consecutive_failures=row.consecutive_failures,
        last_unconditional_at=row.last_unconditional_at,
        body_digest=row.body_digest,
    )


def _stored(row: Source, item_count: int) -> StoredSource:
    """The source as pages and commands show it: a source that is not fetched (disabled
    by the admin or by a 410, or removed from the config) has no next fetch."""
    fetched = row.enabled and row.in_config and row.disabled_reason is None
    return StoredSource(
        id=row.id,
        name=row.name,
        url=row.url,
        kind=Kind(row.kind),
        label=Label(row.label),
        enabled=row.enabled,
        in_config=row.in_config,
        disabled_reason=row.disabled_reason,
        last_fetch_at=row.last_fetch_at,
        last_success_at=row.last_success_at,
        last_status=row.last_status,
        last_http_status=row.last_http_status,
        last_error=row.last_error,
        last_warning=row.last_warning,
        consecutive_failures=row.consecutive_failures,
        next_fetch_at=row.next_fetch_at if fetched else None,
        permanent_redirect=row.permanent_redirect,
        item_count=int(item_count),
        claimed_by=row.claimed_by,
        claimed_until=row.claimed_until,
    )


def due_count(session: Session, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                and_(Source.in_config.is_(True), Source.enabled.is_(True)),
                Source.disabled_reason.is_(None),
                or_(Source.next_fetch_at.is_(None), Source.next_fetch_at <= now),
            )
        )
        or 0
    )
