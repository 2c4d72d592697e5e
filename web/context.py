"""Where a request finds the app's long-lived objects: the store and the current settings.

Nothing here is global: the objects live in ``app.extensions["medfeed"]``, put
there by ``create_app``, and the scheduler swaps ``settings`` on a reload.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import abort, current_app, redirect, request, url_for

from aggregator.config import Settings
from aggregator.records import StoredItem
from aggregator.store import Store
from aggregator.store.reads import MAX_ID
from aggregator.tagging import Specialty, specialties_from_config
from aggregator.tagging import slug as slug_of
from aggregator.vocabulary import SPECIALTY_NAMES


def build_of(package: Path) -> str:
    """A fingerprint of the web package's code, templates and static files, part of every
    ETag: an upgrade that changes what a page or the JSON holds is not answered 304 with
    what a client kept from before. The name it replaces was to be bumped by hand on each
    such change, and never was."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        name = path.relative_to(package)
        if path.is_file() and "__pycache__" not in name.parts:
            digest.update(name.as_posix().encode() + b"\0" + path.read_bytes())
    return "medfeed-web-" + digest.hexdigest()[:16]


BUILD = build_of(Path(__file__).parent)


@dataclass
class MedfeedState:
    """The long-lived objects of one app: assign ``settings`` to apply a reloaded config."""

    settings: Settings
    store: Store
    build: str = BUILD
    config_error: str | None = None  # why the file on disk is not ``settings``, if it is not


def state() -> MedfeedState:
    """The current app's store and settings (inside a request or app context)."""
    extension: MedfeedState = current_app.extensions["medfeed"]
    return extension


def item_or_404(item_id: int) -> StoredItem:
    """One stored item; else a 301 to the item it was merged into, else a 404 (HTML or
    JSON, as ``web.errors`` decides). An item that only sources removed from the config
    carried is kept in the database but answers 410 Gone: the lists no longer show it,
    and a bookmark or a feed reader's link is told it went on purpose; re-adding the
    source brings it back at the same address.

    An id no 64-bit column can hold is no item's: 404, not a database overflow.
    """
    if not 0 < item_id <= MAX_ID:
        abort(404)
    found = state().store.get_item(item_id)
    if found is None:
        _redirect_if_merged(item_id)
        abort(404)
    if found.removed:
        abort(410, description=GONE)
    return found


GONE = "Removed: every source of this item was removed from this site's sources"


def _redirect_if_merged(item_id: int) -> None:
    """An id merged into another item answers a permanent redirect to the same URL naming
    that item, query string kept: a bookmark, a shared link or a feed reader's entry
    still reaches the article, and a client that follows 301s updates what it keeps."""
    kept = state().store.merged_into(item_id)
    if kept is not None:
        _moved_permanently(item_id=kept)


def _moved_permanently(**view_args: object) -> None:
    """Answer a 301 to this view with ``view_args`` changed, query string kept."""
    if request.endpoint is None:
        return
    location = url_for(request.endpoint, **{**(request.view_args or {}), **view_args})
    if request.query_string:
        location += "?" + request.query_string.decode("latin-1")
    abort(redirect(location, 301))


def featured_now() -> StoredItem | None:
    """The featured item under the settings in force now, if any item qualifies."""
    medfeed = state()
    return medfeed.store.featured(medfeed.settings.featured.as_policy(), datetime.now(UTC))


def featured_or_404() -> StoredItem:
    """The featured item under the settings in force now, or a 404."""
    found = featured_now()
    if found is None:
        abort(404)
    return found


def config_error() -> str | None:
    """Why the config on disk is not in force: the scheduler's verdict, else this worker's."""
    medfeed = state()
    return medfeed.store.get_meta("config_error") or medfeed.config_error


def specialties() -> dict[str, str]:
    """Specialty slug -> display name, from the vocabulary in force (config or built-in)."""
    vocabulary = specialties_from_config(state().settings.specialties)
    return {entry.name: specialty_name(entry) for entry in vocabulary}


def specialty_name(entry: Specialty) -> str:
    """How the site names a specialty: as the config's key is written ("Obstetrics &
    gynecology"), else its slug's known name, else its slug with a capital and spaces.
    Capitalising the slug alone showed "Obstetrics gynecology"."""
    return (
        entry.title or SPECIALTY_NAMES.get(entry.name) or entry.name.replace("-", " ").capitalize()
    )


def specialty_or_404(slug: str) -> str:
    """A specialty slug of the vocabulary in force, or a 404.

    The specialty's name, or any spelling of its slug ("Cardiology", "Public Health"),
    answers a 301 to its page: ``?specialty=Cardiology`` found it while
    ``/specialties/Cardiology`` was a 404."""
    if slug not in specialties():
        if slug_of(slug) in specialties():
            _moved_permanently(slug=slug_of(slug))
        abort(404)
    return slug
