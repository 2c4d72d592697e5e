"""``medfeed sources remove ID|URL``: take a source out of config.yaml, then out of the lists.

    find     the source by id, else by its feed URL (compared canonically)
    write    configedit.remove_source(...)   # comments and layout kept; validated first
    mirror   Store.sync_sources(...)         # its items leave the site's lists now

Its items stay in the database (``aggregator.store.retired``): re-adding the
source brings them back. An item ``featured.pinned`` names that only removed sources
carry is no longer featured (nor kept from retention), as its page answers 410 Gone:
the command says so and exits 0, as a pin matching nothing is told, not refused. An
unknown id (with the ids it may have meant) or a file that would not validate is a
message and exit status 2; config.yaml is then untouched. It fetches nothing.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.console import Console

from .config import Settings, load_settings
from .configedit import already_configured, remove_source
from .errors import MedfeedError
from .output import report_error

if TYPE_CHECKING:
    from .store import Store

EXIT_OK, EXIT_USAGE = 0, 2
SUGGESTIONS = 3


def sources_remove(settings: Settings, target: str, console: Console, err: Console) -> int:
    source_id = _named(settings, target)
    if source_id is None:
        report_error(err, "error:", _unknown(settings, target))
        return EXIT_USAGE
    try:
        remove_source(settings.path, source_id)
    except MedfeedError as exc:
        report_error(err, "error:", exc)
        return EXIT_USAGE
    console.print(
        f"removed source {source_id!r} from {settings.path}; its items are no longer listed "
        "and stay in the database (re-adding the source brings them back)",
        highlight=False,
        markup=False,
    )
    return _mirror(settings, console, err)


def _named(settings: Settings, target: str) -> str | None:
    """The id of the configured source ``target`` names: its id, else its feed URL."""
    if settings.source(target) is not None:
        return target
    return already_configured(settings, target) if "://" in target else None


def _unknown(settings: Settings, target: str) -> str:
    ids = [source.id for source in settings.sources]
    close = difflib.get_close_matches(target, ids, n=SUGGESTIONS, cutoff=0.6)
    what = "feed URL" if "://" in target else "id"
    message = f"no configured source has the {what} {target!r}"
    if close:
        return message + "; did you mean " + " or ".join(repr(c) for c in close) + "?"
    return message + "; `medfeed sources` lists them"


def _mirror(settings: Settings, console: Console, err: Console) -> int:
    """Mirror the edited file into the database at once, so that a site served without
    ``medfeed run`` (cron and ``medfeed serve``) stops listing the items now."""
    from .store import Store  # SQLAlchemy: only once the file is written

    try:
        store = Store(settings.database)
        try:
            pinned = _pinned(store, settings)
            store.sync_sources(load_settings(settings.path).configured_sources())
            if pinned is not None and (now_pinned := _pinned(store, settings)) != pinned:
                report_error(err, "warning:", _unpinned(settings, pinned, now_pinned))
        finally:
            store.close()
    except MedfeedError as exc:
        report_error(err, "warning:", f"the database follows at the next refresh: {exc}")
    return EXIT_OK


def _pinned(store: Store, settings: Settings) -> tuple[int, str] | None:
    """The id and title of the item ``featured.pinned`` names, as readers see it: never one
    only removed sources carry. None without a pin, or when it matches no listed item."""
    featuring = settings.featured.policy == "pinned"
    if not settings.featured.pinned or not (featuring or settings.retention.enabled):
        return None  # under "latest" the pin only keeps its item from retention
    policy = replace(settings.featured.as_policy(), policy="pinned")
    item = store.featured(policy, datetime.now(UTC))
    return None if item is None else (item.id, item.title)


def _unpinned(
    settings: Settings, pinned: tuple[int, str], now_pinned: tuple[int, str] | None
) -> str:
    """What the removal did to the pinned article: an admin pinned it on purpose, and the
    front page now features nothing (or retention may purge it) without a word."""
    what = f"the pinned article (featured.pinned) {pinned[1]!r} has no configured source now"
    if now_pinned is not None:  # the pin's address names another item too, still listed
        return f"{what}: the pin now names {now_pinned[1]!r} (item {now_pinned[0]}) instead"
    if settings.featured.policy == "pinned":
        return (
            f"{what}: it is no longer featured, and the site features nothing until "
            "featured.pinned names an item a configured source carries (or featured.policy "
            "is latest)"
        )
    return f"{what}: retention no longer keeps it"
