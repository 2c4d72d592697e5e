"""Which site absolute links name: ``public_url``, else a ``Host`` the admin allowed.

Atom, JSON Feed, OPML and item permalinks carry absolute URLs. Copying them
from the request's ``Host`` header lets anyone who can reach the site put
``evil.example`` into answers that a shared cache then serves to everyone. So
links are built from ``public_url`` when the config sets it (the ``Host``
header is then ignored), and otherwise from the request only when its host is
in ``web.allowed_hosts``; any other host gets a 400, as Django's
``ALLOWED_HOSTS`` does. It decides URLs; it renders nothing.

A path pasted with a trailing slash (``/items/49/``, ``/sources/?kind=news``) is
redirected (308, query kept) to the page's one address, built from its route: the
map's ``strict_slashes`` is off so that Werkzeug matches it, and the redirect is
ours, since Werkzeug only redirects the other way (``/x`` to a rule ``/x/``).
Static files are left to their own route (its path matches a trailing slash too).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, current_app, redirect, request, url_for
from flask.globals import request_ctx
from werkzeug.wrappers import Response

from aggregator.hostnames import host_and_port

from .context import state
from .params import link_args


def install_hosts(app: Flask) -> None:
    app.before_request(_bind_links)
    app.before_request(_without_trailing_slash)


def loose_slashes(app: Flask) -> None:
    """Have the routes added after this match a path with a trailing slash too (Flask's
    static route, added with the app, stays strict)."""
    app.url_map.strict_slashes = False


def _without_trailing_slash() -> Response | None:
    """A 308 to the matched route's own address when the path adds a slash to it. Built by
    ``url_for``, never from the path itself: ``//evil.example/`` cannot become a redirect
    to another host."""
    rule = request.url_rule
    if rule is None or rule.endpoint == "static" or rule.rule.endswith("/"):
        return None  # a static file's path may end in a slash: its route takes any path
    if not request.path.endswith("/"):
        return None
    location = url_for(request.endpoint or "pages.index", **(request.view_args or {}))
    if request.query_string:
        location += "?" + request.query_string.decode("ascii", "replace")
    return redirect(location, 308)


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """``*`` allows any host; ``.example.org`` a domain and its subdomains; ``h`` any port."""
    try:
        name, port = host_and_port(host)
    except ValueError:
        return False
    for entry in allowed:
        if entry == "*":
            return True
        if entry.startswith("."):
            if name == entry[1:].lower() or name.endswith(entry.lower()):
                return True
            continue
        want, want_port = host_and_port(entry)
        if want == name and want_port in (None, port):
            return True
    return False


def _bind_links() -> None:
    """Build this request's URLs on ``public_url``, or refuse a host nobody allowed."""
    settings = state().settings
    if settings.public_url:
        parts = urlsplit(settings.public_url)
        request_ctx.url_adapter = current_app.url_map.bind(
            parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
        )
        return
    if not host_allowed(request.host, settings.web.allowed_hosts):
        abort(400, description="unknown Host: set public_url or web.allowed_hosts in the config")


def site_host() -> str:
    """The host name this site goes by, for identifiers such as iCalendar UIDs."""
    public_url = state().settings.public_url
    return urlsplit(public_url or request.host_url).hostname or "medfeed"


def this_url() -> str:
    """The absolute URL of the current request, on the site's own host (a feed's ``self``)."""
    args = {**link_args(), **(request.view_args or {})}
    return url_for(request.endpoint or "pages.index", **args, _external=True)
