"""Frozen, typed records that travel between pipeline stages.

Named by direction: ``Fetched`` comes out of fetch, ``ParsedItem`` out of parse,
``ItemIdentity`` out of identity, ``ItemUpdate`` goes into the store,
``StoredItem`` / ``StoredSource`` come out of it. ORM objects never leave
``aggregator.store``; everything else sees only these records.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal, NamedTuple
from urllib.parse import urlsplit


class Kind(StrEnum):
    NEWS = "news"
    ARTICLE = "article"
    CONFERENCE = "conference"
    VIDEO = "video"


class Label(StrEnum):
    """What a source publishes: lets a reader tell a paper from a press release."""

    JOURNAL = "journal"
    PREPRINT = "preprint"
    NEWS = "news"
    PRESS_RELEASE = "press-release"
    SOCIETY = "society"
    SPONSORED = "sponsored"


# Label order, most authoritative first: the primary source, then who reports on it.
# It chooses a story's representative among items published at the same time
# (``dedupe.StoryItem.order``) and the copy whose text a merged item shows
# (``reconcile.Owner``).
AUTHORITY = ("journal", "society", "press-release", "news", "preprint", "sponsored")


def authority(label: str) -> int:
    """``label``'s rank in ``AUTHORITY`` (0 first); an unknown label after every known one."""
    return AUTHORITY.index(label) if label in AUTHORITY else len(AUTHORITY)


# Which kinds can tell one story: a paper and the news about it can, a video
# explainer is not the news story it explains unless both name one trial or paper
# (``dedupe._explains``), events never cluster by text (a recurring series or an annual
# meeting reads alike every time). Each kind's list shows a story's first item of
# that kind (``items.leads_kind``), so a video in a news story is still a video.
# Here beside the records because a kind edit in the config (``store.stories.rekinded``)
# asks it too: which stories the edit can change.
KIND_GROUPS = {"news": "text", "article": "text", "video": "video"}


# The labels the featured article may have by default: a paid piece is never the lead
# unless the admin lists ``sponsored`` under ``featured.labels``.
FEATURED_LABELS = tuple(label for label in Label if label is not Label.SPONSORED)

# Flags that keep an item out of the automatic featured slot (``store.citations``).
UNFEATURED_FLAGS = ("retracted", "expression-of-concern")


# --- fetch -> parse ---------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    """One HTTP (or file://) response, already bounded by the size cap.

    ``body`` is None when the server answered 304 Not Modified.
    """

    url: str  # final URL after redirects
    status: int
    body: bytes | None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    permanent_redirect: str | None = None  # new URL when a 301/308 was followed
    fresh_until: datetime | None = None  # from Cache-Control max-age / Expires
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names

    @property
    def not_modified(self) -> bool:
        return self.status == 304


# --- parse -> identity -> store ---------------------------------------------


class EventStatus(StrEnum):
    """An event that is not simply on as given: its calendar or its headline says so."""

    CANCELLED = "cancelled"  # iCalendar STATUS:CANCELLED, or "… cancelled" / "called off"
    POSTPONED = "postponed"  # "… postponed" / "rescheduled" with no new date given
    TENTATIVE = "tentative"  # iCalendar STATUS:TENTATIVE: planned on these dates, not confirmed


# Statuses that take an event off its dates: the calendar no longer offers it there.
CALLED_OFF = frozenset({EventStatus.CANCELLED, EventStatus.POSTPONED})


@dataclass(frozen=True)
class EventInfo:
    start: datetime  # UTC; all-day events start at 00:00 of their date
    end: datetime | None = None
    timezone: str | None = None  # the event's own zone name, when given
    location: str | None = None
    online: bool = False
    url: str | None = None  # registration / event page
    all_day: bool = False
    rule: str | None = None  # a recurring series' RRULE; start/end are then its next occurrence
    occurrences: tuple[Occurrence, ...] = ()  # a series' coming occurrences, soonest first
    # The dates (UTC) a series' calendar adds to its rule (RDATE; all its dates but the
    # first, for one without a rule) and takes off it (EXDATE, an override with
    # STATUS:CANCELLED), past ones too: what tells a date added or cancelled later apart
    # (``identity.content_hash``). Not stored: the occurrences say the same.
    added: tuple[datetime, ...] = ()
    cancelled: tuple[datetime, ...] = ()
    status: EventStatus | None = None  # None: on as given (iCalendar CONFIRMED or no word)

    @property
    def called_off(self) -> bool:
        """Cancelled or postponed: its dates no longer hold."""
        return self.status in CALLED_OFF


@dataclass(frozen=True)
class Occurrence:
    """One date of a recurring series (UTC; ``end`` None when the calendar gave none).

    An occurrence its calendar changed (an override VEVENT: moved, or given its own
    title or place) keeps the date its series' rule gives it, the RECURRENCE-ID, so
    that ``/conferences.ics`` can pass the change on as the standard says rather
    than as a date taken off the series.
    """

    start: datetime
    end: datetime | None = None
    recurrence_id: datetime | None = None  # UTC; set only for an occurrence its calendar changed
    title: str | None = None  # its own, when it differs from its series'
    location: str | None = None  # likewise

    @property
    def rule_date(self) -> datetime:
        """Where its series' rule puts it: its RECURRENCE-ID when it was moved."""
        return self.recurrence_id or self.start


@dataclass(frozen=True)
class VideoInfo:
    id: str | None = None  # provider's id, e.g. the YouTube video id
    thumbnail: str | None = None
    duration: int | None = None  # seconds
    embed_url: str | None = None
    provider: str | None = None  # youtube | vimeo | peertube | other
    views: int | None = None


@dataclass(frozen=True)
class ArticleInfo:
    doi: str | None = None  # lower-cased, without the https://doi.org/ prefix
    pmid: str | None = None
    pmcid: str | None = None  # with its PMC prefix
    nct: tuple[str, ...] = ()  # ClinicalTrials.gov numbers cited
    journal: str | None = None
    authors: tuple[str, ...] = ()
    pub_type: str | None = None  # e.g. "Research Article", "Erratum", "Retraction"
    cites: tuple[str, ...] = ()  # other DOIs the text cites (normalised): "covers: …"


@dataclass(frozen=True)
class ParsedItem:
    """One entry as the feed gave it, HTML already sanitized, URLs absolute."""

    guid: str | None
    url: str | None
    title: str
    summary: str = ""  # sanitized HTML
    content: str | None = None  # sanitized HTML, when the feed carries full text
    author: str | None = None
    published: datetime | None = None  # UTC
    updated: datetime | None = None  # UTC
    image: str | None = None
    tags: tuple[str, ...] = ()  # the feed's own categories
    event: EventInfo | None = None
    video: VideoInfo | None = None
    article: ArticleInfo | None = None
    title_derived: bool = False  # the feed gave no title: it was taken from the text


@dataclass(frozen=True)
class DocumentLimits:
    """How many entries one document, and categories one entry, may bring (the ``parse``
    settings, ``aggregator.parse.limits``): the parser reads no config."""

    max_entries: int = 2000
    max_categories: int = 50
    # the setting ``max_entries`` came from, which the warning of a cut names for the admin
    entries_setting: str = "parse.max_entries"


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    link: str | None
    items: tuple[ParsedItem, ...]
    warnings: tuple[str, ...] = ()  # e.g. feedparser's bozo message when it recovered


@dataclass(frozen=True)
class ItemIdentity:
    """Everything the dedupe layers 1-3 match on."""

    guid_key: str  # layer 1: the source's own id (guid, else link, else content hash)
    canonical_url: str | None  # layer 2
    identifiers: tuple[str, ...]  # layer 3: "doi:10.1/x", "pmid:123", "nct:NCT0..", "youtube:abc"
    content_hash: str  # decides "changed?"; excludes fields that change without content changing
    # guid keys a guid-less entry may be stored under from a fetch in which its URL was
    # shared by other entries, or was not (``identity.identify``)
    aliases: tuple[str, ...] = ()
    # the layer-2 key the entry would have, had entries of other titles in its document
    # not carried it too: it names none of them, nor the item that had it alone
    # (``reconcile._Matching.frees``)
    shared_url: str | None = None


@dataclass(frozen=True)
class PlainText:
    """An item's text as search and the featured article's length check read it.

    Computed in the parse pool (``sanitize.plain_text``): turning HTML into text is
    most of the CPU an item costs the single writer otherwise.
    """

    body: str  # the summary's text and the content's, the summary once if the content repeats it
    words: int  # words of the content, else of the summary


@dataclass(frozen=True)
class ItemUpdate:
    """An entry ready to be written: what the source said plus how to recognise it."""

    source_id: str
    kind: Kind
    label: Label
    item: ParsedItem
    identity: ItemIdentity
    tags: tuple[str, ...] = ()  # specialty tags + source tags + feed categories, normalised
    text: PlainText | None = None  # from the parse pool; None: the store derives it


# --- config -> store ------------------------------------------------------------


@dataclass(frozen=True)
class ConfiguredSource:
    """A source as config.yaml lists it, what the store mirrors into its ``sources`` rows."""

    id: str
    name: str
    url: str
    kind: Kind
    label: Label  # the configured label, else the kind's default
    tags: tuple[str, ...]
    interval: timedelta  # the source's own, else the schedule's default
    enabled: bool = True
    limits: DocumentLimits = DocumentLimits()  # its own ``max_entries``, else ``parse``'s


@dataclass(frozen=True)
class FeaturedPolicy:
    """Which item is the featured article: the newest long-enough one, or a pinned one."""

    policy: str = "latest"  # "latest" | "pinned"
    kinds: tuple[Kind, ...] = (Kind.ARTICLE,)
    pinned: str | None = None  # URL or guid, for "pinned"
    min_words: int = 300
    labels: tuple[Label, ...] = FEATURED_LABELS  # the labels "latest" may feature


@dataclass(frozen=True)
class Extracted:
    """A page's main article, as full-text extraction found it."""

    html: str  # main text as sanitized HTML
    text: str
    word_count: int
    image: str | None  # og:image / lead image, absolute URL
    title: str | None
    author: str | None  # the byline: up to three names, else the first "et al."
    authors: tuple[str, ...] = ()  # every author its citation tags name, in order


# --- store -> web / cli ------------------------------------------------------


@dataclass(frozen=True)
class SourceRef:
    id: str
    name: str
    url: str | None = None  # the item's URL at that source


@dataclass(frozen=True)
class StoredItem:
    id: int
    kind: Kind
    label: Label
    title: str
    url: str | None
    summary: str
    content: str | None
    author: str | None
    published: datetime  # UTC; first-seen time when the feed gave none
    updated: datetime | None
    image: str | None
    tags: tuple[str, ...]
    source: SourceRef  # the source that first carried it
    sources: tuple[SourceRef, ...]  # every source that carried it
    story_id: int | None
    event: EventInfo | None = None
    video: VideoInfo | None = None
    article: ArticleInfo | None = None
    also: tuple[StoredItemRef, ...] = ()  # the other items of its story
    fulltext: str | None = None  # extracted main text (sanitized HTML), featured articles
    fulltext_error: str | None = None
    flags: tuple[str, ...] = ()  # e.g. "retracted", "corrected"
    covers: tuple[StoredItemRef, ...] = ()  # stored articles whose DOI this item cites
    covered_by: tuple[StoredItemRef, ...] = ()  # items that cite this item's DOI
    published_from: str = "source"  # "source": the feed's own date; "first_seen": ours
    title_derived: bool = False  # the title is the first sentence of the text
    match: SearchMatch | None = None  # in search results: the words that matched, marked
    # every source that carried it is out of config.yaml: kept, not shown to readers
    removed: bool = False

    @property
    def body(self) -> str:
        """The fullest sanitized HTML we have for this item."""
        return self.fulltext or self.content or self.summary


class Fragment(NamedTuple):
    """A run of text, and whether it is a word that matched the search."""

    text: str
    matched: bool


@dataclass(frozen=True)
class SearchMatch:
    """Where a search hit an item: its title and an extract of its text, as fragments."""

    title: tuple[Fragment, ...]
    snippet: tuple[Fragment, ...]


@dataclass(frozen=True)
class StoredItemRef:
    id: int
    title: str
    url: str | None
    source: SourceRef


@dataclass(frozen=True)
class StoredSource:
    id: str
    name: str
    url: str
    kind: Kind
    label: Label
    enabled: bool
    in_config: bool  # False once removed from config.yaml (items stay)
    disabled_reason: str | None  # e.g. "410 Gone": disabled by medfeed, not the admin
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    # The last fetch's SourceOutcome.status: "ok", "not-modified", "failed", "pushed" (WebSub).
    last_status: str | None
    last_http_status: int | None
    last_error: str | None
    consecutive_failures: int
    next_fetch_at: datetime | None
    permanent_redirect: str | None
    item_count: int
    claimed_by: str | None = None  # the process fetching it now (``host:pid:start``)
    claimed_until: datetime | None = None
    # What the last document read gave to say: dates it could not read, no entries, …
    last_warning: str | None = None

    def as_reported(self) -> StoredSource:
        """The last fetch as what happened, as ``/sources``, ``/api/sources`` and ``medfeed
        sources`` say it: a local file has no HTTP status (the file reader's 304 and 200
        only stand in for "the same file" and "read"), and a document found the same with
        no server saying so (a file's; a 200 that resent the last body) is "unchanged":
        "not-modified" is a 304's word."""
        http_status = None if urlsplit(self.url).scheme == "file" else self.last_http_status
        status = self.last_status
        if status == "not-modified" and http_status != 304:
            status = "unchanged"
        return replace(self, last_status=status, last_http_status=http_status)


@dataclass(frozen=True)
class Page:
    """A keyset-paginated slice of a list; ``next`` is an opaque cursor or None."""

    items: tuple[StoredItem, ...]
    next: str | None


@dataclass(frozen=True)
class SourceOutcome:
    """What one refresh did to one source: an error is a value, never an exception."""

    source_id: str
    # "ok" | "not-modified" (a 304, or a 200 with the body last stored) | "failed" |
    # "pushed" (WebSub) | "skipped" (CLI only)
    status: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    error: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceState:
    """What a refresh needs to know about a claimed source, read from the database."""

    id: str
    url: str
    kind: Kind
    label: Label
    tags: tuple[str, ...]
    interval: timedelta
    etag: str | None
    last_modified: str | None
    consecutive_failures: int
    last_unconditional_at: datetime | None
    body_digest: str | None = None  # of the last body stored (``prepare.PrepareJob.digest``)


@dataclass(frozen=True)
class FetchReport:
    """What happened when one source was fetched, to be written as its fetch state."""

    source_id: str
    started_at: datetime
    finished_at: datetime
    outcome: SourceOutcome
    next_fetch_at: datetime
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    conditional: bool = True  # False when validators were deliberately not sent
    permanent_redirect: str | None = None
    disable_reason: str | None = None  # e.g. "410 Gone": medfeed disables the source
    # The body whose items the source now holds: read by this fetch, or found the same
    # as the last one stored. None leaves the stored digest as it is. It is written only
    # over ``claimed_digest``, the one the claim read: what cleared or replaced it since
    # (a config edit, a push) stands.
    body_digest: str | None = None
    claimed_digest: str | None = None
    # The address fetched (the source's when it was claimed). A source whose URL the config
    # changed meanwhile keeps the state the edit gave it: the answer was the old address's.
    # None (a push) is written whatever the source's URL.
    url: str | None = None


class StoryCorrection(NamedTuple):
    """An editor's word on two items (``medfeed stories join`` / ``split``): one story
    when ``same``, else never one. Lower id first, as the database keeps the pair."""

    first_id: int
    second_id: int
    same: bool
    made_at: datetime | None = None

    @classmethod
    def of(cls, a: int, b: int, *, same: bool, made_at: datetime | None = None) -> StoryCorrection:
        return cls(min(a, b), max(a, b), same, made_at)


@dataclass(frozen=True)
class DroppedCorrection:
    """An editor's story correction that a fold of two items (``medfeed db fold``) drops,
    as the editor made it, and why: it would name the kept item ``twice``; the kept item
    ``already`` has the same word on the other item; or the two items' words on it
    disagree and the later one, ``standing``, holds."""

    correction: StoryCorrection
    reason: Literal["twice", "already", "overruled"]
    standing: StoryCorrection | None = None  # as it names the items now

    def describe(self) -> str:
        """One line for the editor, who decides whether to make the correction again:
        ``db fold`` prints it, and a fold made by a refresh logs it."""
        line = f"dropped the story correction {_pair_words(self.correction)}: "
        line += _DROPPED_BECAUSE[self.reason]
        if self.standing is not None:
            line += f"; {_pair_words(self.standing)} stands"
        return line


_DROPPED_BECAUSE = {
    "twice": "it would name the kept item twice",
    "already": "the kept item has the same",
    "overruled": "a later correction of the same two articles says otherwise",
}


def _pair_words(correction: StoryCorrection) -> str:
    word = "one story" if correction.same else "never one story"
    return f"items {correction.first_id} and {correction.second_id}: {word}"


@dataclass(frozen=True)
class StoredTags:
    """What re-tagging needs of a stored item: its words, the sources carrying it, its tags."""

    id: int
    title: str
    summary: str  # as stored: the feed's sanitized HTML, the text the tagger saw at ingest
    source_ids: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class RetagPlan:
    """The specialty vocabulary stored items are (being) tagged with, and the re-tag's progress.

    ``vocabulary`` maps each specialty slug to a digest of its definition (keywords,
    sources): the fingerprint an edit is detected by. ``changed`` are the specialties
    whose tags the re-tag recomputes; ``after`` is the last item id done, None once
    every item is. ``holder`` leases the work to one process until ``until``.
    """

    vocabulary: dict[str, str]
    changed: frozenset[str] = frozenset()
    after: int | None = None
    holder: str | None = None
    until: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.after is not None


@dataclass(frozen=True)
class RetagBatch:
    """One batch of a re-tag: items looked at, items whose tags changed, whether it is over."""

    items: int
    changed: int
    done: bool
