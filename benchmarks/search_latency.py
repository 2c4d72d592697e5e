"""Measure ``?q=`` latency at 100k and 1M items, on SQLite (FTS5) or PostgreSQL (tsvector + GIN).

For each size in ``--items``: a fresh database gets that many news items
(bulk insert through SQLAlchemy Core) whose titles and summaries are drawn
from a 20,000-word made-up vocabulary with Zipf-like frequencies (so a query
word can be common or rare, as in real text; one word in ten carries an
accent), then the search index is built by ``Store.reindex_search`` (the code
behind ``medfeed search reindex``) and timed. Then each query below is sent
``--repeat`` times through the real Flask app (``/api/items?q=…``, in
process, one at a time, after one warm-up) and p50 / p99 latency printed, for
the default order (relevance, then date) and ``sort=date``, with the number of
items the query matches, and the median CPU time of this process per request
(the whole of the work on SQLite; on PostgreSQL the server's is not counted).
Queries: a common word, a mid-frequency word, a rare word, two words, a quoted
phrase, a word with an exclusion, and an accented word typed without its
accent; a phrase of the lexicon typed without quotes ("heart attack risk",
"myocardial infarction": five real words take the place of made-up ones of the
same rank, so the other queries match what they did), beside the same words
quoted one by one, which is how the unquoted words were searched before phrases
were read; and a pasted address, of a stored item (with a tracking tag, over
http, with a trailing slash), of a copy another source carried under its own
address (every tenth item has one, as a copy joined by its DOI has) and of none.

It is a measurement, not a test: nothing is asserted. Run:
``.venv/bin/python benchmarks/search_latency.py [--items 100000 1000000]
[--database sqlite|postgresql] [--postgres-url URL] [--repeat 30]``.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, insert, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from aggregator.config import Settings  # noqa: E402
from aggregator.searchquery import parse_search, pasted_address  # noqa: E402
from aggregator.store import Store  # noqa: E402
from aggregator.store.models import Item, ItemSource  # noqa: E402
from aggregator.store.reads import ItemFilter  # noqa: E402
from web import create_app  # noqa: E402

NOW = datetime(2026, 11, 1, tzinfo=UTC)
SOURCES = [f"source-{n:02d}" for n in range(20)]
CHUNK = 10_000
SYLLABLES = ["ka", "lo", "mi", "ne", "ra", "tu", "vex", "zor", "pha", "qui", "ste", "dro"]
# Words of a phrase of ``lexicon.EQUIVALENTS`` and its other name, by rank: none of the ranks
# the other queries use, nor one that may be accented (rank % 10 == 4).
REAL_WORDS = {60: "risk", 100: "heart", 400: "attack", 2000: "myocardial", 2002: "infarction"}


def vocabulary() -> tuple[list[str], list[float]]:
    """20,000 made-up words and their cumulative Zipf weights; every tenth is accented."""
    rng = random.Random(11)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < 20_000:
        word = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))
        if word in seen:
            continue
        seen.add(word)
        if len(words) % 10 == 3 and "o" in word:
            word = word.replace("o", "ó", 1)
        words.append(word)
    for rank, word in REAL_WORDS.items():
        words[rank - 1] = word
    return words, list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))


def queries(words: list[str]) -> list[tuple[str, str]]:
    """(label, query text): each picked by the rank, i.e. the frequency, of its words."""
    accented = next(w for w in words[1000:] if "ó" in w)
    return [
        ("common word (rank 3)", words[2]),
        ("mid word (rank 200)", words[199]),
        ("rare word (rank 5000)", words[4999]),
        ("two words (ranks 50, 300)", f"{words[49]} {words[299]}"),
        ("phrase (ranks 1, 2)", f'"{words[0]} {words[1]}"'),
        ("word -exclusion (200, -3)", f"{words[199]} -{words[2]}"),
        ("accent folded (rank >1000)", accented.replace("ó", "o")),
        ("heart attack risk", "heart attack risk"),
        ('"heart" "attack" "risk"', '"heart" "attack" "risk"'),
        ("myocardial infarction", "myocardial infarction"),
        ('"myocardial" "infarction"', '"myocardial" "infarction"'),
        ("address, stored", f"http://example.org/{SOURCES[1]}/41/?utm_source=x"),
        ("address, a copy's", f"https://mirror.example.org/{SOURCES[0]}/40?utm_source=x"),
        ("address, not stored", "https://example.net/2026/09/01/no-such-story/"),
    ]


def settings_for(url: str) -> Settings:
    return Settings.model_validate(
        {
            "database": url,
            "sources": [
                {"id": s, "name": s, "url": f"https://example.org/{s}.xml", "kind": "news"}
                for s in SOURCES
            ],
        }
    )


def fill(store: Store, count: int, words: list[str], weights: list[float]) -> float:
    """``count`` items, newest first a minute apart; seconds taken."""
    rng = random.Random(7)
    started = time.perf_counter()
    with store.engine.begin() as connection:
        for low in range(1, count + 1, CHUNK):
            items, links = [], []
            for n in range(low, min(low + CHUNK, count + 1)):
                source = SOURCES[n % len(SOURCES)]
                published = NOW - timedelta(minutes=n)
                title = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(6, 12)))
                body = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(30, 60)))
                url = f"https://example.org/{source}/{n}"
                items.append(
                    {
                        "id": n,
                        "kind": "news",
                        "label": "news",
                        "source_id": source,
                        "guid_key": f"g{n}",
                        "url": url,
                        "canonical_url": url,
                        "title": title.capitalize(),
                        "summary": f"<p>{body.capitalize()}.</p>",
                        "published": published,
                        "tags": [],
                        "content_hash": f"h{n}",
                        "story_id": n,
                        "is_representative": True,
                        "nct": [],
                        "authors": [],
                        "flags": [],
                        "word_count": 60,
                        "first_seen_at": published,
                        "changed_at": published,
                    }
                )
                links.append(
                    {
                        "item_id": n,
                        "source_id": source,
                        "guid_key": f"g{n}",
                        "url": url,
                        "canonical_url": None,  # the item's key (``sameurl``)
                        "content_hash": f"h{n}",
                        "first_seen_at": published,
                    }
                )
                if n % 10 == 0:  # a copy from the next source, under its own address
                    mirror = SOURCES[(n + 1) % len(SOURCES)]
                    copy = f"https://mirror.example.org/{source}/{n}"
                    links.append({**links[-1], "source_id": mirror, "url": copy})
                    links[-1]["canonical_url"] = copy
            connection.execute(insert(Item), items)
            connection.execute(insert(ItemSource), links)
    return time.perf_counter() - started


def matches(store: Store, query: str) -> int:
    if pasted_address(query) is not None:  # found by its address, or else by its words
        return store.count_items(ItemFilter(q=query))
    parsed = parse_search(query)
    with store.engine.connect() as connection:
        if store.dialect == "postgresql":
            sql = (
                "SELECT count(*) FROM item_search WHERE document @@ "
                "to_tsquery('medfeed_search', :q)"
            )
            return int(connection.execute(text(sql), {"q": parsed.tsquery()}).scalar_one())
        sql = "SELECT count(*) FROM items_fts WHERE items_fts MATCH :q"
        return int(connection.execute(text(sql), {"q": parsed.fts5()}).scalar_one())


def latencies(client: object, path: str, repeat: int) -> tuple[list[float], float]:
    """Seconds of each request, and the median CPU seconds of one in this process.

    Each request with a parameter of its own, which the app ignores: the web keeps the
    answer of each URL per data version (``web/cache.py``), and a repeated URL timed that."""
    get = client.get  # type: ignore[attr-defined]
    if get(path).status_code != 200:  # warm-up, and a check
        raise SystemExit(f"{path}: HTTP {get(path).status_code}")
    out, cpu = [], []
    for run in range(repeat):
        began, cpu_began = time.perf_counter(), time.process_time()
        get(f"{path}{'&' if '?' in path else '?'}uncached={run}")
        out.append(time.perf_counter() - began)
        cpu.append(time.process_time() - cpu_began)
    return out, statistics.median(cpu)


def timings(client: object, path: str, repeat: int) -> str:
    """``p50 / p99 (cpu)`` of ``path``, in milliseconds."""
    wall, cpu = latencies(client, path, repeat)
    p50, p99 = statistics.median(wall) * 1000, percentile(wall, 0.99) * 1000
    return f"{p50:7.1f} / {p99:6.1f} ({cpu * 1000:5.1f})"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


@contextmanager
def database(kind: str, postgres_url: str) -> Iterator[str]:
    """A fresh database URL: a temporary SQLite file, or a PostgreSQL schema dropped after."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="medfeed-search-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    schema = f"medfeed_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in postgres_url else "?"
        yield f"{postgres_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def run(url: str, count: int, repeat: int) -> None:
    words, weights = vocabulary()
    store = Store(url)
    try:
        settings = settings_for(url)
        store.sync_sources(settings.configured_sources())
        filled = fill(store, count, words, weights)
        began = time.perf_counter()
        indexed = store.reindex_search()
        reindex = time.perf_counter() - began
        with store.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        print(
            f"\n{store.dialect}, {count:,} items: filled in {filled:.0f} s; "
            f"search reindex {indexed:,} items in {reindex:.0f} s ({indexed / reindex:,.0f}/s)"
        )
        client = create_app(settings=settings, store=store).test_client()
        header = f"{'query':<28} {'matches':>9}   {'relevance p50/p99 (cpu) ms':>28}"
        print(f"{header}   {'date p50/p99 (cpu) ms':>24}")
        plain = timings(client, "/api/items", repeat)
        print(f"{'(no query: /api/items)':<28} {'':>9}   {'':>28}   {plain}")
        for label, query in queries(words):
            base = f"/api/items?q={quote(query)}"
            ranked = timings(client, base, repeat)
            dated = timings(client, base + "&sort=date", repeat)
            print(f"{label:<28} {matches(store, query):>9,}   {ranked:>28}   {dated:>24}")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    for count in args.items:
        with database(args.database, args.postgres_url) as url:
            run(url, count, args.repeat)


if __name__ == "__main__":
    main()
