"""What a source's kind or label edit costs the config mirror on a large store.

Fills a fresh database (SQLite file, or ``--database URL``) with N items over S
sources of kind news, one item per source at each midnight (a date-only feed puts
whole days at one instant, the worst case for the label edit's tie query), each its
own story, or with ``--shared K`` every K-th midnight's items one story across all
sources. Then times ``Store.sync_sources`` with one source edited (median of
``--runs``), the item rows put back between runs, and counts the items it left to be
decided again (``story_seq`` pending):

  article     news -> article: the same group of kinds, no decision changes
  video       news -> video: the kinds veto turns between its items and the rest
  conference  news -> conference: its items leave every story they share
  label       news -> sponsored (label only), for comparison with the label edit

    python benchmarks/kind_edit_cost.py [--items 219000] [--sources 20] [--shared 10]
                                        [--database URL] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text, update

from aggregator.config import Settings
from aggregator.store import Store
from aggregator.store.models import Item, Source
from aggregator.store.stories import PENDING

NOW = datetime(2026, 11, 30, tzinfo=UTC)
EDITS = {
    "article": {"kind": "article", "label": "news"},
    "video": {"kind": "video", "label": "news"},
    "conference": {"kind": "conference", "label": "news"},
    "label": {"kind": "news", "label": "sponsored"},
}


def settings_for(url: str, sources: int, edit: dict[str, str] | None = None) -> Settings:
    """S news sources; ``edit`` changes the first one's kind and label."""
    listed = [
        {"id": f"s{n}", "name": f"S{n}", "url": f"https://ex.org/{n}", "kind": "news",
         "label": "news"}
        for n in range(sources)
    ]  # fmt: skip
    if edit:
        listed[0].update(edit)
    return Settings.model_validate({"database": url, "sources": listed})


def fill(store: Store, items: int, sources: int, shared: int) -> None:
    rows = []
    for n in range(items):
        slot, source = divmod(n, sources)
        published = NOW - timedelta(days=slot)
        leader = slot * sources + 1 if shared and slot % shared == 0 else n + 1
        rows.append({"id": n + 1, "kind": "news", "label": "news", "source_id": f"s{source}",
                     "guid_key": f"g{n}", "url": f"https://ex.org/i/{n}",
                     "canonical_url": f"https://ex.org/i/{n}", "title": f"Item {n}",
                     "summary": "", "published": published, "content_hash": str(n),
                     "story_id": leader, "is_representative": leader == n + 1,
                     "first_seen_at": published, "changed_at": published})  # fmt: skip
    with store.session() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(Item), rows[start : start + 5000])
        if store.dialect == "postgresql":
            # the statistics autovacuum keeps on a live database: without them PostgreSQL
            # scanned the table for each chunk of the edit's stories (87 s, not 6 s).
            # A medfeed SQLite database never has any (nothing runs ANALYZE there).
            session.execute(text("ANALYZE items"))


def put_back(store: Store) -> None:
    """The first source and its items as they were filled, nothing pending."""
    with store.session() as session:
        session.execute(update(Source).where(Source.id == "s0").values(kind="news", label="news"))
        session.execute(
            update(Item).where(Item.source_id == "s0").values(kind="news", label="news")
        )
        session.execute(update(Item).where(Item.story_seq == PENDING).values(story_seq=0))


def pending(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).where(Item.story_seq == PENDING)) or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=219_000)
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--shared", type=int, default=0, help="every K-th slot one story")
    parser.add_argument("--database", help="default: a fresh SQLite file")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--edits", default=",".join(EDITS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'kinds.db'}"
        store = Store(url)
        store.sync_sources(settings_for(url, args.sources).configured_sources())
        fill(store, args.items, args.sources, args.shared)
        print(f"{args.items} items, {args.sources} sources, shared every {args.shared or '-'}")
        for name in args.edits.split(","):
            edited = settings_for(url, args.sources, EDITS[name]).configured_sources()
            seconds, marked = [], 0
            for _ in range(args.runs):
                put_back(store)
                started = time.process_time(), time.perf_counter()
                store.sync_sources(edited)
                seconds.append((time.process_time() - started[0], time.perf_counter() - started[1]))
                marked = pending(store)
            cpu = statistics.median(s[0] for s in seconds)
            wall = statistics.median(s[1] for s in seconds)
            print(f"{name:<11} {marked:>7} marked  cpu {cpu:.2f} s  wall {wall:.2f} s (medians)")
        store.close()


if __name__ == "__main__":
    main()
