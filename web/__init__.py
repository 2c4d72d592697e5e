"""The Flask site: the feed page, item pages, the JSON API and the Atom / JSON feeds.

``create_app`` wires blueprints (``pages`` HTML, ``api`` JSON, ``feeds`` Atom
and JSON Feed) to one ``Store`` and one ``Settings``, both kept in
``app.extensions["medfeed"]`` so the scheduler can swap the settings on reload.
The site only reads: it never fetches a feed and never writes an item.
"""

from __future__ import annotations

from flask import Flask

from aggregator.config import Settings, config_path, load_settings
from aggregator.store import Store

from . import api, errors, feeds, pages
from .context import MedfeedState, state
from .http import install_headers
from .present import install_template_helpers

__all__ = ["MedfeedState", "create_app", "state"]


def create_app(settings: Settings | None = None, store: Store | None = None) -> Flask:
    """The site for ``settings`` (else ``$MEDFEED_CONFIG`` / ./config.yaml) over ``store``.

    Config is read here, never at import time, so ``flask --app web run`` and
    gunicorn workers each build their own app and database pool.
    """
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
    errors.install(app)
    install_headers(app)
    install_template_helpers(app)
    return app
