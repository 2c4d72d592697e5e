"""Story assignment cost per new item with 10k, 100k and 1M items stored.

The database is filled with the shared generated corpus (``../shared/bench``:
shared boilerplate sentences, shared medical vocabulary, syndicated rewrites),
one generated month after another (``--feeds`` feeds x 50 items a month, a
new seed each month), so the stored items span as many months as the size
needs while the story window (7 days either side) always holds the same
density of items, as a long-running service would see. Older months are
stored without story decisions (they are outside every new item's window);
the last month is decided as hourly refresh passes would.

Then the next month arrives as hourly refresh passes store it: each hour's
items are inserted marked pending, and ``Store.assign_stories`` decides them
(``StoryWindow.assign_pending``).
Printed per size: the cold start (the first pass in a fresh process, which
loads the window from the database into the process's index), then the
steady cost per new item over a week of passes (CPU and wall), the items
held in memory, and bytes per stored entry (SQLite file).

    python benchmarks/story_cost.py [--sizes 10000,100000,1000000] [--feeds 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO.parent / "shared" / "bench"
sys.path.insert(0, str(REPO))

from aggregator.dedupe import document_levels, signature  # noqa: E402
from aggregator.store import Store  # noqa: E402
from aggregator.store.models import Item, Source  # noqa: E402
from aggregator.store.stories import StoryRows  # noqa: E402
from aggregator.storywindow import story_window  # noqa: E402

ITEMS_PER_FEED = 50
PASS = timedelta(hours=1)  # a refresh every hour stores what was published in the hour
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
MONTH = timedelta(days=30)
DAYS_MEASURED = 7


def month(feeds: int, seed: int, shift: timedelta) -> list[dict[str, Any]]:
    """One generated month: rows per feed, published times moved by ``shift``."""
    sys.path.insert(0, str(BENCH))
    from gen_feeds import FeedCorpus

    corpus = FeedCorpus(n_feeds=feeds, n_items=ITEMS_PER_FEED, seed=seed)
    start = None
    rows = []
    for feed in range(feeds):
        for n, entry in enumerate(corpus.feed_items(feed)):
            published = entry["published"]
            start = published if start is None else min(start, published)
            rows.append(
                {
                    "source_id": f"f{feed}",
                    "guid_key": f"s{seed}-f{feed}-{n}",
                    "title": entry["title"],
                    "summary": entry["summary_html"],
                    "published": published,
                }
            )
    assert start is not None
    for row in rows:
        row["published"] = EPOCH + shift + (row["published"] - start)
    return rows


def item_values(row: dict[str, Any], now: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "news",
        "label": "news",
        "content_hash": row["guid_key"],
        "first_seen_at": now,
        "changed_at": now,
        "story_id": None,
        "is_representative": True,
        **row,
        **extra,
    }


def by_pass(rows: Sequence[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """What each refresh pass would store: the rows published in one PASS-long slot."""
    slots: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        slots.setdefault(int((row["published"] - EPOCH) / PASS), []).append(row)
    for slot in sorted(slots):
        yield slots[slot]


def store_pending(store: Store, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    """Insert rows and mark them for the next story pass, signatures in memory, as
    ``Store.save_fetch(stories=StoryWindow.defer(...))`` does for a refresh."""
    known = {}
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_source.setdefault(row["source_id"], []).append(row)
    for group in by_source.values():
        sigs = document_levels([signature(r["title"], r["summary"]) for r in group])
        known.update(((r["title"], r["summary"]), s) for r, s in zip(group, sigs, strict=True))
    with store.session() as session:
        ids = session.scalars(
            insert(Item).returning(Item.id), [item_values(r, now) for r in rows]
        ).all()
        story_window(store).mark(StoryRows(session), ids, known)


def fill(store: Store, size: int, feeds: int) -> int:
    """Store ``size`` items (whole months); returns the number of months."""
    per_month = feeds * ITEMS_PER_FEED
    months = max(1, size // per_month)
    now = datetime.now(UTC)
    with store.session() as session:
        session.execute(
            insert(Source),
            [
                {
                    "id": f"f{n}",
                    "name": f"F{n}",
                    "url": f"http://127.0.0.1/f{n}.xml",
                    "kind": "news",
                    "label": "news",
                    "interval_seconds": 3600,
                    "created_at": now,
                }
                for n in range(feeds)
            ],
        )
    for m in range(months - 1):
        rows = month(feeds, 1000 + m, MONTH * m)
        with store.session() as session:
            for start in range(0, len(rows), 5000):
                session.execute(
                    insert(Item), [item_values(r, now) for r in rows[start : start + 5000]]
                )
    for batch in by_pass(month(feeds, 1000 + months - 1, MONTH * (months - 1))):
        store_pending(store, batch, now)
        store.assign_stories(story_window(store).assign_pending())
    return months


def measure(url: str, size: int, feeds: int) -> dict[str, float]:
    store = Store(url)
    try:
        started = time.perf_counter()
        months = fill(store, size, feeds)
        fill_seconds = time.perf_counter() - started
    finally:
        store.close()
    # A fresh process view: the index is rebuilt from the database on the first batch.
    store = Store(url)
    try:
        now = datetime.now(UTC)
        batches = list(by_pass(month(feeds, 1, MONTH * months)))
        timings = []
        for batch in batches[: DAYS_MEASURED * 24]:
            store_pending(store, batch, now)
            wall, cpu = time.perf_counter(), time.process_time()
            store.assign_stories(story_window(store).assign_pending())
            timings.append((len(batch), time.perf_counter() - wall, time.process_time() - cpu))
        index = story_window(store).index
        held = len(index.items) if index is not None else 0
        with store.session() as session:
            stored = len(session.scalars(select(Item.id)).all())
    finally:
        store.close()
    _, first_wall, _ = timings[0]
    steady = timings[1:] or timings
    n = sum(t[0] for t in steady)
    return {
        "stored": stored,
        "fill_s": fill_seconds,
        "cold_s": first_wall,
        "cpu_ms": sum(t[2] for t in steady) * 1000 / n,
        "wall_ms": sum(t[1] for t in steady) * 1000 / n,
        "held": held,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--feeds", type=int, default=200, help="feeds per generated month")
    parser.add_argument("--database", default=None, help="empty database URL (default: SQLite)")
    args = parser.parse_args()
    if not BENCH.is_dir():
        sys.exit(f"the shared corpus generator is not at {BENCH}")
    print(
        f"feeds={args.feeds} x {ITEMS_PER_FEED} items a month; a refresh pass every hour,"
        f" {DAYS_MEASURED} days of passes measured"
    )
    print("   stored   fill s  cold start s  CPU ms/item  wall ms/item  in memory  bytes/entry")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "stories.db"
            url = args.database or f"sqlite:///{path}"
            row = measure(url, size, args.feeds)
            per_entry = path.stat().st_size / row["stored"] if path.exists() else float("nan")
            print(
                f"{row['stored']:>9,} {row['fill_s']:>8.1f} {row['cold_s']:>13.2f}"
                f" {row['cpu_ms']:>12.2f} {row['wall_ms']:>13.2f}"
                f" {row['held']:>10,} {per_entry:>12,.0f}"
            )


if __name__ == "__main__":
    main()
