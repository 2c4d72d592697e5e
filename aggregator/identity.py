"""Say how an item can be recognised: its guid key, canonical URL, identifiers, hash.

Dedupe layers 1-3 of DESIGN.md match on what this module computes: the
source's own id (guid, else canonical link, else content hash), the canonical
URL (scheme, host, port, tracking parameters, query order and trailing slash
normalised; none where entries of different titles in one document share it,
``shared_urls``), scholarly and video identifiers (DOI, PMID, PMCID, YouTube/Vimeo
ids), and a content hash that changes only when the content does. It does not
decide that two items are duplicates (``aggregator.dedupe`` does) and never
touches the database.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from aggregator.records import EventInfo, ItemIdentity, ParsedItem

_TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "mc_cid", "mc_eid", "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking",
        "igshid", "ref_src", "ref_url", "mkt_tok", "oly_anon_id", "oly_enc_id",
        "vero_id", "vero_conv", "_ga", "_gl", "spm", "cmpid", "ncid", "sr_share",
        "s_cid", "trk", "trkcampaign", "soc_src", "soc_trk", "wt.mc_id",
    }
)  # fmt: skip
# Names that track only on some sites and may name the page on others ("?feature=101"):
# YouTube's "feature=share", and "af=R" on journal (Atypon) article pages under /doi/.
_TRACKING_ON = {"feature": ("youtube.com", "youtu.be"), "af": ("/doi/",)}
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "itm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
HASH_DIGITS = 32  # hex digits kept of a content hash: 128 bits
MAX_KEY = 1024  # characters of a guid key stored (aggregator.store.models)
MAX_URL = 2048  # characters of a canonical URL stored
MAX_IDENTIFIER = 300  # characters of a layer-3 key stored ("doi:…")
# Characters a path may carry unescaped; everything else is percent-encoded the one way.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_ESCAPE_RE = re.compile(r"%[0-9a-fA-F]{2}")
# An escaped letter, digit, "-", ".", "_" or "~" (RFC 3986's unreserved): the same character.
_UNRESERVED_ESCAPE = re.compile(r"%(2D|2E|3[0-9]|[46][1-9A-F]|[57][0-9A]|5F|7E)")


def canonical_url(url: str | None) -> str | None:
    """One spelling per page: https, lower-case host, no default port, fragment or tracking.

    Remaining query parameters are sorted and ``/a/`` equals ``/a``; ``www.``
    stays, because two hosts are two sites until proven otherwise. Anything but
    an http(s) URL has no canonical form (None).
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:  # an IPv6 literal keeps its brackets, or the port would be ambiguous
        host = f"[{host}]"
    netloc = host if _default_port(scheme, port) else f"{host}:{port}"
    path = _ESCAPE_RE.sub(_upper_escape, quote(parts.path, safe=_PATH_SAFE)).rstrip("/") or "/"
    query = urlencode(sorted(_kept_params(parts.query, f"{host}{path}")), quote_via=quote)
    return urlunsplit(("https", netloc, path, query, ""))


def spellings(canonical: str) -> tuple[str, ...]:
    """The canonical URLs ``canonical_url`` gives the page ``canonical`` names, as linked
    one way or another: its host in Unicode or as punycode ("xn--"), and an unreserved
    character of its path escaped ("%7E") or not ("~"); ``canonical`` first.

    ``canonical_url`` keeps both as the link spelt them, so one page two feeds spelt
    two ways is stored under two keys. Folding them there would change the keys of
    stored items (a migration, and folds of the items it makes equal): a pasted
    address looks for every spelling instead (``store.addresses``).
    """
    parts = urlsplit(canonical)
    host, colon, port = parts.netloc.rpartition(":") if parts.port else (parts.netloc, "", "")
    hosts = dict.fromkeys((host, _punycode(host), _unicode(host)))
    plain = _UNRESERVED_ESCAPE.sub(_unescaped, parts.path)
    paths = dict.fromkeys((parts.path, plain, plain.replace("~", "%7E")))
    return tuple(
        dict.fromkeys(
            urlunsplit((parts.scheme, f"{name}{colon}{port}", path, parts.query, ""))
            for name in hosts
            for path in paths
        )
    )


def _punycode(host: str) -> str:
    return ".".join(
        label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
        for label in host.split(".")
    )


def _unicode(host: str) -> str:
    return ".".join(_unicode_label(label) for label in host.split("."))


def _unicode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label[4:].encode("ascii").decode("punycode").lower()
    except UnicodeError:  # not punycode after all: the label as it is
        return label


def _unescaped(match: re.Match[str]) -> str:
    return chr(int(match.group(1), 16))


def _default_port(scheme: str, port: int | None) -> bool:
    """Whether the port says nothing: none, or the default of the URL's own scheme.

    ``https://host:80/`` is another server than ``https://host/``, so 80 is kept
    under https. The canonical form is https, in which 443 is the default: an
    ``http://host:443/`` (no real page) reads as ``https://host/``, so that the
    canonical form canonicalises to itself.
    """
    return port is None or port in (_DEFAULT_PORTS[scheme], _DEFAULT_PORTS["https"])


def _upper_escape(match: re.Match[str]) -> str:
    return match.group(0).upper()


def _kept_params(query: str, where: str) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, value in parse_qsl(query, keep_blank_values=True)
        if not _is_tracking(name, where)
    ]


def _is_tracking(name: str, where: str) -> bool:
    """Whether a query parameter only tracks the click, on the page at ``where`` (host
    and path)."""
    lowered = name.lower()
    if lowered in _TRACKING_ON:
        return any(mark in where.lower() for mark in _TRACKING_ON[lowered])
    return lowered in _TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def identifiers(item: ParsedItem) -> tuple[str, ...]:
    """Layer-3 keys: "doi:", "pmid:", "pmcid:", "<provider>:<video id>".

    Trial numbers are left out on purpose: a news story citing a trial is not
    the trial, and matching on them would merge every story about it.
    """
    article, video = item.article, item.video
    return identifier_keys(
        doi=article.doi if article else None,
        pmid=article.pmid if article else None,
        pmcid=article.pmcid if article else None,
        video_provider=video.provider if video else None,
        video_id=video.id if video else None,
    )


def identifier_keys(
    *,
    doi: str | None,
    pmid: str | None,
    pmcid: str | None,
    video_provider: str | None,
    video_id: str | None,
) -> tuple[str, ...]:
    """The layer-3 keys of these values: an entry's (``identifiers``), or a stored item's
    columns, which hold its owner's (``aggregator.store.folds.fold_stored``)."""
    found: set[str] = set()
    if doi:
        found.add(f"doi:{doi.lower()}")
    if pmid:
        found.add(f"pmid:{pmid}")
    if pmcid:
        found.add(f"pmcid:{pmcid.upper()}")
    if video_id and video_provider and video_provider != "other":
        found.add(f"{video_provider}:{video_id}")
    # A real DOI or video id is far shorter; a longer one is garbage the store cannot hold.
    return tuple(sorted(key for key in found if len(key) <= MAX_IDENTIFIER))


def content_hash(item: ParsedItem) -> str:
    """sha256 over what a reader sees, cut to 128 bits; dates and view counts are left out.

    128 bits tell "changed?" as surely as 256 and take half the room in every
    stored row (migration 0008 cut the hashes already stored the same way).

    ``updated``, ``published`` (some feeds stamp every entry with the fetch
    time) and view counts change on every fetch of some feeds without the entry
    changing, and the hash decides whether the store rewrites an item.
    """
    event = item.event
    video = item.video
    article = item.article
    payload = {
        "title": item.title,
        "url": item.url,
        "summary": item.summary,
        "content": item.content,
        "author": item.author,
        "image": item.image,
        "tags": list(item.tags),
        "event": None
        if event is None
        else [
            _iso(event.start),
            _iso(event.end),
            event.timezone,
            event.location,
            event.online,
            event.url,
            event.all_day,
            *([event.rule] if event.rule else []),  # absent for single events: old hashes hold
            *([f"status:{event.status}"] if event.status else []),  # likewise: events on
            *_changed_occurrences(event),  # likewise: series none of whose dates was changed
        ],
        "video": None
        if video is None
        else [video.id, video.thumbnail, video.duration, video.embed_url, video.provider],
        "article": None
        if article is None
        else [
            article.doi,
            article.pmid,
            article.pmcid,
            list(article.nct),
            article.journal,
            list(article.authors),
            article.pub_type,
        ],
    }
    encoded = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:HASH_DIGITS]


def _changed_occurrences(event: EventInfo) -> list[str]:
    """A series' occurrences its calendar moved, renamed, added or cancelled: the series'
    next date and rule stay as they were when a later date is changed, and the change
    never reached the store. Dates added or cancelled are all the calendar lists, past
    ones too, so that the hash does not change as they pass."""
    moved = [
        f"changed:{_iso(o.recurrence_id)}>{_iso(o.start)}-{_iso(o.end)}:{o.title}@{o.location}"
        for o in event.occurrences
        if o.recurrence_id is not None
    ]
    added = [f"added:{_iso(moment)}" for moment in event.added]
    return moved + added + [f"cancelled:{_iso(moment)}" for moment in event.cancelled]


def storable_key(key: str) -> str:
    """A guid key as stored: one longer than its column (``MAX_KEY``) is kept as its hash,
    as stable from fetch to fetch as the guid itself (PostgreSQL refused the whole batch)."""
    if len(key) <= MAX_KEY:
        return key
    return "sha256-guid:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:HASH_DIGITS]


def _iso(value: object) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else None


def identify_document(items: Sequence[ParsedItem]) -> list[ItemIdentity]:
    """Each item's identity, knowing the document it came in: whether its URL names it
    or is shared by several entries of the feed (``shared_urls``) is the document's."""
    canonicals = [canonical_url(item.url) for item in items]
    shared = shared_urls(items, canonicals)
    return [_identity(item, url, shared) for item, url in zip(items, canonicals, strict=True)]


def identify(item: ParsedItem) -> ItemIdentity:
    """Everything dedupe matches on, for an item alone (``identify_document`` for a feed)."""
    return _identity(item, canonical_url(item.url), frozenset())


def _identity(item: ParsedItem, canonical: str | None, shared: frozenset[str]) -> ItemIdentity:
    """Everything dedupe matches on, computed once per parsed item.

    ``shared``: the URLs several different entries of the item's document
    carry. Such a URL identifies none of them: the item has no layer-2 key, and
    without a guid it is keyed by the URL and its title (``title_keyed``).
    """
    digest = content_hash(item)
    guid = item.guid.strip() if item.guid else ""
    occurrence = _occurrence_key(canonical, item)
    key = guid or canonical or f"sha256:{digest}"
    aliases: tuple[str, ...] = ()
    if canonical is not None and not guid:
        by_title = title_keyed(canonical, item.title)
        key, alias = (by_title, canonical) if canonical in shared else (canonical, by_title)
        # The key it had while its URL was not shared, or was: ``reconcile`` finds it by that.
        aliases = (storable_key(alias),)
    shared_url = occurrence if occurrence in shared else None
    if shared_url or (occurrence is not None and len(occurrence) > MAX_URL):
        occurrence = None
    return ItemIdentity(
        guid_key=storable_key(key),
        canonical_url=occurrence,
        identifiers=identifiers(item),
        content_hash=digest,
        aliases=aliases,
        shared_url=shared_url,
    )


def shared_urls(items: Sequence[ParsedItem], canonicals: Sequence[str | None]) -> frozenset[str]:
    """The canonical URLs (and events' layer-2 keys) that entries of different titles in
    one document carry; ``canonicals`` are the items' canonical URLs.

    A society whose every entry links to its home page, a listing whose events
    all link to one registration page, a podcast whose episodes link to the
    show: such a URL names the site, not the entry, and matching on it stored
    one item for all of them. Entries with one title are one entry (a story a
    feed repeats under a second guid); so are entries with one guid (the first
    is kept, as ``reconcile.unique_by_guid`` keeps it).
    """
    titles: dict[str, set[str]] = {}
    guids: set[str] = set()
    for item, canonical in zip(items, canonicals, strict=True):
        guid = item.guid.strip() if item.guid else ""
        if guid in guids:
            continue
        if guid:
            guids.add(guid)
        # An event's layer-2 key holds its date; its guid key, without a guid, does not.
        for key in (canonical, _occurrence_key(canonical, item)):
            if key is not None:
                titles.setdefault(key, set()).add(same_title(item.title))
    return frozenset(key for key, found in titles.items() if len(found) > 1)


def same_title(title: str) -> str:
    """A title as entries are told apart by: case and spacing are not an edit."""
    return " ".join(title.casefold().split())


def title_keyed(canonical: str, title: str) -> str:
    """The guid key of a guid-less entry whose URL other entries share: URL and title, so
    the same entry repeated stays one (its title changed is another entry, as it cannot
    be told from one)."""
    return f"{canonical}#title={same_title(title)}"


def page_of(key: str | None) -> str | None:
    """The page a layer-2 key names: an event's key without its date or series mark.

    A canonical URL holds no ``#`` of its own (its fragment is dropped, a ``#`` in its
    path or query escaped), so the first one begins the mark ``_occurrence_key`` added.
    """
    return None if key is None else key.partition("#")[0]


def _occurrence_key(canonical: str | None, item: ParsedItem) -> str | None:
    """An event's page URL names the event, not one occurrence of it.

    A weekly journal club links every occurrence to the same page, so for
    events the layer-2 key is the URL plus the start date: one congress from
    a calendar and from a society's RSS still merge, occurrences do not. A
    recurring series (one item) keys on its page and rule, which stay put
    while its next occurrence moves on.
    """
    if canonical is None or item.event is None:
        return canonical
    if item.event.rule or len(item.event.occurrences) > 1:
        return f"{canonical}#series"
    return f"{canonical}#event={item.event.start.date().isoformat()}"
