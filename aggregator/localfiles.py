"""The local path a ``file://`` source names: for the fetcher that reads it, and for
``check-config``, which warns of one that is not there without importing the fetcher
(httpx and its kin, ~0.3 s of a command's start-up). It reads no file."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from .errors import FetchError


def file_path(source: str, url: str) -> Path:
    """The local path of a ``file://`` source's URL; FetchError for one naming a host."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise FetchError(source, f"file URL names a remote host: {url}")
    return Path(url2pathname(parts.path))
