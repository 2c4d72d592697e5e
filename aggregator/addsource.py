"""``medfeed sources add URL``: find a site's feeds, show them, write the chosen one.

    found  = discover(url)                 # the page's declared feeds, else the usual paths
    show     title, kind guess, item count, URL of each
    choose   the only one, --pick N, or ask on a terminal
    write    configedit.add_source(...)    # comments and layout kept; validated first

Bad input (no feed, an unreachable site, a feed already configured, a choice
out of range) is a message and exit status 2; config.yaml is then untouched.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from rich.console import Console
from rich.markup import escape
from rich.prompt import IntPrompt
from rich.table import Table

from .config import Settings
from .configedit import NewSource, add_source, already_configured, slug_for, source_name
from .discover import FoundFeed, discover
from .errors import MedfeedError
from .output import report_error
from .records import Kind
from .refresh import fetch_limits

EXIT_OK, EXIT_USAGE = 0, 2


def sources_add(
    settings: Settings,
    url: str,
    *,
    kind: str | None,
    source_id: str | None,
    name: str | None,
    pick: int | None,
    dry_run: bool,
    console: Console,
    err: Console,
) -> int:
    try:
        url = typed_address(url)
        limits, allowed = fetch_limits(settings), settings.fulltext.allow_hosts
        found = asyncio.run(discover(url, limits, allow_hosts=allowed))
    except MedfeedError as exc:
        report_error(err, "error:", exc)
        return EXIT_USAGE
    show(found, console)
    chosen = choose(found, pick, console, err)
    if chosen is None:
        return EXIT_USAGE
    duplicate = already_configured(settings, chosen.url)
    if duplicate is not None:
        report_error(err, "error:", f"{chosen.url} is already configured as source {duplicate!r}")
        return EXIT_USAGE
    taken = {s.id for s in settings.sources}
    if source_id is not None and source_id in taken:
        report_error(err, "error:", f"source id {source_id!r} is taken")
        return EXIT_USAGE
    new = NewSource(
        id=source_id or slug_for(chosen.title, chosen.url, taken),
        name=name or source_name(chosen.title or chosen.url.split("//", 1)[-1].split("/", 1)[0]),
        url=chosen.url,
        kind=Kind(kind) if kind else chosen.kind,
    )
    if dry_run:
        console.print(f"would add source {new.id!r} ({new.kind.value}) {new.url}", highlight=False,
                      markup=False)  # fmt: skip
        return EXIT_OK
    try:
        add_source(settings.path, new)
    except MedfeedError as exc:
        report_error(err, "error:", exc)
        return EXIT_USAGE
    console.print(
        f"added source {new.id!r} ({new.kind.value}, {chosen.items} items) to {settings.path}; "
        "`medfeed run` picks it up within seconds",
        highlight=False,
        markup=False,
    )
    return EXIT_OK


# A host as typed in a browser's address bar: "www.fda.gov", "example.org:8080/feed".
# A name ending as a file does ("pubmed.html", "news.json.gz", "feed.rss.bak") is a
# file's, not a host's: none of those endings is a top-level domain.
_BARE_HOST = re.compile(
    r"(localhost|[\w-]+(\.[\w-]+)*\.(?!(xml|rss|atom|rdf|json|ics|opml|html?|txt|gz|csv|ya?ml|bak)\b)"
    r"[a-z]{2,})(:\d+)?(/\S*)?",
    re.IGNORECASE,
)


def typed_address(text: str) -> str:
    """The address as the admin typed it, made one the fetcher reads.

    A feed file's path (config.yaml takes one) becomes its ``file://`` URL, and a bare
    host ("www.fda.gov", as a browser's address bar takes it) ``https://`` + it: both
    were refused with "unsupported URL scheme ''". Anything else without a scheme is
    an error that says what is wanted.
    """
    if "://" in text or urlsplit(text).scheme in ("http", "https", "file"):
        return text
    path = Path(text).expanduser()
    if _is_file(path):
        return path.resolve().as_uri()
    if looks_like_host(text):
        return f"https://{text}"
    raise MedfeedError(
        f"{text!r} is neither a web address (https://…) nor a file: give a site's or a "
        "feed's address, or the path of a feed file"
    )


def looks_like_host(text: str) -> bool:
    """True for a host as typed in an address bar, with or without a path."""
    return _BARE_HOST.fullmatch(text) is not None


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False where the system cannot look (a name too long, a folder
    not to be read): ``is_file`` raises those, and a traceback stood where exit status 2
    and the message were due."""
    try:
        return path.is_file()
    except OSError:
        return False


def show(found: Sequence[FoundFeed], console: Console) -> None:
    table = Table(title="feeds found", title_justify="left")
    for column in ("#", "title", "kind (guess)", "items", "url"):
        # An address cut short ("…/fee…") left the admin choosing by number alone.
        table.add_column(column, justify="right" if column in ("#", "items") else "left",
                         overflow="fold" if column == "url" else "ellipsis")  # fmt: skip
    for n, feed in enumerate(found, start=1):
        table.add_row(str(n), escape(feed.title or "(untitled)"), feed.kind.value, str(feed.items),
                      escape(feed.url))  # fmt: skip
    console.print(table)


def choose(
    found: Sequence[FoundFeed], pick: int | None, console: Console, err: Console
) -> FoundFeed | None:
    """The feed to add: ``--pick N``, the only one found, or the admin's answer on a terminal."""
    if pick is not None:
        if 1 <= pick <= len(found):
            return found[pick - 1]
        report_error(err, "error:", f"--pick {pick}: choose 1 to {len(found)}")
        return None
    if len(found) == 1:
        return found[0]
    if console.is_terminal and sys.stdin.isatty():
        choices = [str(n) for n in range(1, len(found) + 1)]
        try:
            return found[IntPrompt.ask("add which feed?", choices=choices, default=1) - 1]
        except (EOFError, KeyboardInterrupt):  # Ctrl-D / Ctrl-C at the prompt: a no
            report_error(err, "cancelled:", "no feed added")
            return None
    report_error(err, "error:", f"{len(found)} feeds found; choose one with --pick N")
    return None
