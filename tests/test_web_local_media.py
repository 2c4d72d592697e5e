"""Images of an admin's local feed are served by the site, and nothing else is."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from aggregator.config import load_settings
from aggregator.refresh import Refresher
from aggregator.store import Store
from web import create_app

FEED = """<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<title>Local</title><link>https://intranet.example/</link><description>d</description>
<item><title>Ward teaching video</title><link>https://intranet.example/v/1</link>
<guid>v1</guid><pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate>
<media:thumbnail url="../thumbs/v1.svg"/>
<media:content url="https://intranet.example/v/1.mp4" type="video/mp4" medium="video"/>
</item></channel></rss>"""
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="16" height="9"><rect width="16"/></svg>'


@pytest.fixture
def client(tmp_path: Path, database_url: str, store: Store) -> FlaskClient:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "thumbs").mkdir()
    (tmp_path / "feeds" / "local.xml").write_text(FEED)
    (tmp_path / "thumbs" / "v1.svg").write_bytes(SVG)
    (tmp_path / "config.yaml").write_text(
        f"database: {database_url}\nsources:\n"
        "  - {id: local, name: Local, url: feeds/local.xml, kind: video}\n"
    )
    settings = load_settings(tmp_path / "config.yaml")
    store.sync_sources(settings.configured_sources())
    Refresher(settings, store).refresh(due_only=False)
    return create_app(settings=settings, store=store).test_client()


def test_a_local_thumbnail_is_linked_through_the_site(client: FlaskClient) -> None:
    item = client.get("/api/items").get_json()["items"][0]
    thumbnail = item["video"]["thumbnail"]
    assert thumbnail.startswith("http://localhost/items/")
    response = client.get(thumbnail)
    try:
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert response.data == SVG
        assert "sandbox" in response.headers["Content-Security-Policy"]
    finally:
        response.close()


def test_the_page_shows_the_local_thumbnail_not_a_file_url(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "file://" not in page
    assert "/media/thumbnail" in page


def test_media_route_refuses_anything_but_the_items_own_local_image(client: FlaskClient) -> None:
    item_id = client.get("/api/items").get_json()["items"][0]["id"]
    assert client.get(f"/items/{item_id}/media/summary").status_code == 404
    assert client.get(f"/items/{item_id}/media/../../etc/passwd").status_code == 404
    assert client.get("/items/999999/media/thumbnail").status_code == 404


def test_a_local_thumbnail_gone_from_its_folder_shows_the_placeholder(
    client: FlaskClient, tmp_path: Path
) -> None:
    """It was an image that answered 404: a broken picture, and a hole in every card."""
    (tmp_path / "thumbs" / "v1.svg").unlink()
    page = client.get("/").get_data(as_text=True)
    assert "/media/thumbnail" not in page and 'class="placeholder"' in page
    item = client.get("/api/items").get_json()["items"][0]
    assert item["video"]["thumbnail"] is None
    assert "/media/thumbnail" not in client.get(f"/items/{item['id']}").get_data(as_text=True)
