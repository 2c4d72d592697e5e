"""Re-tag stored items when the specialty vocabulary changes: what to redo, and how.

Specialty tags are decided once, at ingest (``tagging``), and stored with the
item; an edited ``specialties:`` section, or a new built-in vocabulary, reaches
the items already stored only by re-tagging them. This module decides: the
vocabulary's fingerprint (a digest per specialty), which specialties an edit
changed, and an item's tags under the new vocabulary. ``retag_stored`` drives
the work in bounded batches through the ``Store``, which keeps the plan in the
``meta`` table (so that a restart, or ``medfeed refresh`` under cron, notices an
edit too) and leases it to one process at a time. No config file, no SQL here.

Only the tags of changed specialties are recomputed; every other tag is kept as
stored. The stored tags do not say where each came from (the item's text, the
source's ``tags``, the feed's categories, a duplicate merged in), so a feed
category spelled like a changed specialty ("Oncology") is recomputed as that
specialty, and a changed specialty a merged duplicate's text signalled is
recomputed from the stored item's own text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

from .leases import this_holder
from .records import RetagPlan, StoredTags
from .sanitize import html_to_text
from .tagging import Specialty, Tagger, slug

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger(__name__)

BATCH = 500  # items a batch re-tags in one short transaction: the ingest's writer waits no longer


def fingerprint(specialties: Sequence[Specialty]) -> dict[str, str]:
    """Specialty slug -> a digest of what decides its tags (its keywords and sources)."""
    vocabulary = {}
    for specialty in specialties:
        definition = [sorted(specialty.keywords), sorted(specialty.sources)]
        digest = hashlib.sha256(json.dumps(definition).encode()).hexdigest()[:16]
        vocabulary[slug(specialty.name) or specialty.name] = digest
    return vocabulary


def changed_specialties(old: Mapping[str, str], new: Mapping[str, str]) -> frozenset[str]:
    """The specialties added, removed or redefined between two fingerprints."""
    return frozenset(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))


def replan(stored: RetagPlan | None, vocabulary: dict[str, str]) -> RetagPlan | None:
    """The plan to store for ``vocabulary``, or None when the stored one stands.

    With no plan stored (a new database, or one from before re-tagging existed)
    the items are taken to carry the vocabulary in force. An edit during a
    re-tag starts over from the first item, recomputing what either edit changed:
    items already done carry the first edit's tags, the others the older ones.
    """
    if stored is None:
        return RetagPlan(vocabulary)
    if stored.vocabulary == vocabulary:
        return None
    changed = changed_specialties(stored.vocabulary, vocabulary)
    if stored.pending:
        changed |= stored.changed
    return RetagPlan(vocabulary, changed, after=0)


def revisit(stored: RetagPlan, tagged_with: Mapping[str, str], lowest: int) -> RetagPlan | None:
    """The plan once a batch tagged with ``tagged_with`` wrote items from id ``lowest`` on,
    or None when it stands (the batch carries the planned vocabulary, or the re-tag will
    reach those items recomputing what they need anyway).

    A refresh tags its entries with the vocabulary it started with: one that started
    before an edit, or a process still on the old file, writes old tags after the re-tag
    went past (or finished). The plan holds digests, not the vocabulary, so the items
    cannot be re-tagged here; the re-tag is moved back to them instead, recomputing what
    the two vocabularies disagree on.
    """
    if stored.vocabulary == tagged_with:
        return None
    changed = changed_specialties(tagged_with, stored.vocabulary)
    after = lowest - 1
    if stored.after is not None:
        changed |= stored.changed
        after = min(after, stored.after)
    moved = replace(stored, changed=changed, after=after)
    return None if moved == stored else moved


def retagged(item: StoredTags, tagger: Tagger, changed: Collection[str]) -> tuple[str, ...]:
    """``item``'s tags with those of the ``changed`` specialties recomputed by ``tagger``."""
    kept = {tag for tag in item.tags if tag not in changed}
    found = tagger.specialties_of(
        title=item.title, text=html_to_text(item.summary), source_ids=item.source_ids
    )
    return tuple(sorted(kept | (found & set(changed))))


def new_tags(
    tagger: Tagger, items: Sequence[StoredTags], changed: Collection[str]
) -> dict[int, tuple[str, ...]]:
    """The items of a batch whose tags change, with their new tags."""
    out = {}
    for item in items:
        tags = retagged(item, tagger, changed)
        if tags != tuple(sorted(set(item.tags))):
            out[item.id] = tags
    return out


@dataclass(frozen=True)
class RetagReport:
    items: int
    changed: int
    seconds: float
    done: bool


def retag_stored(
    store: Store,
    specialties: Sequence[Specialty],
    *,
    holder: str | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    batch: int = BATCH,
) -> RetagReport | None:
    """Bring stored items' specialty tags to ``specialties``, a batch at a time; None when
    they already carry them (one read) or another process holds the work.

    Returns after the last batch, when ``should_stop`` says so between batches, or
    when another process took the work over.
    """
    vocabulary = fingerprint(specialties)
    if not store.plan_retag(vocabulary):
        return None
    decide = partial(new_tags, Tagger(specialties))
    holder = holder or this_holder()
    started = time.monotonic()
    items = changed = 0
    done = False
    while not done and not should_stop():
        result = store.retag_batch(vocabulary, decide, holder=holder, limit=batch)
        if result is None:
            break
        items, changed, done = items + result.items, changed + result.changed, result.done
    report = RetagReport(items, changed, time.monotonic() - started, done)
    if items:
        log.info(
            "specialty vocabulary changed: re-tagged %d stored items (%d changed) in %.1f s%s",
            items, changed, report.seconds, "" if done else ", to be continued",
        )  # fmt: skip
    return report
