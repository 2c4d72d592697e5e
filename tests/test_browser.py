"""The site in a real browser: Debian's Chromium, driven by Playwright, against a real HTTP
server on 127.0.0.1 serving a database filled with items of every kind."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from webfactory import entry, fill, save, setup_store, web_settings
from werkzeug.serving import make_server

from aggregator.records import Kind
from aggregator.store import Store
from web import create_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def site(store: Store, database_url: str) -> Iterator[str]:
    """A threaded HTTP server on 127.0.0.1 with 12 items of each kind, thumbnails served locally."""
    settings = web_settings(database_url)
    setup_store(store, settings)
    server = make_server("127.0.0.1", 0, create_app(settings, store), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    thumbnail = f"{base}/static/favicon.svg"  # no request may leave 127.0.0.1
    fill(store, 12, thumbnail=thumbnail)
    save(store, [entry(Kind.VIDEO, title="Local thumbnail video", thumbnail=thumbnail)])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def page(site: str) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is not installed (apt-get install chromium) — browser tests skipped"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 900})
        finally:
            browser.close()


def test_front_page_renders_featured_and_sections_then_items_and_older_pages(
    site: str, page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    page.goto(f"{site}/")
    expect(page.locator("#featured h2")).to_be_visible()
    for kind in ("news", "article", "conference", "video"):
        expect(page.locator(f"#section-{kind} ol > li")).to_have_count(5)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "front-page.png"), full_page=True)

    title = page.locator("#section-news ol > li h3 a").first
    expected = title.inner_text()
    title.click()
    expect(page.locator("h1")).to_have_text(expected)

    page.goto(f"{site}/")
    first_stream = page.locator(".stream-list .card h3 a").first.inner_text()
    page.locator("a.older").click()
    expect(page.locator("#stream-heading")).to_contain_text("older")
    expect(page.locator(".stream-list .card").first).to_be_visible()
    assert page.locator(".stream-list .card h3 a").first.inner_text() != first_stream
    assert problems == []


def test_video_plays_only_after_the_reader_clicks(site: str, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{site}/?kind=video")
    page.get_by_role("link", name="Local thumbnail video").click()
    expect(page.locator("a.facade")).to_be_visible()
    assert page.locator("iframe").count() == 0
    assert not [url for url in requested if not url.startswith(site)]
    page.set_viewport_size({"width": 390, "height": 800})
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "video-facade-phone.png"), full_page=True)
    assert page.locator("a.facade").get_attribute("href", timeout=1000).endswith("play=1")
