"""Where a first pass's database bytes go: bytes per entry, by table and index.

Serves the shared generated corpus as ``benchmarks/peer_reader.py`` does
(seed 42, mixed RSS/Atom, validators, ``--latency-ms``), runs one
``medfeed refresh --all`` into a fresh SQLite file, checkpoints it and prints
the file's bytes per stored entry (``item_sources`` rows, the figure
``peer_reader.py`` compares with reader's), then SQLite's ``dbstat`` summed per
table and index: all its pages, the bytes of its rows (payload) and the bytes
its pages leave unused, each over the entries. ``--columns`` adds the average
stored length of each ``items`` column. ``--analyse FILE`` prints the same for
an existing database without running anything; ``--keep FILE`` keeps the
pass's database.

    .venv/bin/python benchmarks/storage_bytes.py [--feeds 100] [--items 50]
        [--medfeed PATH] [--keep FILE] [--columns] [--analyse FILE]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from peer_reader import REPO, FeedServer, Setup, database_bytes, medfeed_config, run_measured


@dataclass(frozen=True)
class Usage:
    """One table or index: the bytes of its pages, of its rows, and left unused."""

    name: str
    pages: int
    payload: int
    unused: int


def usage(path: Path) -> list[Usage]:
    """``dbstat`` per name, largest first (the sums sqlite3_analyzer prints)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT name, sum(pgsize), sum(payload), sum(unused) FROM dbstat "
            "GROUP BY name ORDER BY sum(pgsize) DESC"
        ).fetchall()
    return [Usage(*row) for row in rows]


def column_lengths(path: Path) -> list[tuple[str, float]]:
    """Average stored length of each ``items`` column (text in characters, blobs in bytes)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        names = [row[1] for row in connection.execute("PRAGMA table_info(items)")]
        sums = ", ".join(f'avg(coalesce(length("{name}"), 0))' for name in names)
        averages = connection.execute(f"SELECT {sums} FROM items").fetchone()
    return sorted(zip(names, averages, strict=True), key=lambda pair: -pair[1])


def report(path: Path, *, columns: bool) -> None:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        entries = connection.execute("SELECT count(*) FROM item_sources").fetchone()[0]
        items = connection.execute("SELECT count(*) FROM items").fetchone()[0]
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    total = database_bytes(path)
    print(f"{entries:,} entries, {items:,} items, page size {page_size:,}")
    print(f"database bytes per entry: {total / entries:,.0f} ({total:,} bytes)")
    print()
    print("| table / index | pages | rows (payload) | unused |")
    print("|---|---:|---:|---:|")
    for u in usage(path):
        print(
            f"| {u.name} | {u.pages / entries:,.0f} | {u.payload / entries:,.0f} "
            f"| {u.unused / entries:,.0f} |"
        )
    if columns:
        print()
        print("| items column | average length |")
        print("|---|---:|")
        for name, length in column_lengths(path):
            print(f"| {name} | {length:,.1f} |")


def first_pass(args: argparse.Namespace, scratch: Path) -> Path:
    """One ``refresh --all`` against the served corpus into a fresh file; the file."""
    server = FeedServer.start(args.feeds, args.items, args.latency_ms)
    try:
        setup = Setup(
            urls=server.urls(args.feeds),
            workdir=scratch,
            workers=1,
            medfeed=args.medfeed,
            peer_python=args.medfeed,
            counts=server.counts,
            truth={},
        )
        database = scratch / "medfeed.db"
        config = medfeed_config(setup, database, None)
        command = [str(args.medfeed), "--config", str(config), "refresh", "--all"]
        measured = run_measured(command, scratch)
        if measured.returncode != 0:
            raise SystemExit(
                f"refresh exited with {measured.returncode}:\n{measured.stderr[-3000:]}"
            )
        print(f"first pass {measured.wall:.2f} s, cpu {measured.cpu:.2f} s")
        return database
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=35.0)
    parser.add_argument("--medfeed", type=Path, default=REPO / ".venv" / "bin" / "medfeed")
    parser.add_argument("--keep", type=Path, default=None, help="copy the database here")
    parser.add_argument("--columns", action="store_true", help="average length of items columns")
    parser.add_argument("--analyse", type=Path, default=None, help="an existing database")
    args = parser.parse_args()
    if args.analyse is not None:
        report(args.analyse, columns=args.columns)
        return
    scratch = Path(tempfile.mkdtemp(prefix="storage-bytes-"))
    try:
        database = first_pass(args, scratch)
        database_bytes(database)  # checkpoints the WAL into the file
        report(database, columns=args.columns)
        if args.keep is not None:
            shutil.copyfile(database, args.keep)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
