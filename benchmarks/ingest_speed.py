"""Ingest speed: one refresh of N local feeds x M items, then an all-304 pass.

The feeds are the shared generated corpus (``../shared/bench/gen_feeds.py``):
realistic medical news with shared boilerplate sentences, shared vocabulary
and syndicated rewrites, so story matching meets the work real feeds give it.
They are served from a separate process (``python -m http.server``, which
answers If-Modified-Since with 304) on 127.0.0.1, and medfeed's real refresh
pipeline (fetch -> parse pool -> identity -> tags -> store) runs into a fresh
SQLite file (or ``--database URL``). Prints items/s for the first pass and
sources/s for the conditional pass.

    python benchmarks/ingest_speed.py [--feeds 200] [--items 50] [--database URL]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aggregator.config import load_settings
from aggregator.refresh import Refresher
from aggregator.store import Store

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"


def write_feeds(folder: Path, feeds: int, items: int) -> None:
    """The shared generator's feeds as files named f0.xml, f1.xml, ..."""
    sys.path.insert(0, str(BENCH))
    from gen_feeds import FeedCorpus

    for index, data in FeedCorpus(n_feeds=feeds, n_items=items, seed=42).iter_feeds():
        (folder / f"f{index}.xml").write_bytes(data)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--database", default=None)
    parser.add_argument("--window", default="7d", help="dedupe window (1s: no story matching)")
    args = parser.parse_args()
    if not BENCH.is_dir():
        sys.exit(f"the shared corpus generator is not at {BENCH}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "feeds").mkdir()
        write_feeds(root / "feeds", args.feeds, args.items)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            cwd=root / "feeds",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(0.5)
            database = args.database or f"sqlite:///{root / 'bench.db'}"
            lines = [f"database: {database}", f"dedupe: {{window: {args.window}}}", "sources:"]
            for n in range(args.feeds):
                url = f"http://127.0.0.1:{port}/f{n}.xml"
                lines += [f"  - id: f{n}", f"    name: F{n}", f"    url: {url}", "    kind: news"]
            (root / "config.yaml").write_text("\n".join(lines) + "\n")
            settings = load_settings(root / "config.yaml")
            store = Store(settings.database)
            store.sync_sources(settings.configured_sources())
            refresher = Refresher(settings, store)
            started = time.perf_counter()
            outcomes = refresher.refresh(due_only=False)
            first = time.perf_counter() - started
            stored = sum(o.new for o in outcomes)
            failed = [o for o in outcomes if o.status == "failed"]
            started = time.perf_counter()
            again = refresher.refresh(due_only=False)
            second = time.perf_counter() - started
            not_modified = sum(1 for o in again if o.status == "not-modified")
            store.close()
        finally:
            server.terminate()
            server.wait()
    kind = database.split(":")[0]
    print(f"feeds={args.feeds} items/feed={args.items} database={kind} window={args.window}")
    print(f"first pass : {stored} items stored in {first:.2f} s = {stored / first:.0f} items/s"
          f" ({len(failed)} failed)")  # fmt: skip
    print(f"second pass: {not_modified}/{len(again)} not modified in {second:.2f} s"
          f" = {len(again) / second:.0f} sources/s")  # fmt: skip


if __name__ == "__main__":
    main()
