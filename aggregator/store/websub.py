"""WebSub rows: each source's subscription (hub, topic, secret, state, lease) and the
queue of pushed content waiting to be ingested.

The refresh notes hubs and asks for subscriptions; the site answers the hub's
verification and queues verified deliveries; the refresh takes them off the
queue and ingests them like a fetched body. This module stores and answers; it
decides nothing about when to subscribe beyond the rule in ``due``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from .models import WebSubDelivery, WebSubSubscription

RETRY_AFTER = timedelta(hours=1)  # a request the hub never verified is sent again after this


@dataclass(frozen=True)
class Subscription:
    source_id: str
    hub: str
    topic: str
    secret: str | None
    state: str
    lease_until: datetime | None


@dataclass(frozen=True)
class Delivery:
    id: int
    source_id: str
    body: bytes
    content_type: str | None
    received_at: datetime


def note_hub(session: Session, source_id: str, hub: str, topic: str, now: datetime) -> None:
    """A feed names its hub: a new or moved hub starts a subscription afresh."""
    row = session.get(WebSubSubscription, source_id)
    if row is None:
        session.add(WebSubSubscription(source_id=source_id, hub=hub, topic=topic,
                                       state="discovered", changed_at=now))  # fmt: skip
    elif (row.hub, row.topic) != (hub, topic):
        row.hub, row.topic, row.state, row.secret = hub, topic, "discovered", None
        row.lease_until, row.requested_at, row.error, row.changed_at = None, None, None, now


def due(session: Session, now: datetime, renew_before: timedelta) -> list[Subscription]:
    """Subscriptions to request: new, unverified for too long, or with a lease running out."""
    query = select(WebSubSubscription).where(
        or_(
            WebSubSubscription.state == "discovered",
            (WebSubSubscription.state == "requested")
            & (WebSubSubscription.requested_at < now - RETRY_AFTER),
            (WebSubSubscription.state == "active")
            & (WebSubSubscription.lease_until < now + renew_before),
        )
    )
    return [_record(row) for row in session.scalars(query)]


def mark_requested(session: Session, source_id: str, secret: str, now: datetime) -> None:
    row = session.get(WebSubSubscription, source_id)
    if row is not None:
        row.secret, row.requested_at, row.error, row.changed_at = secret, now, None, now
        if row.state != "active":  # an active one stays active while its renewal is verified
            row.state = "requested"


def mark_failed(session: Session, source_id: str, error: str, now: datetime) -> None:
    """The hub refused the request: say why; it is tried again after ``RETRY_AFTER``."""
    row = session.get(WebSubSubscription, source_id)
    if row is not None:
        row.error, row.requested_at, row.changed_at = error, now, now
        if row.state != "active":
            row.state = "requested"


def verify(session: Session, source_id: str, topic: str, lease: timedelta, now: datetime) -> bool:
    """The hub's verification of a request we made: True (and active) when it matches."""
    row = session.get(WebSubSubscription, source_id)
    if row is None or row.topic != topic or row.requested_at is None:
        return False
    if row.state not in ("requested", "active"):
        return False
    row.state, row.lease_until, row.error, row.changed_at = "active", now + lease, None, now
    return True


def deny(session: Session, source_id: str, topic: str, reason: str, now: datetime) -> bool:
    row = session.get(WebSubSubscription, source_id)
    if row is None or row.topic != topic:
        return False
    row.state, row.error, row.lease_until, row.changed_at = "denied", reason, None, now
    return True


def subscription(session: Session, source_id: str) -> Subscription | None:
    row = session.get(WebSubSubscription, source_id)
    return None if row is None else _record(row)


def queue(
    session: Session, source_id: str, body: bytes, content_type: str | None, now: datetime
) -> None:
    session.add(WebSubDelivery(source_id=source_id, body=body, content_type=content_type,
                               received_at=now))  # fmt: skip


def take(session: Session, limit: int) -> list[Delivery]:
    """Remove and return the oldest deliveries; another process skips the ones taken here."""
    query = select(WebSubDelivery).order_by(WebSubDelivery.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    if rows:
        session.execute(delete(WebSubDelivery).where(WebSubDelivery.id.in_([r.id for r in rows])))
    return [Delivery(r.id, r.source_id, r.body, r.content_type, r.received_at) for r in rows]


def _record(row: WebSubSubscription) -> Subscription:
    return Subscription(row.source_id, row.hub, row.topic, row.secret, row.state, row.lease_until)


class WebSubStore:
    """``Store.websub``: the functions above, each in its own unit of work."""

    def __init__(
        self,
        session: Callable[[], AbstractContextManager[Session]],
        read: Callable[[], AbstractContextManager[Session]],
    ) -> None:
        self._session = session
        self._read = read

    def pending(self) -> bool:
        """Whether anything waits to be ingested: a read, so an idle tick takes no write lock."""
        with self._read() as session:
            return session.scalar(select(WebSubDelivery.id).limit(1)) is not None

    def note_hub(self, source_id: str, hub: str, topic: str, now: datetime) -> None:
        with self._session() as session:
            note_hub(session, source_id, hub, topic, now)

    def due(self, now: datetime, renew_before: timedelta) -> list[Subscription]:
        with self._session() as session:
            return due(session, now, renew_before)

    def mark_requested(self, source_id: str, secret: str, now: datetime) -> None:
        with self._session() as session:
            mark_requested(session, source_id, secret, now)

    def mark_failed(self, source_id: str, error: str, now: datetime) -> None:
        with self._session() as session:
            mark_failed(session, source_id, error, now)

    def verify(self, source_id: str, topic: str, lease: timedelta, now: datetime) -> bool:
        with self._session() as session:
            return verify(session, source_id, topic, lease, now)

    def deny(self, source_id: str, topic: str, reason: str, now: datetime) -> bool:
        with self._session() as session:
            return deny(session, source_id, topic, reason, now)

    def subscription(self, source_id: str) -> Subscription | None:
        with self._session() as session:
            return subscription(session, source_id)

    def queue(self, source_id: str, body: bytes, content_type: str | None, now: datetime) -> None:
        with self._session() as session:
            queue(session, source_id, body, content_type, now)

    def take(self, limit: int = 50) -> list[Delivery]:
        with self._session() as session:
            return take(session, limit)
