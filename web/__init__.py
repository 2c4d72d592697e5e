"""The Flask site: the feed page, item pages, the JSON API and the Atom / JSON feeds.

``create_app`` wires blueprints (``pages`` HTML, ``api`` JSON, ``feeds`` Atom,
JSON Feed and iCalendar) to one ``Store`` and one ``Settings``, both kept in
``app.extensions["medfeed"]``. When the app read its config file itself, a
``ConfigWatcher`` follows that file from a background thread of each worker:
a valid edit (the featured policy, say) reaches the next request within a few
seconds, in every worker, without a restart; an invalid edit is logged, kept
as ``config_error`` and the last good settings stay. Requests only ever read
that validated snapshot: no request reads, parses or waits on the file, so a
broken or hostile edit cannot slow a page down. The
database URL is the one exception: the store, with its connection pool, is
built once, and with it how long a request waits on the database
(``web.database_timeout``). Source names and the like come from the database,
which the refresh side updates. The site only reads: it never fetches a feed
and never writes an item.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref

from flask import Flask

from aggregator.config import Settings, config_path, load_settings
from aggregator.reload import NO_CHANGE, ConfigWatcher
from aggregator.store import Store

from . import api, cache, errors, feeds, metrics, pages, websub
from .context import MedfeedState, state
from .hosts import install_hosts, loose_slashes
from .http import install_headers, install_query_guard
from .present import install_template_helpers

__all__ = ["MedfeedState", "create_app", "follow_config", "state"]

log = logging.getLogger(__name__)
WATCHER = "medfeed.config_watcher"  # app.extensions key of the ConfigWatcher, when following


def create_app(
    settings: Settings | None = None, store: Store | None = None, *, watch: bool | None = None
) -> Flask:
    """The site for ``settings`` (else ``$MEDFEED_CONFIG`` / ./config.yaml) over ``store``.

    Config is read here, never at import time, so ``flask --app web run`` and
    gunicorn workers each build their own app and database pool. ``watch``
    follows edits to ``settings.path``; by default only when the settings were
    read here, so that a test's hand-made ``Settings`` stays as it was given.
    """
    if watch is None:
        watch = settings is None
    if settings is None:
        settings = load_settings(config_path())
    if store is None:
        store = Store(settings.database, wait=settings.web.database_timeout.total_seconds())
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["medfeed"] = MedfeedState(settings=settings, store=store)
    loose_slashes(app)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(feeds.blueprint)
    app.register_blueprint(metrics.blueprint)
    app.register_blueprint(websub.blueprint)
    errors.install(app)
    install_headers(app)
    install_query_guard(app)
    install_hosts(app)
    cache.install(app)
    install_template_helpers(app)
    if watch:
        # quiet: the scheduler logs each edit once; one line per worker would repeat it
        follow_config(app, ConfigWatcher(settings, quiet=True))
    return app


def follow_config(app: Flask, watcher: ConfigWatcher) -> None:
    """Have a daemon thread put the watcher's settings in force (it reads the file every 2 s).

    The thread holds the app's state weakly and ends when the app is gone.
    """
    medfeed: MedfeedState = app.extensions["medfeed"]
    app.extensions[WATCHER] = watcher
    threading.Thread(
        target=_follow, args=(weakref.ref(medfeed), watcher), name="medfeed-config", daemon=True
    ).start()


def _follow(ref: weakref.ref[MedfeedState], watcher: ConfigWatcher) -> None:
    while (medfeed := ref()) is not None:
        try:
            change = watcher.check()
        except Exception:  # the loader raises only ConfigError; never let the thread die
            log.exception("config check failed")
            change = NO_CHANGE
        if change.reloaded or change.rejected:
            medfeed.settings = watcher.settings
            medfeed.config_error = str(watcher.error) if watcher.error else None
        del medfeed
        time.sleep(watcher.poll_every)
