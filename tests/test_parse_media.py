"""Video entries: YouTube Atom, Vimeo and PeerTube Media RSS, video enclosures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.parse import parse_document
from aggregator.parse.media import parse_duration, youtube_id
from aggregator.records import Kind, ParsedItem, VideoInfo

DATA = Path(__file__).resolve().parent / "data" / "parse"


def test_youtube_entry_gives_id_thumbnail_embed_views_and_plain_description() -> None:
    feed = parse_document((DATA / "youtube.xml").read_bytes(), url="https://www.youtube.com/feeds")
    thumbnail = "https://i.ytimg.com/vi/AbCdEfGhIjK/hqdefault.jpg"
    assert feed.items == (
        ParsedItem(
            guid="yt:video:AbCdEfGhIjK",
            url="https://www.youtube.com/watch?v=AbCdEfGhIjK",
            title="Heart failure in 10 minutes",
            summary="<p>Part 1: symptoms &amp; signs<br>Part 2: treatment</p>",
            author="Example Medical Lectures",
            published=datetime(2026, 11, 10, 16, 0, tzinfo=UTC),
            updated=datetime(2026, 11, 12, 9, 0, tzinfo=UTC),
            image=thumbnail,
            video=VideoInfo(
                id="AbCdEfGhIjK",
                thumbnail=thumbnail,
                embed_url="https://www.youtube-nocookie.com/embed/AbCdEfGhIjK",
                provider="youtube",
                views=1234,
            ),
        ),
    )


def test_a_news_entry_linking_to_a_youtube_video_is_a_video() -> None:
    body = (
        b"<rss version='2.0'><channel><title>t</title><item><title>Watch</title>"
        b"<link>https://youtu.be/AbCdEfGhIjK</link></item></channel></rss>"
    )
    video = parse_document(body, url="https://e.org/f").items[0].video
    assert video is not None
    assert (video.id, video.provider, video.thumbnail) == (
        "AbCdEfGhIjK",
        "youtube",
        "https://i.ytimg.com/vi/AbCdEfGhIjK/hqdefault.jpg",
    )


def test_video_enclosure_makes_a_generic_video_with_itunes_duration() -> None:
    body = (
        b"<rss version='2.0' xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0.dtd'>"
        b"<channel><title>t</title><item><title>Clip</title><link>https://media.e.org/c/1</link>"
        b"<enclosure url='https://media.e.org/c/1.mp4' type='video/mp4' length='10'/>"
        b"<itunes:duration>1:02:03</itunes:duration></item></channel></rss>"
    )
    video = parse_document(body, url="https://e.org/f").items[0].video
    assert video == VideoInfo(provider="other", duration=3723)


def test_audio_enclosures_are_not_videos() -> None:
    body = (
        b"<rss version='2.0'><channel><title>t</title><item><title>Ep</title>"
        b"<enclosure url='https://e.org/1.mp3' type='audio/mpeg' length='10'/>"
        b"</item></channel></rss>"
    )
    assert parse_document(body, url="https://e.org/f").items[0].video is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.youtube.com/watch?v=AbCdEfGhIjK&t=10", "AbCdEfGhIjK"),
        ("https://youtu.be/AbCdEfGhIjK", "AbCdEfGhIjK"),
        ("https://www.youtube.com/shorts/AbCdEfGhIjK", "AbCdEfGhIjK"),
        ("https://www.youtube-nocookie.com/embed/AbCdEfGhIjK", "AbCdEfGhIjK"),
        ("https://YouTube.com/watch?v=AbCdEfGhIjK", "AbCdEfGhIjK"),  # as some pages write it
        ("https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv", None),
        ("https://example.org/watch?v=AbCdEfGhIjK", None),
    ],
)
def test_youtube_ids_are_read_from_every_url_shape(url: str, expected: str | None) -> None:
    assert youtube_id(url) == expected


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("610", 610), ("12.5", 12), ("10:05", 605), ("1:02:03", 3723), ("", None)],
)
def test_durations_are_read_in_seconds(value: str, seconds: int | None) -> None:
    assert parse_duration(value) == seconds


def test_vimeo_media_content_without_url_gives_the_duration() -> None:
    body = (
        b"<rss version='2.0' xmlns:media='http://search.yahoo.com/mrss/'><channel><title>t</title>"
        b"<item><title>Grand Rounds</title><link>https://vimeo.com/1021874411</link>"
        b"<media:content duration='3540'>"
        b"<media:player url='https://player.vimeo.com/video/1021874411'/>"
        b"<media:thumbnail url='https://i.vimeocdn.com/video/1.jpg'/></media:content>"
        b"</item></channel></rss>"
    )
    video = parse_document(body, url="https://vimeo.com/channels/x/videos/rss").items[0].video
    assert video is not None
    assert (video.id, video.provider, video.duration) == ("1021874411", "vimeo", 3540)


def first_picture(description: str) -> str | None:
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item>'
        "<title>Flu season starts early</title><link>https://news.example/flu</link>"
        f"<description><![CDATA[{description}]]></description></item></channel></rss>"
    ).encode()
    (item,) = parse_document(body, url="https://news.example/rss").items
    return item.image


@pytest.mark.parametrize(
    "decoration",
    [
        '<img alt="Add to Facebook" src="https://images.example/mm/facebook.gif">',
        '<img src="https://track.example/open" width="1" height="1">',
        '<img src="https://feeds.feedburner.com/~ff/health?d=yIl2AUoC8zA">',
        '<img alt="" src="https://ads.example/img.phdo?s=42&p=1">',
    ],
)
def test_a_share_button_an_ad_or_a_pixel_is_not_the_items_picture(decoration: str) -> None:
    """Before, 26 of 29 items of a real feed showed the "Add to Facebook" button."""
    assert first_picture(decoration) is None
    picture = '<img src="https://cdn.example/flu-clinic.jpg" alt="A flu clinic">'
    assert first_picture(decoration + picture) == "https://cdn.example/flu-clinic.jpg"


def test_a_chart_whose_description_opens_with_an_action_word_is_a_picture() -> None:
    chart = (
        '<img alt="Share of adults with hypertension, 2000 to 2024" src="https://c.example/h.png">'
    )
    assert first_picture(chart) == "https://c.example/h.png"


def test_a_news_article_carrying_a_related_clip_is_an_article_with_its_photo(
    corpus: Path,
) -> None:
    """HuffPost's article with a promo clip became a video nobody could play, its photo hidden."""
    body = (corpus / "quirks/feedjira--HuffPostCanada.xml").read_bytes()
    feed = parse_document(body, url="http://www.huffingtonpost.ca/feeds/index.xml", kind=Kind.NEWS)
    article = feed.items[0]
    assert article.title.startswith("Winnipeg High School Orders Custom Hijabs")
    assert article.video is None
    assert article.image == (
        "http://o.aolcdn.com/hss/storage/midas/b1726dd5e5cde1fb967d92d963537957/205775479/"
        "Untitled+design+%2857%29.png"
    )


PROMO = (
    b"<rss version='2.0' xmlns:media='http://search.yahoo.com/mrss/'><channel><title>t</title>"
    b"<item><title>Flu shots</title><link>{link}</link>"
    b"<media:content url='https://cdn.example/flu.jpg' medium='image'/>"
    b"<media:content url='https://clips.example/flu.mp4' medium='video'/>"
    b"</item></channel></rss>"
)


def test_a_video_sources_clip_is_a_video_but_never_thumbnailed_by_an_image_content() -> None:
    body = PROMO.replace(b"{link}", b"https://news.example/flu")
    (item,) = parse_document(body, url="https://news.example/rss", kind=Kind.VIDEO).items
    assert item.video == VideoInfo(provider="other")
    assert item.image == "https://cdn.example/flu.jpg"


def test_a_news_entry_linking_to_its_own_clip_is_a_video() -> None:
    body = PROMO.replace(b"{link}", b"https://clips.example/flu.mp4")
    (item,) = parse_document(body, url="https://news.example/rss", kind=Kind.NEWS).items
    assert item.video == VideoInfo(provider="other")
