"""A video merged with a news post that links to it stays a video, whatever the sources' ids.

A YouTube channel (a source of kind video) and a news site's JSON Feed post
whose ``external_url`` is the same watch URL are one item (dedup layers 2-3).
The video's own copy owns it (``reconcile.Owner.rank``), so it is listed in
Videos on the API, the page and the feeds, with the video's text, and the
news source still lists it among its own. The feeds are served by a real
local HTTP server; every test runs on SQLite, and on PostgreSQL when
MEDFEED_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from flask.testing import FlaskClient

from aggregator.config import Settings
from aggregator.refresh import Refresher
from aggregator.store import Store
from tests.feeds import served
from tests.localserver import LocalServer
from web import create_app

VIDEO_ID = "AbCdEfGhIjK"
WATCH = f"https://www.youtube.com/watch?v={VIDEO_ID}"
VIDEO_TITLE = "Heart failure in ten minutes: the new guideline explained"
POST_TITLE = "Watch: our cardiology editor on the new heart failure guideline"

CHANNEL = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015"
      xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">
 <id>yt:channel:UCabcdefghijklmnopqrstuv</id>
 <title>Example Medical Lectures</title>
 <link rel="alternate" href="https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv"/>
 <entry>
  <id>yt:video:{VIDEO_ID}</id>
  <yt:videoId>{VIDEO_ID}</yt:videoId>
  <title>{VIDEO_TITLE}</title>
  <link rel="alternate" href="{WATCH}"/>
  <published>2026-11-24T09:00:00+00:00</published>
  <media:group>
   <media:title>{VIDEO_TITLE}</media:title>
   <media:thumbnail url="https://i3.ytimg.com/vi/{VIDEO_ID}/hqdefault.jpg"/>
   <media:description>What changed in the guideline, and for whom.</media:description>
  </media:group>
 </entry>
</feed>
""".encode()

POST = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Health News",
        "items": [
            {
                "id": "post-1",
                "url": "https://news.example.org/posts/1",
                "external_url": WATCH,
                "title": POST_TITLE,
                "content_text": "Our editor explains the new heart failure guideline.",
                "date_published": "2026-11-24T10:00:00Z",
            }
        ],
    }
).encode()

# Source ids on either side of each other in the alphabet: the owner must not follow them.
NAMINGS = {"video-first": ("a-lectures", "m-news"), "news-first": ("z-lectures", "m-news")}


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        server.route("/channel.xml", served(CHANNEL, content_type="application/atom+xml"))
        server.route("/news.json", served(POST, content_type="application/feed+json"))
        yield server


def settings_for(database_url: str, server: LocalServer, channel: str, news: str) -> Settings:
    return Settings.model_validate(
        {
            "database": database_url,
            "http": {"timeout": "5s"},
            "sources": [
                {"id": channel, "name": "Lectures", "url": server.url("/channel.xml"),
                 "kind": "video"},
                {"id": news, "name": "Health News", "url": server.url("/news.json"),
                 "kind": "news"},
            ],
        }
    )  # fmt: skip


def refreshed(
    database_url: str, store: Store, server: LocalServer, naming: str, order: Sequence[int]
) -> tuple[FlaskClient, tuple[str, str]]:
    """Both sources refreshed, one at a time in ``order`` (0: the channel, 1: the news
    site); a client of the site over the store, and the (channel, news) source ids."""
    ids = NAMINGS[naming]
    settings = settings_for(database_url, server, *ids)
    store.sync_sources(settings.configured_sources())
    for index in order:
        Refresher(settings, store).refresh(source_ids=[ids[index]], due_only=False)
    return create_app(settings=settings, store=store).test_client(), ids


def listed(client: FlaskClient, query: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/items?{query}")
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items


@pytest.mark.parametrize("order", [(0, 1), (1, 0)], ids=["channel-fetched-first", "news-first"])
@pytest.mark.parametrize("naming", sorted(NAMINGS))
def test_a_video_a_news_post_links_to_stays_in_videos_with_the_videos_text(
    database_url: str, store: Store, server: LocalServer, naming: str, order: Sequence[int]
) -> None:
    client, (channel, news) = refreshed(database_url, store, server, naming, order)
    (item,) = listed(client, "kind=video")
    assert (item["kind"], item["title"], item["source"]["id"]) == ("video", VIDEO_TITLE, channel)
    assert item["video"]["id"] == VIDEO_ID
    assert {source["id"] for source in item["sources"]} == {channel, news}
    assert listed(client, "kind=news") == []


@pytest.mark.parametrize("naming", sorted(NAMINGS))
def test_the_news_source_still_lists_the_video_its_post_links_to(
    database_url: str, store: Store, server: LocalServer, naming: str
) -> None:
    client, (_, news) = refreshed(database_url, store, server, naming, (1, 0))
    (item,) = listed(client, f"source={news}")
    assert item["title"] == VIDEO_TITLE


@pytest.mark.parametrize("naming", sorted(NAMINGS))
def test_the_page_and_the_feeds_show_the_merged_item_as_a_video(
    database_url: str, store: Store, server: LocalServer, naming: str
) -> None:
    client, _ = refreshed(database_url, store, server, naming, (1, 0))
    videos = client.get("/?kind=video").get_data(as_text=True)
    assert VIDEO_TITLE in videos
    assert VIDEO_TITLE not in client.get("/?kind=news").get_data(as_text=True)
    (entry,) = json.loads(client.get("/feed.json?kind=video").get_data())["items"]
    assert entry["title"] == VIDEO_TITLE
    assert json.loads(client.get("/feed.json?kind=news").get_data())["items"] == []
