"""Ingest speed: one refresh of N local feeds x M items, then an all-304 pass.

The feeds are the shared generated corpus (``../shared/bench/gen_feeds.py``):
realistic medical news with shared boilerplate sentences, shared vocabulary
and syndicated rewrites, so story matching meets the work real feeds give it.
They are served from a separate process (``python -m http.server``, which
answers If-Modified-Since with 304) on 127.0.0.1, and medfeed's real refresh
pipeline (fetch -> parse pool -> identity -> tags -> store) runs into a fresh
SQLite file (or ``--database URL``). Prints items/s for the first pass and
sources/s for the conditional pass, and each pass's peak memory: the summed
VmRSS (and PSS, which shares pages out among the processes that share them)
of this process and its descendants (the parse pool), sampled from /proc
every 50 ms (a lower bound: a sample can miss a spike), with this process's
own peak beside it. The feed server is a separate process, not counted.

    python benchmarks/ingest_speed.py [--feeds 200] [--items 50] [--database URL]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"


def write_feeds(folder: Path, feeds: int, items: int) -> None:
    """The shared generator's feeds as files named f0.xml, f1.xml, ..."""
    sys.path.insert(0, str(BENCH))
    from gen_feeds import FeedCorpus

    for index, data in FeedCorpus(n_feeds=feeds, n_items=items, seed=42).iter_feeds():
        (folder / f"f{index}.xml").write_bytes(data)


class TreeMemory:
    """Peak memory of this process and its descendants while the ``with`` block runs."""

    EVERY = 0.05  # seconds between RSS samples (/proc/PID/status: ~0.1 ms a read)
    # PSS needs /proc/PID/smaps_rollup, which walks the whole address space under the
    # process's memory lock: ~15 ms a read for a 190 MB process on this machine. Read
    # that often, the sampler itself would take most of a core from what it measures.
    PSS_EVERY = 1.0

    def __init__(self, skip: set[int]) -> None:
        self.skip = skip  # processes not ours to count (the feed server)
        self.rss = self.pss = self.own = 0  # bytes
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        last_pss = 0.0
        while True:
            members = [pid for pid in _tree(os.getpid()) if pid not in self.skip]
            rss = [_kilobytes(f"/proc/{pid}/status", "VmRSS:") * 1024 for pid in members]
            self.rss, self.own = max(self.rss, sum(rss)), max(self.own, rss[0])
            if time.monotonic() - last_pss >= self.PSS_EVERY:
                last_pss = time.monotonic()
                pss = sum(_kilobytes(f"/proc/{p}/smaps_rollup", "Pss:") * 1024 for p in members)
                self.pss = max(self.pss, pss)
            if self._done.wait(self.EVERY):
                return

    def line(self) -> str:
        return (
            f"peak tree RSS {self.rss / 1e6:.0f} MB, PSS {self.pss / 1e6:.0f} MB "
            f"(this process {self.own / 1e6:.0f} MB)"
        )


def _tree(pid: int) -> list[int]:
    """The process and its living descendants, the process first."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop(0)
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    pending.extend(int(child) for child in handle.read().split())
            except OSError:
                continue
    return found


def _kilobytes(path: str, key: str) -> int:
    try:
        with open(path) as handle:
            for line in handle:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


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
    # Here, not at the top: each parse worker imports this script as its __main__, and
    # the ``medfeed`` command's workers import only the light aggregator.cli.
    from aggregator.config import load_settings
    from aggregator.refresh import Refresher
    from aggregator.store import Store

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
            with TreeMemory(skip={server.pid}) as first_memory:
                outcomes = refresher.refresh(due_only=False)
            first = time.perf_counter() - started
            stored = sum(o.new for o in outcomes)
            failed = [o for o in outcomes if o.status == "failed"]
            started = time.perf_counter()
            with TreeMemory(skip={server.pid}) as second_memory:
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
          f" ({len(failed)} failed); {first_memory.line()}")  # fmt: skip
    print(f"second pass: {not_modified}/{len(again)} not modified in {second:.2f} s"
          f" = {len(again) / second:.0f} sources/s; {second_memory.line()}")  # fmt: skip


if __name__ == "__main__":
    main()
