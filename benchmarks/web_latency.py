"""Measure the site under gunicorn at 100k and 1M items, against a hello-world Flask app.

For each ``--items`` size: fills a fresh SQLite database (bulk insert through
SQLAlchemy Core, one transaction), then starts two gunicorn servers with the
same settings (``--workers`` sync workers, launched as ``gunicorn
'web:create_app()'`` from this virtualenv): the site, and a Flask app whose one
view returns "Hello, World!". A load generator (``--connections`` client
connections spread over two processes, raw sockets, no keep-alive since
sync workers close every connection) then takes turns on the hello-world app
and on each path of the site, ``--rounds`` times, so that both see the same
machine; it prints requests/s with p50 / p99 latency per path, as medians
over the rounds, and the share of hello-world's requests/s. It also reads the
CPU time (user + sys) the server's workers spent during each measurement and
prints it per request, with hello-world's as a share of it: on a machine
shared with other work, the rates move with the load and that ratio does not.

``/ (render)`` asks for the front page with a query parameter that changes on
every request: the page cache cannot answer it, so it measures building the
page. ``--explain`` prints SQLite's query plans of the front page's statements,
to check that every one walks an index. ``--keep DIR`` keeps the databases in
DIR and reuses one that already holds the wanted number of items. ``--serve``
also starts ``medfeed serve`` with the same number of workers on the same
database and measures ``/`` there too, taking turns with the others (issue 11
reported plain gunicorn at half the rate of ``medfeed serve``).

``--featured`` measures, instead of the site, the featured query itself in this
process (``Store.featured`` and the refresh's ``Store.featured_candidate``,
median of ``FEATURED_RUNS``): as filled (every seventh item is long), with no
long article, and with no long article and every page tried (a recent failed
extraction each); the database is put back as filled afterwards.

It is a measurement, not a test: nothing is asserted. Run:
``.venv/bin/python benchmarks/web_latency.py [--items 100000 1000000] [--seconds 10]``.
"""

from __future__ import annotations

import argparse
import itertools
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
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import delete, event, insert, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from aggregator.config import load_settings  # noqa: E402
from aggregator.records import Kind  # noqa: E402
from aggregator.store import Store  # noqa: E402
from aggregator.store.kindleads import set_all  # noqa: E402
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
        connection.execute(set_all())  # each story's first item of each kind heads its list
        connection.execute(delete(Meta).where(Meta.key == "generation"))  # sync made one
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


FEATURED_RUNS = 21
FEATURED_CASES = (
    ("as filled", ()),
    ("no long article", ("UPDATE items SET word_count = 60",)),
    (
        "none long, all tried",
        ("UPDATE items SET word_count = 60",
         "UPDATE items SET fulltext_error = 'HTTP 404', fulltext_at = CURRENT_TIMESTAMP"),
    ),
)  # fmt: skip
FILLED = (
    "UPDATE items SET word_count = CASE WHEN id % 7 = 0 THEN 400 ELSE 60 END, "
    "fulltext_error = NULL, fulltext_at = NULL"
)  # as ``fill`` writes them


def featured_times(store: Store, settings_path: Path) -> None:
    """Median ms of the featured and candidate queries in each of ``FEATURED_CASES``."""
    policy = load_settings(settings_path).featured.as_policy()
    retry_before = NOW - timedelta(days=1)  # a failed page is tried again a day later
    print(f"{'featured query':<24} {'featured':>10} {'candidate':>10}  picked")
    try:
        for name, statements in FEATURED_CASES:
            with store.engine.begin() as connection:
                for statement in (FILLED, *statements):
                    connection.execute(text(statement))
            featured = _median_ms(lambda: store.featured(policy, NOW))
            candidate = _median_ms(lambda: store.featured_candidate(policy, retry_before))
            picked = store.featured(policy, NOW)
            print(f"{name:<24} {featured:7.2f} ms {candidate:7.2f} ms  item {picked and picked.id}")
    finally:
        with store.engine.begin() as connection:
            connection.execute(text(FILLED))


def _median_ms(call: Callable[[], object]) -> float:
    times = []
    for _ in range(FEATURED_RUNS):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


HELLO_APP = """\
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(
    app: str, port: int, workers: int, *, folder: Path, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """gunicorn as an admin would start it: the app named on the command line, no preload."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "--chdir", str(folder), app]
    return started(subprocess.Popen(command, cwd=folder, env={**os.environ, **env}), port, app)


def start_serve(config: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    """``medfeed serve``: gunicorn run from inside the medfeed command (``aggregator.serve``)."""
    medfeed = Path(sys.executable).with_name("medfeed")
    command = [str(medfeed), "--config", str(config), "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=config.parent, stdout=subprocess.DEVNULL)
    return started(process, port, "medfeed serve")


def started(process: subprocess.Popen[bytes], port: int, app: str) -> subprocess.Popen[bytes]:
    """The process, once its site answers ``/``."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{app} did not answer within 60 s")


def _client(port: int, path: str, seconds: float, threads: int) -> list[float]:
    """One load process: ``threads`` connections asking back to back; latencies in seconds.

    A raw socket with a prepared request: ``http.client`` spends more CPU per
    request than a hello-world worker does, and would measure itself. ``{n}``
    in ``path`` becomes a number unique to each request.
    """
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    serial = itertools.count()
    template = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"

    def run() -> None:
        mine = []
        while time.monotonic() < stop:
            request = template.replace("{n}", f"{os.getpid()}-{next(serial)}").encode()
            began = time.perf_counter()
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                sock.sendall(request)
                chunks = []
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
            mine.append(time.perf_counter() - began)
            status = chunks[0][9:12] if chunks else b"---"
            if status != b"200":
                raise SystemExit(f"{path}: HTTP {status.decode()}")
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies


@dataclass(frozen=True)
class Measured:
    rate: float  # requests/s
    p50: float  # ms
    p99: float  # ms
    cpu: float  # ms of the server's worker processes (user + sys) per request


def workers_cpu(server: int) -> float:
    """Seconds of CPU (user + sys) used so far by the worker processes of a gunicorn master.

    On a machine shared with other work, requests/s and latencies move with
    the load; the CPU a request costs the workers does not, so the shares of
    hello-world's CPU per request are the steadier comparison.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == server:  # ppid; utime and stime follow at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def load(port: int, path: str, seconds: float, connections: int, server: int) -> Measured:
    """``connections`` clients in two processes (one process's GIL would be the bottleneck)."""
    split = [connections // 2 + connections % 2, connections // 2]
    with ProcessPoolExecutor(2) as pool:
        cpu = workers_cpu(server)
        parts = list(pool.map(_client, [port] * 2, [path] * 2, [seconds] * 2, split))
        cpu = workers_cpu(server) - cpu
    ordered = sorted(latency for part in parts for latency in part)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return Measured(
        len(ordered) / seconds,
        statistics.median(ordered) * 1000,
        p99 * 1000,
        cpu * 1000 / len(ordered),
    )


def median_of(rounds: list[Measured]) -> Measured:
    return Measured(
        statistics.median(m.rate for m in rounds),
        statistics.median(m.p50 for m in rounds),
        statistics.median(m.p99 for m in rounds),
        statistics.median(m.cpu for m in rounds),
    )


PATHS = [
    ("/", "/"),
    ("/ (render)", "/?r={n}"),
    ("/api/items", "/api/items"),
    ("/api/items?kind=video&limit=20", f"/api/items?kind={Kind.VIDEO.value}&limit=20"),
    ("/?kind=news", "/?kind=news"),
    ("/api/items?tag=oncology", "/api/items?tag=oncology"),
]


SERVE_PATHS = PATHS[:2]  # beside plain gunicorn's "/" and "/ (render)"


def prepare(folder: Path, items: int, explain_plans: bool, featured: bool = False) -> Path:
    """The config of a database holding ``items`` items, filled unless it already is."""
    folder.mkdir(parents=True, exist_ok=True)
    config = write_config(folder)
    store = Store(load_settings(config).database)
    try:
        with store.engine.connect() as connection:
            size = connection.execute(text("SELECT count(*) FROM items")).scalar_one()
        if size != items:
            if size:
                raise SystemExit(f"{folder} holds {size} items, not {items}: use another folder")
            store.sync_sources(load_settings(config).configured_sources())
            fill(store, items)
        if explain_plans:
            explain(store, config)
        if featured:
            featured_times(store, config)
    finally:
        store.close()
    return config


def measure(config: Path, args: argparse.Namespace) -> None:
    folder = config.parent
    (folder / "hello_app.py").write_text(HELLO_APP)
    hello_port, site_port = free_port(), free_port()
    hello = start_gunicorn("hello_app:app", hello_port, args.workers, folder=folder, env={})
    site = start_gunicorn(
        "web:create_app()", site_port, args.workers, folder=REPO,
        env={"MEDFEED_CONFIG": str(config)},
    )  # fmt: skip
    servers = [hello, site]
    turns = [("hello", hello, hello_port, "/")]
    turns += [(name, site, site_port, path) for name, path in PATHS]
    if args.serve:
        serve_port = free_port()
        serve = start_serve(config, serve_port, args.workers)
        servers.append(serve)
        turns += [(f"medfeed serve {name}", serve, serve_port, path) for name, path in SERVE_PATHS]
    results: dict[str, list[Measured]] = {name: [] for name, _, _, _ in turns}
    try:
        for _ in range(args.rounds):
            for name, server, port, path in turns:
                load(port, path, 1.0, args.connections, server.pid)  # warm-up
                measured = load(port, path, args.seconds, args.connections, server.pid)
                results[name].append(measured)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)
    base = median_of(results["hello"])
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(f"{'path':<34} {'req/s':>8} {'of hello':>9} {'p50':>9} {'p99':>9} {'CPU/req':>9} "
          f"{'hello/CPU':>9}")  # fmt: skip
    for name, rounds in results.items():
        m = median_of(rounds)
        label = "hello-world Flask app /" if name == "hello" else name
        print(
            f"{label:<34} {m.rate:8.0f} {m.rate / base.rate:8.0%} {m.p50:6.1f} ms {m.p99:6.1f} ms"
            f" {m.cpu:6.2f} ms {base.cpu / m.cpu:8.0%}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the databases in this folder")
    parser.add_argument("--serve", action="store_true", help="also measure `medfeed serve`")
    parser.add_argument("--featured", action="store_true", help="time the featured query only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="medfeed-bench-") as scratch:
        for items in args.items:
            folder = (args.keep or Path(scratch)) / f"items-{items}"
            config = prepare(folder, items, args.explain, args.featured)
            if args.featured:
                continue
            print(
                f"\nload average before: {os.getloadavg()[0]:.1f}; "
                f"{items:,} items; gunicorn: {args.workers} sync workers; load: "
                f"{args.connections} connections, {args.seconds:.0f} s per path, "
                f"median of {args.rounds} rounds"
            )
            measure(config, args)


if __name__ == "__main__":
    main()
