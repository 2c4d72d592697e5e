"""Cost of putting one new item into a story as the database grows: 10k, 100k, 1M items.

A SQLite file with the real schema (``aggregator.store.models``) is filled with
synthetic items arriving at 1,000 a day, newest first, so every size has the
same items inside the 7-day window and the larger sizes add only older
history. Each filled item gets its real band rows (Core executemany). Then
1,000 new items -- a third of them rewrites of recent items, so candidates are
found and verified -- are stored and passed to ``assign_story`` one by one;
the time per ``assign_story`` call is printed, and the 1M / 10k ratio.

Signatures cost ~0.5 ms each, so the fill reuses 50,000 distinct synthetic
texts (and their signatures) cyclically: a text recurs every 50 days, outside
the window, which also checks that the band-key index skips old rows sharing a
key. It does not measure fetching or parsing. Run:
``.venv/bin/python benchmarks/dedupe_scale.py [--sizes 10000,100000,1000000]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aggregator.dedupe import DEFAULT_THRESHOLD, DEFAULT_WINDOW, Signature, signature
from aggregator.store.database import make_engine
from aggregator.store.models import Base, Item, Source, StoryBand
from aggregator.store.stories import assign_story

NOW = datetime(2026, 11, 1, tzinfo=UTC)
PER_DAY = 1_000
POOL = 50_000
NEW_ITEMS = 1_000
BATCH = 20_000
SOURCES = [f"source-{n:02d}" for n in range(40)]


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Made-up words with Zipf-like frequencies; every tenth is a capitalised name."""
    syllables = ["ka", "lo", "mi", "ne", "ra", "tu", "vex", "zor", "pha", "qui", "ste", "dro"]
    words = []
    for index in range(20_000):
        word = "".join(rng.choices(syllables, k=rng.randint(2, 4)))
        words.append(word.capitalize() if index % 10 == 0 else word)
    return words, [1 / (rank + 1) for rank in range(len(words))]


def texts(rng: random.Random, count: int) -> list[tuple[str, str]]:
    words, weights = vocabulary(rng)
    out = []
    for _ in range(count):
        title = " ".join(rng.choices(words, weights, k=rng.randint(6, 12)))
        body = ". ".join(
            " ".join(rng.choices(words, weights, k=rng.randint(8, 16))).capitalize()
            for _ in range(rng.randint(2, 4))
        )
        out.append((title.capitalize(), body + f". {rng.randint(10, 9999)} cases."))
    return out


def rewrite(rng: random.Random, title: str, body: str) -> tuple[str, str]:
    """Another outlet's copy: a few words of the body dropped, the headline reordered."""
    words = body.split()
    for _ in range(max(1, len(words) // 10)):
        words.pop(rng.randrange(len(words)))
    head = title.split()
    rng.shuffle(head)
    return " ".join(head).capitalize(), " ".join(words)


def engine_for(path: Path) -> Engine:
    """The production engine setup (WAL, page cache, pragmas), schema by create_all."""
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    return engine


def item_row(item_id: int, title: str, body: str, published: datetime) -> dict[str, object]:
    return {
        "id": item_id,
        "kind": "news",
        "label": "news",
        "source_id": SOURCES[item_id % len(SOURCES)],
        "guid_key": f"g{item_id}",
        "title": title,
        "summary": body,
        "published": published,
        "content_hash": "h",
        "first_seen_at": published,
        "changed_at": published,
        "story_id": item_id,
    }


def fill(
    engine: Engine, pool: list[tuple[str, str]], sigs: list[Signature], start: int, stop: int
) -> None:
    """Items ``start..stop`` (newest first, 1,000 a day back from NOW) with their band rows."""
    for low in range(start, stop, BATCH):
        items, bands = [], []
        for index in range(low, min(stop, low + BATCH)):
            item_id = index + 1
            published = NOW - timedelta(seconds=index * 86_400 / PER_DAY)
            title, body = pool[index % POOL]
            items.append(item_row(item_id, title, body, published))
            bands.extend(
                {"band_key": key, "item_id": item_id, "published": published}
                for key in sigs[index % POOL].band_keys
            )
        with Session(engine) as session:
            session.execute(insert(Item), items)
            session.execute(insert(StoryBand), bands)
            session.commit()


def new_items(rng: random.Random, pool: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """Fresh texts, a third of them rewrites of items from the last few days."""
    fresh = texts(random.Random(99), NEW_ITEMS)
    for index in range(NEW_ITEMS):
        if index % 3 == 0:
            yield rewrite(rng, *pool[rng.randrange(3 * PER_DAY)])
        else:
            yield fresh[index]


def measure(engine: Engine, pool: list[tuple[str, str]], first_id: int) -> tuple[float, int]:
    """Mean seconds per assign_story over NEW_ITEMS items, and how many joined a story."""
    rng = random.Random(7)
    elapsed, joined = 0.0, 0
    with Session(engine) as session:
        for offset, (title, body) in enumerate(new_items(rng, pool)):
            item_id = first_id + offset
            published = NOW + timedelta(seconds=offset)
            session.execute(insert(Item), [item_row(item_id, title, body, published)])
            started = time.perf_counter()
            story = assign_story(
                session, item_id, window=DEFAULT_WINDOW, threshold=DEFAULT_THRESHOLD
            )
            elapsed += time.perf_counter() - started
            joined += story != item_id
        session.rollback()  # leave the database at its size for the next level
    return elapsed / NEW_ITEMS, joined


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    started = time.perf_counter()
    pool = texts(random.Random(1), POOL)
    sigs = [signature(title, body) for title, body in pool]
    print(f"{POOL} synthetic texts signed in {time.perf_counter() - started:.0f} s")
    results: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        engine = engine_for(Path(folder) / "scale.db")
        with Session(engine) as session:
            session.execute(
                insert(Source),
                [
                    {"id": s, "name": s, "url": f"https://{s}.example/feed", "kind": "news",
                     "label": "news", "interval_seconds": 3600, "created_at": NOW}
                    for s in SOURCES
                ],
            )  # fmt: skip
            session.commit()
        filled = 0
        for size in sizes:
            began = time.perf_counter()
            fill(engine, pool, sigs, filled, size)
            filled = size
            fill_s = time.perf_counter() - began
            per_item, joined = measure(engine, pool, size + 1)
            results[size] = per_item
            print(
                f"{size:>9,} items stored (fill {fill_s:5.0f} s): assign_story "
                f"{per_item * 1e6:8.0f} µs per new item ({joined} of {NEW_ITEMS} joined a story)"
            )
        engine.dispose()
    if len(sizes) > 1:
        low, high = min(sizes), max(sizes)
        print(f"ratio {high:,} / {low:,}: {results[high] / results[low]:.2f}x")


if __name__ == "__main__":
    main()
