"""Refuse to fetch URLs that point into the machine's own network (SSRF guard).

Full-text extraction follows links that came from third-party feeds, so a feed
could name ``http://169.254.169.254/`` or ``http://localhost:5432/`` and make
medfeed fetch it. ``AddressGuard`` checks a URL's scheme and every address its
host resolves to before a connection is made, on the first request and on
every redirect hop, and raises ``BlockedAddress`` for loopback, private,
link-local, multicast, reserved, unspecified or cloud-metadata addresses unless
the admin listed the host in ``fulltext.allow_hosts``.

The checked addresses are pinned: the guard's transport connects to exactly the
addresses that were checked (TLS still verifies the hostname), so a DNS answer
that changes between the check and the connection (DNS rebinding) cannot sneak
a private address past it. The redirect guard of the admin's own feeds pins the
hosts it checked too (``transport(only_checked=False)``), and leaves the others,
which it never checks, to the usual resolution. Proxies from the environment are
not used on a guarded client, since the guard would then be checking the proxy.

It does not fetch, follow redirects or read bodies; ``aggregator.fetch`` does,
and calls the guard before each hop.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Collection, Iterable
from urllib.parse import urlsplit

import httpcore
import httpx

from aggregator.errors import BlockedAddress, FetchError
from aggregator.hostnames import host_and_port

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})
_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "100.100.100.200",  # Alibaba Cloud
    )
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def address_problem(address: IPAddress) -> str | None:
    """Why ``address`` must not be fetched from, or None when it is a public address.

    IPv4-mapped and 6to4 IPv6 addresses (``::ffff:127.0.0.1``, ``2002:7f00:1::``)
    are judged by the IPv4 address inside, which is where the connection really
    goes; the deprecated site-local range (``fec0::/10``) is a private network.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.is_site_local:
            return "a site-local address"
        inside = address.ipv4_mapped or address.sixtofour
        address = inside if inside is not None else address
    checks = (
        (address in _METADATA_ADDRESSES, "a cloud metadata address"),
        (address.is_loopback, "a loopback address"),
        (address.is_unspecified, "an unspecified address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "not a public address"),
    )
    return next((reason for failed, reason in checks if failed), None)


class AddressGuard:
    """Checks URLs against the address policy and remembers the addresses it approved."""

    def __init__(
        self,
        allow_hosts: Collection[str] = (),
        *,
        allow_files: bool = False,
        source: str = "fulltext",
    ) -> None:
        self._allowed = [_listed(*host_and_port(entry)) for entry in allow_hosts]
        self._allow_files = allow_files
        self._source = source
        self._pinned: dict[tuple[str, int], tuple[str, ...]] = {}

    def is_allowed_host(self, host: str, port: int) -> bool:
        """True when the admin listed this host (any port) or this exact host:port."""
        host = host.lower()
        return any(h == host and p in (None, port) for h, p in self._allowed)

    async def check(self, url: str) -> None:
        """Raise ``BlockedAddress`` unless ``url`` may be fetched; pin the addresses approved.

        ``file://`` passes only when the guard was built with ``allow_files``
        (the item came from an admin-configured local file source).
        """
        source = self._source
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "file" and self._allow_files:
            return
        if scheme not in _DEFAULT_PORTS:
            raise BlockedAddress(source, f"refusing to fetch {url}: scheme {scheme!r} not allowed")
        try:
            host, port = parts.hostname, parts.port or _DEFAULT_PORTS[scheme]
            host = dialled_host(host) if host else host
        except ValueError as exc:
            raise FetchError(source, f"invalid URL {url}: {exc}") from exc
        if not host:
            raise FetchError(source, f"invalid URL {url}: no host")
        problem = await self._approve(host, port)
        if problem is not None:
            raise BlockedAddress(source, f"refusing to fetch {url}: {problem}")

    async def _approve(self, host: str, port: int) -> str | None:
        """Resolve ``host``, judge every address, pin them; the problem found, if any."""
        host = host.lower()
        allowed = self.is_allowed_host(host, port)
        if not allowed and host.rstrip(".") in _METADATA_HOSTS:
            return f"{host} is a cloud metadata host"
        addresses = await _resolve(self._source, host, port)
        if not allowed:
            for address in addresses:
                problem = address_problem(ipaddress.ip_address(address))
                if problem is not None:
                    shown = host if address == host else f"{host} resolves to {address}, which"
                    return f"{shown} is {problem}"
        self._pinned[(host, port)] = addresses
        return None

    async def is_public(self, url: str) -> bool:
        """Whether every address of ``url``'s host is public (the admin's list aside)."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host, port = parts.hostname, parts.port or _DEFAULT_PORTS.get(scheme, 80)
        try:
            host = dialled_host(host) if host else host
        except ValueError:
            return False
        if not host:
            return False
        addresses = await _resolve(self._source, host, port)
        return all(address_problem(ipaddress.ip_address(a)) is None for a in addresses)

    async def pinned_addresses(self, host: str, port: int) -> tuple[str, ...]:
        """The approved addresses to connect to for ``host:port``, checking them if not yet done.

        The transport normally finds them pinned by ``check``; a connection the
        fetcher did not announce is checked here, so nothing connects unchecked.
        """
        key = (host.lower(), port)
        if key not in self._pinned:
            problem = await self._approve(host, port)
            if problem is not None:
                raise BlockedAddress(
                    self._source, f"refusing to connect to {host}:{port}: {problem}"
                )
        return self._pinned[key]

    def transport(
        self, limits: httpx.Limits, ssl_context: ssl.SSLContext, *, only_checked: bool = True
    ) -> httpx.AsyncBaseTransport:
        """An httpx transport that connects to the addresses this guard approved for a host.

        ``only_checked=False`` is for the admin's own feeds, whose first hop may go to the
        intranet unchecked: a host the guard never checked is dialled as usual, one it
        checked (a redirect's target) only at the addresses it approved.
        """
        return _PinnedTransport(self, limits, ssl_context, only_checked=only_checked)

    def approved(self, host: str, port: int) -> tuple[str, ...] | None:
        """The addresses ``check`` approved for ``host:port``, None when it checked none."""
        return self._pinned.get((host.lower(), port))


def dialled_host(host: str) -> str:
    """``host`` as httpx dials it: lower-case, and a non-ASCII name in its IDNA 2008 form.

    The guard checks and pins the name the connection will ask for. Python's resolver
    encodes a non-ASCII name with IDNA 2003, where "straße" is "strasse": the addresses
    judged were another name's than those httpx (``xn--strae-oqa``) connected to.
    """
    host = host.lower()
    if host.isascii():
        return host
    try:
        return httpx.URL(f"http://{host}/").raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError) as exc:
        raise ValueError(f"invalid host name {host!r}") from exc


def _listed(host: str, port: int | None) -> tuple[str, int | None]:
    """An allow-list entry as ``dialled_host`` names its host (as written, if it cannot)."""
    try:
        return dialled_host(host), port
    except ValueError:
        return host, port


async def _resolve(source: str, host: str, port: int) -> tuple[str, ...]:
    """All addresses of ``host``, resolved in a thread so the event loop keeps running."""
    try:
        infos = await asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(source, f"cannot resolve host {host}: {exc}") from exc
    return tuple(dict.fromkeys(_strip_scope(str(info[4][0])) for info in infos))


def _strip_scope(address: str) -> str:
    """``fe80::1%eth0`` -> ``fe80::1``: ipaddress judges the address, not the interface."""
    return address.split("%", 1)[0]


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects to the guard's approved addresses for a host instead of resolving it again
    (``only_checked=False``: resolves a host the guard never checked as usual)."""

    def __init__(self, guard: AddressGuard, *, only_checked: bool) -> None:
        self._guard = guard
        self._only_checked = only_checked
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = self._guard.approved(host, port)
        if addresses is None:
            if not self._only_checked:
                return await self._backend.connect_tcp(
                    host, port, timeout, local_address, socket_options
                )
            addresses = await self._guard.pinned_addresses(host, port)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._backend.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        raise last_error or httpcore.ConnectError(f"no address for {host}")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed through the address guard")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class _PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with a connection pool that dials through ``_PinnedBackend``.

    httpx 0.28 has no public way to give its transport a network backend, so
    the pool it builds is replaced by an identical one that has ours; request
    handling and the mapping of httpcore errors to httpx errors stay httpx's.
    """

    def __init__(
        self,
        guard: AddressGuard,
        limits: httpx.Limits,
        ssl_context: ssl.SSLContext,
        *,
        only_checked: bool,
    ) -> None:
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PinnedBackend(guard, only_checked=only_checked),
        )
