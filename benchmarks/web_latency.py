"""Measure the site's latency under gunicorn with 100k items in a SQLite database.

Fills a fresh SQLite database with ``--items`` items (bulk insert through
SQLAlchemy Core, one transaction), starts gunicorn (``--workers`` sync workers)
on 127.0.0.1 from this virtualenv, then loads ``/`` and ``/api/items`` from
this process with a small threaded httpx client and prints requests/s with
p50 / p99 latency per path. ``--explain`` also prints SQLite's query plans of
the front page's statements, to check that every one walks an index.

It is a measurement, not a test: nothing is asserted. Run:
``.venv/bin/python benchmarks/web_latency.py [--items 100000] [--seconds 10]``.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import event, insert, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from aggregator.config import load_settings  # noqa: E402
from aggregator.records import Kind  # noqa: E402
from aggregator.store import Store  # noqa: E402
from aggregator.store.models import Item, ItemSource, ItemTag, Meta  # noqa: E402

NOW = datetime.now(UTC).replace(microsecond=0)
SOURCES = {
    "news-a": ("news", "news"),
    "news-b": ("news", "press-release"),
    "journal-a": ("article", "journal"),
    "journal-b": ("article", "preprint"),
    "events": ("conference", "society"),
    "videos": ("video", "news"),
}
WORDS = "trial cohort statin insulin tumour vaccine sepsis stroke asthma lymphoma dialysis".split()
TAGS = ("cardiology", "oncology", "infectious-disease", "neurology", "regulatory")
CONFIG = """\
database: sqlite:///{db}
featured: {{policy: latest, kinds: [article], min_words: 300}}
sources:
{sources}
"""


def write_config(folder: Path) -> Path:
    sources = "\n".join(
        f"  - {{id: {sid}, name: {sid.title()}, url: https://example.org/{sid}.xml, "
        f"kind: {kind}, label: {label}}}"
        for sid, (kind, label) in SOURCES.items()
    )
    path = folder / "config.yaml"
    path.write_text(CONFIG.format(db=folder / "bench.db", sources=sources))
    return path


def fill(store: Store, count: int, chunk: int = 5000) -> None:
    """``count`` items spread over the sources, a fifth of them in two-item stories."""
    pick = random.Random(7)
    ids = list(SOURCES)
    started = time.perf_counter()
    with store.engine.begin() as connection:
        for first in range(1, count + 1, chunk):
            items, links, tags = [], [], []
            for n in range(first, min(first + chunk, count + 1)):
                source = ids[n % len(ids)]
                kind, label = SOURCES[source]
                published = NOW - timedelta(minutes=n)
                story = n - 1 if n % 10 == 1 and n > 1 else n
                title = " ".join(pick.choice(WORDS) for _ in range(8))
                body = "<p>" + " ".join(pick.choice(WORDS) for _ in range(60)) + "</p>"
                start = NOW + timedelta(days=n % 400 - 30) if kind == "conference" else None
                items.append(
                    {
                        "id": n,
                        "kind": kind,
                        "label": label,
                        "source_id": source,
                        "guid_key": f"guid-{n}",
                        "url": f"https://example.org/{source}/{n}",
                        "canonical_url": f"https://example.org/{source}/{n}",
                        "title": title,
                        "summary": body,
                        "published": published,
                        "tags": [TAGS[n % len(TAGS)]],
                        "content_hash": f"h{n}",
                        "story_id": story,
                        "is_representative": story == n,
                        "event_start": start,
                        "event_end": start and start + timedelta(days=3),
                        "event_location": "Vienna" if start else None,
                        "video_id": f"v{n:010d}" if kind == "video" else None,
                        "video_thumbnail": "/static/favicon.svg" if kind == "video" else None,
                        "nct": [],
                        "authors": [],
                        "flags": [],
                        "word_count": 400 if n % 7 == 0 else 60,
                        "first_seen_at": published,
                        "changed_at": published,
                    }
                )
                links.append(
                    {
                        "item_id": n,
                        "source_id": source,
                        "guid_key": f"guid-{n}",
                        "url": f"https://example.org/{source}/{n}",
                        "content_hash": f"h{n}",
                        "first_seen_at": published,
                    }
                )
                tags.append({"item_id": n, "tag": TAGS[n % len(TAGS)]})
            connection.execute(insert(Item), items)
            connection.execute(insert(ItemSource), links)
            connection.execute(insert(ItemTag), tags)
        connection.execute(insert(Meta), [{"key": "generation", "value": "1", "changed_at": NOW}])
        connection.exec_driver_sql("ANALYZE")
    elapsed = time.perf_counter() - started
    print(f"filled {count} items in {elapsed:.1f} s ({count / elapsed:,.0f} items/s)")


def explain(store: Store, settings_path: Path) -> None:
    """Print the plan of every statement the front page runs."""
    from web import create_app

    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    app = create_app(load_settings(settings_path), store)
    event.listen(store.engine, "before_cursor_execute", record)
    app.test_client().get("/")
    event.remove(store.engine, "before_cursor_execute", record)
    with store.engine.connect() as connection:
        for statement, parameters in statements:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            steps = "; ".join(row[-1] for row in plan)
            print(f"- {' '.join(statement.split())[:90]}...\n    {steps}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(config: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "web:create_app()",
        ],
        cwd=REPO,
        env={**os.environ, "MEDFEED_CONFIG": str(config)},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def load(url: str, seconds: float, threads: int) -> list[float]:
    """Latencies (s) of back-to-back GETs from ``threads`` clients for ``seconds``."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        mine = []
        with httpx.Client(timeout=30) as http:
            while time.monotonic() < stop:
                began = time.perf_counter()
                response = http.get(url)
                mine.append(time.perf_counter() - began)
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code}")
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies


def report(path: str, latencies: list[float], seconds: float) -> None:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"{path:<28} {len(ordered) / seconds:8.1f} req/s   "
        f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="medfeed-bench-") as folder:
        config = write_config(Path(folder))
        store = Store(load_settings(config).database)
        store.sync_sources(load_settings(config))
        fill(store, args.items)
        if args.explain:
            explain(store, config)
        with store.engine.connect() as connection:
            size = connection.execute(text("SELECT count(*) FROM items")).scalar_one()
        store.close()
        port = free_port()
        server = start_gunicorn(config, port, args.workers)
        try:
            print(
                f"gunicorn: {args.workers} workers; load: {args.threads} threads, "
                f"{args.seconds:.0f} s per path; {size} items"
            )
            base = f"http://127.0.0.1:{port}"
            paths = [
                "/",
                "/api/items",
                f"/api/items?kind={Kind.VIDEO.value}&limit=20",
                "/?kind=news",
                "/api/items?tag=oncology",
            ]
            for path in paths:
                load(base + path, 1.0, args.threads)  # warm-up
                report(path, load(base + path, args.seconds, args.threads), args.seconds)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
