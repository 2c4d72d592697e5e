"""The TLS side of the fetchers' httpx clients: one certificate store per process, loaded
at the first https request, not before.

Loading the certificate store costs ~20-40 ms of CPU, about what a whole pass of
304s spends on ten sources, and an httpx transport loads it when it is built, https
or not. ``TLSOnDemand`` keeps two transports of one kind: the http one built at
once with a context that holds no roots, the https one built with ``tls_context()``
when the first https request comes, so a pass over http sources only (an intranet
mirror, a local server) never reads the store.

It does not fetch, redirect or vet addresses: ``aggregator.fetch`` and
``aggregator.netguard`` do, and build the transports this module routes between.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from functools import cache

import httpx


@cache
def tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (system or ``SSL_CERT_FILE`` roots), built once per process.

    Without this every ``Fetcher`` (one per claimed batch) paid the store again. A
    context is safe to share between clients and threads.
    """
    return httpx.create_ssl_context()


def _rootless_context() -> ssl.SSLContext:
    """The http transport's context, which no connection of its uses; with no roots
    loaded, a TLS handshake through it would fail verification, never pass unchecked."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class TLSOnDemand(httpx.AsyncBaseTransport):
    """Sends http:// requests through ``build(a rootless context)``, made now, and
    https:// ones through ``build(tls_context())``, made at the first of them.

    Each is a pool of its own, so a client holds up to twice its keep-alive
    connections when it fetches both schemes; the fetcher's semaphores still bound
    the requests in flight.
    """

    def __init__(self, build: Callable[[ssl.SSLContext], httpx.AsyncBaseTransport]) -> None:
        self._build = build
        self._plain = build(_rootless_context())
        self._secure: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "https":
            return await self._plain.handle_async_request(request)
        if self._secure is None:  # no await since the check: one is built, never two
            self._secure = self._build(tls_context())
        return await self._secure.handle_async_request(request)

    async def aclose(self) -> None:
        """Both pools, the https one even when closing the http one failed: else its
        keep-alive connections stayed open until the process ended."""
        try:
            await self._plain.aclose()
        finally:
            if self._secure is not None:
                await self._secure.aclose()
