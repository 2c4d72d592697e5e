"""The ``medfeed`` command: parse arguments, load config, call one stage, print, exit.

Exit codes follow DESIGN.md: 0 all ok, 1 some source failed, 2 configuration or
usage error. A source's failure is a row in the table, never a traceback.

Only what argparse needs is imported at the top: each command imports its own
stages (the config's pydantic, the store's SQLAlchemy, the refresh's httpx)
once its arguments are read, and rich once something is printed through it
(``ConsoleOnDemand``), so ``--help`` and usage errors answer at once, and a
parse-pool worker (which imports the command's ``__main__``, and so this
module, on start) holds none of them.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from . import __version__, logs
from .errors import (
    ConfigError,
    CorrectionRefused,
    FetchError,
    MedfeedError,
    OpmlError,
    StorageError,
    UnknownItem,
)
from .localfiles import file_path
from .output import (
    FORMATS,
    ConsoleOnDemand,
    Format,
    choose_format,
    iso,
    print_dropped_corrections,
    print_outcomes,
    print_sources,
    report_error,
)
from .records import Kind, SourceOutcome, StoredSource

if TYPE_CHECKING:
    from rich.console import Console

    from .config import Settings
    from .store import Store
    from .store.folds import Joined

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 128 + 2  # SIGINT, as shells report it
EXIT_READER_GONE = 128 + 13  # SIGPIPE: ``medfeed sources | head`` once head has exited


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medfeed", description="Self-hosted medical news-feed aggregator."
    )
    parser.add_argument("--config", help="config file (default: $MEDFEED_CONFIG or ./config.yaml)")
    parser.add_argument("--version", action="version", version=f"medfeed {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("check-config", help="validate the config file and print a summary")
    refresh = commands.add_parser("refresh", help="one pass over due sources")
    refresh.add_argument("--source", action="append", default=[], metavar="ID",
                         help="refresh this source now (repeatable)")  # fmt: skip
    refresh.add_argument("--all", action="store_true", help="every enabled source, due or not")
    _format_option(refresh)
    for name, text in (
        ("serve", "the web site only"),
        ("run", "scheduler + web site: the main job"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("--host", default="127.0.0.1",
                             help="address to listen on (default: 127.0.0.1)")  # fmt: skip
        command.add_argument("--port", type=_positive(int, most=65_535), default=8000,
                             help="port to listen on (default: 8000)")  # fmt: skip
        command.add_argument("--workers", type=_positive(int, most=256), default=None,
                             help="web processes (default: 2 per core + 1, at most 8)")  # fmt: skip
        command.add_argument("--access-log", action="store_true",
                             help="log every request (common log format) to stdout")  # fmt: skip
    sources = commands.add_parser(
        "sources",
        help="table of sources with their health",
        description="Without an ACTION: each source's state, last fetch, status, failures, "
        "next fetch, items and error. To disable a source, set enabled: false in the config "
        "file.",
    )
    _format_option(sources)
    source_commands = sources.add_subparsers(dest="sources_command", metavar="[ACTION]")
    add = source_commands.add_parser("add", help="find a site's feeds and add one to the config")
    add.add_argument("url", help="the site (or feed) address")
    add.add_argument("--kind", choices=[k.value for k in Kind], help="instead of the guess")
    add.add_argument("--id", dest="source_id", help="source id (default: from the feed title)")
    add.add_argument("--name", help="display name (default: the feed title)")
    add.add_argument("--pick", type=int, help="add the Nth feed found (when there are several)")
    add.add_argument("--dry-run", action="store_true", help="show what would be added")
    remove = source_commands.add_parser(
        "remove",
        help="take a source out of the config; its items are no longer listed",
        description="Remove a source's entry from the config file (comments and layout "
        "kept). Its items leave every list, feed, search and the API, and stay in the "
        "database until retention purges them: adding the source again brings them back. "
        "To pause a source and keep its items listed, set enabled: false instead.",
    )
    remove.add_argument("source", help="the source's id, or its feed URL")
    importer = source_commands.add_parser("import", help="add the feeds of an OPML file")
    importer.add_argument("file", help="an OPML file (e.g. exported by another reader)")
    importer.add_argument(
        "--kind",
        choices=[kind.value for kind in Kind],
        help="the kind of every imported feed (default: from its folder or category)",
    )
    search = commands.add_parser("search", help="full-text search index")
    search_commands = search.add_subparsers(dest="search_command", required=True, metavar="ACTION")
    search_commands.add_parser("reindex", help="rebuild the index from the stored items")
    stories = commands.add_parser(
        "stories", help="why items are, or are not, one story; an editor's corrections"
    )
    story_commands = stories.add_subparsers(dest="stories_command", required=True, metavar="ACTION")
    show = story_commands.add_parser(
        "show", help="the story an item is in, each member against its leader"
    )
    show.add_argument("item", type=ITEM_ID, metavar="ID", help="an item id (as in /items/ID)")
    why = story_commands.add_parser("why", help="the matcher's decision on two items, step by step")
    why.add_argument("items", type=ITEM_ID, nargs=2, metavar="ID", help="two item ids")
    join = story_commands.add_parser(
        "join", help="make two items one story (an editor's correction, kept across refreshes)"
    )
    join.add_argument("items", type=ITEM_ID, nargs=2, metavar="ID", help="two item ids")
    split = story_commands.add_parser("split", help="take an item out of its story and keep it out")
    split.add_argument("item", type=ITEM_ID, metavar="ID", help="an item id")
    forget = story_commands.add_parser(
        "forget", help="drop corrections: of the pair, or every one naming the item"
    )
    forget.add_argument("items", type=ITEM_ID, nargs="+", metavar="ID", help="one or two item ids")
    listed = story_commands.add_parser("corrections", help="every editor's correction")
    recent = story_commands.add_parser(
        "list", help="the latest stories of two or more items, to review what was joined"
    )
    recent.add_argument("--hours", type=_positive(float, most=24 * 366 * 100), default=48,
                        help="with an item published this recently (default: 48)")  # fmt: skip
    recent.add_argument("--limit", type=_positive(int, most=10_000), default=20,
                        help="at most this many stories (default: 20)")  # fmt: skip
    recent.add_argument("--doubtful", action="store_true",
                        help="the least certain joins first, each item with how many times "
                        "its bar it clears (to find wrong merges soonest)")  # fmt: skip
    for command in (show, why, join, split, forget, listed, recent):
        command.add_argument("--json", action="store_true", help="one JSON document, for scripts")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply schema migrations")
    db_commands.add_parser(
        "fold",
        help="join the items stored twice under one DOI, PMID, PMCID or video id "
        "(once, after upgrading a database older than such joins: see README)",
    )
    return parser


def _positive(kind: Callable[[str], float], *, most: float) -> Callable[[str], float]:
    """An argument type: a number above zero and at most ``most`` (argparse says which
    argument is wrong)."""

    def parse(text: str) -> float:
        value = kind(text)
        if not 0 < value <= most:
            raise argparse.ArgumentTypeError(f"must be above 0 and at most {most:,}, not {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its message
    return parse


# An item id as the database holds it (a 32-bit integer on PostgreSQL): a larger one made
# the query fail with a traceback instead of "unknown item".
ITEM_ID = _positive(int, most=2**31 - 1)


def _format_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--format", choices=FORMATS, default=None,
        help="output format (default: table on a terminal, tsv otherwise)",
    )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """The command; Ctrl-C ends it quietly (exit 130), as a shell expects, never a traceback,
    and so does a pipe whose reader has gone (exit 141), as ``head`` leaves it."""
    # The process ends with the command, so its objects need no collecting: without
    # this the interpreter's final collections walk everything SQLAlchemy, pydantic
    # and httpx built, ~0.2 s of CPU per command (a fifth of a pass of 100 304s).
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _drop_standard_output()
        return EXIT_READER_GONE


def _drop_standard_output() -> None:
    """Point standard output at /dev/null: the interpreter flushes it at exit, and what is
    still buffered for the reader that has gone would raise BrokenPipeError once more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _main(argv: Sequence[str] | None) -> int:
    started = datetime.now(UTC)  # before the imports: processes started together agree closely
    args = build_parser().parse_args(argv)
    args.started = started
    logs.configure(verbose=args.verbose)
    from .config import config_path, load_settings  # pydantic: every command reads the config

    # rich only once something is printed through it: a refresh piped to a log never is
    console = cast("Console", ConsoleOnDemand())
    err = cast("Console", ConsoleOnDemand(stderr=True))
    try:
        settings = load_settings(config_path(args.config))
    except ConfigError as exc:
        report_error(err, "config error:", exc)
        return EXIT_USAGE
    try:
        return _dispatch(args, settings, console, err)
    except MedfeedError as exc:
        report_error(err, "error:", exc)
        return EXIT_FAILED


def _dispatch(args: argparse.Namespace, settings: Settings, console: Console, err: Console) -> int:
    if args.command == "check-config":
        return check_config(settings, console, err)
    if args.command == "serve":
        from .serve import serve

        return serve(settings, host=args.host, port=args.port, workers=args.workers,
                     access_log=args.access_log)  # fmt: skip
    if args.command == "run":
        from .schedule import run_service

        return run_service(settings, host=args.host, port=args.port, workers=args.workers,
                           access_log=args.access_log)  # fmt: skip
    if args.command == "sources" and args.sources_command == "add":
        from .addsource import sources_add

        return sources_add(settings, args.url, kind=args.kind, source_id=args.source_id,
                           name=args.name, pick=args.pick, dry_run=args.dry_run,
                           console=console, err=err)  # fmt: skip
    if args.command == "sources" and args.sources_command == "remove":
        from .removesource import sources_remove

        return sources_remove(settings, args.source, console, err)
    if args.command == "sources" and args.sources_command == "import":
        return import_sources(settings, args.file, args.kind, console, err)
    from .store import Store  # SQLAlchemy: the commands from here on open the database

    store = Store(settings.database)
    try:
        if args.command == "refresh":
            form = choose_format(args.format, console)
            every, since = args.all, args.started
            return refresh(settings, store, args.source, every, since, form, console, err)
        if args.command == "sources":
            store.sync_sources(settings.configured_sources())
            form = choose_format(args.format, console)
            print_sources(store.sources(include_retired=True), form, console)
            return EXIT_OK
        if args.command == "stories":
            return stories(settings, store, args, console, err)
        if args.command == "db" and args.db_command == "fold":
            return fold_items(settings, store, console)
        if args.command == "search":
            count = store.reindex_search()
            console.print(f"search index rebuilt: {count} items", highlight=False)
            return EXIT_OK
        console.print(f"database {store.display_url} is at the newest schema", markup=False)
        return EXIT_OK
    finally:
        store.close()


def check_config(settings: Settings, console: Console, err: Console) -> int:
    """A summary of a valid file; a database the command could not open is an error here too."""
    from .config import duration_text
    from .store.database import check_location  # SQLAlchemy's URL parser and drivers

    try:
        check_location(settings.database)
    except StorageError as exc:
        report_error(err, "config error:", f"{settings.path}, field database: {exc}")
        return EXIT_USAGE
    kinds: dict[str, int] = {}
    for source in settings.sources:
        kinds[source.kind.value] = kinds.get(source.kind.value, 0) + 1
    enabled = sum(1 for s in settings.sources if s.enabled)
    console.print(f"{settings.path}: ok", highlight=False, markup=False)
    console.print(f"  database:    {settings.database}", highlight=False, markup=False)
    console.print(
        f"  sources:     {len(settings.sources)} ({enabled} enabled): "
        + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())),
        highlight=False,
    )
    schedule = settings.schedule
    every = duration_text(schedule.default_interval)
    when = f"cron {schedule.cron!r}" if schedule.cron else f"every {every}"
    console.print(f"  schedule:    {when} by default", highlight=False)
    specialties = len(settings.specialties) if settings.specialties is not None else "default"
    console.print(f"  specialties: {specialties}", highlight=False, markup=False)
    for source_id, problem in unreadable_local_files(settings):
        report_error(err, "warning:", f"source {source_id!r}: {problem}: its refresh will fail")
    return EXIT_OK


def unreadable_local_files(settings: Settings) -> Iterator[tuple[str, str]]:
    """The enabled local sources whose file is not there (a typo in a path, a folder not
    yet synced): the file is valid, so check-config said "ok" and the refresh failed.
    A warning, not an error: a file may be written after the config."""
    for source in settings.sources:
        if not source.enabled or urlsplit(source.url).scheme != "file":
            continue
        try:
            path = file_path(source.id, source.url)
        except FetchError as exc:
            yield source.id, exc.reason
            continue
        if not path.is_file():
            yield source.id, f"no file at {path}{_web_address_hint(settings, path)}"


def _web_address_hint(settings: Settings, path: Path) -> str:
    """What to write for a web address typed without ``https://`` ("www.fda.gov/rss.xml"):
    config.yaml reads it as a path beside the file, and the warning named only a file."""
    from .addsource import looks_like_host

    try:
        typed = path.relative_to(settings.path.resolve().parent).as_posix()
    except ValueError:
        return ""
    return f" (a web address? write https://{typed})" if looks_like_host(typed) else ""


def stories(
    settings: Settings, store: Store, args: argparse.Namespace, console: Console, err: Console
) -> int:
    """``stories show|why``: an admin's view of story decisions; ``join|split|forget``:
    an editor's corrections of them, each followed by the story that results."""
    from .output import (
        print_corrections,
        print_doubtful,
        print_pair,
        print_stories,
        print_story,
        print_story_now,
    )
    from .storyedit import StoryEditor
    from .storyreport import Explainer  # the matcher: only this command explains it

    dedupe = settings.dedupe
    explainer = Explainer(store, window=dedupe.window, threshold=dedupe.threshold)
    editor = StoryEditor(store, window=dedupe.window, threshold=dedupe.threshold)
    command = args.stories_command
    if command == "forget" and len(args.items) > 2:
        err.print("[bold red]forget takes one or two item ids[/]", highlight=False)
        return EXIT_USAGE
    try:
        if command in ("show", "split"):
            (args.item,) = _following_merges(store, [args.item], err)
        elif command in ("why", "join", "forget"):
            followed = _following_merges(store, args.items, err)
            if len(set(followed)) < len(set(args.items)):
                named = " and ".join(map(str, args.items))
                report_error(err, "one item:", f"items {named} are item {followed[0]} now")
                return EXIT_USAGE
            args.items = followed
        if command == "show":
            print_story(explainer.story(args.item), args.json, console)
        elif command == "why":
            print_pair(explainer.pair(*args.items), args.json, console)
        elif command == "join":
            editor.join(*args.items)
            print_story_now(editor.story_now(args.items[0]), args.json, console)
        elif command == "split":
            editor.split(args.item)
            print_story_now(editor.story_now(args.item), args.json, console)
        elif command == "forget":
            print_corrections(editor.forget(*args.items), args.json, console, dropped=True)
        elif command == "list":
            since = args.started - timedelta(hours=args.hours)
            if args.doubtful:
                print_doubtful(explainer.doubtful(since, args.limit), args.json, console)
            else:
                print_stories(explainer.recent(since, args.limit), args.json, console)
        else:
            print_corrections(editor.corrections(), args.json, console)
    except UnknownItem as exc:
        report_error(err, "unknown item:", exc)
        return EXIT_USAGE
    except CorrectionRefused as exc:
        report_error(err, "not corrected:", exc)
        return EXIT_USAGE
    return EXIT_OK


def _following_merges(store: Store, item_ids: Sequence[int], err: Console) -> list[int]:
    """Each id, or the item it was merged into (``merged_items``, through any chain of
    merges), saying so: an id is an item's public name, and one merged away names the
    item its article is part of now, as ``/items/ID`` answers with a 301."""
    followed = []
    for item_id in item_ids:
        kept = store.merged_into(item_id)
        if kept is not None:
            err.print(
                f"item {item_id} was merged into item {kept} (the same DOI, PMID or video "
                f"id): item {kept} is used instead",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        followed.append(item_id if kept is None else kept)
    return followed


def fold_items(settings: Settings, store: Store, console: Console) -> int:
    """``db fold``: join the items an identifier names twice, as a refresh joins them since
    identifiers arriving late are (``Store.fold_identified``); say what was joined and
    what stays apart, then decide the kept items' stories. A line after each transaction
    that merged some shows it is working: a large database takes minutes."""
    merged = 0

    def progress(last: int, step: Joined) -> None:
        nonlocal merged
        if step.into:
            merged += len(step.into)
            console.print(
                f"... {merged} merged away so far; items above id {last} still to read",
                highlight=False,
            )

    joined = store.fold_identified(progress=progress)
    for absorbed, kept in sorted(joined.into.items()):
        console.print(f"item {absorbed} merged into item {kept}", highlight=False)
    for first, second in joined.apart:
        console.print(
            f"items {first} and {second} left apart: one source carries both, or their "
            "DOIs, PMIDs, NCT numbers or video ids differ",
            highlight=False,
        )
    print_dropped_corrections(joined.dropped, console)
    kept_items = len(set(joined.into.values()))
    console.print(
        f"merged away: {len(joined.into)}, kept: {kept_items}, left apart: {len(joined.apart)}"
        if joined.into or joined.apart
        else "no item is stored twice under one identifier",
        highlight=False,
    )
    if joined.into:
        from .storywindow import story_window  # the matcher: only when stories changed

        dedupe = settings.dedupe
        step = story_window(store).assign_pending(window=dedupe.window, threshold=dedupe.threshold)
        store.assign_stories(step)
    return EXIT_OK


def import_sources(
    settings: Settings, file: str, kind: str | None, console: Console, err: Console
) -> int:
    """``sources import FILE.opml``: add the file's feeds to the config, say what happened."""
    from .opml import import_opml  # ruamel.yaml and listparser: only this command needs them

    try:
        plan = import_opml(settings.path, Path(file), Kind(kind) if kind else None)
    except (OpmlError, ConfigError) as exc:
        report_error(err, "import failed, nothing added:", exc)
        return EXIT_USAGE
    for new in plan.added:
        console.print(
            f"added {new.id} ({new.kind.value}): {new.url}",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    for skipped in plan.skipped:
        line = f"skipped {skipped.url}: {skipped.reason}"
        console.print(line, highlight=False, soft_wrap=True, markup=False)
    console.print(
        f"{len(plan.added)} added, {len(plan.skipped)} skipped; {settings.path} updated"
        if plan.added
        else f"nothing added; {settings.path} unchanged",
        highlight=False,
        markup=False,
    )
    return EXIT_OK


def refresh(
    settings: Settings,
    store: Store,
    requested: Sequence[str],
    every: bool,
    since: datetime,
    form: Format,
    console: Console,
    err: Console,
) -> int:
    unknown = [s for s in requested if settings.source(s) is None]
    if unknown:
        report_error(err, "unknown source id:", ", ".join(unknown))
        return EXIT_USAGE
    store.sync_sources(settings.configured_sources())
    due_only = not (every or requested)
    ids = list(requested) or (None if due_only else store.enabled_source_ids())
    total = len(ids) if ids is not None else store.due_count()
    from .metrics import only_if_shared
    from .refresh import Refresher, warm_pool  # fetch and parse: only this command runs them
    from .retagging import retag_stored
    from .tagging import specialties_from_config

    pool = warm_pool(store, ids) if ids is not None else None
    with _start_frozen(), only_if_shared(), pool or nullcontext():  # no /metrics here
        if form == "table" and total and console.is_terminal:
            from rich import progress as bar  # a bar only for a person at a terminal

            with bar.Progress(
                bar.TextColumn("refreshing"), bar.BarColumn(), bar.MofNCompleteColumn(),
                bar.TimeElapsedColumn(), console=console, transient=True,
            ) as progress:  # fmt: skip
                task = progress.add_task("refresh", total=total)
                refresher = Refresher(
                    settings, store, pool=pool, on_outcome=lambda _: progress.advance(task)
                )
                outcomes = refresher.refresh(source_ids=ids, due_only=due_only, since=since)
        else:
            refresher = Refresher(settings, store, pool=pool)
            outcomes = refresher.refresh(source_ids=ids, due_only=due_only, since=since)
        retag_stored(store, specialties_from_config(settings.specialties))  # an edited vocabulary
    refreshed = {o.source_id for o in outcomes}
    if skipped := [s for s in ids or () if s not in refreshed]:
        known = {s.id: s for s in store.sources(include_retired=True)}
        now = datetime.now(UTC)
        outcomes += [
            SourceOutcome(s, "skipped", error=skip_reason(known.get(s), now, since))
            for s in skipped
        ]
    finished = datetime.now(UTC)
    if not outcomes and form != "json":  # JSON: the same document, with no sources
        why = (
            "no source is due; use --all to refresh every source now"
            if due_only
            else "no source is enabled in the config"
        )
        # where the summary would go: the terminal, or stderr beside TSV rows
        (console if form == "table" else err).print(
            f"{iso(finished)} refresh: {why}", highlight=False, soft_wrap=True
        )
        return EXIT_OK
    print_outcomes(outcomes, finished, form, console, err)
    return EXIT_FAILED if any(o.status == "failed" for o in outcomes) else EXIT_OK


# Allocations between two youngest-generation collections during a pass (CPython's
# default: 700). See ``_start_frozen``.
PASS_GC_THRESHOLD = 10_000


@contextmanager
def _start_frozen() -> Iterator[None]:
    """Leave the objects the command built before its pass out of the pass's garbage
    collections, and collect less often during it.

    The modules, the settings and the engine outlive the pass: each full
    collection of a first pass walked them again (five, ~0.25 s of CPU over 100
    x 50 entries; ~0.1 s with them frozen). A first pass builds objects that
    outlive it too (the story index, the engine's caches) and makes little
    cyclic garbage: at the default threshold of 700 allocations the collector
    ran ~700 times over 100 x 50 entries, promoting those objects generation by
    generation and walking them again in ~60 middle and 5 full collections
    (~0.5 s of CPU); at 10,000 it runs ~30 times, ~0.25 s. Garbage made during
    the pass is collected as before, only later; afterwards the objects are
    collectable again and the thresholds are CPython's (``main`` may run more
    than once in a process: the tests).
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], PASS_GC_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def skip_reason(source: StoredSource | None, now: datetime, since: datetime) -> str:
    """Why a source asked for was not fetched, in the admin's words."""
    if source is None:
        return "not in the database"
    if not source.enabled:
        return "disabled in the config (enabled: false)"
    if source.disabled_reason:
        return f"disabled by medfeed: {source.disabled_reason}"
    if source.claimed_by and source.claimed_until and source.claimed_until >= now:
        until = source.claimed_until.strftime("%H:%M:%S UTC")
        return f"another process ({source.claimed_by}) is fetching it; its lease ends {until}"
    if source.last_fetch_at and source.last_fetch_at >= since:
        at = source.last_fetch_at.strftime("%H:%M:%S UTC")
        return f"another process fetched it during this refresh, at {at}"
    return "not fetched: the pass was stopped before reaching it"


if __name__ == "__main__":
    sys.exit(main())
