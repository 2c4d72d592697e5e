"""CPU of a first pass, stage by stage: what a parse worker spends per item, what the
result costs to hand back, what the main process spends storing it.

The corpus is ``peer_reader.py``'s: the shared generator (``../shared/bench``), seed
42, mixed RSS/Atom, ``--corpus-feeds`` x ``--items`` (default 100 x 50, whose syndicated
stories span the whole corpus), of which ``--feeds`` are measured. Stages:

- ``prepare``: ``aggregator.prepare.prepare`` of each feed's job, as a parse worker runs
  it (after ``warm_up`` and one unmeasured feed, as a worker is warm after its first);
- ``transfer``: the results pickled and unpickled as the process pool does
  (``ForkingPickler``): bytes per item and the cost of both ends;
- ``store``: the main process's whole ``refresh --all`` over those feeds, served by
  an HTTP server in a child process on 127.0.0.1, into a fresh SQLite file (or
  ``--database``), with a pool that hands back the results the ``prepare`` stage
  made, unpickled (so the main process does all it does in a real pass but parse).

Under callgrind (``--callgrind``: the script runs itself under ``valgrind
--tool=callgrind``) each stage is counted in instructions, which a loaded machine
does not move; a small C helper built with the system's ``gcc`` and valgrind
headers zeroes and dumps callgrind's counters at the stages' edges. Without it,
each stage's CPU seconds (``time.process_time``) are printed, which a loaded
machine does move. ``PYTHONHASHSEED`` is fixed at 0 under callgrind.

    .venv/bin/python benchmarks/pass_cost.py [--feeds 10] [--stages prepare,transfer,store]
        [--callgrind] [--database URL]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import pickle
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any

from corpus_truth import load_generator

SEED = 42
STAGES = ("prepare", "transfer", "store")
HELPER = r"""
#include <valgrind/callgrind.h>
int cg_running(void) { return RUNNING_ON_VALGRIND; }
void cg_zero(void) { CALLGRIND_ZERO_STATS; }
void cg_dump(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
"""


class Meter:
    """Stage edges: callgrind's counters when running under it, else CPU seconds."""

    def __init__(self, helper: Path | None) -> None:
        self._lib = ctypes.CDLL(str(helper)) if helper is not None else None
        self.counted = bool(self._lib and self._lib.cg_running())
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self.counted:
            self._lib.cg_zero()  # type: ignore[union-attr]
        started = time.process_time()
        yield
        self.seconds[name] = time.process_time() - started
        if self.counted:
            self._lib.cg_dump(name.encode())  # type: ignore[union-attr]


def build_helper(folder: Path) -> Path:
    source, library = folder / "cg.c", folder / "cg.so"
    source.write_text(HELPER)
    subprocess.run(["gcc", "-O1", "-shared", "-fPIC", "-o", library, source], check=True)
    return library


def corpus(corpus_feeds: int, items: int, base_url: str) -> Any:
    return load_generator().FeedCorpus(corpus_feeds, items, SEED, "mixed", base_url=base_url)


def jobs(bodies: dict[int, bytes], base_url: str, now: datetime) -> dict[int, Any]:
    """The jobs a refresh hands its pool for these feeds (``Refresher._job``), as
    ``peer_reader.py``'s config makes them: news sources, no tags, the built-in
    vocabulary, the default limits."""
    from aggregator.prepare import PrepareJob
    from aggregator.records import Kind, Label
    from aggregator.tagging import specialties_from_config

    vocabulary = specialties_from_config(None)
    return {
        i: PrepareJob(
            source_id=f"f{i:04d}",
            kind=Kind.NEWS,
            label=Label.NEWS,
            source_tags=(),
            specialties=vocabulary,
            body=body,
            url=f"{base_url}/{i}.xml",
            content_type="application/rss+xml; charset=utf-8",
            now=now,
        )
        for i, body in bodies.items()
    }


class HandBack(Executor):
    """A parse pool that parses nothing: each job's result is the one prepared earlier
    for its source, unpickled here as a pool's result is."""

    def __init__(self, results: dict[str, bytes]) -> None:
        self._results = results

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        (job,) = args
        future: Future[Any] = Future()
        future.set_result(pickle.loads(self._results[job.source_id]))
        return future


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """``folder``'s files over HTTP from a child process; yields the base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(5)


def store_pass(
    database: str, folder: Path, feeds: Sequence[int], results: dict[str, bytes], meter: Meter
) -> int:
    """The main process of ``medfeed refresh --all`` over ``feeds``, parse aside."""
    from aggregator.config import load_settings
    from aggregator.refresh import Refresher
    from aggregator.retagging import retag_stored
    from aggregator.store import Store
    from aggregator.tagging import specialties_from_config

    with served(folder) as base:
        config = folder / "medfeed.yaml"
        lines = [
            f"database: {database}",
            "http: {concurrency: 16, per_host: 16}",
            "fulltext: {enabled: false}",
            "sources:",
        ]
        for i in feeds:
            lines += [f"  - id: f{i:04d}", f"    name: Feed {i}", f"    url: {base}/{i}.xml"]
            lines.append("    kind: news")
        config.write_text("\n".join(lines) + "\n")
        settings = load_settings(config)
        store = Store(settings.database)
        try:
            store.sync_sources(settings.configured_sources())
            ids = store.enabled_source_ids()
            with meter.stage("store"):
                refresher = Refresher(settings, store, pool=HandBack(results))
                outcomes = refresher.refresh(source_ids=ids, due_only=False)
                retag_stored(store, specialties_from_config(settings.specialties))
        finally:
            store.close()
    failed = [o for o in outcomes if o.status != "ok"]
    if failed:
        raise SystemExit(f"{len(failed)} sources failed: {failed[0]}")
    return sum(o.new + o.updated for o in outcomes)


@dataclass(frozen=True)
class Figures:
    items: int
    pickled_bytes: int


def run(args: argparse.Namespace, meter: Meter) -> Figures:
    from aggregator.prepare import prepare, warm_up

    base_url = "http://127.0.0.1:8765/feeds"  # inside the bodies only: links, self links
    generated = corpus(args.corpus_feeds, args.items, base_url)
    measured = list(range(args.skip, args.skip + args.feeds))
    warm = (args.skip + args.feeds) % args.corpus_feeds
    bodies = {i: generated.feed_bytes(i) for i in [*measured, warm]}
    prepared_jobs = jobs(bodies, base_url, datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    warm_up()
    prepare(prepared_jobs[warm])
    results: dict[str, Any] = {}
    stages = set(args.stages.split(","))
    if "prepare" in stages:
        with meter.stage("prepare"):
            for i in measured:
                results[f"f{i:04d}"] = prepare(prepared_jobs[i])
    else:
        results = {f"f{i:04d}": prepare(prepared_jobs[i]) for i in measured}
    items = sum(len(r.updates) for r in results.values())
    pickled = {source: bytes(ForkingPickler.dumps(r)) for source, r in results.items()}
    if "transfer" in stages:
        with meter.stage("transfer"):
            for result in results.values():
                pickle.loads(ForkingPickler.dumps(result))
    if "store" in stages:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            for i in measured:
                (folder / f"{i}.xml").write_bytes(bodies[i])
            database = args.database or f"sqlite:///{folder / 'medfeed.db'}"
            stored = store_pass(database, folder, measured, pickled, meter)
            if stored != items:
                raise SystemExit(f"stored {stored} items of {items} prepared")
    return Figures(items, sum(len(p) for p in pickled.values()))


def under_callgrind(argv: list[str]) -> int:
    """Run this script again under callgrind; print each stage's instructions per item."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        helper = build_helper(folder)
        command = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/cg.out.%p",
            sys.executable, __file__, *argv, "--helper", str(helper),
        ]  # fmt: skip
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode:
            sys.stderr.write(done.stderr[-4000:])
            return done.returncode
        sys.stdout.write(done.stdout)
        items = int(re.search(r"^items (\d+)$", done.stdout, re.MULTILINE)[1])  # type: ignore[index]
        for dump in sorted(folder.glob("cg.out.*"), key=_dump_order):
            text = dump.read_text(errors="replace")
            trigger = re.search(r"^desc: Trigger: Client Request: (\S+)", text, re.MULTILINE)
            total = re.search(r"^(?:summary|totals): (\d+)", text, re.MULTILINE)
            if trigger and total:
                count = int(total[1])
                print(f"{trigger[1]:<10} {count / 1e9:9.3f} G instructions"
                      f"  {count / items / 1e6:8.3f} M per item")  # fmt: skip
    return 0


def _dump_order(path: Path) -> tuple[int, int]:
    _, _, pid, *number = path.name.split(".")
    return int(pid), int(number[0]) if number else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=10, help="feeds measured")
    parser.add_argument("--skip", type=int, default=0, help="the first feed measured")
    parser.add_argument("--corpus-feeds", type=int, default=100)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument("--database", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--helper", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.callgrind:
        rest = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--callgrind"]
        return under_callgrind(rest)
    meter = Meter(args.helper)
    figures = run(args, meter)
    print(f"items {figures.items}")
    print(f"pickled {figures.pickled_bytes / figures.items:.0f} bytes per item")
    for name, seconds in meter.seconds.items():
        print(f"{name:<10} {seconds:7.3f} s CPU  {seconds / figures.items * 1e3:7.3f} ms per item")
    return 0


if __name__ == "__main__":
    sys.exit(main())
