"""The featured article in full: fetch its page once when its feed gave only a summary.

Runs after each batch of a refresh pass, once its sources are stored. Which
article is featured is the store's one query (``store.reads._featured_row``),
which the site uses too:

    featured  = newest item of featured.kinds and featured.labels, flagged neither
                retracted nor of concern, with >= min_words of feed text
                or with an extracted full text (stored only when it has >= min_words),
                among the kind's 500 newest (``reads.FEATURED_WINDOW``);
                else the newest item of those kinds; under ``pinned``, the pinned item
    candidate = the same rule, where an item whose page was never tried also qualifies

    while the candidate is short, has no full text and was never tried (3 times a pass at most):
        claim it                                  # one attempt, one process
        extract its page -> full text, word count, lead image: it is featured in full
                         -> or its error recorded: never tried again, and the
                            newest long-enough article stays featured

So when the newest article is a two-line summary, its page is fetched once; if
that fails the reader sees the previous long article (or, when there is none,
the summary), never an empty page. ``fulltext.enabled: false`` turns it off.

It does not choose the article (the store's query does), parse feeds or render
HTML; it fetches only the candidate's page, with the feed timeout and size
caps and behind ``aggregator.fulltext``'s address guard.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import import_module
from urllib.parse import urlsplit

from .config import FeaturedSettings, Settings
from .errors import ExtractionError, FetchError, MedfeedError
from .fetch import FetchLimits
from .records import StoredItem
from .sanitize import word_count
from .store import Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # pages tried per pass: a run of unextractable articles cannot stall a pass
NO_ARTICLE_BELOW = 50  # fewer words than this is a paywall or an index page, whatever the policy
RETRY_AFTER = timedelta(days=1)  # a failed page is tried again (online-first: not there yet)


@dataclass(frozen=True)
class Attempt:
    """One page fetched for the featured article, and how it went."""

    item_id: int
    url: str | None
    words: int = 0  # of the extracted text, when it worked
    error: str | None = None


def wants_fulltext(item: StoredItem, policy: FeaturedSettings) -> bool:
    """True for a short item whose page has not been extracted: the feed gave only a summary.
    (A page that failed is tried again after ``RETRY_AFTER``: ``Store.claim_fulltext``.)

    ``item.body`` is the content or summary here, the text ingest counted.
    """
    if item.fulltext is not None:
        return False
    return word_count(item.body) < policy.min_words


def allows_files(item: StoredItem, settings: Settings) -> bool:
    """A ``file://`` page is read only for items of a local file source the admin configured."""
    source = settings.source(item.source.id)
    return source is not None and urlsplit(source.url).scheme == "file"


async def feature_in_full(settings: Settings, store: Store, limits: FetchLimits) -> list[Attempt]:
    """Extract the featured candidate's page while it needs it; the attempts made."""
    if not settings.fulltext.enabled:
        return []
    attempts: list[Attempt] = []
    while len(attempts) < MAX_ATTEMPTS:
        now = _now()
        item = await asyncio.to_thread(
            store.featured_candidate, settings.featured.as_policy(), now - RETRY_AFTER
        )
        if item is None:
            _pin_missing(settings.featured)
            break
        if not wants_fulltext(item, settings.featured):
            break
        lease = settings.schedule.lease
        if not await asyncio.to_thread(store.claim_fulltext, item.id, now, lease, RETRY_AFTER):
            break  # another process is extracting it right now, or it failed lately
        attempts.append(await _attempt(item, settings, store, limits))
    return attempts


_told_missing: set[str] = set()  # pinned addresses already logged as matching no item


def _pin_missing(policy: FeaturedSettings) -> None:
    """Tell the admin, once per process and address, that the pin matches no listed item:
    the site said only "no featured article yet", and nothing in the log said why. An item
    only sources removed from the config carry is not listed (``store.retired``): its
    source's entry deleted by hand, the log is where the admin learns it is not featured."""
    if policy.policy != "pinned" or (policy.pinned or "") in _told_missing:
        return
    _told_missing.add(policy.pinned or "")
    log.warning(
        "featured.pinned %r matches no listed item (its guid, link or canonical URL; an "
        "item only sources removed from the config carried is not listed); nothing is "
        "featured until a configured source carries it",
        policy.pinned,
    )


def _least_words(policy: FeaturedSettings) -> int:
    """How long the page's text must be: ``min_words`` when the newest long article is
    sought; for the article the admin pinned, only enough to be an article at all (a pinned
    216-word piece was refused under min_words 300, and never tried again)."""
    if policy.policy == "pinned":
        return NO_ARTICLE_BELOW
    return max(policy.min_words, NO_ARTICLE_BELOW)


async def _attempt(
    item: StoredItem, settings: Settings, store: Store, limits: FetchLimits
) -> Attempt:
    # Imports trafilatura, which only a pass that needs it pays for: off the loop, like every
    # database call here, since a refresh's fetches are in flight and time out meanwhile.
    fulltext = await asyncio.to_thread(import_module, "aggregator.fulltext")
    try:
        if not item.url:
            raise ExtractionError("the item has no link to its page")
        extracted = await fulltext.extract_article(
            item.url,
            limits,
            allow_hosts=settings.fulltext.allow_hosts,
            allow_files=allows_files(item, settings),
            min_words=_least_words(settings.featured),
            source_id=item.source.id,
        )
    except MedfeedError as exc:
        message = exc.reason if isinstance(exc, FetchError) else str(exc)
        log.warning("featured item %d: full text not extracted: %s", item.id, message)
        await asyncio.to_thread(store.save_fulltext_error, item.id, message, _now())
        return Attempt(item.id, item.url, error=message)
    await asyncio.to_thread(store.save_fulltext, item.id, extracted, _now())
    log.info(
        "featured item %d: %d words of full text from %s", item.id, extracted.word_count, item.url
    )
    return Attempt(item.id, item.url, words=extracted.word_count)


def _now() -> datetime:
    return datetime.now(UTC)
