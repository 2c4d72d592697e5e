"""The figures of docs/reliability.md: hostile configs, SIGKILLs, concurrent starts and refreshes.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/reliability.py [--kills 20] [--sources 30] [--database URL]

1. every hostile config of tests/test_config_hostile.py, loaded in this
   process: rejected or not, the slowest rejection, and the peak memory;
2. ``--kills`` times: ``medfeed refresh --all`` over ``--sources`` slow local
   feeds (40 ms per answer), SIGKILLed after a random number of its fetches, then ``medfeed
   refresh --all`` again: how many sources it skipped (must be 0);
3. eight processes starting at once on a fresh database (SQLite, and the
   PostgreSQL database when given): how many failed (must be 0);
4. four ``medfeed refresh --all`` at once, then counting items against the
   distinct entries served (duplicates must be 0).
Peak memory is the largest resident set of any child process.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import create_engine, func, select, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from aggregator.config import load_settings  # noqa: E402
from aggregator.errors import ConfigError  # noqa: E402
from aggregator.store import Store  # noqa: E402
from aggregator.store.models import Item  # noqa: E402
from tests.feeds import Entry, config_text, rss  # noqa: E402
from tests.localserver import LocalServer, send  # noqa: E402
from tests.test_config_hostile import BAD_FILES  # noqa: E402

MEDFEED = [sys.executable, "-m", "aggregator.cli"]
ENTRIES = 10


def configs(workdir: Path) -> None:
    slowest, rejected = 0.0, 0
    for name, (data, _phrase, _line) in sorted(BAD_FILES.items()):
        path = workdir / "config.yaml"
        path.write_bytes(data)
        started = time.perf_counter()
        try:
            load_settings(path)
        except ConfigError:
            rejected += 1
        else:
            print(f"  NOT REJECTED: {name}")
        slowest = max(slowest, time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"hostile configs: {rejected}/{len(BAD_FILES)} rejected as ConfigError, "
        f"slowest {slowest * 1000:.0f} ms, this process's peak RSS {peak:.0f} MB"
    )


def slow_feed(index: int) -> object:
    body = rss(
        [
            Entry(f"Story {index}-{n}", f"https://e.org/{index}/{n}", f"g{index}-{n}")
            for n in range(ENTRIES)
        ]
    )

    def handle(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(0.04)
        send(handler, 200, body, {"Content-Type": "application/rss+xml"})

    return handle


def refresh_all(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MEDFEED, "--config", str(config), "refresh", "--all"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        cwd=REPO,
        check=False,
    )


def kills(workdir: Path, database: str, rounds: int, sources: int, server: LocalServer) -> None:
    config = workdir / "kills.yaml"
    config.write_text(
        config_text(database, [(f"s{i}", server.url(f"/{i}.xml"), "news") for i in range(sources)])
    )
    Store(database).close()
    skipped_total, failed_rounds, mid_pass = 0, 0, 0
    for _ in range(rounds):
        child = subprocess.Popen(
            [*MEDFEED, "--config", str(config), "refresh", "--all"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=REPO,
        )
        served = len(server.requests)
        target = served + random.randint(1, sources - 1)  # kill mid-pass, after some fetches
        deadline = time.monotonic() + 60
        while len(server.requests) < target and time.monotonic() < deadline:
            time.sleep(0.005)
        mid_pass += len(server.requests) - served < sources
        child.kill()
        child.wait()
        after = refresh_all(config)
        skipped = after.stdout.count("skipped")
        skipped_total += skipped
        failed_rounds += after.returncode != 0 or skipped > 0
    store = Store(database)
    with store.session() as session:
        items = session.scalar(select(func.count()).select_from(Item))
    store.close()
    print(
        f"SIGKILL mid-refresh: {rounds} kills ({mid_pass} after some but not all fetches), "
        f"next --all skipped {skipped_total} sources "
        f"in total, {failed_rounds} bad rounds; items {items} of {sources * ENTRIES} "
        "distinct entries served"
    )


def concurrent_starts(url: str, label: str, processes: int = 8) -> None:
    code = "import sys; from aggregator.store import Store; Store(sys.argv[1]).close()"
    children = [
        subprocess.Popen([sys.executable, "-c", code, url], cwd=REPO, stderr=subprocess.PIPE)
        for _ in range(processes)
    ]
    failed = sum(1 for c in children if c.communicate()[1] is not None and c.returncode)
    print(f"fresh {label} database, {processes} processes starting at once: {failed} failed")


def concurrent_refreshes(workdir: Path, database: str, sources: int, server: LocalServer) -> None:
    config = workdir / "together.yaml"
    config.write_text(
        config_text(database, [(f"s{i}", server.url(f"/{i}.xml"), "news") for i in range(sources)])
    )
    Store(database).close()
    children = [
        subprocess.Popen(
            [*MEDFEED, "--config", str(config), "refresh", "--all"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=REPO,
        )
        for _ in range(4)
    ]
    codes = [c.wait() for c in children]
    store = Store(database)
    with store.session() as session:
        items = session.scalar(select(func.count()).select_from(Item))
    store.close()
    expected = sources * ENTRIES
    print(
        f"4 concurrent refresh --all: exit codes {codes}; items {items} for "
        f"{expected} distinct entries (duplicates {int(items or 0) - expected})"
    )


def pg_schema_url(base: str) -> tuple[str, str]:
    schema = f"medfeed_rel_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in base else "?"
    return schema, f"{base}{separator}options=-csearch_path%3D{schema}"


def drop_schema(base: str, schema: str) -> None:
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--sources", type=int, default=30)
    parser.add_argument("--database", help="a PostgreSQL URL for the concurrent-start check")
    args = parser.parse_args()
    with TemporaryDirectory() as tmp, LocalServer() as server:
        workdir = Path(tmp)
        for i in range(args.sources):
            server.route(f"/{i}.xml", slow_feed(i))
        configs(workdir)
        kills(workdir, f"sqlite:///{workdir / 'kills.db'}", args.kills, args.sources, server)
        concurrent_starts(f"sqlite:///{workdir / 'fresh.db'}", "SQLite")
        concurrent_refreshes(workdir, f"sqlite:///{workdir / 'together.db'}", args.sources, server)
        if args.database:
            schema, url = pg_schema_url(args.database)
            try:
                concurrent_starts(url, "PostgreSQL")
            finally:
                drop_schema(args.database, schema)
            schema, url = pg_schema_url(args.database)
            try:
                concurrent_refreshes(workdir, url, args.sources, server)
            finally:
                drop_schema(args.database, schema)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of any child process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
