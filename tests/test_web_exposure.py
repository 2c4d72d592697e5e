"""Issue 12, cases 7, 8 and 9: what strangers can make the site say, and what it shows them.

Absolute links come from ``public_url`` or an allowed ``Host``, never from
whatever a client sends; canonical URLs keep IPv6 brackets; gunicorn's own
error pages carry the security headers; public pages name sources and their
health in words, without file paths, internal URLs or raw errors, unless
``admin.show_internals`` is on (the CLI shows everything).
"""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from webfactory import app, client, filled, settings, web_settings

from aggregator.cli import main
from aggregator.config import Settings
from aggregator.identity import canonical_url
from aggregator.store import Store
from aggregator.store.models import Source
from web import create_app

EVIL = "evil.example"
FEEDS = ("/feed.atom", "/feed.json", "/conferences.ics")


def site(store: Store, settings: Settings, **update: object) -> FlaskClient:
    return create_app(settings=settings.model_copy(update=update), store=store).test_client()


@pytest.mark.parametrize("path", FEEDS)
def test_unknown_host_header_is_refused_not_copied_into_links(
    client: FlaskClient, filled: Store, path: str
) -> None:
    answer = client.get(path, headers={"Host": EVIL})
    assert answer.status_code == 400
    assert EVIL not in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", FEEDS)
def test_public_url_builds_every_absolute_link_whatever_the_host_header(
    filled: Store, settings: Settings, path: str
) -> None:
    client = site(filled, settings, public_url="https://news.example.org/medfeed/")
    answer = client.get(path, headers={"Host": EVIL})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert EVIL not in body
    if path != "/conferences.ics":
        assert "https://news.example.org/medfeed/items/" in body


def test_allowed_host_with_a_port_is_used_for_links(filled: Store, settings: Settings) -> None:
    web = settings.web.model_copy(update={"allowed_hosts": ("feeds.example.org",)})
    client = site(filled, settings, web=web)
    answer = client.get("/feed.atom", headers={"Host": "feeds.example.org:8080"})
    assert answer.status_code == 200
    assert "http://feeds.example.org:8080/items/" in answer.get_data(as_text=True)
    assert client.get("/feed.atom", headers={"Host": "localhost"}).status_code == 400


def test_wildcard_allows_any_host(filled: Store, settings: Settings) -> None:
    web = settings.web.model_copy(update={"allowed_hosts": ("*",)})
    assert site(filled, settings, web=web).get("/", headers={"Host": EVIL}).status_code == 200


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://[::1]:44049/a", "https://[::1]:44049/a"),
        ("https://[2001:db8::1]/x?utm_source=y", "https://[2001:db8::1]/x"),
        ("http://[::1", None),
    ],
)
def test_canonical_urls_keep_ipv6_brackets(url: str, canonical: str | None) -> None:
    assert canonical_url(url) == canonical


INTERNAL_URL = "http://10.0.0.7:8080/private/feed.xml"
INTERNAL_ERROR = "cannot connect to db-internal.corp (10.0.0.7): connection refused"


@pytest.fixture
def leaky(filled: Store, tmp_path: Path) -> Store:
    """Sources whose URLs and errors are the admin's business, not a visitor's."""
    with filled.session() as session:
        session.execute(
            update(Source)
            .where(Source.id == "bmj")
            .values(
                url=(tmp_path / "demo" / "feeds" / "bmj.xml").as_uri(),
                last_status="failed",
                last_error=INTERNAL_ERROR,
                consecutive_failures=2,
            )
        )
        session.execute(
            update(Source)
            .where(Source.id != "bmj")
            .values(
                url=INTERNAL_URL,
                last_status="failed",
                last_http_status=503,
                last_error=f"HTTP 503 from {INTERNAL_URL}",
            )
        )
    filled.set_meta("config_error", "/etc/medfeed/config.yaml, line 4: unknown key 'x'")
    return filled


@pytest.mark.parametrize("path", ["/sources", "/api/sources"])
def test_public_source_pages_hide_paths_internal_urls_and_raw_errors(
    client: FlaskClient, leaky: Store, path: str
) -> None:
    body = client.get(path).get_data(as_text=True)
    for secret in ("file://", "10.0.0.7", "db-internal", "/etc/medfeed", "connection refused"):
        assert secret not in body, secret
    assert "The BMJ" in body
    assert "could not be fetched" in body and "HTTP 503" in body


@pytest.mark.parametrize("path", ["/sources", "/api/sources"])
def test_show_internals_lets_the_admin_see_everything_on_the_web(
    leaky: Store, settings: Settings, path: str
) -> None:
    admin = settings.admin.model_copy(update={"show_internals": True})
    body = site(leaky, settings, admin=admin).get(path).get_data(as_text=True)
    for detail in ("file://", "10.0.0.7", "db-internal", "/etc/medfeed"):
        assert detail in body, detail


def test_the_cli_always_shows_the_internals(
    leaky: Store,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    config = tmp_path / "config.yaml"
    lines = [f"database: {settings.database}", "sources:"]
    for s in settings.sources:
        lines += [
            f"  - id: {s.id}",
            f"    name: {s.name}",
            f"    url: {s.url}",
            f"    kind: {s.kind.value}",
        ]
    config.write_text("\n".join(lines) + "\n")
    assert main(["--config", str(config), "sources"]) == 0
    assert "db-internal.corp (10.0.0.7)" in capsys.readouterr().out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served_site(tmp_path: Path, database_url: str) -> Iterator[int]:
    """``medfeed serve`` under gunicorn, in a real subprocess, on a free port."""
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {database_url}\nsources:\n  - id: a\n    name: A\n"
        "    url: https://example.org/a.xml\n    kind: news\n"
    )
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aggregator.cli",
            "--config",
            str(config),
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60  # gunicorn's start, on a loaded machine too
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def raw_request(port: int, request: bytes) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode("latin-1")


def test_gunicorns_own_414_page_has_the_security_headers(served_site: int) -> None:
    answer = raw_request(served_site, b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    head = answer.partition("\r\n\r\n")[0]
    assert head.startswith("HTTP/1.1 414")
    assert "Content-Security-Policy: default-src 'self'" in head
    assert "X-Content-Type-Options: nosniff" in head


@pytest.mark.parametrize("path", ["/sources", "/api/sources", "/sources.opml"])
def test_a_feed_address_carrying_a_key_in_its_query_is_not_published(
    client: FlaskClient, filled: Store, path: str
) -> None:
    """Hidden as an address with user:password@ is; "?api_key=" was shown to anyone."""
    with filled.session() as session:
        session.execute(
            update(Source)
            .where(Source.id == "bmj")
            .values(url="https://feeds.example.org/rss.xml?api_key=KEYSECRET&fmt=rss")
        )
    assert "KEYSECRET" not in client.get(path).get_data(as_text=True)
