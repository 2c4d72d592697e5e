"""What visitors may see of the site's internals: source addresses and raw errors.

``/sources`` and ``/api/sources`` are public. A source's URL may be a
``file://`` path on the server or an intranet address, and a raw fetch error
can name internal hosts and addresses; the config error names the config
file. Visitors get the source's name and its health in words, and a public
http(s) URL; everything else only when ``admin.show_internals: true`` (the
CLI, being the admin's, always shows all). It filters records; it renders
nothing.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace
from urllib.parse import urlsplit

from aggregator.records import StoredSource

PRIVATE_SUFFIXES = (".local", ".localhost", ".internal", ".lan", ".home.arpa", ".intranet", ".corp")
CONFIG_REJECTED = "the details are for the admin (medfeed check-config)"
# Query parameters that carry a credential: the feed URL is then as private as a password.
_SECRET_PARAM = re.compile(
    r"(?:^|[&;])[^=&;]*(?:key|token|secret|passw|auth|sig|session|credential)[^=&;]*=",
    re.IGNORECASE,
)


def is_public_url(url: str | None) -> bool:
    """An http(s) URL on a public DNS name or global address, safe to show anyone."""
    if not url:
        return False
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        return False
    if _SECRET_PARAM.search(parts.query):  # "?api_key=…": a credential, as user:pass@ is
        return False
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_global
    except ValueError:
        pass
    return "." in host and not host.endswith(PRIVATE_SUFFIXES) and host != "localhost"


def health_in_words(source: StoredSource) -> str | None:
    """The last error as a visitor may read it: what kind of failure, not its details."""
    if not source.last_error:
        return None
    if source.last_http_status and source.last_http_status >= 400:
        return f"the server answered HTTP {source.last_http_status}"
    return "the feed could not be fetched or read"


def public_source(source: StoredSource, *, show_internals: bool) -> StoredSource:
    """The source as a visitor may see it (unchanged for the admin)."""
    if show_internals:
        return source
    return replace(
        source,
        url=source.url if is_public_url(source.url) else "",
        last_error=health_in_words(source),
        permanent_redirect=(
            source.permanent_redirect if is_public_url(source.permanent_redirect) else None
        ),
    )


def public_config_error(error: str | None, *, show_internals: bool) -> str | None:
    """Whether and why the config on disk is not in force; the file's details for the admin."""
    if error is None or show_internals:
        return error
    return CONFIG_REJECTED
