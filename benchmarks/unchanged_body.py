"""An unchanged body: one feed of N entries served without validators, refreshed twice.

The server (a child process on 127.0.0.1, so it does not share the GIL) sends
the same bytes with a 200 on every request, and neither ETag nor Last-Modified:
nothing lets medfeed ask for a 304. The first pass stores every entry; the
second gets the same document again. Prints both passes' wall time and what
the second did (``not-modified``: the body was recognised and not parsed;
``ok``: it was parsed and stored again).

    python benchmarks/unchanged_body.py [--entries 2000] [--paragraphs 8] [--keep 2000]
        [--passes 2] [--database URL]
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.synchronize import Event
from pathlib import Path


def feed_body(entries: int, paragraphs: int) -> bytes:
    items = "".join(entry(n, paragraphs) for n in range(entries))
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Unvalidated journal</title><link>https://journal.example.org/</link>"
        f"<description>bench</description>{items}</channel></rss>"
    ).encode()


def entry(n: int, paragraphs: int) -> str:
    """One article: a headline and ``paragraphs`` + 1 short paragraphs of abstract."""
    text = (
        f"&lt;p&gt;Investigators followed {n * 7 % 900 + 100} patients with hypertension"
        f" for {n % 12 + 1} months; the primary endpoint was met.&lt;/p&gt;"
    )
    text += "".join(
        f"&lt;p&gt;Secondary endpoint {k} of trial {n} favoured the treatment arm.&lt;/p&gt;"
        for k in range(paragraphs)
    )
    return (
        f"<item><title>Trial {n} reports outcomes in cohort {n % 37} of patients</title>"
        f"<link>https://journal.example.org/articles/{n}</link><guid>a-{n}</guid>"
        f"<pubDate>Tue, 24 Nov 2026 {n % 24:02d}:{n % 60:02d}:00 GMT</pubDate>"
        f"<description>{text}</description></item>"
    )


def serve(entries: int, paragraphs: int, ready: Event, port: list[int]) -> None:
    """Child process: the same body, with a 200 and no validators, to every GET."""
    body = feed_body(entries, paragraphs)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port.append(httpd.server_address[1])
    ready.set()
    httpd.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--paragraphs", type=int, default=8, help="of each entry's abstract")
    parser.add_argument("--keep", type=int, default=2000, help="parse.max_entries")
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    # Here, not at the top: parse workers import this script as their __main__.
    from aggregator.config import load_settings
    from aggregator.refresh import Refresher
    from aggregator.store import Store

    manager = multiprocessing.Manager()
    port = manager.list()
    ready = manager.Event()
    server = multiprocessing.Process(
        target=serve, args=(args.entries, args.paragraphs, ready, port), daemon=True
    )
    server.start()
    ready.wait()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            database = args.database or f"sqlite:///{root / 'bench.db'}"
            (root / "config.yaml").write_text(
                f"database: {database}\nparse: {{max_entries: {args.keep}}}\nsources:\n"
                f"  - id: journal\n    name: Journal\n    url: http://127.0.0.1:{port[0]}/feed\n"
                "    kind: news\n"
            )
            settings = load_settings(root / "config.yaml")
            store = Store(settings.database)
            store.sync_sources(settings.configured_sources())
            refresher = Refresher(settings, store)
            kind = database.split(":")[0]
            print(f"entries={args.entries} paragraphs={args.paragraphs} keep={args.keep}"
                  f" database={kind}")  # fmt: skip
            for n in range(1, args.passes + 1):
                started = time.perf_counter()
                (outcome,) = refresher.refresh(due_only=False)
                seconds = time.perf_counter() - started
                print(f"pass {n}: {seconds:.2f} s  status={outcome.status} new={outcome.new}"
                      f" updated={outcome.updated} unchanged={outcome.unchanged}"
                      f"{' error=' + outcome.error if outcome.error else ''}")  # fmt: skip
            store.close()
    finally:
        server.terminate()
        manager.shutdown()


if __name__ == "__main__":
    main()
