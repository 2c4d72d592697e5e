"""Parse speed: items/s of ``parse_document`` over the corpus' medical, YouTube and JSON feeds.

Every file of ``../shared/corpus/{medical,youtube,jsonfeed}`` is parsed in a
loop until at least ``--seconds`` of CPU time is spent; documents that are not feeds
(the HTML page, the truncated and look-alike JSON) are timed too, because a
refresh pays for them as well. For comparison it also times bare
``feedparser.parse`` on the XML files, with its defaults and with
``sanitize_html=False, resolve_relative_uris=False`` (DESIGN.md's two numbers),
so our overhead over feedparser is visible. One process, one core.

    python benchmarks/parse_speed.py [--seconds 3] [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable
from pathlib import Path

import feedparser

from aggregator.errors import ParseError
from aggregator.parse import parse_document

FOLDERS = ("medical", "youtube", "jsonfeed")


def load(corpus: Path) -> list[tuple[str, bytes]]:
    files = sorted(p for folder in FOLDERS for p in (corpus / folder).iterdir() if p.is_file())
    return [(f"https://bench.example.org/{p.name}", p.read_bytes()) for p in files]


def ours(url: str, body: bytes) -> int:
    try:
        return len(parse_document(body, url=url).items)
    except ParseError:
        return 0


def feedparser_with(**options: bool) -> Callable[[str, bytes], int]:
    def run(url: str, body: bytes) -> int:
        del url
        return len(feedparser.parse(io.BytesIO(body), **options).entries)

    return run


def measure(
    runners: dict[str, Callable[[str, bytes], int]], docs: list[tuple[str, bytes]], seconds: float
) -> dict[str, tuple[int, float]]:
    """Items and CPU seconds per runner, the runners interleaved document by document.

    Interleaving puts every runner under the same machine load, so the ratio
    between them holds even when the absolute numbers wander; CPU time (not
    wall time) leaves other processes out of it.
    """
    totals = {name: [0, 0.0] for name in runners}
    while min(cpu for _, cpu in totals.values()) < seconds:
        for url, body in docs:
            for name, run in runners.items():
                started = time.process_time()
                items = run(url, body)
                totals[name][1] += time.process_time() - started
                totals[name][0] += items
    return {name: (int(items), cpu) for name, (items, cpu) in totals.items()}


def report(title: str, results: dict[str, tuple[int, float]]) -> None:
    print(title)
    for name, (items, cpu) in results.items():
        print(f"  {name:<34} {items / cpu:7.0f} items/s  ({items} items in {cpu:.1f} s CPU)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument(
        "--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus"
    )
    args = parser.parse_args()
    docs = load(args.corpus)
    xml_docs = [(url, body) for url, body in docs if not url.endswith(".json")]
    report(
        f"medical + youtube + jsonfeed ({len(docs)} files)",
        measure({"parse_document": ours}, docs, args.seconds),
    )
    report(
        f"XML files only ({len(xml_docs)} files), interleaved",
        measure(
            {
                "parse_document": ours,
                "feedparser, both options off": feedparser_with(
                    sanitize_html=False, resolve_relative_uris=False
                ),
                "feedparser defaults": feedparser_with(),
            },
            xml_docs,
            args.seconds,
        ),
    )


if __name__ == "__main__":
    main()
