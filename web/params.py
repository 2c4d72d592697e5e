"""Query-string parsing for lists: the one place that says which parameters are valid.

Pages, API and feeds accept the same filters (``kind``, ``source``, ``tag``,
``specialty``, ``q`` with ``sort``, ``before``, ``limit``, ``stories``, ``when``);
conferences on the page and in the API are a calendar (``when=upcoming`` unless
``past`` or ``announced`` is asked for), the feeds stay in publication order; a bad
value raises ``BadParameter``, which ``web.errors`` turns into a 400. It reads
arguments and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from aggregator.identity import MAX_URL
from aggregator.records import Kind
from aggregator.searchquery import SearchSyntaxError, parse_search, pasted_address
from aggregator.store.reads import MAX_LIMIT, ItemFilter, decode_cursor
from aggregator.tagging import slug

DEFAULT_LIMIT = 20
MAX_QUERY = 200  # characters of a search of words
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_KINDS = ", ".join(kind.value for kind in Kind)
# when=: "upcoming" / "past" read the calendar; "announced" the stream (publication order)
WHEN = ("upcoming", "past", "announced")
_SORTS = frozenset({"relevance", "date"})


def link_args(*dropped: str) -> dict[str, str]:
    """The request's query arguments that can be given back to ``url_for`` to link to the
    same list (less ``dropped``): an argument named as one of ``url_for``'s own
    (``endpoint``, ``_external``, ``_scheme`` …) or as the route's would make it fail or
    change the link, so it goes, as any argument the lists do not read does."""
    from flask import request  # only when there is a request (this module parses values)

    route = request.view_args or {}
    return {
        key: value
        for key, value in request.args.items()
        if key not in dropped and key != "endpoint" and not key.startswith("_") and key not in route
    }


def feed_filters() -> dict[str, str]:
    """The filters of the request's list as they were read, not as they were typed: what a
    feed of the same list carries over (``web.feeds``), and so its identity. Not its page
    or length; an empty or unknown argument, a case or an order of arguments, a tracking
    tag: none of them makes it another feed."""
    from flask import request

    route = request.view_args or {}
    wanted = feed_wanted()
    read = {
        "kind": wanted.kind.value if wanted.kind else None,
        "source": wanted.source,
        "tag": wanted.tag,
        "specialty": wanted.specialty,
        "q": wanted.q,
        "sort": wanted.sort if wanted.q and wanted.sort != "relevance" else None,
        "when": wanted.when,
        "stories": None if wanted.stories else "0",
    }
    return {name: value for name, value in read.items() if value and name not in route}


def feed_wanted() -> ItemFilter:
    """The request's list filters as a feed of it reads them: a specialty's page
    (``/specialties/<slug>?kind=news``) names its specialty in the path, and its feed
    links dropped it, pointing at every specialty's news."""
    from flask import request

    wanted = list_query(request.args, calendar=False).wanted
    if request.endpoint == "pages.specialty" and request.view_args:
        return replace(wanted, specialty=request.view_args["slug"])
    return wanted


class BadParameter(ValueError):
    """A query parameter the client must fix: the message says which and why."""


@dataclass(frozen=True)
class ListQuery:
    wanted: ItemFilter
    before: str | None
    limit: int

    def store_args(self) -> dict[str, Any]:
        """Keyword arguments of ``Store.list_items`` for this query."""
        w = self.wanted
        return {"kind": w.kind, "source": w.source, "tag": w.tag, "q": w.q, "when": w.when,
                "stories": w.stories, "before": self.before, "limit": self.limit,
                "sort": w.sort, "specialty": w.specialty}  # fmt: skip

    @property
    def filtered(self) -> bool:
        """True when the reader narrowed the stream (the page then leads with the stream)."""
        w = self.wanted
        return bool(w.kind or w.source or w.tag or w.q or w.when or w.specialty or not w.stories)


def list_query(
    args: Mapping[str, str], *, default_limit: int = DEFAULT_LIMIT, calendar: bool = True
) -> ListQuery:
    """Validate list parameters; unknown parameters are ignored, as browsers add their own.

    ``calendar``: conferences default to the upcoming calendar (pages, API);
    the feeds pass False and keep publication order unless ``when`` says otherwise.
    """
    kind = _kind(args.get("kind"))
    wanted = ItemFilter(
        kind=kind,
        source=_text(args, "source", 64),
        tag=_label(args, "tag"),
        q=_search(args),
        stories=_flag(args.get("stories"), default=True),
        when=_when(
            args.get("when"), default="upcoming" if calendar and kind is Kind.CONFERENCE else None
        ),
        sort=_sort(args.get("sort")),
        specialty=_specialty(args),
    )
    return ListQuery(wanted, _cursor(args.get("before")), _limit(args.get("limit"), default_limit))


def _when(value: str | None, *, default: str | None) -> str | None:
    if not value:
        return default
    lowered = value.strip().lower()
    if lowered not in WHEN:
        raise BadParameter(f"when must be one of {', '.join(WHEN)}, not {value!r}")
    return None if lowered == "announced" else lowered


def _kind(value: str | None) -> Kind | None:
    if not value:
        return None
    try:
        return Kind(value.strip().lower())
    except ValueError:
        raise BadParameter(f"kind must be one of {_KINDS}, not {value!r}") from None


def _text(args: Mapping[str, str], name: str, longest: int) -> str | None:
    value = (args.get(name) or "").strip()
    if len(value) > longest:
        raise BadParameter(f"{name} is longer than {longest} characters")
    return value or None


def _label(args: Mapping[str, str], name: str) -> str | None:
    """A tag or a specialty as it is stored (``tagging.slug``): a category as its source
    spells it ("COVID-19", "Cardiology") finds the items tagged with it. A name in
    another script, which has no slug, is kept as written, as the vocabulary keeps it."""
    value = _text(args, name, 64)
    return None if value is None else slug(value) or value


def _specialty(args: Mapping[str, str]) -> str | None:
    """A specialty, read as the tag it is stored as. One an edit removed lists what still
    carries its tag (nothing, once the re-tag is done), never an error: an Atom
    subscription or a bookmark to it keeps working, as ``tag=`` does."""
    return _label(args, "specialty")


def _search(args: Mapping[str, str]) -> str | None:
    """The search text, when it asks for something (see ``aggregator.searchquery``).

    One web address may be as long as a stored one: a link pasted with its tracking
    tags is often longer than any query of words.
    """
    text = _text(args, "q", MAX_URL)
    if text is None:
        return None
    if len(text) > MAX_QUERY and pasted_address(text) is None:
        raise BadParameter(f"q is longer than {MAX_QUERY} characters")
    try:
        parse_search(text)
    except SearchSyntaxError as exc:
        raise BadParameter(f"q: {exc}") from None
    return text


def _sort(value: str | None) -> str:
    lowered = (value or "relevance").strip().lower()
    if lowered not in _SORTS:
        raise BadParameter(f"sort must be relevance or date, not {value!r}")
    return lowered


def _flag(value: str | None, *, default: bool) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise BadParameter(f"stories must be 1 or 0, not {value!r}")


def _limit(value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    text = value.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 6):
        raise BadParameter(
            f"limit must be a whole number from 1 to {MAX_LIMIT}, not {value[:20]!r}"
        )
    limit = int(text)
    if not 1 <= limit <= MAX_LIMIT:
        raise BadParameter(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    return limit


def _cursor(value: str | None) -> str | None:
    if not value:
        return None
    try:
        decode_cursor(value)
    except ValueError:
        raise BadParameter("before is not a cursor this site handed out") from None
    return value


def positive_id(value: str) -> int | None:
    """An item id from a path or query, or None when it cannot be one."""
    return int(value) if value.isdigit() and len(value) < 19 else None
