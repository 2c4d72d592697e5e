"""Two ``medfeed run`` processes on one PostgreSQL database, against 50 local feeds.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/run_workers_pg.py [--seconds 60] [--sources 50] \
        [--interval 5] [--new-every 10]

The database is ``$MEDFEED_BENCH_DATABASE_URL`` (default: the local ``test``
database); the run gets a fresh schema of its own and drops it at the end. The
local server's request log is the proof: fetches per source against what the
interval allows, the most requests for one source ever in flight at once (must
be 1), and the stored items against the distinct entries served (no duplicate).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import create_engine, func, select, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from aggregator.store import Store, sameurl  # noqa: E402
from aggregator.store.models import FetchLog, Item, ItemSource  # noqa: E402
from tests.feeds import config_text  # noqa: E402
from tests.localserver import LocalServer  # noqa: E402
from tests.test_workers_pg import GrowingFeeds, serve_feeds  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure(
    base_url: str, seconds: float, sources: int, interval: float, new_every: float, workdir: Path
) -> None:
    schema = f"medfeed_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base_url}{'&' if '?' in base_url else '?'}options=-csearch_path%3D{schema}"
    store = Store(url)  # migrate once, as `medfeed db upgrade` would before the fleet starts
    try:
        with LocalServer() as server:
            feeds = GrowingFeeds(delay=0.05, every=new_every)
            rows = serve_feeds(server, feeds, sources)
            config = workdir / "config.yaml"
            schedule = f"{{default_interval: {interval}s, jitter: 0.1}}"
            config.write_text(config_text(url, rows, schedule=schedule))
            run = [sys.executable, "-m", "aggregator.cli", "--config", str(config), "run"]
            logs = [(workdir / f"run{n}.log").open("wb") for n in range(2)]
            processes = [
                subprocess.Popen(
                    [*run, "--port", str(free_port()), "--workers", "1"],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=REPO,
                )
                for log in logs
            ]
            time.sleep(seconds)
            for process in processes:
                process.send_signal(signal.SIGTERM)
            codes = [process.wait(timeout=30) for process in processes]
            report(server, feeds, store, seconds, interval, codes)
    finally:
        store.close()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def report(
    server: LocalServer,
    feeds: GrowingFeeds,
    store: Store,
    seconds: float,
    interval: float,
    codes: list[int],
) -> None:
    per_source = Counter(r.path for r in server.requests)
    counts = sorted(per_source.values())
    with store.session() as session:
        items = int(session.scalar(select(func.count()).select_from(Item)) or 0)
        urls = int(session.scalar(select(func.count(func.distinct(sameurl.item_url())))) or 0)
        links = int(session.scalar(select(func.count()).select_from(ItemSource)) or 0)
        by_worker = dict(
            session.execute(select(FetchLog.worker, func.count()).group_by(FetchLog.worker)).all()
        )
        failed = session.scalar(select(func.count()).where(FetchLog.status == "failed"))
    print(f"exit codes after SIGTERM: {codes}")
    print(f"sources fetched: {len(per_source)}; requests: {len(server.requests)}")
    print(
        f"fetches per source: min {counts[0]}, median {statistics.median(counts)}, "
        f"max {counts[-1]} (interval {interval:g} s + up to 10% jitter over {seconds:g} s: "
        f"at most {int(seconds / interval) + 1})"
    )
    print(f"max simultaneous requests for one source: {max(feeds.overlap.values())}")
    print(f"fetches by process (fetch_log): {by_worker}; failed fetches: {failed}")
    print(
        f"items stored: {items}; distinct URLs among them: {urls}; distinct entries served: "
        f"{feeds.distinct_items()}; duplicates: {items - urls}; item_sources rows: {links}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--interval", type=float, default=5, help="seconds between fetches")
    parser.add_argument("--new-every", type=float, default=10, help="seconds between new entries")
    args = parser.parse_args()
    base_url = os.environ.get("MEDFEED_BENCH_DATABASE_URL", DEFAULT_URL)
    with TemporaryDirectory() as workdir:
        measure(base_url, args.seconds, args.sources, args.interval, args.new_every, Path(workdir))


if __name__ == "__main__":
    main()
