"""HTTP hygiene for every response: security headers, ETag / Last-Modified, 304s.

Validators come from ``cache.Version``: the store's data generation (which
changes whenever an item or a source's name changes), the settings in force,
the build and the hour, plus the request's URL; ``Last-Modified`` is when the
worker first answered from that version (``Version.last_modified``). A matching
``If-None-Match``, or without one an ``If-Modified-Since`` no earlier than
Last-Modified (RFC 9110, 13.2.2), is answered with 304 after one small query
and without reading any item; any other request for an answer already built is
served from the ``PageCache``. It decides headers; it renders nothing.

Werkzeug's ``Response.make_conditional`` decides the same from a response
already built: here the 304 must come before the view reads anything, and
``If-None-Match: *`` must not (it holds any answer, a 404 too).

A query string's raw bytes outside ASCII are percent-encoded before Flask sees
them (``install_query_guard``), as a browser would have sent them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, ParamSpec

from flask import Flask, Response, make_response, request
from werkzeug.wrappers import Response as BaseResponse

from .cache import Version, page_cache
from .context import state

P = ParamSpec("P")

_POLICY = (
    "default-src 'self'; img-src 'self' {images}data:; "
    "frame-src https://www.youtube-nocookie.com; script-src 'self'; style-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
CONTENT_SECURITY_POLICY = _POLICY.format(images="https: ")
# A site served over plain http (the README's http://127.0.0.1:8000/, an intranet host
# without TLS) also shows the http:// images of feeds, which are linked as they are
# (only a local feed's files are served by the site): its pages travel in clear text
# anyway, so an image fetched in clear text shows the network no more than the page
# did. Behind TLS the policy stays https-only; a browser upgrades or blocks an http://
# image on an https page as mixed content whatever the policy says, so a proxy that
# leaves the request's scheme "http" costs nothing.
PLAIN_HTTP_CONTENT_SECURITY_POLICY = _POLICY.format(images="http: https: ")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def install_query_guard(app: Flask) -> None:
    """Percent-encode the raw non-ASCII bytes of a request's query string.

    Werkzeug decodes the query string as strict UTF-8 where it reads it (``args``,
    ``full_path``), so one raw byte that is not UTF-8 (``/?q=\\xff``, which gunicorn
    refuses but Werkzeug's own server and others pass on) raised out of every view, and
    out of the error page too, which reads ``args``: an unhandled exception instead of
    an answer. Encoded, it is what ``%FF`` already is: a replacement character.
    """
    inner = app.wsgi_app

    def guarded(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        query = environ.get("QUERY_STRING", "")
        if not query.isascii():
            environ["QUERY_STRING"] = _percent_encoded(query)
        return inner(environ, start_response)

    app.wsgi_app = guarded  # type: ignore[method-assign]


def _percent_encoded(query: str) -> str:
    """The query string's bytes (WSGI gives them as Latin-1 characters), ASCII kept."""
    try:
        raw = query.encode("latin-1")
    except UnicodeEncodeError:  # not a WSGI string (PEP 3333); its characters are text
        raw = query.encode("utf-8")
    return "".join(chr(byte) if byte < 0x80 else f"%{byte:02X}" for byte in raw)


def install_headers(app: Flask) -> None:
    app.after_request(_secure)


def _secure(response: Response) -> Response:
    if request.scheme == "http":
        response.headers.setdefault("Content-Security-Policy", PLAIN_HTTP_CONTENT_SECURITY_POLICY)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def current_etag(now: datetime | None = None) -> tuple[str, Version]:
    """The validator of the current request's answer, and the version it belongs to."""
    medfeed = state()
    version = page_cache().version(medfeed.store, medfeed.settings, medfeed.build, now)
    return version.etag(request.host_url + request.full_path), version


def unchanged(etag: str, last_modified: datetime | None) -> bool:
    """Whether the client holds the current answer (RFC 9110, 13.2.2): by ``If-None-Match``
    when the request has one, else by ``If-Modified-Since`` on a GET or HEAD; a date
    that does not parse is no condition."""
    if "If-None-Match" in request.headers:
        held = request.if_none_match
        return not held.star_tag and held.contains_weak(etag)  # "*" holds a 404 too
    since = request.if_modified_since
    if since is None or last_modified is None or request.method not in ("GET", "HEAD"):
        return False
    return last_modified <= since


def conditional(view: Callable[P, Response | str]) -> Callable[P, Response]:
    """Answer 304 when the client holds the current version, else the cached or a new answer."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        now = datetime.now(UTC)
        etag, version = current_etag(now)
        last_modified = version.last_modified(now)
        cache = page_cache()
        if unchanged(etag, last_modified):
            response = Response(status=304)
        elif (cached := cache.get(etag)) is not None:
            response = cached.response()
        else:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
            cache.put(version, etag, response)
        response.set_etag(etag)
        if last_modified is not None:
            response.last_modified = last_modified
        response.cache_control.no_cache = True
        return response

    return wrapper


def conditional_on_body(view: Callable[P, Response | str]) -> Callable[P, BaseResponse]:
    """For answers not tied to items (source health): the ETag is a hash of the body."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> BaseResponse:
        response = make_response(view(*args, **kwargs))
        if response.status_code != 200:
            return response
        response.add_etag()
        response.cache_control.no_cache = True
        return response.make_conditional(request)

    return wrapper
