"""Fetch one source URL into a ``Fetched`` record: HTTP(S) with httpx, or a local file.

Conditional GET (ETag / Last-Modified), a connect+read timeout and a total
deadline per fetch, a size cap enforced while streaming on both the raw and the
decompressed bytes (so a gzip bomb is stopped, not inflated), redirects
followed here hop by hop (so a permanent move is reported and an address guard
can vet every hop), and bounded concurrency overall and per host. Failures
raise the ``FetchError`` family with messages for humans.

It does not parse, sanitize or store what it fetched, and it does not decide
when to fetch next: it reports ``fresh_until`` and ``retry_after`` and leaves
the arithmetic to the scheduler.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import ssl
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import urljoin, urlsplit
from urllib.request import getproxies

import httpx

from aggregator.errors import (
    BlockedAddress,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    ResponseTooLarge,
)
from aggregator.localfiles import file_path
from aggregator.netguard import AddressGuard
from aggregator.records import Fetched
from aggregator.transports import TLSOnDemand, tls_context

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, text/calendar, "
    "application/xml;q=0.9, */*;q=0.8"
)
# Bodies are decoded here, not by httpx, so that every decoder is bounded by the
# size cap (zlib's max_length). "br" is not offered: no brotli decoder is
# installed, and one would need the same bounded streaming API to be safe.
ACCEPT_ENCODING = "gzip, deflate"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_MAX_FRESHNESS = timedelta(hours=24)
_MAX_RETRY_AFTER = timedelta(days=365)
DELTA_SECONDS_CAP = 2**31  # RFC 9111 section 1.2.2: larger delta-seconds mean this
_INFLATE_CHUNK = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
# An answer whose body is not wanted (304, a redirect, an error page) is still read
# when this small, so that its connection goes back to the pool instead of closing.
_DRAIN_LIMIT = 16 * 1024


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = 20.0  # seconds, connect+read, and a total deadline per fetch
    max_bytes: int = 10_000_000  # cap on the body, raw and decompressed
    concurrency: int = 16  # total requests in flight
    per_host: int = 4  # requests in flight per host (PubMed etc. throttle)
    max_redirects: int = 5
    user_agent: str = "medfeed/0.1 (+https://github.com/medfeed/medfeed)"


class Fetcher:
    """Fetches URLs through one shared httpx client, within ``FetchLimits``.

    Use as ``async with Fetcher(limits) as fetcher: await fetcher.fetch(...)``;
    any number of fetches may run at once (``asyncio.gather``), the semaphores
    keep them within ``concurrency`` overall and ``per_host`` per host. With a
    ``guard`` (full-text extraction of third-party links) every hop is vetted
    and connections go only to the addresses the guard approved; ``accept``
    replaces the feed-preferring Accept header (article pages want HTML).
    """

    def __init__(
        self,
        limits: FetchLimits,
        *,
        guard: AddressGuard | None = None,
        redirect_guard: AddressGuard | None = None,
        accept: str = ACCEPT,
    ) -> None:
        self.limits = limits
        self._guard = guard
        # For the admin's own feeds, which may be on the intranet: a redirect that leaves
        # a public address is the publisher's word, and must not lead to a private one.
        self._redirect_guard = redirect_guard
        self._accept = accept
        self._client: httpx.AsyncClient | None = None
        self._overall = asyncio.Semaphore(limits.concurrency)
        self._per_host: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Self:
        pool = httpx.Limits(
            max_connections=self.limits.concurrency,
            max_keepalive_connections=self.limits.concurrency,
        )
        headers = {
            "User-Agent": self.limits.user_agent,
            "Accept": self._accept,
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        transport = self._transport(pool)
        self._client = httpx.AsyncClient(
            headers=headers,
            timeout=httpx.Timeout(self.limits.timeout),
            follow_redirects=False,
            limits=pool,
            transport=transport,
            # httpx's own transport (and a proxy's) loads its roots now; ours, at first use
            verify=tls_context() if transport is None else True,
        )
        return self

    def _transport(self, pool: httpx.Limits) -> httpx.AsyncBaseTransport | None:
        """The guard's transport, which connects where the guard checked; None: httpx's own.

        A redirect guard pins the hosts it checks as well: a publisher's redirect to a
        name that answers a public address to the check and a private one to the
        connection (DNS rebinding) was followed to the private one. Except behind a
        proxy from the environment (``HTTPS_PROXY``), which keeps httpx's transport:
        the proxy resolves the names, and a pinned transport would not use it. The
        https one is built at the first https request (``TLSOnDemand``).
        """
        if self._guard is not None:
            guard, only_checked = self._guard, True
        elif self._redirect_guard is not None and not getproxies():
            guard, only_checked = self._redirect_guard, False
        else:
            return None
        return TLSOnDemand(
            lambda context: guard.transport(pool, context, only_checked=only_checked)
        )

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch(
        self,
        source_id: str,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        now: datetime | None = None,
    ) -> Fetched:
        """GET ``url`` (conditionally when validators are given) and return the bounded result."""
        now = now or datetime.now(UTC)
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https") and self._guard is not None:
            await self._guard.check(url)  # refuses every scheme but an allowed file://
        if scheme == "file":
            async with self._overall:
                return await _fetch_file(source_id, url, etag, self.limits.max_bytes)
        _check_http_url(source_id, url)
        fetched = await self._fetch_http(source_id, url, etag, last_modified, now)
        if fetched.status == 304:  # a 304 that repeats no validators leaves the sent ones valid
            sent_or_new = fetched.last_modified or last_modified
            return replace(fetched, etag=fetched.etag or etag, last_modified=sent_or_new)
        return fetched

    async def _fetch_http(
        self,
        source: str,
        url: str,
        etag: str | None,
        last_modified: str | None,
        now: datetime,
    ) -> Fetched:
        """One bounded HTTP fetch: wait for a slot, then run the hops under the total deadline."""
        validators = _conditional_headers(etag, last_modified)
        async with self._overall, self._host_slot(url):
            try:
                async with asyncio.timeout(self.limits.timeout):
                    fetched = await self._follow(source, url, validators, now)
                    if fetched.status == 304 and not validators:
                        fetched = await self._unconditional_304(source, url, now)
                    return fetched
            except (TimeoutError, httpx.TimeoutException) as exc:
                raise FetchTimeout(source, f"timed out after {self.limits.timeout:g} s") from exc
            except (httpx.InvalidURL, httpx.UnsupportedProtocol, UnicodeError) as exc:
                # (a host name IDNA refuses, "xn--a", raises a UnicodeError from the codec)
                raise FetchError(source, f"invalid URL {url}: {exc}") from exc
            except httpx.ConnectError as exc:
                message = f"cannot connect to {_target(exc)}: {_root_cause(exc)}"
                raise FetchError(source, message) from exc
            except httpx.HTTPError as exc:
                reason = str(exc) or "connection closed"
                raise FetchError(source, f"{type(exc).__name__}: {reason}") from exc

    async def _unconditional_304(self, source: str, url: str, now: datetime) -> Fetched:
        """A 304 to a request without validators refers to a copy medfeed does not have:
        taken as "not modified", the source stayed empty for ever with no error shown. It
        is asked once more, telling caches on the way to ask the server (a cache is the
        usual culprit); a second 304 is the source's failure."""
        fetched = await self._follow(source, url, {b"Cache-Control": b"no-cache"}, now)
        if fetched.status == 304:
            raise FetchError(
                source,
                "the server answered 304 Not Modified to a request without If-None-Match or "
                "If-Modified-Since, twice: it sends no feed to a reader that has none yet",
            )
        return fetched

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        """The per-host semaphore of ``url``'s host (the one the source names, not redirects)."""
        host = (urlsplit(url).hostname or "").lower()
        if host not in self._per_host:
            self._per_host[host] = asyncio.Semaphore(self.limits.per_host)
        return self._per_host[host]

    async def _follow(
        self, source: str, url: str, headers: dict[bytes, bytes], now: datetime
    ) -> Fetched:
        """Request ``url``, following redirects by hand, and turn the last answer into a record.

        ``permanent`` holds the URL reached through an unbroken run of 301/308
        hops from the start: a permanent move behind a temporary redirect is not
        the source's move, so it is not reported.
        """
        assert self._client is not None, "Fetcher used outside 'async with'"
        permanent: str | None = None
        only_permanent = True
        seen, first = {url}, url
        started_public: bool | None = None
        for hop in range(self.limits.max_redirects + 1):
            if self._guard is not None:
                await self._guard.check(url)
            elif hop and self._redirect_guard is not None:
                if started_public is None:
                    started_public = await self._redirect_guard.is_public(first)
                if started_public:
                    await self._redirected(source, url)
            request = self._client.build_request("GET", url, headers=headers)
            response = await self._client.send(request, stream=True)
            try:
                if response.status_code not in _REDIRECTS:
                    return await self._finish(source, response, permanent, now)
                url = _redirect_target(source, response)
            finally:
                await _release(response)
            only_permanent = only_permanent and response.status_code in _PERMANENT
            permanent = url if only_permanent else permanent
            if url in seen:
                raise FetchError(source, f"redirect loop at {url}")
            seen.add(url)
        raise FetchError(source, f"too many redirects (more than {self.limits.max_redirects})")

    async def _redirected(self, source: str, url: str) -> None:
        """Refuse a redirect from a public address to one the address guard refuses."""
        assert self._redirect_guard is not None
        try:
            await self._redirect_guard.check(url)
        except BlockedAddress as exc:
            raise BlockedAddress(source, f"redirected from a public address: {exc.reason}") from exc

    async def _finish(
        self, source: str, response: httpx.Response, permanent: str | None, now: datetime
    ) -> Fetched:
        """Raise for error statuses; read the capped body of a success into a ``Fetched``."""
        status = response.status_code
        if status >= 400:
            retry_after = parse_retry_after(response.headers.get("retry-after"), now)
            raise HTTPStatusError(
                source, status, retry_after=retry_after, detail=response.reason_phrase
            )
        if 300 <= status < 400 and status != 304:
            raise FetchError(source, f"HTTP {status} with no usable redirect")
        body = None if status == 304 else await self._read_body(source, response)
        headers = dict(response.headers.items())
        return Fetched(
            url=str(response.url),
            status=status,
            body=body,
            content_type=headers.get("content-type"),
            etag=validator(response, "etag"),
            last_modified=validator(response, "last-modified"),
            permanent_redirect=permanent,
            fresh_until=fresh_until(headers, now),
            headers=headers,
        )

    async def _read_body(self, source: str, response: httpx.Response) -> bytes:
        """Stream the body, decoding it here, and stop as soon as either size passes the cap."""
        cap = self.limits.max_bytes
        too_large = ResponseTooLarge(source, f"response larger than {_size(cap)} cap")
        declared = response.headers.get("content-length", "")
        if (
            declared.isascii()
            and declared.isdigit()
            and (len(declared) > 18 or int(declared) > cap)
        ):
            raise too_large
        try:
            inflater = _Inflater(response.headers.get("content-encoding", ""))
        except ValueError as exc:
            raise FetchError(source, str(exc)) from exc
        raw_size = 0
        body = bytearray()
        try:
            async for chunk in response.aiter_raw():
                raw_size += len(chunk)
                for piece in inflater.feed(chunk):
                    body += piece
                    if raw_size > cap or len(body) > cap:
                        raise too_large
            body += inflater.flush()
        except zlib.error as exc:
            raise FetchError(source, f"corrupt compressed body: {exc}") from exc
        if len(body) > cap:
            raise too_large
        return bytes(body)


async def _release(response: httpx.Response) -> None:
    """Close a response, first reading what is left of a small body (a 304 has none).

    httpcore puts a connection back in its pool only once the answer was read to
    its end; closing an unread 304 closed the connection, so every conditional
    fetch paid a new TCP (and TLS) handshake. A large unread body is not worth
    reading: that connection is closed.
    """
    if not response.is_stream_consumed:
        declared = response.headers.get("content-length", "")
        bodiless = response.status_code == 304 or declared == "0"
        small = declared.isascii() and declared.isdigit() and int(declared) <= _DRAIN_LIMIT
        if bodiless or small:
            try:
                async for _ in response.aiter_raw():
                    pass
            except httpx.HTTPError:
                pass  # the connection is closed below: nothing lost
    await response.aclose()


class _Inflater:
    """Decodes one Content-Encoding incrementally, never more than 64 KiB per step.

    ``zlib``'s ``max_length`` bounds each step, so a 100 KB body that would
    inflate to gigabytes is seen growing piece by piece and stopped at the cap.
    """

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise ValueError(f"unsupported content encoding {encoding!r}")
        self._encoding = encoding
        self._gzip = encoding in ("gzip", "x-gzip")
        self._zlib: zlib._Decompress | None = None
        # bytes held back: after a gzip member, what may start the next one; before a
        # deflate body's decoder is chosen, its first byte
        self._after = b""
        if self._gzip:
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._encoding in ("", "identity"):
            yield data
            return
        if self._zlib is None:  # deflate: zlib-wrapped per the RFC, raw from some servers
            data = self._after + data
            if len(data) < 2:  # too little to tell which (a body sent a byte at a time)
                self._after = data
                return
            self._after = b""
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if _is_zlib(data) else -zlib.MAX_WBITS)
        while True:
            if self._zlib.eof:
                member = self._next_member(data)
                if member is None:
                    return
                data = member
            out = self._zlib.decompress(data, _INFLATE_CHUNK)
            yield out
            if self._zlib.eof:
                data = self._zlib.unused_data
                continue
            data = self._zlib.unconsumed_tail
            if not data and len(out) < _INFLATE_CHUNK:
                return

    def _next_member(self, data: bytes) -> bytes | None:
        """The bytes of the gzip member that follows the one just ended (RFC 1952: a body
        may be several, joined; only the first was read, and the feed came cut short),
        with a decoder for it; None while none starts. Zero padding is skipped, as gzip
        does; other bytes after the stream are ignored, as they always were."""
        rest = (self._after + data).lstrip(b"\0")
        self._after = b""
        if not (self._gzip and rest and _GZIP_MAGIC.startswith(rest[:2])):
            return None
        if len(rest) < len(_GZIP_MAGIC):  # the magic split between two reads
            self._after = rest
            return None
        self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return rest

    def flush(self) -> bytes:
        if self._zlib is None and self._after:  # a one-byte deflate body: no stream
            raise zlib.error("a deflate body of one byte")
        return self._zlib.flush() if self._zlib is not None else b""


def _is_zlib(data: bytes) -> bool:
    """True when ``data`` starts with a zlib header (RFC 1950), not a raw deflate stream."""
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _check_http_url(source: str, url: str) -> None:
    """Refuse what httpx would refuse later with a less readable message."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(source, f"unsupported URL scheme {parts.scheme!r} in {url}")
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError as exc:
        raise FetchError(source, f"invalid URL {url}: {exc}") from exc
    if not parts.hostname:
        raise FetchError(source, f"invalid URL {url}: no host")


def _conditional_headers(etag: str | None, last_modified: str | None) -> dict[bytes, bytes]:
    """The validators as the bytes they came as (``validator``): httpx sends a str header
    as ASCII only, and a server's ETag with other bytes in it (RFC 9110 allows them)
    failed every conditional fetch of its source. One stored before they were kept so,
    which Latin-1 cannot hold, goes as UTF-8."""
    headers = {}
    for name, value in ((b"If-None-Match", etag), (b"If-Modified-Since", last_modified)):
        if value:
            try:
                headers[name] = value.encode("latin-1")
            except UnicodeEncodeError:
                headers[name] = value.encode("utf-8")
    return headers


def validator(response: httpx.Response, name: str) -> str | None:
    """A validator header exactly as it came, its bytes read as Latin-1 (one character a
    byte): httpx decodes a response's headers as UTF-8 or Latin-1 depending on all of
    them, and a validator sent back in another encoding matches nothing."""
    wanted = name.encode("ascii")
    found = [value for key, value in response.headers.raw if key.lower() == wanted]
    return b", ".join(found).decode("latin-1") if found else None  # as httpx joins them


def _redirect_target(source: str, response: httpx.Response) -> str:
    """The absolute URL a redirect points to; only http(s) targets are followed."""
    location = response.headers.get("location")
    if not location:
        raise FetchError(source, f"HTTP {response.status_code} redirect without a Location")
    target = urljoin(str(response.url), location.strip())
    if urlsplit(target).scheme.lower() not in ("http", "https"):
        raise FetchError(source, f"refusing redirect to {target}: not an http(s) URL")
    return target


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """``Retry-After`` (delta-seconds or an HTTP-date) as an absolute UTC time, or None."""
    if not value:
        return None
    value = value.strip()
    seconds = delta_seconds(value)
    if seconds is not None:
        return now + min(timedelta(seconds=seconds), _MAX_RETRY_AFTER)
    when = _http_date(value)
    return when if when is None else max(when, now)


def fresh_until(headers: dict[str, str], now: datetime) -> datetime | None:
    """Until when the response may be reused without asking again, capped at 24 h from now.

    ``max-age`` (minus ``Age``) wins over ``Expires``; ``Expires`` counts from
    the server's ``Date`` so a skewed server clock does not shift it.
    ``no-store``/``no-cache`` and lifetimes of zero or less give None.
    """
    directives = _cache_directives(headers.get("cache-control", ""))
    if "no-store" in directives or "no-cache" in directives:
        return None
    lifetime: timedelta | None = None
    max_age = delta_seconds(directives.get("max-age", ""))
    if max_age is not None:
        lifetime = timedelta(seconds=max_age - (delta_seconds(headers.get("age", "0")) or 0))
    elif "expires" in headers:
        expires = _http_date(headers["expires"])
        served = _http_date(headers.get("date", "")) or now
        lifetime = expires - served if expires is not None else None
    if lifetime is None or lifetime <= timedelta(0):
        return None
    return now + min(lifetime, _MAX_FRESHNESS)


def delta_seconds(value: str) -> int | None:
    """RFC 9111 delta-seconds: ASCII digits, clamped to ``DELTA_SECONDS_CAP`` as the RFC
    allows, so ``max-age=99999999999999999999`` means "a long time", not an overflow."""
    value = value.strip()
    if not (value.isascii() and value.isdigit()):
        return None
    return DELTA_SECONDS_CAP if len(value) > 10 else min(int(value), DELTA_SECONDS_CAP)


def _cache_directives(value: str) -> dict[str, str]:
    directives = {}
    for part in value.split(","):
        name, _, argument = part.strip().partition("=")
        if name:
            directives[name.lower()] = argument.strip().strip('"')
    return directives


def _http_date(value: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(value)
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


async def _fetch_file(source: str, url: str, etag: str | None, max_bytes: int) -> Fetched:
    """Read an admin-configured local file, answering 304 when it is unchanged: the same
    mtime to the nanosecond and the same size (``_file_tag``). Last-Modified has whole
    seconds, so a file rewritten within the second it was read looked unchanged."""
    path = file_path(source, url)
    try:
        info = await asyncio.to_thread(path.stat)
    except FileNotFoundError as exc:
        raise FetchError(source, f"file not found: {path}") from exc
    except OSError as exc:
        raise FetchError(source, f"cannot read {path}: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise FetchError(source, f"not a regular file: {path}")
    stamp = format_datetime(datetime.fromtimestamp(int(info.st_mtime), UTC), usegmt=True)
    tag = _file_tag(info)
    content_type = mimetypes.guess_type(path.name)[0]
    headers = {"last-modified": stamp, **({"content-type": content_type} if content_type else {})}
    if etag == tag:
        return Fetched(url=url, status=304, body=None, etag=tag, last_modified=stamp,
                       headers=headers)  # fmt: skip
    if info.st_size > max_bytes:
        raise ResponseTooLarge(source, f"file larger than {_size(max_bytes)} cap")
    body = await asyncio.to_thread(_read_capped, path, max_bytes)
    if body is None:
        raise ResponseTooLarge(source, f"file larger than {_size(max_bytes)} cap")
    return Fetched(
        url=url,
        status=200,
        body=body,
        content_type=content_type,
        etag=tag,
        last_modified=stamp,
        headers=headers,
    )


def _file_tag(info: os.stat_result) -> str:
    """A file's validator, as an ETag: its mtime in nanoseconds and its size."""
    return f'"file-{info.st_mtime_ns:x}-{info.st_size:x}"'


def _read_capped(path: Path, max_bytes: int) -> bytes | None:
    """The file's bytes, or None when it grew past the cap since it was stat'ed."""
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    return None if len(data) > max_bytes else data


def _size(n: int) -> str:
    """Byte counts the way an admin wrote them in config.yaml: "10 MB", "512 kB"."""
    for unit, scale in (("MB", 1_000_000), ("kB", 1_000)):
        if n >= scale:
            return f"{n / scale:g} {unit}"
    return f"{n} bytes"


def _target(exc: httpx.HTTPError) -> str:
    """``host:port`` of the request that failed (a redirect hop, maybe), for the message."""
    try:
        url = exc.request.url
    except RuntimeError:  # httpx raised before the request existed
        return "the server"
    return f"{url.host}:{url.port}" if url.port else url.host


def _root_cause(exc: BaseException) -> str:
    """The innermost OS error's words ("Connection refused"), not the wrappers' ("All
    connection attempts failed"); TLS errors keep their own, more specific text."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return str(cause)
        if isinstance(cause, OSError) and cause.errno:
            return os.strerror(cause.errno) if cause.errno > 0 else str(cause.strerror)
        cause = cause.__cause__ or cause.__context__
    return str(exc) or type(exc).__name__
