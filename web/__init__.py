"""The Flask site: the feed page, item pages, the JSON API and the Atom / JSON feeds.

``create_app`` wires blueprints (``pages`` HTML, ``api`` JSON, ``feeds`` Atom,
JSON Feed and iCalendar) to one ``Store`` and one ``Settings``, both kept in
``app.extensions["medfeed"]``. When the app read its config file itself, a
``ConfigWatcher`` follows that file: a valid edit (the featured policy, say)
reaches the next request within a few seconds, in every worker, without a
restart; an invalid edit is logged and the last good settings stay. The
database URL is the one exception: the store, with its connection pool, is
built once. Source names and the like come from the database, which the
refresh side updates. The site only reads: it never fetches a feed and never
writes an item.
"""

from __future__ import annotations

from flask import Flask

from aggregator.config import Settings, config_path, load_settings
from aggregator.reload import ConfigWatcher
from aggregator.store import Store

from . import api, errors, feeds, metrics, pages, websub
from .context import MedfeedState, state
from .http import install_headers
from .present import install_template_helpers

__all__ = ["MedfeedState", "create_app", "follow_config", "state"]

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
        store = Store(settings.database)
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["medfeed"] = MedfeedState(settings=settings, store=store)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(feeds.blueprint)
    app.register_blueprint(metrics.blueprint)
    app.register_blueprint(websub.blueprint)
    errors.install(app)
    install_headers(app)
    install_template_helpers(app)
    if watch:
        follow_config(app, ConfigWatcher(settings))
    return app


def follow_config(app: Flask, watcher: ConfigWatcher) -> None:
    """Before each request, put the watcher's settings in force (it reads the file every 2 s)."""
    medfeed: MedfeedState = app.extensions["medfeed"]
    app.extensions[WATCHER] = watcher

    @app.before_request
    def _settings_in_force() -> None:
        medfeed.settings = watcher.current()
