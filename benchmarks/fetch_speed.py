"""Fetch speed: N small feeds over HTTP, a first pass of 200s and a conditional pass of 304s.

A threaded HTTP/1.1 server (keep-alive, strong ETags, optional per-request
latency) runs in a child process on 127.0.0.1 so it does not share the GIL
with the client; medfeed's ``Fetcher`` fetches every feed with
``asyncio.gather`` under its concurrency limit, then again with the ETags it
got. Prints requests/s for both passes. Only the fetch stage is measured: no
parsing, no database.

    python benchmarks/fetch_speed.py [--feeds 200] [--concurrency 16] [--latency-ms 0] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import statistics
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aggregator.fetch import Fetcher, FetchLimits
from aggregator.records import Fetched


def feed_body(n: int) -> bytes:
    items = "".join(
        f"<item><title>Outlet {n} story {i}</title><link>https://outlet{n}.example.org/{i}</link>"
        f"<guid>o{n}-{i}</guid><description>Trial results for cohort {i}.</description></item>"
        for i in range(5)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet {n}</title>'
        f"{items}</channel></rss>"
    ).encode()


def serve(
    feeds: int, latency: float, ready: multiprocessing.synchronize.Event, port: list[int]
) -> None:
    """Child process: serve /feed/<n> with ETags until killed."""
    bodies = {f"/feed/{n}": feed_body(n) for n in range(feeds)}
    etags = {path: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for path, body in bodies.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in separate writes

        def do_GET(self) -> None:
            if latency:
                time.sleep(latency)
            body, etag = bodies.get(self.path), etags.get(self.path)
            if body is None or etag is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128

    httpd = Server(("127.0.0.1", 0), Handler)
    port[0] = httpd.server_address[1]
    ready.set()
    httpd.serve_forever()


async def one_pass(
    fetcher: Fetcher, urls: list[str], etags: dict[str, str | None]
) -> tuple[float, list[Fetched]]:
    started = time.perf_counter()
    results = await asyncio.gather(
        *(fetcher.fetch(f"feed-{i}", url, etag=etags.get(url)) for i, url in enumerate(urls))
    )
    return time.perf_counter() - started, list(results)


async def bench(base: str, feeds: int, limits: FetchLimits) -> tuple[float, float]:
    """One round: a fresh client, all feeds unconditionally, then all with their ETags."""
    urls = [f"{base}/feed/{n}" for n in range(feeds)]
    async with Fetcher(limits) as fetcher:
        first, results = await one_pass(fetcher, urls, {})
        assert all(r.status == 200 for r in results), "first pass: expected only 200s"
        etags = {url: r.etag for url, r in zip(urls, results, strict=True)}
        second, results = await one_pass(fetcher, urls, etags)
        assert all(r.status == 304 for r in results), "second pass: expected only 304s"
    return feeds / first, feeds / second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="server-side delay per request"
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    port = context.Array("i", 1)
    server = context.Process(
        target=serve, args=(args.feeds, args.latency_ms / 1000, ready, port), daemon=True
    )
    server.start()
    try:
        if not ready.wait(10):
            raise SystemExit("the benchmark server did not start")
        # every feed is on one host here, so the per-host bound is raised to the overall one
        limits = FetchLimits(concurrency=args.concurrency, per_host=args.concurrency)
        print(
            f"{args.feeds} feeds, concurrency {args.concurrency}, "
            f"server latency {args.latency_ms:g} ms, {args.rounds} rounds"
        )
        rates = [
            asyncio.run(bench(f"http://127.0.0.1:{port[0]}", args.feeds, limits))
            for _ in range(args.rounds)
        ]
        for name, column in (("200 pass", 0), ("304 pass", 1)):
            values = [rate[column] for rate in rates]
            shown = ", ".join(f"{v:,.0f}" for v in values)
            print(f"{name}: median {statistics.median(values):,.0f} requests/s  ({shown})")
    finally:
        server.terminate()
        server.join(5)


if __name__ == "__main__":
    main()
