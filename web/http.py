"""HTTP hygiene for every response: security headers, ETag / Last-Modified, 304s.

Validators come from the store's data generation (which changes whenever an
item changes), the request's path and query, the build string and the
settings that shape a page, so a matching ``If-None-Match`` is answered with
304 after one small query and without reading any item. Last-Modified is
informative only: a page also changes with settings and the clock, so only the
ETag decides a 304. It decides headers; it renders nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import ParamSpec

from flask import Flask, Response, make_response, request
from werkzeug.wrappers import Response as BaseResponse

from .context import state

P = ParamSpec("P")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' https: data:; "
    "frame-src https://www.youtube-nocookie.com; script-src 'self'; style-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def install_headers(app: Flask) -> None:
    app.after_request(_secure)


def _secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def current_etag(now: datetime | None = None) -> tuple[str, datetime | None]:
    """The validator of the current request's answer, and when its data last changed.

    The hour is part of it because "upcoming conferences" moves with the clock
    even when no item changes.
    """
    medfeed = state()
    generation = medfeed.store.generation_info()
    hour = (now or datetime.now(UTC)).strftime("%Y%m%d%H")
    parts = (
        generation.value,
        medfeed.build,
        request.full_path,
        medfeed.settings.featured.model_dump_json(),
        hour,
    )
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    return digest, generation.changed_at


def conditional(view: Callable[P, Response | str]) -> Callable[P, Response]:
    """Answer 304 when the client holds the current version, else run the view."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        etag, changed_at = current_etag()
        if request.if_none_match.contains(etag):
            response = Response(status=304)
        else:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
        response.set_etag(etag)
        if changed_at is not None:
            response.last_modified = changed_at
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
