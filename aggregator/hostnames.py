"""Host allow-list entries (``host``, ``host:port``, ``[v6]:port``), parsed apart from
the network code that enforces them.

The config and the web's host check read such entries on every command; keeping
the parser here means neither imports the HTTP client (``netguard`` does, ~55 ms).
"""

from __future__ import annotations

from urllib.parse import urlsplit


def host_and_port(entry: str) -> tuple[str, int | None]:
    """Split an allow-list entry into its parts.

    Anything else (a URL, a path, a half-bracketed address) is a ValueError, so
    that ``check-config`` refuses it rather than the first extraction failing.
    """
    text = entry.strip()
    if not text or any(c in text for c in "/?#@ \t"):
        raise ValueError(f"{entry!r} is not a host or host:port")
    parts = urlsplit("//" + text)
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{entry!r} is not a host or host:port") from None
    if not parts.hostname or (text.startswith("[") != ("]" in text)):
        raise ValueError(f"{entry!r} is not a host or host:port")
    return parts.hostname.lower(), port
