"""Story precision of a small deployment that has stored earlier months.

A term's rarity is its document frequency over the items the story index holds.
A fresh ``medfeed refresh`` process (cron) holds only the stored items within a
window of the batch (``storywindow._cover``), so at 5-20 feeds ordinary words
look rare; the index therefore also counts the newest older stored items until
it holds ``storyindex.MIN_COUNTED`` (``storywindow._count_history``). This
prints, per feed count, the pairwise precision and recall of the last month when
``months`` earlier months (other seeds of the shared generator, each moved back
30 days) are stored first:

- ``fresh``: a fresh process per fetch slot (6 hours x source), as cron runs it:
  the index loads the stored items within a window of the slot, then counts the
  newest older ones until it holds ``--min-counted`` (0: the window alone);
- ``long-lived``: one process for every slot, letting go of items HELD windows
  behind the newest but keeping ``--min-counted`` (0: the HELD windows alone).

The store is simulated in memory with the decisions made so far, as
``benchmarks/dedupe_quality.py`` does; it tunes nothing. Run:
``.venv/bin/python benchmarks/story_history.py [--feeds 5,10,20] [--months 4]
[--min-counted 0,1000,3000]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedupe_quality import BENCH, Record, generated_set, pairs, story_items

from aggregator.dedupe import StoryItem
from aggregator.storyindex import StoryIndex

SLOT_SECONDS = 21_600  # a fetch slot: 6 hours, per source


def history(feeds: int, months: int) -> list[Record]:
    """``months`` earlier generated months then the scored one (month 0), ids unique."""
    records: list[Record] = []
    for month in range(months, -1, -1):
        for record in generated_set(feeds, seed=42 + month):
            published = datetime.fromisoformat(str(record["published"]))
            records.append(
                {
                    **record,
                    "id": len(records) + 1,
                    "story": f"{month}:{record['story']}",
                    "published": (published - timedelta(days=30 * month)).isoformat(),
                    "month": month,
                }
            )
    return records


def slots(items: Sequence[StoryItem]) -> list[list[StoryItem]]:
    by_slot: dict[tuple[int, str], list[StoryItem]] = {}
    for item in items:
        key = (int(item.published.timestamp() // SLOT_SECONDS), item.source_id)
        by_slot.setdefault(key, []).append(item)
    return [by_slot[key] for key in sorted(by_slot)]


def fresh_per_slot(batches: Sequence[list[StoryItem]], minimum: int) -> dict[int, int]:
    """A fresh index per slot: what ``storywindow._cover`` loads, then decides the slot."""
    stories: dict[int, int] = {}
    stored: list[StoryItem] = []  # in slot order, so by publication time within a source
    for batch in batches:
        index = StoryIndex(min_counted=minimum)
        low = min(item.published for item in batch) - index.window
        high = max(item.published for item in batch) + index.window
        for item in stored:
            if low <= item.published <= high:
                index.load(item, stories.get(item.item_id, item.item_id))
        older = sorted(
            (item for item in stored if item.published < low),
            key=lambda item: (item.published, item.item_id),
            reverse=True,
        )
        for item in older[: max(0, minimum - len(index.items))]:
            index.count(item, stories.get(item.item_id, item.item_id))
        stories.update((change.item_id, change.story_id) for change in index.add(batch))
        stored += batch
    return stories


def long_lived(batches: Sequence[list[StoryItem]], minimum: int) -> dict[int, int]:
    index = StoryIndex(min_counted=minimum)
    stories: dict[int, int] = {}
    for batch in batches:
        stories.update((change.item_id, change.story_id) for change in index.add(batch))
    return stories


def scored(records: Sequence[Record], stories: dict[int, int]) -> tuple[float, float]:
    last = [record for record in records if record["month"] == 0]
    truth = pairs((int(str(r["id"])), r["story"]) for r in last)
    predicted = pairs((int(str(r["id"])), stories[int(str(r["id"]))]) for r in last)
    hits = len(truth & predicted)
    return hits / len(predicted) if predicted else 1.0, hits / len(truth) if truth else 1.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", default="5,10,20")
    parser.add_argument("--months", type=int, default=4, help="earlier months stored")
    parser.add_argument("--min-counted", default="0,3000", help="comma-separated")
    args = parser.parse_args()
    if not BENCH.is_dir():
        sys.exit(f"needs the shared generator at {BENCH}")
    minimums = [int(m) for m in args.min_counted.split(",")]
    print(f"last month scored after {args.months} earlier months stored")
    print("feeds  process     min_counted  precision  recall  seconds")
    for feeds in (int(f) for f in args.feeds.split(",")):
        records = history(feeds, args.months)
        # Each month's items of a source are one feed document, as each fetch parses one.
        by_month = [[r for r in records if r["month"] == m] for m in range(args.months, -1, -1)]
        batches = slots([item for month in by_month for item in story_items(month)])
        for name, run in (("fresh", fresh_per_slot), ("long-lived", long_lived)):
            for minimum in minimums:
                started = time.perf_counter()
                precision, recall = scored(records, run(batches, minimum))
                seconds = time.perf_counter() - started
                print(
                    f"{feeds:5}  {name:10}  {minimum:11}  {precision:9.4f}  {recall:6.4f}"
                    f"  {seconds:7.1f}"
                )


if __name__ == "__main__":
    main()
