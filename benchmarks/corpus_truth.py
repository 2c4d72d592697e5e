"""Story quality of medfeed against the shared generated corpus's ground truth.

The shared generator (``../shared/bench/gen_feeds.py``, outside the repository
and never copied into it) writes, next to its feeds, a manifest naming the
story each (feed, guid) entry tells. A database filled by
``medfeed refresh`` from those feeds is mapped back to the same entries
through ``item_sources`` (which source carried which item under which guid),
so both sides are scored over the same unit: a feed's entry, as a reader of
that feed sees it. Two entries are predicted to be one story when their items
share a story (or are one item), and are truly one story when the manifest
says so; pairwise precision and recall follow.

Used by ``benchmarks/peer_reader.py`` and ``benchmarks/dedupe_quality.py``::

    from corpus_truth import load_generator, truth_labels, medfeed_labels, score_stories
"""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import create_engine, text

SHARED_BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"

Entry = tuple[int, str]  # (feed index, guid as the feed carries it)


@dataclass(frozen=True)
class StoryScores:
    """Pairwise quality of a clustering of entries, with the sizes a reader notices."""

    precision: float
    recall: float
    entries: int  # entries scored (found on both sides)
    stories: int  # predicted stories over those entries
    true_stories: int
    largest: int  # entries in the largest predicted story
    largest_true: int
    missing: int  # manifest entries the database does not hold
    unknown: int  # database entries the manifest does not name

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def load_generator(directory: Path = SHARED_BENCH) -> ModuleType:
    """Import ``gen_feeds`` from the shared directory; a clear error when it is absent."""
    if not (directory / "gen_feeds.py").is_file():
        raise SystemExit(f"the shared corpus generator is missing: {directory / 'gen_feeds.py'}")
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))
    return importlib.import_module("gen_feeds")


def truth_labels(manifest: Iterable[Mapping[str, Any]]) -> dict[Entry, int]:
    """(feed, guid) -> the story it tells, from the generator's manifest rows."""
    return {(int(row["feed"]), str(row["guid"])): int(row["story_id"]) for row in manifest}


def entry_rows(database_url: str, columns: str) -> list[Any]:
    """(source id, guid key, *columns) of every stored entry; ``columns`` are SQL over the
    entry's item ``i``."""
    query = text(
        f"SELECT s.source_id, s.guid_key, {columns} "
        "FROM item_sources AS s JOIN items AS i ON i.id = s.item_id"
    )
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(query).all())
    finally:
        engine.dispose()


def medfeed_labels(
    database_url: str, feed_of: Callable[[str], int | None] = lambda source: int(source[1:])
) -> dict[Entry, int]:
    """(feed, guid) -> story of the item that entry was stored as, read from a medfeed database.

    ``feed_of`` turns a source id into the feed index (the benchmarks name
    sources ``f<index>``); sources it maps to None are left out. An item
    outside any story is its own story.
    """
    labels: dict[Entry, int] = {}
    for source_id, guid, story in entry_rows(database_url, "COALESCE(i.story_id, i.id)"):
        feed = feed_of(source_id)
        if feed is not None:
            labels[(feed, guid)] = story
    return labels


def score_stories(
    truth: Mapping[Entry, Hashable], predicted: Mapping[Entry, Hashable]
) -> StoryScores:
    """Pairwise precision and recall over the entries both sides know.

    Counted from cluster sizes rather than by listing pairs, so a degenerate
    clustering (one story of 50,000 entries) costs no more than a good one.
    """
    common = truth.keys() & predicted.keys()
    cells = Counter((truth[e], predicted[e]) for e in common)
    true_sizes = Counter(truth[e] for e in common)
    predicted_sizes = Counter(predicted[e] for e in common)
    hits = sum(_pairs(n) for n in cells.values())
    true_pairs = sum(_pairs(n) for n in true_sizes.values())
    predicted_pairs = sum(_pairs(n) for n in predicted_sizes.values())
    return StoryScores(
        precision=hits / predicted_pairs if predicted_pairs else 1.0,
        recall=hits / true_pairs if true_pairs else 1.0,
        entries=len(common),
        stories=len(predicted_sizes),
        true_stories=len(true_sizes),
        largest=max(predicted_sizes.values(), default=0),
        largest_true=max(true_sizes.values(), default=0),
        missing=len(truth.keys() - predicted.keys()),
        unknown=len(predicted.keys() - truth.keys()),
    )


def _pairs(n: int) -> int:
    return n * (n - 1) // 2
