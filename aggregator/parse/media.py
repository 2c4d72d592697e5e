"""Recognise video entries and read their player, thumbnail and length.

YouTube channel feeds (``yt:videoId`` + ``media:group``), Vimeo and PeerTube
Media RSS (``media:content medium="video"``, ``media:player``) and plain
``video/*`` enclosures all become one ``VideoInfo``; the thumbnail doubles as
the entry's image. This module reads feedparser's entry dicts only: it does not
fetch players, and it does not decide an entry's kind beyond "this is a video".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aggregator.parse.text import absolute_url
from aggregator.records import VideoInfo

_YOUTUBE_EMBED = "https://www.youtube-nocookie.com/embed/{}"
_YOUTUBE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID_RE = re.compile(r"(?:^|/)(?:video/)?(\d{6,12})(?:$|[/?#])")
_PEERTUBE_PATH_RE = re.compile(r"/(?:w|videos/watch|videos/embed)/([A-Za-z0-9-]{8,40})(?:$|[/?#])")
_IMAGE_EXT_RE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|[?#])", re.IGNORECASE)
_YTIMG_SHARD_RE = re.compile(r"^https?://i\d\.ytimg\.com/")
_CLOCK_RE = re.compile(r"^(?:(\d{1,9}):)?(\d{1,2}):(\d{1,2})$")


def youtube_id(url: str | None) -> str | None:
    """The 11-character id of a youtube.com/watch, youtu.be, /embed/ or /shorts/ URL."""
    if not url or "youtu" not in url.lower():  # (YouTube.com, as some pages write it)
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
    candidate: str | None = None
    if host == "youtu.be":
        candidate = parts.path.strip("/").split("/")[0]
    elif host in {"youtube.com", "youtube-nocookie.com", "music.youtube.com"}:
        if parts.path == "/watch":
            values = parse_qs(parts.query).get("v")
            candidate = values[0] if values else None
        else:
            segments = parts.path.strip("/").split("/")
            if len(segments) >= 2 and segments[0] in {"embed", "shorts", "v", "live"}:
                candidate = segments[1]
    return candidate if candidate and _YOUTUBE_ID_RE.match(candidate) else None


def provider_of(url: str | None, *, generator: str = "") -> str | None:
    """youtube | vimeo | peertube | other, judged from the host (or PeerTube's URL shape)."""
    if not url:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.endswith(("youtube.com", "youtu.be", "youtube-nocookie.com")):
        return "youtube"
    if host.endswith("vimeo.com"):
        return "vimeo"
    if "peertube" in generator.lower() or _PEERTUBE_PATH_RE.search(parts.path):
        return "peertube"
    return "other"


INT32_MAX = 2**31 - 1  # video_duration and video_views are INTEGER columns


def parse_duration(value: object) -> int | None:
    """Seconds from "610", "610.5", "1:02:03" or "10:05" (itunes:duration's forms)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        match = _CLOCK_RE.match(text)
        if match is None:
            return None
        hours, minutes, secs = (int(part) if part else 0 for part in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    # Infinity, NaN and durations no INTEGER column holds are no duration at all.
    return int(seconds) if 0 <= seconds <= INT32_MAX else None


def _int(value: object) -> int | None:
    """A count from a feed, clamped to what an INTEGER column holds (negative: none)."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    return INT32_MAX if len(text) > 10 else min(int(text), INT32_MAX)


def _video_contents(entry: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """media:content items that are video, plus video/* enclosures."""
    found: list[Mapping[str, Any]] = []
    for content in entry.get("media_content") or ():
        if not isinstance(content, Mapping):
            continue
        medium = str(content.get("medium") or "").lower()
        mime = str(content.get("type") or "").lower()
        if medium == "video" or mime.startswith("video/"):
            found.append(content)
    for link in entry.get("links") or ():
        if (
            isinstance(link, Mapping)
            and link.get("rel") == "enclosure"
            and str(link.get("type") or "").lower().startswith("video/")
        ):
            found.append({"url": link.get("href"), "type": link.get("type")})
    return found


def thumbnail_of(entry: Mapping[str, Any], *, contents: bool = True) -> str | None:
    """The largest media:thumbnail, else an image media:content (unless ``contents`` is
    False) or image enclosure. A video's thumbnail is never an image media:content: in a
    news feed that is the article's photo beside a related clip, not a still of the clip."""
    best: tuple[int, str] | None = None
    for thumb in entry.get("media_thumbnail") or ():
        url = thumb.get("url") if isinstance(thumb, Mapping) else None
        if isinstance(url, str) and url.strip():
            area = (_int(thumb.get("width")) or 0) * (_int(thumb.get("height")) or 0)
            if best is None or area > best[0]:
                best = (area, url.strip())
    if best is not None:
        return best[1]
    for content in entry.get("media_content") or () if contents else ():
        if not isinstance(content, Mapping):
            continue
        url = content.get("url")
        mime = str(content.get("type") or "").lower()
        medium = str(content.get("medium") or "").lower()
        if isinstance(url, str) and (
            medium == "image"
            or mime.startswith("image/")
            or (not mime and _IMAGE_EXT_RE.search(url))
        ):
            return url.strip()
    for link in entry.get("links") or ():
        if (
            isinstance(link, Mapping)
            and link.get("rel") == "enclosure"
            and str(link.get("type") or "").lower().startswith("image/")
            and link.get("href")
        ):
            return str(link["href"]).strip()
    return None


def video_info(
    entry: Mapping[str, Any],
    *,
    link: str | None,
    thumbnail: str | None,
    base: str | None = None,
    local: bool = False,
    generator: str = "",
    video_source: bool = True,
) -> VideoInfo | None:
    """VideoInfo for an entry that is clearly a video, else None.

    ``thumbnail`` is the entry's ``thumbnail_of(contents=False)``; it is
    resolved against ``base`` and kept only when it is http(s) (or ``file://``
    for a ``local`` document); players must be http(s). From a source that is
    not a ``video_source`` (news, journals) an entry is a video only when it is
    one: a provider's video (YouTube, Vimeo or PeerTube id), a media:embed, or
    a link to the player or the clip itself. A news article carrying a related
    promo clip is an article with its photo, not a video nobody can play.
    """
    thumbnail = absolute_url(thumbnail, base, local=local)
    yt_id = entry.get("yt_videoid") or youtube_id(link)
    views = _int((entry.get("media_statistics") or {}).get("views"))
    if isinstance(yt_id, str) and _YOUTUBE_ID_RE.match(yt_id):
        if thumbnail:
            # YouTube rotates i1/i2/i3/i4.ytimg.com between fetches; one host keeps the hash stable.
            thumbnail = _YTIMG_SHARD_RE.sub("https://i.ytimg.com/", thumbnail)
        return VideoInfo(
            id=yt_id,
            thumbnail=thumbnail or f"https://i.ytimg.com/vi/{yt_id}/hqdefault.jpg",
            duration=_duration(entry, []),
            embed_url=_YOUTUBE_EMBED.format(yt_id),
            provider="youtube",
            views=views,
        )
    if not (entry.get("media_content") or entry.get("media_player") or entry.get("enclosures")):
        return None
    contents = _video_contents(entry)
    player = _player_url(entry)
    if not contents and not player:
        return None
    page = player or link or (contents[0].get("url") if contents else None)
    provider = provider_of(page, generator=generator)
    clips = [str(c.get("url") or "") for c in contents]
    video_id = _provider_id(provider, [player, link, *clips])
    if not (video_source or video_id or _media_embed(entry) or link in (player, *clips)):
        return None
    return VideoInfo(
        id=video_id,
        thumbnail=thumbnail,
        duration=_duration(entry, contents),
        embed_url=_embed_url(entry, provider, video_id, player),
        provider=provider,
        views=views,
    )


def _player_url(entry: Mapping[str, Any]) -> str | None:
    player = entry.get("media_player")
    url = player.get("url") if isinstance(player, Mapping) else None
    return url.strip() if isinstance(url, str) and url.strip() else None


def _media_embed(entry: Mapping[str, Any]) -> str | None:
    """PeerTube's ``media:embed url``; (feedparser files other markup under the same key)."""
    embed = entry.get("media_embed")
    url = embed.get("url") if isinstance(embed, Mapping) else None
    return url if isinstance(url, str) and url.strip() else None


def _described_only(entry: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """media:content with no url and no type: Vimeo's wrapper around the player, with a duration."""
    return [
        content
        for content in entry.get("media_content") or ()
        if isinstance(content, Mapping)
        and not (content.get("url") or content.get("type") or content.get("medium"))
    ]


def _duration(entry: Mapping[str, Any], contents: list[Mapping[str, Any]]) -> int | None:
    for content in (*contents, *_described_only(entry)):
        seconds = parse_duration(content.get("duration"))
        if seconds:
            return seconds
    return parse_duration(entry.get("itunes_duration"))


def _provider_id(provider: str | None, urls: list[str | None]) -> str | None:
    """The provider's own video id, read from whichever URL carries it."""
    for url in urls:
        if not url:
            continue
        path = urlsplit(url).path
        if provider == "vimeo":
            match = _VIMEO_ID_RE.search(path)
            if match:
                return match.group(1)
        elif provider == "peertube":
            match = _PEERTUBE_PATH_RE.search(path)
            if match:
                return match.group(1)
    return None


def _embed_url(
    entry: Mapping[str, Any], provider: str | None, video_id: str | None, player: str | None
) -> str | None:
    """An iframe-able player: PeerTube's media:embed, media:player, or Vimeo's player by id."""
    embed = _media_embed(entry)
    if embed is not None:
        return absolute_url(embed, None)
    if player is None and provider == "vimeo" and video_id:
        return f"https://player.vimeo.com/video/{video_id}"
    return absolute_url(player, None)
