"""Domain errors to HTTP, in one place: JSON under /api (and the JSON outputs), plain text
for the Atom, iCalendar and OPML outputs (a feed reader shows no page), HTML elsewhere.

Bad parameters and bad cursors are the client's to fix (400); a missing item
is 404; a database that does not answer is 503, with ``Retry-After`` when it
did not answer in time; anything else is a 500 with a page that says so without leaking
the exception. Views raise, this module answers.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Response as BaseResponse

from aggregator.errors import DatabaseTimeout, StorageError
from aggregator.store.reads import InvalidCursor

from .params import BadParameter

log = logging.getLogger(__name__)
_JSON_PATHS = ("/api/", "/healthz", "/readyz", "/feed.json")
RETRY_AFTER = 30  # seconds: a lock held by a migration or a stuck transaction outlasts a reload


def install(app: Flask) -> None:
    app.register_error_handler(BadParameter, _bad_request)
    app.register_error_handler(InvalidCursor, _bad_request)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(StorageError, _storage_error)
    app.register_error_handler(DatabaseTimeout, _database_timeout)
    app.register_error_handler(Exception, _unexpected)


def wants_json() -> bool:
    return request.path.startswith(_JSON_PATHS) or request.path == "/api"


def _answer(status: int, message: str, title: str) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(error=message), status
    if request.blueprint == "feeds":
        return _plain(message), status
    return render_template("error.html", status=status, title=title, message=message), status


def _plain(message: str) -> Response:
    """An error for a feed or calendar client (Atom, iCalendar, OPML), which shows no HTML
    page: a reader subscribed to ``/feed.atom?kind=bogus`` showed an HTML page's markup,
    or nothing, in place of the reason."""
    return Response(message + "\n", mimetype="text/plain")


def _bad_request(error: ValueError) -> tuple[Response | str, int]:
    return _answer(400, str(error), "Bad request")


def _http_error(
    error: HTTPException,
) -> BaseResponse | tuple[Response | str, int] | tuple[Response | str, int, list[tuple[str, str]]]:
    """Our page or JSON for the error, with the headers it carries besides its body's type:
    a 405's ``Allow`` names the methods the path takes (RFC 9110, 15.5.6: it must)."""
    status = error.code or 500
    if isinstance(error, NotFound):
        return _answer(404, "Nothing here: the item or page does not exist", "Not found")
    if status < 400:
        return error.get_response()
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return *_answer(status, error.description or error.name, error.name), headers


def _storage_error(error: StorageError) -> tuple[Response | str, int]:
    log.error("database unavailable: %s", error)
    return _answer(503, "the database is not answering; try again shortly", "Unavailable")


def _database_timeout(error: DatabaseTimeout) -> tuple[Response | str, int, dict[str, str]]:
    """503 and Retry-After: the database is there but busy (a lock, an overloaded or frozen
    server); logged once, as a warning, by route."""
    log.warning("database timeout on %s %s: %s", request.method, _route(), error)
    message = f"the database did not answer in time; try again in {RETRY_AFTER} seconds"
    headers = {"Retry-After": str(RETRY_AFTER)}
    return *_answer(503, message, "Unavailable"), headers


def database_trouble(error: StorageError) -> str:
    """What a health endpoint says of a database failure: that it timed out, or only that
    it failed (the driver's message names hosts and users; it is for the logs)."""
    if isinstance(error, DatabaseTimeout):
        return str(error)
    return "the database is not answering"


def _unexpected(error: Exception) -> tuple[Response | str, int]:
    log.exception("unexpected error on %s %s", request.method, _route(), exc_info=error)
    return _answer(500, "something went wrong on our side", "Server error")


def _route() -> str:
    """The route the request matched, for the error log: not the path, since a WebSub
    callback's path holds its secret token, and the error log is kept as long and read
    as widely as the access log (which redacts it)."""
    return request.url_rule.rule if request.url_rule is not None else "an unknown route"
