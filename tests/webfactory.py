"""Test helpers for the web: a settings object with one source per kind, and items put in
through the real ingest path (``Store.save_fetch``) with hand-made ``ItemUpdate``s.

Stories (dedup layer 4) are grouped by ``make_story``, which writes ``story_id``
and ``is_representative`` through the story stage's writer. The fixtures (``app``,
``client``, ``filled``) are imported by the ``test_web_*`` modules.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from aggregator.config import Settings
from aggregator.records import (
    ArticleInfo,
    EventInfo,
    FetchReport,
    ItemIdentity,
    ItemUpdate,
    Kind,
    Label,
    ParsedItem,
    SourceOutcome,
    VideoInfo,
)
from aggregator.store import Store
from aggregator.store.stories import StoryRows
from aggregator.storyindex import Assignment
from aggregator.storywindow import story_window
from web import create_app

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SOURCES = {
    "health-news": (Kind.NEWS, Label.NEWS, "Health News Daily"),
    "fda-press": (Kind.NEWS, Label.PRESS_RELEASE, "FDA Press Releases"),
    "bmj": (Kind.ARTICLE, Label.JOURNAL, "The BMJ"),
    "medrxiv": (Kind.ARTICLE, Label.PREPRINT, "medRxiv"),
    "esc-events": (Kind.CONFERENCE, Label.SOCIETY, "ESC Congresses"),
    "med-videos": (Kind.VIDEO, Label.NEWS, "Medicine Videos"),
}
DEFAULT_SOURCE = {
    Kind.NEWS: "health-news",
    Kind.ARTICLE: "bmj",
    Kind.CONFERENCE: "esc-events",
    Kind.VIDEO: "med-videos",
}
_serial = itertools.count(1)


def web_settings(database_url: str, **featured: Any) -> Settings:
    """Settings with the test sources; ``featured`` overrides the featured policy."""
    return Settings.model_validate(
        {
            "database": database_url,
            "featured": {"policy": "latest", "kinds": ["article"], "min_words": 50, **featured},
            "sources": [
                {
                    "id": sid,
                    "name": name,
                    "url": f"https://example.org/{sid}.xml",
                    "kind": kind.value,
                    "label": label.value,
                }
                for sid, (kind, label, name) in SOURCES.items()
            ],
        }
    )


_VOCABULARY = (
    "aspirin statin trial cohort insulin tumour biopsy vaccine measles influenza sepsis stroke "
    "infarction arrhythmia dialysis kidney liver hepatitis asthma inhaler allergy eczema "
    "psoriasis melanoma lymphoma leukaemia marrow transplant antibody antigen receptor enzyme "
    "placebo randomised blinded endpoint mortality survival relapse remission dosage tablet "
    "injection infusion clinic ward surgeon nurse midwife pregnancy neonatal paediatric "
    "geriatric dementia memory seizure migraine spine fracture cartilage tendon obesity "
    "diabetes glucose lipid cholesterol pressure artery vein valve murmur scan imaging "
    "ultrasound genome mutation biomarker screening guideline regulator approval recall"
).split()


def words(count: int, seed: int) -> str:
    """Text that no other seed's text resembles, so dedupe keeps items apart.

    Medical words alone would not do: any two draws from one small vocabulary
    share several words, as two unrelated news items never share most of their
    specific ones. Every third word is a name of this seed's own.
    """
    pick = random.Random(seed)
    own = f"Zq{abs(seed):x}"
    return " ".join(f"{own}{n}" if n % 3 == 2 else pick.choice(_VOCABULARY) for n in range(count))


def entry(
    kind: Kind,
    *,
    title: str | None = None,
    published: datetime | None = None,
    summary: str | None = None,
    content: str | None = None,
    url: str | None = None,
    tags: Sequence[str] = (),
    thumbnail: str | None = None,
    **extra: Any,
) -> tuple[Kind, ParsedItem, tuple[str, ...]]:
    """One parsed entry of ``kind``, with the kind's own info filled in plausibly."""
    n = next(_serial)
    published = published or NOW - timedelta(minutes=n)
    if kind is Kind.CONFERENCE and "event" not in extra:
        start = NOW + timedelta(days=n)
        extra["event"] = EventInfo(
            start=start,
            end=start + timedelta(days=3),
            all_day=True,
            location=f"City {n}",
            url=f"https://events.example.org/{n}",
        )
    if kind is Kind.VIDEO and "video" not in extra:
        extra["video"] = VideoInfo(
            id=f"vid{n:08d}",
            provider="youtube",
            duration=300 + n,
            thumbnail=thumbnail or f"https://img.example.org/{n}.jpg",
            embed_url=f"https://www.youtube-nocookie.com/embed/vid{n:08d}",
        )
    if kind is Kind.ARTICLE and "article" not in extra:
        extra["article"] = ArticleInfo(
            doi=f"10.1136/test.{n}", journal="The BMJ", authors=("A. Author", "B. Author")
        )
    item = ParsedItem(
        guid=f"guid-{n}",
        url=url or f"https://example.org/{kind.value}/{n}",
        title=title or f"{words(6, n).capitalize()} ({kind.value} {n})",
        summary=summary if summary is not None else f"<p>{words(30, -n)}.</p>",
        content=content,
        published=published,
        **extra,
    )
    return kind, item, tuple(tags)


def save(
    store: Store,
    entries: Iterable[tuple[Kind, ParsedItem, tuple[str, ...]]],
    *,
    source: str | None = None,
    at: datetime = NOW,
    decide: bool = True,
    vocabulary: dict[str, str] | None = None,
    identify: Callable[[ParsedItem], ItemIdentity] | None = None,
) -> None:
    """Store entries as one fetch per source, the way a refresh would; ``decide`` False
    leaves their stories as they were (a refresh's batch before its stories are decided);
    ``vocabulary``: the fingerprint of the specialties the entries were tagged with;
    ``identify``: how an entry is recognised (``aggregator.identity.identify``, to key it
    by its canonical URL), else by its URL as given."""
    by_source: dict[str, list[ItemUpdate]] = {}
    for kind, item, tags in entries:
        source_id = source or DEFAULT_SOURCE[kind]
        label = SOURCES[source_id][1]
        by_source.setdefault(source_id, []).append(
            ItemUpdate(source_id, kind, label, item, (identify or _identity)(item), tags=tags)
        )
    for source_id, updates in by_source.items():
        outcome = SourceOutcome(source_id, "ok", new=len(updates))
        report = FetchReport(source_id, at, at, outcome, next_fetch_at=at + timedelta(hours=1))
        stories = story_window(store).assign(updates) if decide else None
        store.save_fetch(report, updates, worker="test", stories=stories, vocabulary=vocabulary)


def _identity(item: ParsedItem) -> ItemIdentity:
    digest = hashlib.sha256(f"{item.title}|{item.summary}|{item.content}".encode()).hexdigest()
    identifiers = []
    if item.article and item.article.doi:
        identifiers.append(f"doi:{item.article.doi}")
    if item.video and item.video.id:
        identifiers.append(f"youtube:{item.video.id}")
    return ItemIdentity(
        guid_key=item.guid or item.url or digest,
        canonical_url=item.url,
        identifiers=tuple(identifiers),
        content_hash=digest,
    )


def fill(
    store: Store, per_kind: int, *, start: datetime = NOW, thumbnail: str | None = None
) -> None:
    """``per_kind`` items of every kind, published a minute apart, long enough to feature."""
    batch = []
    for kind in Kind:
        for n in range(per_kind):
            published = start - timedelta(minutes=n * 4 + list(Kind).index(kind))
            body = f"<p>{words(80, next(_serial) + 10**6)}</p>" if kind is Kind.ARTICLE else None
            batch.append(
                entry(
                    kind,
                    published=published,
                    content=body,
                    tags=("cardiology",),
                    thumbnail=thumbnail,
                )
            )
    save(store, batch)


def make_story(store: Store, representative: int, others: Sequence[int]) -> None:
    """Group items into one story shown through ``representative``, as dedupe layer 4 does:
    written through the story stage's own writer (``StoryRows.write``)."""
    with store.session() as session:
        write_story(session, representative, others)


def news_story(store: Store, lead: tuple[str, str], other: tuple[str, str]) -> dict[str, int]:
    """A story of two news reports, (title, url) each: ``lead`` from Health News Daily shows
    it, ``other`` is the FDA's. Item ids by title."""
    save(store, [entry(Kind.NEWS, title=lead[0], url=lead[1])])
    save(store, [entry(Kind.NEWS, title=other[0], url=other[1])], source="fda-press")
    ids = {i.title: i.id for i in store.list_items().items}
    make_story(store, ids[lead[0]], [ids[other[0]]])
    return ids


def write_story(session: Session, representative: int, others: Sequence[int]) -> None:
    """``make_story`` in a transaction of the caller's, left uncommitted."""
    rows = StoryRows(session)
    clock = rows.lock()
    changes = [
        Assignment(item_id, representative, item_id == representative)
        for item_id in [representative, *others]
    ]
    rows.write(changes, (), clock.seq + 1)


def setup_store(store: Store, settings: Settings) -> Store:
    store.sync_sources(settings.configured_sources(), NOW)
    return store


@pytest.fixture
def settings(database_url: str) -> Settings:
    return web_settings(database_url)


@pytest.fixture
def app(store: Store, settings: Settings) -> Flask:
    setup_store(store, settings)
    flask_app = create_app(settings=settings, store=store)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def filled(app: Flask, store: Store) -> Store:
    """Twelve items of every kind: more than the sections show, fewer than two stream pages."""
    fill(store, 12)
    return store


def dated(client: FlaskClient, path: str) -> TestResponse:
    """An answer with its Last-Modified: none is given within the second its version was
    first seen (``Version.last_modified``), so ask again once that second is over."""
    first = client.get(path)
    if "Last-Modified" in first.headers:
        return first
    time.sleep(1.01 - time.time() % 1)
    return client.get(path)


def also_lines(html: str) -> list[str]:
    """The page's "Also from …" lines as a reader reads them (their links' markup left out)."""
    lines = re.findall(r'<p class="also">(.*?)</p>', html, re.DOTALL)
    return [re.sub(r"<[^>]+>", "", line) for line in lines]


def also_links(html: str) -> dict[str, str]:
    """Outlet name -> the address its name in an "Also from …" line links to."""
    lines = re.findall(r'<p class="also">(.*?)</p>', html, re.DOTALL)
    found = re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', "".join(lines))
    return {name: href.replace("&amp;", "&") for href, name in found}
