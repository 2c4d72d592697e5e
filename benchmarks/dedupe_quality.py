"""Pairwise precision, recall and F1 of story clustering on the labelled evaluation set.

Every item of ``tests/data/stories/stories.jsonl`` is stored, in published
order, in a fresh in-memory SQLite database with the real schema and put into
a story by ``aggregator.store.stories.assign_story`` -- the production path:
signature, band-key lookup, ``same_story`` verification, assignment. A pair of
items counts as predicted same-story when they end in the same story, and as
truly same-story when the set labels them so.

It does not tune anything; it prints the numbers for the defaults and a sweep
of thresholds. Run: ``.venv/bin/python benchmarks/dedupe_quality.py [SET.jsonl]``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

from sqlalchemy import create_engine, event, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aggregator.dedupe import DEFAULT_THRESHOLD, DEFAULT_WINDOW
from aggregator.store.models import Base, Item, Source
from aggregator.store.stories import assign_story

SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "stories" / "stories.jsonl"
SWEEP = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int


def load_set(path: Path = SET) -> list[dict[str, str | int]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def memory_engine() -> Engine:
    engine = create_engine("sqlite://")
    event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA foreign_keys=ON"))
    Base.metadata.create_all(engine)
    return engine


def cluster(
    records: Sequence[dict[str, str | int]],
    *,
    window: timedelta = DEFAULT_WINDOW,
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[int, int]:
    """Store and assign every record in published order; map record id -> story id."""
    engine = memory_engine()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    ordered = sorted(records, key=lambda r: (parse_time(str(r["published"])), int(r["id"])))
    with Session(engine) as session:
        sources = sorted({str(r["source"]) for r in records})
        session.execute(insert(Source), [_source_row(source, now) for source in sources])
        for record in ordered:
            session.execute(insert(Item), [_item_row(record, now)])
            assign_story(session, int(record["id"]), window=window, threshold=threshold)
        rows = session.execute(select(Item.id, Item.story_id)).all()
        session.commit()
    return {row.id: row.story_id for row in rows}


def _source_row(source: str, now: datetime) -> dict[str, object]:
    return {
        "id": source,
        "name": source,
        "url": f"https://{source}.example/feed",
        "kind": "news",
        "label": "news",
        "interval_seconds": 3600,
        "created_at": now,
    }


def _item_row(record: dict[str, str | int], now: datetime) -> dict[str, object]:
    return {
        "id": int(record["id"]),
        "kind": record["kind"],
        "label": record.get("label", "news"),
        "source_id": record["source"],
        "guid_key": f"eval-{record['id']}",
        "title": record["title"],
        "summary": record["summary"],
        "published": parse_time(str(record["published"])),
        "content_hash": str(record["id"]),
        "first_seen_at": now,
        "changed_at": now,
    }


def pairs(groups: Iterable[tuple[int, object]]) -> set[tuple[int, int]]:
    """All unordered id pairs that share a group label."""
    by_group: dict[object, list[int]] = {}
    for item_id, group in groups:
        by_group.setdefault(group, []).append(item_id)
    return {(a, b) for members in by_group.values() for a, b in combinations(sorted(members), 2)}


def score(records: Sequence[dict[str, str | int]], stories: dict[int, int]) -> Scores:
    truth = pairs((int(r["id"]), r["story"]) for r in records)
    predicted = pairs(stories.items())
    hits = len(truth & predicted)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, len(truth), len(predicted))


def main() -> None:
    records = load_set(Path(sys.argv[1]) if len(sys.argv) > 1 else SET)
    stories = {str(r["story"]) for r in records}
    print(f"{len(records)} items, {len(stories)} stories, window {DEFAULT_WINDOW}")
    result = score(records, cluster(records))
    print(
        f"defaults (threshold {DEFAULT_THRESHOLD}): precision {result.precision:.4f}  "
        f"recall {result.recall:.4f}  F1 {result.f1:.4f}  "
        f"({result.predicted_pairs} predicted pairs, {result.true_pairs} true pairs)"
    )
    print("\nthreshold  precision  recall   F1")
    for threshold in SWEEP:
        swept = score(records, cluster(records, threshold=threshold))
        print(f"{threshold:9.2f}  {swept.precision:9.4f}  {swept.recall:6.4f}  {swept.f1:.4f}")


if __name__ == "__main__":
    main()
