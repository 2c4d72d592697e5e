"""Scale-out on PostgreSQL: 1, 2 and 4 concurrent ``medfeed refresh --all`` against one corpus.

Issue 11's question: do several processes on one database divide a pass, or
wait for each other? The shared generated corpus (``../shared/bench``, seed
42, mixed RSS/Atom) is served by ``peer_reader``'s server in a child process
on 127.0.0.1 (ETags, Last-Modified, ``--latency-ms`` added per request), with
a request count per feed. For each process count, a fresh PostgreSQL schema
is created and migrated once (as ``medfeed db upgrade`` before a fleet
starts), then that many ``medfeed --config X refresh --all`` start at once;
the pass ends when the last one exits.

Printed per run and as medians: wall time, speed-up against one process,
CPU (user + system of each process and the children it waited for, summed),
feeds requested more than once (from the server's count), items stored and
(feed, guid) entries stored against the corpus's entries, items left with
their story undecided, stories against the generator's truth and against the
first one-process run (entries whose story differs, and entries whose item
shows another title or summary), and where the database backends spent the
pass (``pg_stat_activity`` sampled every 50 ms: waiting on the story lock, on
a row or transaction lock, working, or idle in a transaction). A process
that exits 1 (some source failed) has its failed sources printed, with why.

    .venv/bin/python benchmarks/scale_out_pg.py [--feeds 200] [--items 50] [--repeat 3]
        [--processes 1,2,4] [--latency-ms 35]

The database is ``$MEDFEED_BENCH_DATABASE_URL`` (default: the local ``test``
database); each run's schema is dropped after it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from corpus_truth import (
    Entry,
    StoryScores,
    entry_rows,
    load_generator,
    medfeed_labels,
    score_stories,
)
from peer_reader import SEED, _tree, compile_medfeed, serve, truth_labels
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from aggregator.store import Store  # noqa: E402
from aggregator.store.stories import PENDING, STORY_LOCK  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOCK_SAMPLE_EVERY = 0.05
# what a sampled backend of the run was doing, by pg_stat_activity's columns
ACTIVITY = text(
    "SELECT a.pid, a.state, a.wait_event_type, a.wait_event, l.classid "
    "FROM pg_stat_activity AS a LEFT JOIN pg_locks AS l "
    "ON l.pid = a.pid AND NOT l.granted AND l.locktype = 'advisory' "
    "WHERE a.application_name = :name"
)


@dataclass(frozen=True)
class Database:
    """A fresh schema for one run, reached through its own search_path and application name."""

    base_url: str
    schema: str

    @property
    def url(self) -> str:
        joiner = "&" if "?" in self.base_url else "?"
        return (
            f"{self.base_url}{joiner}options=-csearch_path%3D{self.schema}"
            f"&application_name={self.schema}"
        )


@dataclass(frozen=True)
class Pass:
    """What the processes of one pass took, from outside them."""

    wall: float
    cpu: float
    database_cpu: float
    cpu_wait: float  # seconds the processes' threads were runnable but not running
    exit_codes: list[int]
    backend_states: Counter[str]


@dataclass
class Run:
    """One pass by ``processes`` processes over a fresh schema."""

    processes: int
    wall: float
    cpu: float
    database_cpu: float  # the PostgreSQL backends of the run
    cpu_wait: float  # the processes' threads runnable but not running
    requests: int
    fetched_twice: int
    fetched_never: int
    items: int
    entries: int
    pending: int
    exit_codes: list[int]
    scores: StoryScores
    story_differs: int  # entries whose story is not the first one-process run's
    text_differs: int  # entries whose item shows another title or summary than in that run
    backend_states: Counter[str] = field(default_factory=Counter)


@contextmanager
def fresh_schema(base_url: str) -> Iterator[Database]:
    database = Database(base_url, f"medfeed_scale_{uuid.uuid4().hex[:8]}")
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{database.schema}"'))
    try:
        Store(database.url).close()  # migrate once, as `medfeed db upgrade` would
        yield database
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{database.schema}" CASCADE'))
        admin.dispose()


def write_config(path: Path, database_url: str, urls: Sequence[str]) -> Path:
    """The config of ``peer_reader``'s medfeed runs, on PostgreSQL."""
    lines = [
        f"database: {database_url}",
        "http: {concurrency: 16, per_host: 16}",
        "fulltext: {enabled: false}",  # the generated links point at hosts that do not exist
        "sources:",
    ]
    for i, url in enumerate(urls):
        lines += [f"  - id: f{i:04d}", f"    name: Feed {i}", f"    url: {url}", "    kind: news"]
    path.write_text("\n".join(lines) + "\n")
    return path


class Sampler:
    """Calls ``sample`` every ``LOCK_SAMPLE_EVERY`` s from a thread, while in a ``with``."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.close()

    def _run(self) -> None:
        while not self._done.wait(LOCK_SAMPLE_EVERY):
            self.sample()

    def sample(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Give back what sampling used."""


class BackendSampler(Sampler):
    """Counts what the run's database backends are doing.

    It also reads each backend's CPU time from ``/proc`` (PostgreSQL on this
    host): the server's share of the work, which the refresh processes' own
    CPU does not include. A backend's last 50 ms can be missed.
    """

    def __init__(self, base_url: str, application_name: str) -> None:
        super().__init__()
        self.engine = create_engine(base_url)
        self.connection = self.engine.connect()
        self.name = application_name
        self.states: Counter[str] = Counter()
        self.backend_ticks: dict[int, int] = {}

    def sample(self) -> None:
        rows = self.connection.execute(ACTIVITY, {"name": self.name}).all()
        self.connection.rollback()
        self.states.update(_state_name(*row[1:]) for row in rows)
        for pid in {row[0] for row in rows}:
            self.backend_ticks[pid] = _cpu_ticks(pid) or self.backend_ticks.get(pid, 0)

    def close(self) -> None:
        self.connection.close()
        self.engine.dispose()

    @property
    def database_cpu(self) -> float:
        return sum(self.backend_ticks.values()) / os.sysconf("SC_CLK_TCK")


class RunQueueSampler(Sampler):
    """How long the refresh processes' threads (pool workers included) waited for a CPU.

    ``/proc/PID/task/TID/schedstat`` counts, per thread, the time spent
    runnable but not running: on a machine shared with other work, the part
    of a pass that is neither this work nor its I/O. A thread's last
    interval can be missed.
    """

    def __init__(self, roots: Sequence[int]) -> None:
        super().__init__()
        self.roots = roots
        self.waited: dict[tuple[int, str], int] = {}  # ns, by (pid, tid)

    @property
    def seconds(self) -> float:
        return sum(self.waited.values()) / 1e9

    def sample(self) -> None:
        for pid in (member for root in self.roots for member in _tree(root)):
            try:
                tasks = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for task in tasks:
                try:
                    fields = Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()
                except OSError:
                    continue
                self.waited[(pid, task)] = int(fields[1])


def _cpu_ticks(pid: int) -> int | None:
    """utime + stime of a process, in clock ticks; None when it is gone or elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def _state_name(state: str | None, wait_type: str | None, wait: str | None, key: int | None) -> str:
    if wait_type == "Lock" and wait == "advisory":
        return "waiting: story lock" if key == STORY_LOCK else "waiting: other advisory lock"
    if wait_type == "Lock":
        return f"waiting: {wait} lock"
    if state == "active":
        return "working"
    return state or "unknown"


def run_pass(
    processes: int, database: Database, config: Path, medfeed: Path, profile: Path | None
) -> Pass:
    """Start ``processes`` refreshes at once; wall time to the last exit, summed CPU, codes.

    With ``profile``, each process runs under ``py-spy record`` (idle samples
    included) writing a collapsed-stack file there; its CPU then counts
    py-spy's own. Pool workers are not profiled: under ``--subprocesses`` the
    drug table's reader child handed back a truncated pickle.
    """
    command = [str(medfeed), "--config", str(config), "refresh", "--all"]
    logs = [config.with_name(f"refresh{n}.log") for n in range(processes)]
    tables = [log.with_suffix(".out") for log in logs]  # the per-source table each printed
    with BackendSampler(database.base_url, database.schema) as sampler:
        started = time.perf_counter()
        children = [
            subprocess.Popen(
                _profiled(command, profile, f"{processes}p-{n}") if profile else command,
                cwd=REPO,
                stdout=table.open("wb"),
                stderr=log.open("wb"),
            )
            for n, (log, table) in enumerate(zip(logs, tables, strict=True))
        ]
        cpu, codes = 0.0, []
        with RunQueueSampler([child.pid for child in children]) as queue:
            for child in children:
                _, status, usage = os.wait4(child.pid, 0)
                child.returncode = os.waitstatus_to_exitcode(status)
                cpu += usage.ru_utime + usage.ru_stime
                codes.append(child.returncode)
        wall = time.perf_counter() - started
    for log, table, code in zip(logs, tables, codes, strict=True):
        if code not in (0, 1):
            print(log.read_text(errors="replace")[-2000:], file=sys.stderr)
        if code == 1:  # some source failed: say which, and why
            rows = table.read_text(errors="replace").splitlines()
            print("\n".join(row for row in rows if "\tfailed\t" in row), file=sys.stderr)
    return Pass(wall, cpu, sampler.database_cpu, queue.seconds, codes, sampler.states)


def _profiled(command: list[str], folder: Path, name: str) -> list[str]:
    spy = os.environ.get("PY_SPY", "py-spy")
    output = folder / f"{name}-{time.strftime('%H%M%S')}.txt"
    return [spy, "record", "--idle", "--rate", "50", "--format", "raw",
            "--output", str(output), "--", *command]  # fmt: skip


def count_stored(database_url: str) -> tuple[int, int, int]:
    """Items, (feed, guid) entries, and items whose story is still undecided."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            items = connection.scalar(text("SELECT count(*) FROM items"))
            entries = connection.scalar(
                text(
                    "SELECT count(*) FROM (SELECT DISTINCT source_id, guid_key FROM item_sources) e"
                )
            )
            pending = connection.scalar(
                text("SELECT count(*) FROM items WHERE story_seq = :pending"), {"pending": PENDING}
            )
    finally:
        engine.dispose()
    return int(items or 0), int(entries or 0), int(pending or 0)


def item_texts(database_url: str) -> dict[Entry, tuple[str, str]]:
    """(feed, guid) -> the title and summary of the item that entry was stored as."""
    rows = entry_rows(database_url, "i.title, i.summary")
    return {
        (int(source[1:]), guid): (title, summary or "") for source, guid, title, summary in rows
    }


def stories_of(labels: Mapping[Entry, int]) -> dict[Entry, frozenset[Entry]]:
    """Each entry's story as the set of its entries: comparable across databases."""
    members: dict[int, set[Entry]] = {}
    for entry, story in labels.items():
        members.setdefault(story, set()).add(entry)
    frozen = {story: frozenset(entries) for story, entries in members.items()}
    return {entry: frozen[story] for entry, story in labels.items()}


class Bench:
    """The server, the corpus's truth and the runs so far."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        context = multiprocessing.get_context("spawn")
        self.ready, self.port = context.Event(), context.Array("i", 1)
        self.counts = context.Array("l", 3)
        self.per_feed = context.Array("l", args.feeds)
        self.server = context.Process(
            target=serve,
            args=(args.feeds, args.items, args.latency_ms / 1000, self.ready, self.port),
            kwargs={"counts": self.counts, "per_feed": self.per_feed},
            daemon=True,
        )
        corpus = load_generator().FeedCorpus(args.feeds, args.items, SEED)
        self.truth = truth_labels(corpus.manifest())
        self.reference: dict[Entry, frozenset[Entry]] | None = None
        self.reference_texts: dict[Entry, tuple[str, str]] | None = None
        self.runs: list[Run] = []
        self.workdir = Path(tempfile.mkdtemp(prefix="scale-out-"))

    def urls(self) -> list[str]:
        base = f"http://127.0.0.1:{self.port[0]}/feeds"
        return [f"{base}/{i}.xml" for i in range(self.args.feeds)]

    def measure(self, processes: int) -> Run:
        with self.per_feed.get_lock():
            for i in range(len(self.per_feed)):
                self.per_feed[i] = 0
        with fresh_schema(self.args.database) as database:
            config = write_config(self.workdir / "config.yaml", database.url, self.urls())
            measured = run_pass(processes, database, config, self.args.medfeed, self.args.profile)
            requested = list(self.per_feed)
            items, entries, pending = count_stored(database.url)
            labels = medfeed_labels(database.url)
            texts = item_texts(database.url)
        stories = stories_of(labels)
        if self.reference is None and processes == 1:
            self.reference, self.reference_texts = stories, texts
        reference = self.reference or {}
        reference_texts = self.reference_texts or {}
        run = Run(
            processes=processes,
            wall=measured.wall,
            cpu=measured.cpu,
            database_cpu=measured.database_cpu,
            cpu_wait=measured.cpu_wait,
            requests=sum(requested),
            fetched_twice=sum(1 for n in requested if n > 1),
            fetched_never=sum(1 for n in requested if n == 0),
            items=items,
            entries=entries,
            pending=pending,
            exit_codes=measured.exit_codes,
            scores=score_stories(self.truth, labels),
            story_differs=sum(1 for e, s in stories.items() if reference.get(e, s) != s),
            text_differs=sum(1 for e, t in texts.items() if reference_texts.get(e, t) != t),
            backend_states=measured.backend_states,
        )
        self.runs.append(run)
        return run


def run_line(run: Run) -> str:
    sampled = sum(run.backend_states.values()) or 1
    states = ", ".join(
        f"{name} {100 * n / sampled:.0f}%" for name, n in run.backend_states.most_common()
    )
    return (
        f"  {run.processes} process(es): {run.wall:6.2f} s, cpu {run.cpu:6.2f} s, "
        f"database cpu {run.database_cpu:6.2f} s, waited for a cpu {run.cpu_wait:6.2f} s, "
        f"{run.requests} requests, {run.fetched_twice} feeds twice, {run.fetched_never} never, "
        f"{run.items} items, {run.entries} entries, {run.pending} undecided, "
        f"P {run.scores.precision:.3f} R {run.scores.recall:.3f}, "
        f"{run.story_differs} entries in another story than one process's, "
        f"{run.text_differs} showing another text; exit {run.exit_codes}"
        f"\n    backends: {states}"
    )


def table(runs: Sequence[Run], corpus_entries: int) -> list[str]:
    by_count: dict[int, list[Run]] = {}
    for run in runs:
        by_count.setdefault(run.processes, []).append(run)
    one = statistics.median(r.wall for r in by_count.get(1, runs))
    lines = [
        "| processes | pass, s | speed-up | CPU, s | database CPU, s | waited for a CPU, s | "
        "feeds fetched > once | items | "
        f"entries (of {corpus_entries:,}) | stories differing from 1 process | "
        "texts differing from 1 process | runs |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for count, group in sorted(by_count.items()):
        wall = statistics.median(r.wall for r in group)
        lines.append(
            f"| {count} | {wall:.2f} | {one / wall:.2f}× | "
            f"{statistics.median(r.cpu for r in group):.1f} | "
            f"{statistics.median(r.database_cpu for r in group):.1f} | "
            f"{statistics.median(r.cpu_wait for r in group):.1f} | "
            f"{max(r.fetched_twice for r in group)} | "
            f"{'/'.join(str(r.items) for r in group)} | "
            f"{'/'.join(str(r.entries) for r in group)} | "
            f"{max(r.story_differs for r in group)} entries | "
            f"{max(r.text_differs for r in group)} entries | {len(group)} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--processes", default="1,2,4", help="comma-separated process counts")
    parser.add_argument("--latency-ms", type=float, default=35.0)
    parser.add_argument("--medfeed", type=Path, default=REPO / ".venv" / "bin" / "medfeed")
    parser.add_argument(
        "--profile", type=Path, default=None, help="folder for py-spy profiles ($PY_SPY: py-spy)"
    )
    args = parser.parse_args()
    args.database = os.environ.get("MEDFEED_BENCH_DATABASE_URL", DEFAULT_URL)
    counts = [int(n) for n in args.processes.split(",")]
    compile_medfeed(Path(sys.executable))
    bench = Bench(args)
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    bench.server.start()
    try:
        if not bench.ready.wait(600):
            raise SystemExit("the feed server did not start")
        for repeat in range(1, args.repeat + 1):
            for processes in counts:
                print(f"[{repeat}/{args.repeat}] {processes} process(es)", flush=True)
                print(run_line(bench.measure(processes)), flush=True)
        load_now = os.getloadavg()
        print(
            f"\n{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load average before "
            f"{load_before[0]:.2f}, over the last 5 min {load_now[1]:.2f}; {args.feeds} feeds x "
            f"{args.items} items, latency {args.latency_ms:g} ms; medians of {args.repeat}\n"
        )
        print("\n".join(table(bench.runs, len(bench.truth))))
    finally:
        bench.server.terminate()
        bench.server.join(5)


if __name__ == "__main__":
    main()
