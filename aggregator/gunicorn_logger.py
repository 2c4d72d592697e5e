"""Gunicorn's error and access logs on medfeed's format (``aggregator.logs``).

Apart from ``logs`` so that only the processes that run gunicorn import it:
the ``medfeed`` command and its parse workers never do. It formats; it logs
nothing itself. The access log names each request's path and query with their
secrets replaced by ``REDACTED``: the WebSub callback's token (``/websub/<source>/<token>``)
and the value of any parameter whose name says it is one (``hub.challenge``,
``token``, ``api_key``, ``secret``…), also inside a URL passed as a value
(``hub.topic``). Logs are kept longer and read by more people than the site's secrets.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote, unquote, unquote_plus

from gunicorn.glogging import Logger as _GunicornBase

from .logs import JSONFormatter, formatter, wants_json

REDACTED = "REDACTED"
_CALLBACK_TOKEN = re.compile(r"(/websub/[^/?#]+/)[^/?#]+")
# A parameter is secret when a word of its name (split at . _ - and at capitals) is one,
# or its name holds one of the longer ones anywhere ("accesstoken", "x_api_secretkey").
_SECRET_WORDS = frozenset({"key", "sig", "auth", "pwd"})  # as whole words: not "author"
_SECRET_PARTS = ("token", "secret", "apikey", "passw", "passwd", "signature", "challenge",
                 "credential", "session")  # fmt: skip
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")  # "hub.challenge", "accessToken"
_PAIRS = re.compile(r"([&;])")  # both separate parameters (HTML 4's ";" too)


class GunicornLogger(_GunicornBase):
    """Gunicorn's logger on medfeed's format: gunicorn sets the ``logger_class`` up in
    the master and in each worker, so the format holds after every fork."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(formatter())
        access = JSONFormatter() if wants_json() else logging.Formatter("%(message)s")
        for handler in self.access_log.handlers:
            handler.setFormatter(access)

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        """Gunicorn's log fields, with the secrets of the request's URL redacted."""
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        method, protocol = environ.get("REQUEST_METHOD"), environ.get("SERVER_PROTOCOL")
        atoms["r"] = f"{method} {redacted_target(environ.get('RAW_URI', ''))} {protocol}"
        atoms["U"] = _redacted_path(environ.get("PATH_INFO") or "")
        atoms["q"] = _redacted_query(environ.get("QUERY_STRING") or "")
        for name in ("raw_uri", "path_info", "query_string", "request_uri"):
            atoms.pop(f"{{{name}}}e", None)  # the same URL again, unredacted
        return atoms


def redacted_target(target: str) -> str:
    """A request target (path and query, or a whole URL) fit for a log."""
    path, mark, query = target.partition("?")
    path = _redacted_path(path)
    return f"{path}?{_redacted_query(query)}" if mark else path


def _redacted_path(path: str) -> str:
    """The path with the callback's token replaced, found also when percent-encoded
    ("/web%73ub/…" reaches the same route)."""
    if _CALLBACK_TOKEN.search(path):
        return _CALLBACK_TOKEN.sub(rf"\g<1>{REDACTED}", path)
    decoded = unquote(path)
    return _CALLBACK_TOKEN.sub(rf"\g<1>{REDACTED}", decoded) if decoded != path else path


def _redacted_query(query: str) -> str:
    """The query as sent, each secret value replaced; everything else byte for byte."""
    if not query:
        return query
    parts = _PAIRS.split(query)  # pairs and the separators between them
    return "".join(part if part in "&;" else _redacted_pair(part) for part in parts)


def _redacted_pair(pair: str) -> str:
    name, mark, value = pair.partition("=")
    if not mark or not value:
        return pair
    if _is_secret(unquote_plus(name)):
        return f"{name}={REDACTED}"
    decoded = value
    for _ in range(3):  # a URL in a value may be encoded twice over (hub.topic=…%253D…)
        decoded = unquote_plus(decoded)
        if decoded.lower().startswith(("http://", "https://", "/")):
            inner = redacted_target(decoded)
            if inner != decoded:
                return f"{name}={quote(inner, safe='')}"
        if "%" not in decoded:
            break
    return pair


def _is_secret(name: str) -> bool:
    lowered = name.lower()
    if any(part in lowered for part in _SECRET_PARTS):
        return True
    return any(word.lower() in _SECRET_WORDS for word in _WORD.findall(name))
