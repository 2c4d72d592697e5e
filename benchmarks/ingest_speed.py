"""Ingest speed: one refresh of N local feeds x M items, then an all-304 pass.

Serves generated RSS files from a separate process (``python -m http.server``,
which answers If-Modified-Since with 304) on 127.0.0.1 and runs medfeed's real
refresh pipeline (fetch -> parse pool -> identity -> tags -> store) into a fresh
SQLite file (or ``--database URL``). Prints items/s for the first pass and
sources/s for the conditional pass.

    python benchmarks/ingest_speed.py [--feeds 200] [--items 50] [--database URL]
"""

from __future__ import annotations

import argparse
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

from aggregator.config import load_settings
from aggregator.refresh import Refresher
from aggregator.store import Store

SYLLABLES = [
    "ca",
    "di",
    "o",
    "vas",
    "cu",
    "lar",
    "on",
    "co",
    "lo",
    "gy",
    "neu",
    "ro",
    "pa",
    "thy",
    "im",
    "mu",
    "no",
    "the",
    "ra",
    "py",
    "glu",
    "cose",
    "re",
    "nal",
    "hep",
    "tic",
    "vi",
]


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    """Made-up words, so that generated stories are as distinct as real ones."""
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(size)]


def sentence(rng: random.Random, words: list[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."


def feed(rng: random.Random, words: list[str], feed_no: int, items: int) -> str:
    entries = []
    for n in range(items):
        summary = " ".join(sentence(rng, words, 14) for _ in range(5))
        entries.append(
            f"<item><title>{escape(sentence(rng, words, 9))}</title>"
            f"<link>https://outlet{feed_no}.example.org/news/{n}</link>"
            f"<guid>outlet{feed_no}-{n}</guid><description>&lt;p&gt;{escape(summary)}&lt;/p&gt;"
            f"</description><pubDate>Tue, 24 Nov 2026 {n % 24:02d}:00:00 GMT</pubDate></item>"
        )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet {feed_no}</title>'
        f"<link>https://outlet{feed_no}.example.org/</link><description>bench</description>"
        f"{''.join(entries)}</channel></rss>"
    )


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
    rng = random.Random(7)
    words = vocabulary(rng)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "feeds").mkdir()
        for n in range(args.feeds):
            (root / "feeds" / f"f{n}.xml").write_text(feed(rng, words, n, args.items))
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
            store.sync_sources(settings)
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
