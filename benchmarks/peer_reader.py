"""medfeed and lemon24/reader side by side: one run, one locally served corpus, one table.

The shared generated corpus (``../shared/bench/gen_feeds.py``, seed 42, mixed
RSS/Atom) is served by a threaded HTTP/1.1 server in a child process on
127.0.0.1, as a publisher would: strong ETags, Last-Modified, 304 on a match,
and a fixed delay per request (``--latency-ms``, default 35). Each system then
runs as a whole command in its own process into a fresh SQLite file:

- medfeed: ``medfeed --config X refresh --all`` (this repository's venv),
  once with the default story matching and once with ``dedupe: {window: 1s}``
  (matching disabled: no item has a neighbour within a second);
- reader: ``reader.update_feeds(scheduled=False, workers=8)`` in a script run
  by the Python of ``benchmarks/.peer-venv``, a venv of its own created on
  first use (reader is never a dependency of medfeed).

Each first pass is followed by a second pass over the same database, which
the server answers with 304 Not Modified throughout. Measured per run: wall
time of the whole process, CPU time (user + system of the process and the
children it waited for; medfeed's parse workers are children of the pool's
forkserver, which nobody waits for, so the CPU of the whole process tree is
also sampled, every 20 ms, and reported on a row of its own), peak memory of
the process tree, database bytes per entry (the
file plus its WAL after a checkpoint, over stored (feed, guid) entries), and
the start cost of a no-op command. medfeed's own modules are compiled to
bytecode first (``compile_medfeed``), as ``pip install`` does for reader and
every other package. ``--repeat`` runs everything again; the
table shows medians. For medfeed it also scores its stories against the
generator's ground truth (``benchmarks/corpus_truth.py``).

Memory: a sampler thread sums VmRSS over the process and all its descendants
(``/proc/<pid>/task/*/children``) every 20 ms while it runs; the peak of those
sums is reported, a lower bound of the true peak (samples can miss a spike).
RSS counts pages shared between forked processes once per process; the PSS
row (``/proc/<pid>/smaps_rollup``, read once a second: it is costly) divides
shared pages among their sharers and so adds up to the tree's real footprint.

    .venv/bin/python benchmarks/peer_reader.py [--feeds 100] [--items 50] [--repeat 3]
        [--latency-ms 35] [--workers 8] [--only reader,medfeed,medfeed-nomatch]
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.sharedctypes import SynchronizedArray
from multiprocessing.synchronize import Event
from pathlib import Path

from corpus_truth import (
    StoryScores,
    load_generator,
    medfeed_labels,
    score_stories,
    truth_labels,
)

REPO = Path(__file__).resolve().parents[1]
PEER_VENV = REPO / "benchmarks" / ".peer-venv"
READER_SPEC = "reader==3.27"  # pip falls back to the newest release it offers for this Python
# reader's vendored feedparser imports ``sgmllib``, which feedparser >= 6.0.12 no
# longer pulls in (it ships ``feedparser_sgmllib`` instead)
READER_EXTRAS = ("sgmllib3k",)
SEED = 42
SAMPLE_EVERY = 0.02  # VmRSS from /proc/PID/status: ~0.1 ms a read
# PSS needs /proc/PID/smaps_rollup, which walks the whole address space under the
# process's memory lock: ~15 ms a read for a 190 MB process on this machine. Read
# every 20 ms it took most of a core from the measured command, more the larger its
# tree (medfeed's 3 processes against reader's one), so it is read once a second.
PSS_EVERY = 1.0

# Run by the peer venv's Python: reader's whole update, as its users run it.
READER_SCRIPT = """
import json, sys
from reader import make_reader
database, urls, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
reader = make_reader(database)
for url in open(urls).read().split():
    reader.add_feed(url, exist_ok=True)
reader.update_feeds(scheduled=False, workers=workers)
print(json.dumps({"broken": sum(1 for _ in reader.get_feeds(broken=True))}))
reader.close()
"""

VARIANTS = {
    "medfeed": "medfeed",
    "medfeed-nomatch": "medfeed, matching off",
    "reader": "reader",
}
# the slow variant last, so that every repeat has the quick ones
RUN_ORDER = ("reader", "medfeed-nomatch", "medfeed")


# --------------------------------------------------------------------- server


def serve(
    feeds: int,
    items: int,
    latency: float,
    ready: Event,
    port: SynchronizedArray[int],
    counts: SynchronizedArray[int],
    per_feed: SynchronizedArray[int] | None = None,
) -> None:
    """Child process: serve /feeds/<i>.xml with validators until killed.

    ``counts`` tallies answers (200, 304, other) so the parent can check that
    a second pass really was conditional for every feed; ``per_feed``, when
    given, counts the requests for each feed, so a feed fetched twice in a
    pass shows.
    """
    httpd = _Server(("127.0.0.1", 0), _Handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}/feeds"
    corpus = load_generator().FeedCorpus(feeds, items, SEED, "mixed", base_url=base)
    modified = email.utils.format_datetime(load_generator().BASE_DATE, usegmt=True)
    documents = {}
    for i, body in corpus.iter_feeds():
        media = "application/rss+xml" if corpus.feed_format(i) == "rss" else "application/atom+xml"
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        documents[f"/feeds/{i}.xml"] = (body, etag, media)
    httpd.documents, httpd.modified = documents, modified
    httpd.latency, httpd.counts, httpd.per_feed = latency, counts, per_feed
    port[0] = httpd.server_address[1]
    ready.set()
    httpd.serve_forever()


@dataclass(frozen=True)
class FeedServer:
    """``serve`` in a child process, and what it shares with this one."""

    process: multiprocessing.process.BaseProcess
    ready: Event
    port: SynchronizedArray[int]
    counts: SynchronizedArray[int]

    @classmethod
    def start(cls, feeds: int, items: int, latency_ms: float) -> FeedServer:
        context = multiprocessing.get_context("spawn")
        ready, port, counts = context.Event(), context.Array("i", 1), context.Array("l", 3)
        process = context.Process(
            target=serve, args=(feeds, items, latency_ms / 1000, ready, port, counts), daemon=True
        )
        process.start()
        return cls(process, ready, port, counts)

    def urls(self, feeds: int) -> list[str]:
        """The feeds' URLs, once the server listens."""
        if not self.ready.wait(600):
            raise SystemExit("the feed server did not start")
        return [f"http://127.0.0.1:{self.port[0]}/feeds/{i}.xml" for i in range(feeds)]

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    documents: dict[str, tuple[bytes, str, str]]
    modified: str
    latency: float
    counts: SynchronizedArray[int]
    per_feed: SynchronizedArray[int] | None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server: _Server

    def do_GET(self) -> None:
        self._count_feed()
        time.sleep(self.server.latency)
        document = self.server.documents.get(self.path)
        if document is None:
            self._answer(404, b"", {}, slot=2)
            return
        body, etag, media = document
        validators = {"ETag": etag, "Last-Modified": self.server.modified}
        if self._fresh(etag):
            self._answer(304, b"", validators, slot=1)
            return
        self._answer(200, body, {**validators, "Content-Type": f"{media}; charset=utf-8"}, slot=0)

    def _count_feed(self) -> None:
        per_feed = self.server.per_feed
        number = self.path.removeprefix("/feeds/").removesuffix(".xml")
        if per_feed is not None and number.isdigit() and int(number) < len(per_feed):
            with per_feed.get_lock():
                per_feed[int(number)] += 1

    def _fresh(self, etag: str) -> bool:
        """RFC 9110: If-None-Match decides when present, else If-Modified-Since."""
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
            return "*" in tags or etag in tags
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            asked = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        return asked >= email.utils.parsedate_to_datetime(self.server.modified)

    def _answer(self, status: int, body: bytes, headers: dict[str, str], *, slot: int) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        with self.server.counts.get_lock():
            self.server.counts[slot] += 1

    def log_message(self, format: str, *args: object) -> None:
        pass


# --------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Measured:
    """One finished process: what it cost and what it printed."""

    wall: float
    cpu: float  # user + system of the process and the children it waited for
    # user + system of every process of the tree, each as last sampled: a pool's
    # workers are children of its forkserver, which nobody waits for, so ``cpu``
    # leaves them out; this misses at most a sampling interval of each process
    tree_cpu: float
    rss_peak: int  # bytes, sampled sum over the process tree
    pss_peak: int  # bytes, sampled sum over the process tree
    max_rss: int  # bytes, largest single process (getrusage; a lower bound of the tree)
    returncode: int
    stdout: str
    stderr: str


def run_measured(argv: Sequence[str], cwd: Path) -> Measured:
    """Run a command to its end, sampling its process tree's memory meanwhile."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err)
        peaks = [0, 0]
        ticks: dict[int, int] = {}
        done = threading.Event()
        sampler = threading.Thread(
            target=_sample, args=(process.pid, peaks, ticks, done), daemon=True
        )
        sampler.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            _stop_tree(process.pid)
            raise
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        return Measured(
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            tree_cpu=sum(ticks.values()) / os.sysconf("SC_CLK_TCK"),
            rss_peak=peaks[0],
            pss_peak=peaks[1],
            max_rss=usage.ru_maxrss * 1024,
            returncode=process.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
        )


def _stop_tree(pid: int) -> None:
    """Stop a measured command and every process it started (a pool may outlive its parent)."""
    for member in reversed(_tree(pid)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)
    os.waitpid(pid, 0)


def _sample(pid: int, peaks: list[int], ticks: dict[int, int], done: threading.Event) -> None:
    last_pss = 0.0
    while not done.is_set():
        members = _tree(pid)
        for member in members:
            ticks[member] = max(ticks.get(member, 0), _cpu_ticks(member))
        rss = sum(_kilobytes(f"/proc/{member}/status", "VmRSS:") for member in members)
        peaks[0] = max(peaks[0], rss * 1024)
        if time.monotonic() - last_pss >= PSS_EVERY:
            last_pss = time.monotonic()
            pss = sum(_kilobytes(f"/proc/{m}/smaps_rollup", "Pss:") for m in members)
            peaks[1] = max(peaks[1], pss * 1024)
        done.wait(SAMPLE_EVERY)


def _cpu_ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _tree(pid: int) -> list[int]:
    """The process and all its living descendants."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
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


def database_bytes(path: Path) -> int:
    """The SQLite file and its WAL after a full checkpoint: what the data occupies on disk.

    reader also keeps a ``.search`` file beside its database (empty unless
    search is enabled); it is counted as part of reader's database.
    """
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    files = [path.with_name(path.name + suffix) for suffix in ("", "-wal", ".search")]
    return sum(file.stat().st_size for file in files if file.exists())


def count(path: Path, query: str) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return int(connection.execute(query).fetchone()[0])


# --------------------------------------------------------------------- the systems


@dataclass
class Result:
    """One system's figures over the repeats."""

    first: list[Measured] = field(default_factory=list)
    second: list[Measured] = field(default_factory=list)
    entries: list[int] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    bytes: list[int] = field(default_factory=list)
    start: list[Measured] = field(default_factory=list)
    stories: list[StoryScores] = field(default_factory=list)


@dataclass(frozen=True)
class Setup:
    urls: list[str]
    workdir: Path
    workers: int
    medfeed: Path
    peer_python: Path
    counts: SynchronizedArray[int]
    truth: dict[tuple[int, str], int]


def medfeed_config(setup: Setup, database: Path, window: str | None) -> Path:
    """A config a user would write for these feeds; only the window differs between variants.

    Every feed is on one host here, where a real deployment has one per
    publisher, so the per-host bound is raised to the overall one.
    """
    lines = [
        f"database: sqlite:///{database}",
        "http: {concurrency: 16, per_host: 16}",
        "fulltext: {enabled: false}",  # the generated links point at hosts that do not exist
    ]
    if window is not None:
        lines.append(f"dedupe: {{window: {window}}}")
    lines.append("sources:")
    for i, url in enumerate(setup.urls):
        lines += [f"  - id: f{i:04d}", f"    name: Feed {i}", f"    url: {url}", "    kind: news"]
    path = database.with_suffix(".yaml")
    path.write_text("\n".join(lines) + "\n")
    return path


def run_medfeed(
    setup: Setup, result: Result, *, matching: bool, log: Callable[[str], None]
) -> None:
    database = setup.workdir / ("medfeed.db" if matching else "medfeed-nomatch.db")
    config = medfeed_config(setup, database, None if matching else "1s")
    command = [str(setup.medfeed), "--config", str(config), "refresh", "--all"]
    first = _pass(setup, command, "first", log)
    second = _pass(setup, command, "second", log)
    result.first.append(first)
    result.second.append(second)
    result.entries.append(count(database, "SELECT count(*) FROM item_sources"))
    result.items.append(count(database, "SELECT count(*) FROM items"))
    errors = count(database, "SELECT count(*) FROM sources WHERE last_status = 'error'")
    if errors:
        log(f"  {errors} sources ended in error")
    result.stories.append(score_stories(setup.truth, medfeed_labels(f"sqlite:///{database}")))
    result.bytes.append(database_bytes(database))
    result.start.append(run_measured([str(setup.medfeed), "--help"], setup.workdir))
    _remove(database)


def run_reader(setup: Setup, result: Result, *, log: Callable[[str], None]) -> None:
    database = setup.workdir / "reader.sqlite"
    urls = setup.workdir / "urls.txt"
    urls.write_text("\n".join(setup.urls) + "\n")
    command = [str(setup.peer_python), "-c", READER_SCRIPT, str(database), str(urls)]
    command.append(str(setup.workers))
    first = _pass(setup, command, "first", log)
    second = _pass(setup, command, "second", log)
    for measured in (first, second):
        broken = json.loads(measured.stdout.strip().splitlines()[-1])["broken"]
        if broken:
            log(f"  {broken} feeds broken after a reader pass")
    result.first.append(first)
    result.second.append(second)
    entries = count(database, "SELECT count(*) FROM entries")
    result.entries.append(entries)
    result.items.append(entries)
    result.bytes.append(database_bytes(database))
    noop = [str(setup.peer_python), "-c", "import reader"]
    result.start.append(run_measured(noop, setup.workdir))
    _remove(database)


def _pass(setup: Setup, command: list[str], name: str, log: Callable[[str], None]) -> Measured:
    with setup.counts.get_lock():
        setup.counts[0] = setup.counts[1] = setup.counts[2] = 0
    measured = run_measured(command, setup.workdir)
    answered = f"{setup.counts[0]}x200 {setup.counts[1]}x304 {setup.counts[2]}xother"
    log(
        f"  {name} pass {measured.wall:7.2f} s  cpu {measured.cpu:7.2f} s  "
        f"tree cpu {measured.tree_cpu:7.2f} s  "
        f"tree rss {measured.rss_peak / 1e6:6.0f} MB  server: {answered}"
    )
    if measured.returncode != 0:
        raise SystemExit(
            f"{command[0]} exited with {measured.returncode}:\n{measured.stderr[-3000:]}"
        )
    return measured


def _remove(database: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".search"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)


def compile_medfeed(python: Path) -> None:
    """Write the bytecode of medfeed's own modules, as installing any package does.

    The editable install in ``.venv`` leaves them as sources, and where
    ``PYTHONDONTWRITEBYTECODE`` is set (this sandbox sets it) every command
    would compile ~40 modules again: ~0.2 s of CPU per command that reader,
    installed by pip with its bytecode, never pays.
    """
    folders = [str(REPO / name) for name in ("aggregator", "web")]
    command = [python, "-m", "compileall", "-q", *folders]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def peer_python(spec: str) -> Path:
    """reader's own venv, created on first use; its Python."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q"]
        if subprocess.run([*pip, spec], check=False).returncode != 0:
            print(f"{spec} is not installable here; taking the newest reader pip offers")
            subprocess.run([*pip, "reader"], check=True)
        subprocess.run([*pip, *READER_EXTRAS], check=True)
    return python


def peer_version(python: Path) -> str:
    code = "import reader; print(reader.__version__)"
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout


# --------------------------------------------------------------------- the table


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(results: dict[str, Result], feeds: int) -> list[str]:
    names = [name for name in VARIANTS if name in results]
    head = ["", *(VARIANTS[name] for name in names)]
    rows: list[list[str]] = []

    def row(label: str, value: Callable[[Result], float], shown: str, better: str) -> None:
        figures = {name: value(results[name]) for name in names}
        cells = [shown.format(figures[name]) for name in names]
        peer = figures.get("reader")
        for i, name in enumerate(names):
            if peer and name != "reader" and figures[name] == figures[name]:
                cells[i] += f" ({figures[name] / peer:.2g}× reader)"
        rows.append([f"{label} ({better})", *cells])

    row("first pass, s", lambda r: median([m.wall for m in r.first]), "{:,.2f}", "lower")
    row(
        "first pass, entries/s",
        lambda r: median([e / m.wall for e, m in zip(r.entries, r.first, strict=True)]),
        "{:,.0f}",
        "higher",
    )
    row("first pass CPU, s", lambda r: median([m.cpu for m in r.first]), "{:,.1f}", "lower")
    tree_cpu = "first pass CPU, whole process tree (sampled), s"
    row(tree_cpu, lambda r: median([m.tree_cpu for m in r.first]), "{:,.1f}", "lower")
    row("all-304 pass, s", lambda r: median([m.wall for m in r.second]), "{:,.2f}", "lower")
    row(
        "all-304 pass, sources/s",
        lambda r: median([feeds / m.wall for m in r.second]),
        "{:,.0f}",
        "higher",
    )
    row("all-304 pass CPU, s", lambda r: median([m.cpu for m in r.second]), "{:,.2f}", "lower")
    row("no-op start, s", lambda r: median([m.wall for m in r.start]), "{:,.2f}", "lower")
    row("no-op start CPU, s", lambda r: median([m.cpu for m in r.start]), "{:,.2f}", "lower")
    row(
        "peak memory, tree RSS, MB",
        lambda r: median([max(a.rss_peak, b.rss_peak) / 1e6 for a, b in _passes(r)]),
        "{:,.0f}",
        "lower",
    )
    row(
        "peak memory, tree PSS, MB",
        lambda r: median([max(a.pss_peak, b.pss_peak) / 1e6 for a, b in _passes(r)]),
        "{:,.0f}",
        "lower",
    )
    row(
        "largest process maxrss, MB",
        lambda r: median([max(a.max_rss, b.max_rss) / 1e6 for a, b in _passes(r)]),
        "{:,.0f}",
        "lower",
    )
    row(
        "database bytes per entry",
        lambda r: median([b / e for b, e in zip(r.bytes, r.entries, strict=True)]),
        "{:,.0f}",
        "lower",
    )
    row("entries stored", lambda r: median(r.entries), "{:,.0f}", "same")
    row("items (after merging)", lambda r: median(r.items), "{:,.0f}", "-")
    lines = [_line(head), _line(["---"] * len(head))]
    lines += [_line(cells) for cells in rows]
    return lines


def _passes(result: Result) -> list[tuple[Measured, Measured]]:
    return list(zip(result.first, result.second, strict=True))


def story_lines(results: dict[str, Result]) -> list[str]:
    lines = []
    for name in ("medfeed", "medfeed-nomatch"):
        for n, s in enumerate(results[name].stories if name in results else [], 1):
            lines.append(
                f"{VARIANTS[name]}, run {n}: precision {s.precision:.3f}  recall {s.recall:.3f}  "
                f"stories {s.stories:,} (truth {s.true_stories:,})  largest {s.largest} "
                f"(truth {s.largest_true})  over {s.entries:,} entries"
                f"{f', {s.missing} not stored' if s.missing else ''}"
                f"{f', {s.unknown} not in the manifest' if s.unknown else ''}"
            )
    return lines


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


# --------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=35.0)
    parser.add_argument("--workers", type=int, default=8, help="reader's update workers")
    parser.add_argument(
        "--matching-repeat",
        type=int,
        default=None,
        help="run medfeed with story matching in only the first N repeats (it is the slow one)",
    )
    parser.add_argument("--only", default=",".join(VARIANTS), help="comma-separated variants")
    parser.add_argument("--medfeed", type=Path, default=REPO / ".venv" / "bin" / "medfeed")
    parser.add_argument("--reader-spec", default=READER_SPEC)
    parser.add_argument("--workdir", type=Path, default=None, help="scratch directory")
    args = parser.parse_args()
    if args.matching_repeat is None:
        args.matching_repeat = args.repeat
    signal.signal(signal.SIGTERM, _interrupted)
    chosen = [name for name in VARIANTS if name in args.only.split(",")]
    if not args.medfeed.exists() and any(name.startswith("medfeed") for name in chosen):
        raise SystemExit(f"{args.medfeed} is missing: pip install -e . into .venv first")
    python = peer_python(args.reader_spec) if "reader" in chosen else Path(sys.executable)
    if any(name.startswith("medfeed") for name in chosen):
        compile_medfeed(args.medfeed.with_name("python"))

    load_before = os.getloadavg()
    server = FeedServer.start(args.feeds, args.items, args.latency_ms)
    scratch = Path(tempfile.mkdtemp(prefix="peer-reader-", dir=args.workdir))
    try:
        truth = truth_labels(load_generator().FeedCorpus(args.feeds, args.items, SEED).manifest())
        setup = Setup(
            urls=server.urls(args.feeds),
            workdir=scratch,
            workers=args.workers,
            medfeed=args.medfeed,
            peer_python=python,
            counts=server.counts,
            truth=truth,
        )
        version = peer_version(python).strip() if "reader" in chosen else "-"
        started = datetime.now(UTC)
        results = {name: Result() for name in chosen}
        for n in range(1, args.repeat + 1):
            for name in sorted(chosen, key=RUN_ORDER.index):
                if name == "medfeed" and n > args.matching_repeat:
                    continue
                print(f"[{n}/{args.repeat}] {VARIANTS[name]}", flush=True)
                if name == "reader":
                    run_reader(setup, results[name], log=_log)
                else:
                    run_medfeed(setup, results[name], matching=name == "medfeed", log=_log)
            report(args, results, started, load_before, version, truth)
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def report(
    args: argparse.Namespace,
    results: dict[str, Result],
    started: datetime,
    load_before: tuple[float, float, float],
    version: str,
    truth: dict[tuple[int, str], int],
) -> None:
    """The table so far: printed after every repeat, so a long run is usable when cut short."""
    load_now = os.getloadavg()
    loaded = max(load_before[0], load_now[1]) > 1.0
    runs = ", ".join(f"{VARIANTS[name]} {len(r.first)}" for name, r in results.items())
    print()
    print(
        f"{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"load average before {load_before[0]:.2f}, over the last 5 min {load_now[1]:.2f}"
        f"{' (loaded)' if loaded else ''}"
    )
    print(
        f"corpus: {args.feeds} feeds x {args.items} items, seed {SEED}, mixed RSS/Atom, "
        f"{len(truth):,} entries in {len(set(truth.values())):,} true stories; "
        f"server latency {args.latency_ms:g} ms; reader {version} with {args.workers} workers; "
        f"medians of the runs ({runs})"
    )
    print()
    print("\n".join(table(results, args.feeds)))
    print()
    print("\n".join(story_lines(results)), flush=True)


def _interrupted(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def _log(message: str) -> None:
    print(re.sub(r"\s+$", "", message), flush=True)


if __name__ == "__main__":
    main()
