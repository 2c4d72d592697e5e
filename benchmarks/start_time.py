"""Whole-command time of ``medfeed sources`` and of an all-304 ``medfeed refresh --all``.

Writes ``--feeds`` feeds of the shared workload (``../shared/bench/gen_feeds.py``)
to a scratch folder, serves them with ``python -m http.server`` (which answers
If-Modified-Since with 304) on 127.0.0.1, runs one first ``refresh --all``
into a fresh SQLite file, then times each command as a new process, as a cron
job or an admin would run it, ``--runs`` times, and prints the medians (wall
and CPU time) beside an empty Python start (``python -c pass``), the import
of ``aggregator.cli`` alone and ``medfeed --help``.
``python -X importtime -m aggregator.cli ...`` shows where an import goes.
medfeed's own modules are compiled to bytecode first, as installing a package
does (see ``peer_reader.compile_medfeed``: with ``PYTHONDONTWRITEBYTECODE`` set
and an editable install, every command would compile them again).

It is a measurement, not a test: nothing is asserted. Run:
``.venv/bin/python benchmarks/start_time.py [--feeds 100] [--items 5] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GENERATOR = REPO.parent / "shared" / "bench"
MEDFEED = Path(sys.executable).with_name("medfeed")


def write_feeds(folder: Path, feeds: int, items: int, port: int) -> Path:
    """The feeds, and a config naming them; returns the config's path."""
    sys.path.insert(0, str(GENERATOR))
    from gen_feeds import FeedCorpus  # type: ignore[import-not-found]

    corpus = FeedCorpus(n_feeds=feeds, n_items=items, seed=42, base_url=f"http://127.0.0.1:{port}")
    sources = []
    for index, data in corpus.iter_feeds():
        (folder / f"feed{index}.xml").write_bytes(data)
        sources.append(
            f"  - {{id: feed{index}, name: Feed {index}, "
            f"url: http://127.0.0.1:{port}/feed{index}.xml, kind: news}}"
        )
    config = folder / "config.yaml"
    config.write_text(
        f"database: sqlite:///{folder / 'medfeed.db'}\nsources:\n" + "\n".join(sources) + "\n"
    )
    return config


def timed(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system), in seconds, of ``runs`` runs.

    CPU time is reported beside wall time because it hardly moves when other
    work shares the cores: on a loaded machine it is the figure to compare.
    """
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - began)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not (GENERATOR / "gen_feeds.py").exists():
        raise SystemExit(f"the shared workload generator is not at {GENERATOR}")
    folders = [str(REPO / name) for name in ("aggregator", "web")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="medfeed-start-") as scratch:
        folder = Path(scratch)
        port = free_port()
        config = write_feeds(folder, args.feeds, args.items, port)
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            time.sleep(0.5)
            medfeed = [str(MEDFEED), "--config", str(config)]
            refresh_all = [*medfeed, "refresh", "--all"]
            subprocess.run(
                refresh_all, check=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            python = [sys.executable, "-c"]
            rows = [
                ("python -c pass", timed([*python, "pass"], args.runs)),
                ("import aggregator.cli", timed([*python, "import aggregator.cli"], args.runs)),
                ("medfeed --help", timed([str(MEDFEED), "--help"], args.runs)),
                ("medfeed sources", timed([*medfeed, "sources"], args.runs)),
                (f"refresh --all ({args.feeds} x 304)", timed(refresh_all, args.runs)),
            ]
        finally:
            server.terminate()
            server.wait()
    print(f"median of {args.runs} runs, each a new process:      wall       CPU")
    for name, (wall, cpu) in rows:
        print(f"  {name:<36} {wall:6.2f} s  {cpu:6.2f} s")


if __name__ == "__main__":
    main()
