"""The one exception tree of medfeed, a class per failure kind.

Third-party exceptions are wrapped at the boundary (``raise ... from exc``) so
callers catch medfeed's kinds, and every message is written for a human:
"source fda-press: HTTP 503, retry after 120 s", never a repr.
"""

from __future__ import annotations

from datetime import datetime


class MedfeedError(Exception):
    """Base of every error medfeed raises on purpose."""


class ConfigError(MedfeedError):
    """The configuration file is missing, malformed or invalid.

    Carries the file, the YAML line where it is known and the dotted field path,
    so ``check-config`` can point the admin at the exact spot.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.reason = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.path or "<config>"
        if self.line is not None:
            where += f", line {self.line}"
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.reason}"


class FetchError(MedfeedError):
    """A source could not be fetched."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.reason = message
        super().__init__(f"source {source}: {message}")


class FetchTimeout(FetchError):
    """The server did not answer (or finish answering) within the timeout."""


class HTTPStatusError(FetchError):
    """The server answered with an error status (4xx/5xx other than 304)."""

    def __init__(
        self, source: str, status: int, *, retry_after: datetime | None = None, detail: str = ""
    ) -> None:
        self.status = status
        self.retry_after = retry_after
        message = f"HTTP {status}"
        if detail:
            message += f" {detail}"
        if retry_after is not None:
            message += f", retry after {retry_after.isoformat(timespec='seconds')}"
        super().__init__(source, message)


class ResponseTooLarge(FetchError):
    """The body (raw or decompressed) went past the configured size cap."""


class BlockedAddress(FetchError):
    """The URL resolves to a loopback/private/link-local address that is not allowed."""


class ParseError(MedfeedError):
    """The fetched document is not a feed we can read, or yielded no entries."""


class StorageError(MedfeedError):
    """The database refused or failed an operation."""


class DatabaseTimeout(StorageError):
    """The database did not answer in time (a health check, a web request): a frozen or
    overloaded server, or a table locked by a migration or a stuck transaction."""


class PortInUse(MedfeedError):
    """The web site cannot listen where it was told to: says which port and what to do."""

    def __init__(self, host: str, port: int, reason: str, *, fix: str | None = None) -> None:
        self.host = host
        self.port = port
        fix = (
            fix
            or "stop the other process (perhaps another medfeed) or choose a free port with --port"
        )
        super().__init__(f"port {port} on {host} {reason}: {fix}")


class ExtractionError(MedfeedError):
    """Full-text extraction of an article page failed."""


class OpmlError(MedfeedError):
    """An OPML file that cannot be imported: unreadable, not OPML, or outlines without a kind."""


class UnknownItem(MedfeedError):
    """A command named an item id the database does not hold."""

    def __init__(self, item_id: int) -> None:
        self.item_id = item_id
        super().__init__(f"no item with id {item_id}")


class CorrectionRefused(MedfeedError):
    """An editor's story correction that cannot be kept: says which rule forbids it."""
