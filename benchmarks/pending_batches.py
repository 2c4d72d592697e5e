"""How long the next pass holds the story lock after a kind edit marked thousands of items.

Fills a fresh database as ``kind_edit_cost.py`` does (N items over S news sources,
one per source at each midnight, every K-th midnight's items one story), edits the
first source's kind (``--edit``, default news -> conference: its items leave every
story they share), then times the next pass's decision over the marked items
(``Store.assign_stories(StoryWindow.assign_pending())``) for each ``--batches`` size
(0: all in one transaction), the stories put back between runs. Printed per size
(medians of ``--runs``): the wall and CPU time of the whole decision, how many
transactions, the longest one (the story lock is held from its first statement to
its commit), and the longest wait of another writer that takes the story lock
every ``--probe`` seconds meanwhile (a purge, a fold, a config sync), and whether
the stories are those of the decision in one transaction.

``--corpus F`` fills instead ``--months`` of the shared generated corpus
(``story_cost.py``: F feeds x 50 items a month, syndicated rewrites, shared
boilerplate), every item marked as a first refresh leaves them: real stories to
decide, for the comparison of the stories.

    python benchmarks/pending_batches.py [--items 219000] [--sources 20] [--shared 10]
        [--edit conference] [--batches 0,250,1000,4000] [--database URL] [--runs 3]
        [--corpus 200 --months 2]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kind_edit_cost import EDITS, fill, pending, settings_for
from sqlalchemy import event, select, text

from aggregator import storywindow
from aggregator.errors import StorageError
from aggregator.store import Store
from aggregator.store.models import Item
from aggregator.store.stories import lock_stories
from aggregator.storywindow import story_window

_SAVED = ("story_id", "is_representative", "story_seq", "leads_kind")


def fill_corpus(store: Store, feeds: int, months: int) -> None:
    """``months`` of the generated corpus, every item marked with its feed weights."""
    from story_cost import MONTH, month, store_pending

    store.sync_sources(settings_for(store.url, feeds).configured_sources())
    for m in range(months):
        rows = month(feeds, 2000 + m, MONTH * m)
        for row in rows:
            row["source_id"] = f"s{row['source_id'][1:]}"  # story_cost's f0 is s0 here
        store_pending(store, rows, datetime.now(UTC))


def save_stories(store: Store) -> None:
    columns = ", ".join(("id", *_SAVED))
    with store.session() as session:
        session.execute(text("DROP TABLE IF EXISTS bench_stories"))
        session.execute(text(f"CREATE TABLE bench_stories AS SELECT {columns} FROM items"))


def put_back(store: Store) -> None:
    """The stories as they were before the decision: every edited item marked again."""
    values = ", ".join(f"{c} = bench_stories.{c}" for c in _SAVED)
    with store.session() as session:
        session.execute(
            text(f"UPDATE items SET {values} FROM bench_stories WHERE items.id = bench_stories.id")
        )
    if store.dialect == "postgresql":  # the dead copies the UPDATE left, as autovacuum would
        with store.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE items")
            )


def stories_digest(store: Store) -> str:
    with store.session() as session:
        rows = session.execute(select(Item.id, Item.story_id).order_by(Item.id)).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:12]


class Transactions:
    """The durations of the transactions a store's engine runs (begin to commit)."""

    def __init__(self, store: Store) -> None:
        self.seconds: list[float] = []
        self._started: dict[int, float] = {}
        event.listen(store.engine, "begin", self._begin)
        event.listen(store.engine, "commit", self._end)
        event.listen(store.engine, "rollback", self._end)

    def _begin(self, connection: Any) -> None:
        self._started[id(connection)] = time.perf_counter()

    def _end(self, connection: Any) -> None:
        started = self._started.pop(id(connection), None)
        if started is not None:
            self.seconds.append(time.perf_counter() - started)


class Prober(threading.Thread):
    """Another process's writer: takes the story lock every ``every`` seconds."""

    def __init__(self, url: str, every: float) -> None:
        super().__init__(daemon=True)
        self.store, self.every = Store(url, migrate=False), every
        self.waits: list[float] = []
        self.failed = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            started = time.perf_counter()
            try:
                with self.store.session() as session:
                    lock_stories(session)
                    session.execute(select(1))  # SQLite: BEGIN IMMEDIATE waits for the writer
            except StorageError:  # SQLite: "database is locked" after its 30 s busy timeout
                self.failed += 1
            self.waits.append(time.perf_counter() - started)

    def stop(self) -> tuple[float, int]:
        self.done.set()
        self.join()
        self.store.close()
        return max(self.waits, default=0.0), self.failed


def decide(url: str, batch: int, probe: float) -> dict[str, float]:
    """One next pass's decision in a fresh process."""
    storywindow.PENDING_BATCH = batch or 10**9  # type: ignore[attr-defined]
    store = Store(url, migrate=False)
    try:
        transactions = Transactions(store)
        prober = Prober(url, probe)
        prober.start()
        wall, cpu = time.perf_counter(), time.process_time()
        store.assign_stories(story_window(store).assign_pending())
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        waited, failed = prober.stop()
        return {
            "wall": wall,
            "cpu": cpu,
            "transactions": len(transactions.seconds),
            "longest": max(transactions.seconds),
            "waited": waited,
            "failed": failed,
        }
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=219_000)
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--shared", type=int, default=10, help="every K-th slot one story")
    parser.add_argument("--edit", default="conference", choices=sorted(EDITS))
    parser.add_argument("--batches", default="0,250,1000,4000", help="0: all at once")
    parser.add_argument("--database", help="an empty database (default: a fresh SQLite file)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--probe", type=float, default=0.5, help="seconds between probes")
    parser.add_argument("--corpus", type=int, default=0, help="feeds of the generated corpus")
    parser.add_argument("--months", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'batches.db'}"
        store = Store(url)
        if args.corpus:
            fill_corpus(store, args.corpus, args.months)
            print(f"{args.months} months of {args.corpus} generated feeds: {pending(store)} marked")
        else:
            store.sync_sources(settings_for(url, args.sources).configured_sources())
            fill(store, args.items, args.sources, args.shared)
            edited = settings_for(url, args.sources, EDITS[args.edit])
            store.sync_sources(edited.configured_sources())
            print(f"{args.items} items, {args.sources} sources, shared every "
                  f"{args.shared or '-'}, {args.edit} edit: {pending(store)} marked")  # fmt: skip
        save_stories(store)
        expected = None
        for batch in (int(b) for b in args.batches.split(",")):
            runs = []
            for _ in range(args.runs):
                put_back(store)
                runs.append(decide(url, batch, args.probe))
                digest = stories_digest(store)
                expected = expected or digest
            median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            print(
                f"batch {batch or 'all':>5}: wall {median['wall']:6.1f} s"
                f"  cpu {median['cpu']:6.1f} s"
                f"  {median['transactions']:4.0f} transactions, longest {median['longest']:6.2f} s"
                f"  another writer waited {median['waited']:6.2f} s at most"
                f" ({median['failed']:.0f} gave up)"
                f"  stories {'same' if digest == expected else 'DIFFERENT'} ({digest})"
            )
        store.close()


if __name__ == "__main__":
    main()
