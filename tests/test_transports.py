"""``aggregator.transports``: which pool a request goes through, and closing both."""

from __future__ import annotations

import asyncio
import ssl

import httpx
import pytest

from aggregator.transports import TLSOnDemand, tls_context


class _Pool(httpx.AsyncBaseTransport):
    """A transport that answers 200 and remembers its context and whether it was closed."""

    def __init__(self, context: ssl.SSLContext, *, fails_to_close: bool = False) -> None:
        self.context = context
        self.closed = False
        self._fails_to_close = fails_to_close

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, request=request)

    async def aclose(self) -> None:
        self.closed = True
        if self._fails_to_close:
            raise OSError("connection reset while closing")


def test_https_requests_go_through_a_pool_with_the_certificate_store() -> None:
    built: list[_Pool] = []

    def build(context: ssl.SSLContext) -> _Pool:
        built.append(_Pool(context))
        return built[-1]

    async def fetch_both() -> None:
        transport = TLSOnDemand(build)
        await transport.handle_async_request(httpx.Request("GET", "http://example.org/"))
        assert len(built) == 1  # no https request yet: no store loaded
        await transport.handle_async_request(httpx.Request("GET", "https://example.org/"))
        await transport.handle_async_request(httpx.Request("GET", "https://example.org/2"))
        await transport.aclose()

    asyncio.run(fetch_both())
    plain, secure = built
    assert secure.context is tls_context()
    assert plain.context.verify_mode == ssl.CERT_REQUIRED and plain.context.check_hostname


def test_closing_closes_the_https_pool_even_when_the_http_pool_fails_to_close() -> None:
    built: list[_Pool] = []

    def build(context: ssl.SSLContext) -> _Pool:
        built.append(_Pool(context, fails_to_close=not built))  # the http pool fails
        return built[-1]

    async def fetch_then_close() -> None:
        transport = TLSOnDemand(build)
        await transport.handle_async_request(httpx.Request("GET", "https://example.org/"))
        await transport.aclose()

    with pytest.raises(OSError, match="connection reset while closing"):
        asyncio.run(fetch_then_close())
    assert [pool.closed for pool in built] == [True, True]
