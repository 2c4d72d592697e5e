"""Retention speed: what a pass costs when nothing expires, and how fast a large purge goes.

Fills a fresh database (SQLite file, or ``--database URL``) with N items over
S sources, published evenly over the past year, each carried by its own source
and one in ten by a second one, each its own story, then times:

  idle    a pass's retention when nothing has expired (the usual case)
  purge   ``days: 180``: about half the items go, in batches, guids remembered
  sweep   ``per_source`` over every source after that

    python benchmarks/retention_speed.py [--items 50000] [--sources 100] [--database URL]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from aggregator.config import Settings
from aggregator.records import SourceOutcome
from aggregator.retention import purge_after_pass
from aggregator.store import Store
from aggregator.store.models import Item, ItemSource, PurgedItem

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def settings_for(url: str, sources: int, **retention: int) -> Settings:
    return Settings.model_validate(
        {
            "database": url,
            "retention": retention,
            "sources": [
                {"id": f"s{n}", "name": f"S{n}", "url": f"https://ex.org/{n}", "kind": "news"}
                for n in range(sources)
            ],
        }
    )


def fill(store: Store, items: int, sources: int) -> None:
    step = timedelta(days=365) / items
    rows, links = [], []
    for n in range(items):
        source = f"s{n % sources}"
        published = NOW - step * n
        rows.append({"id": n + 1, "kind": "news", "label": "news", "source_id": source,
                     "guid_key": f"g{n}", "url": f"https://ex.org/i/{n}",
                     "canonical_url": f"https://ex.org/i/{n}", "title": f"Item {n}",
                     "summary": "", "published": published, "content_hash": str(n),
                     "story_id": n + 1, "is_representative": True, "first_seen_at": published,
                     "changed_at": published})  # fmt: skip
        links.append({"item_id": n + 1, "source_id": source, "guid_key": f"g{n}",
                      "url": None, "content_hash": str(n), "first_seen_at": published})  # fmt: skip
        if n % 10 == 0:
            links.append({"item_id": n + 1, "source_id": f"s{(n + 1) % sources}",
                          "guid_key": f"copy-{n}", "url": None, "content_hash": str(n),
                          "first_seen_at": published})  # fmt: skip
    with store.session() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(Item), rows[start : start + 5000])
        for start in range(0, len(links), 5000):
            session.execute(insert(ItemSource), links[start : start + 5000])


def count(store: Store, model: type) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--sources", type=int, default=100)
    parser.add_argument("--database", help="default: a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'retention.db'}"
        store = Store(url)
        store.sync_sources(settings_for(url, args.sources).configured_sources())
        fill(store, args.items, args.sources)
        links = count(store, ItemSource)
        print(f"{count(store, Item)} items, {links} links, {args.sources} sources")
        grown = [SourceOutcome(f"s{n}", "ok", new=1) for n in range(args.sources // 10)]

        idle = settings_for(url, args.sources, days=400, per_source=args.items)
        purge_after_pass(idle, store, grown, NOW)  # the day's sweep
        runs = 20
        started = time.perf_counter()
        for _ in range(runs):
            purge_after_pass(idle, store, grown, NOW)
        per_pass = (time.perf_counter() - started) / runs * 1000
        print(f"idle pass ({len(grown)} sources grew): {per_pass:.1f} ms of retention per pass")

        started = time.perf_counter()
        items = batches = passes = 0
        while True:  # a pass purges a bounded number of batches; the next goes on
            result = purge_after_pass(settings_for(url, args.sources, days=180), store, [], NOW)
            items, batches, passes = items + result.items, batches + result.batches, passes + 1
            if result.complete:
                break
        seconds = time.perf_counter() - started
        print(f"purge days=180: {items} items in {batches} batches over {passes} passes, "
              f"{seconds:.2f} s ({items / seconds:,.0f} items/s), "
              f"{count(store, PurgedItem)} guids remembered")  # fmt: skip

        keep = args.items // args.sources // 4
        started = time.perf_counter()
        swept = purge_after_pass(settings_for(url, args.sources, per_source=keep), store, [], NOW)
        seconds = time.perf_counter() - started
        rate = swept.items / max(seconds, 1e-9)
        print(f"sweep per_source={keep}: {swept.items} items in {seconds:.2f} s "
              f"({rate:,.0f} items/s), {count(store, Item)} left")  # fmt: skip
        store.close()


if __name__ == "__main__":
    main()
