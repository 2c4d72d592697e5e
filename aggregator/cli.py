"""The ``medfeed`` command: parse arguments, load config, call one stage, print, exit.

Exit codes follow DESIGN.md: 0 all ok, 1 some source failed, 2 configuration or
usage error. A source's failure is a row in the table, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .config import Settings, config_path, load_settings
from .errors import ConfigError, MedfeedError, OpmlError
from .records import Kind, SourceOutcome, StoredSource
from .refresh import Refresher
from .store import Store

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


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
    for name, text in (
        ("serve", "the web site only"),
        ("run", "scheduler + web site: the main job"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--host", default="127.0.0.1")
        command.add_argument("--port", type=int, default=8000)
        command.add_argument("--workers", type=int, default=None, help="web worker processes")
    sources = commands.add_parser("sources", help="table of sources with their health")
    source_commands = sources.add_subparsers(dest="sources_command", metavar="ACTION")
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
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply schema migrations")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Migrations log every step at INFO; the admin wants to hear only of trouble.
    logging.getLogger("alembic").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    console = Console()
    err = Console(stderr=True)
    try:
        settings = load_settings(config_path(args.config))
    except ConfigError as exc:
        err.print(f"[bold red]config error:[/] {exc}", highlight=False, markup=True)
        return EXIT_USAGE
    try:
        return _dispatch(args, settings, console, err)
    except MedfeedError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        return EXIT_FAILED


def _dispatch(args: argparse.Namespace, settings: Settings, console: Console, err: Console) -> int:
    if args.command == "check-config":
        return check_config(settings, console)
    if args.command == "serve":
        from .serve import serve

        return serve(settings, host=args.host, port=args.port, workers=args.workers)
    if args.command == "run":
        from .schedule import run_service

        return run_service(settings, host=args.host, port=args.port, workers=args.workers)
    if args.command == "sources" and args.sources_command == "import":
        return import_sources(settings, args.file, args.kind, console, err)
    store = Store(settings.database)
    try:
        if args.command == "refresh":
            return refresh(settings, store, args.source, args.all, console, err)
        if args.command == "sources":
            store.sync_sources(settings)
            print_sources(store.sources(include_retired=True), console)
            return EXIT_OK
        if args.command == "search":
            count = store.reindex_search()
            console.print(f"search index rebuilt: {count} items", highlight=False)
            return EXIT_OK
        console.print(f"database {store.display_url} is at the newest schema")
        return EXIT_OK
    finally:
        store.close()


def check_config(settings: Settings, console: Console) -> int:
    kinds: dict[str, int] = {}
    for source in settings.sources:
        kinds[source.kind.value] = kinds.get(source.kind.value, 0) + 1
    enabled = sum(1 for s in settings.sources if s.enabled)
    console.print(f"{settings.path}: ok", highlight=False)
    console.print(f"  database:    {settings.database}", highlight=False)
    console.print(
        f"  sources:     {len(settings.sources)} ({enabled} enabled): "
        + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())),
        highlight=False,
    )
    schedule = settings.schedule
    when = f"cron {schedule.cron!r}" if schedule.cron else f"every {schedule.default_interval}"
    console.print(f"  schedule:    {when} by default", highlight=False)
    specialties = len(settings.specialties) if settings.specialties is not None else "default"
    console.print(f"  specialties: {specialties}", highlight=False)
    return EXIT_OK


def import_sources(
    settings: Settings, file: str, kind: str | None, console: Console, err: Console
) -> int:
    """``sources import FILE.opml``: add the file's feeds to the config, say what happened."""
    from .opml import import_opml  # ruamel.yaml and listparser: only this command needs them

    try:
        plan = import_opml(settings.path, Path(file), Kind(kind) if kind else None)
    except (OpmlError, ConfigError) as exc:
        err.print(f"[bold red]import failed, nothing added:[/] {exc}", highlight=False)
        return EXIT_USAGE
    for new in plan.added:
        console.print(
            f"added {new.id} ({new.kind.value}): {new.url}", highlight=False, soft_wrap=True
        )
    for skipped in plan.skipped:
        console.print(f"skipped {skipped.url}: {skipped.reason}", highlight=False, soft_wrap=True)
    console.print(
        f"{len(plan.added)} added, {len(plan.skipped)} skipped; {settings.path} updated"
        if plan.added
        else f"nothing added; {settings.path} unchanged",
        highlight=False,
    )
    return EXIT_OK


def refresh(
    settings: Settings,
    store: Store,
    requested: Sequence[str],
    every: bool,
    console: Console,
    err: Console,
) -> int:
    unknown = [s for s in requested if settings.source(s) is None]
    if unknown:
        err.print(f"[bold red]unknown source id:[/] {', '.join(unknown)}", highlight=False)
        return EXIT_USAGE
    store.sync_sources(settings)
    due_only = not (every or requested)
    ids = list(requested) or (None if due_only else [s.id for s in store.sources() if s.enabled])
    total = len(ids) if ids is not None else store.due_count()
    if console.is_terminal and total:
        with Progress(
            TextColumn("refreshing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True,
        ) as progress:  # fmt: skip
            task = progress.add_task("refresh", total=total)
            refresher = Refresher(settings, store, on_outcome=lambda _o: progress.advance(task))
            outcomes = refresher.refresh(source_ids=ids, due_only=due_only)
    else:
        outcomes = Refresher(settings, store).refresh(source_ids=ids, due_only=due_only)
    refreshed = {o.source_id for o in outcomes}
    outcomes += [
        SourceOutcome(s, "skipped", error="another process is fetching it")
        for s in requested
        if s not in refreshed
    ]
    if not outcomes:
        console.print("no source is due; use --all to refresh every source now")
        return EXIT_OK
    print_outcomes(outcomes, console)
    return EXIT_FAILED if any(o.status == "failed" for o in outcomes) else EXIT_OK


def print_outcomes(outcomes: Sequence[SourceOutcome], console: Console) -> None:
    table = Table(title="refresh", title_justify="left")
    for column in ("source", "status", "new", "updated", "unchanged", "error"):
        table.add_column(
            column, justify="right" if column in ("new", "updated", "unchanged") else "left"
        )
    for o in sorted(outcomes, key=lambda o: o.source_id):
        style = {"failed": "red", "skipped": "yellow"}.get(o.status, "")
        note = o.error or ("; ".join(o.warnings)[:200] if o.warnings else "")
        table.add_row(o.source_id, o.status, str(o.new), str(o.updated), str(o.unchanged), note,
                      style=style)  # fmt: skip
    totals = {k: sum(getattr(o, k) for o in outcomes) for k in ("new", "updated", "unchanged")}
    failed = sum(1 for o in outcomes if o.status == "failed")
    console.print(table)
    console.print(
        f"{len(outcomes)} sources: {totals['new']} new, {totals['updated']} updated, "
        f"{totals['unchanged']} unchanged, {failed} failed",
        highlight=False,
    )


def print_sources(sources: Sequence[StoredSource], console: Console) -> None:
    table = Table(title="sources", title_justify="left")
    for column in (
        "id",
        "kind",
        "state",
        "last fetch",
        "status",
        "fails",
        "next fetch",
        "items",
        "error",
    ):
        table.add_column(column)
    for s in sources:
        table.add_row(
            s.id,
            s.kind.value,
            source_state(s),
            _when(s.last_fetch_at),
            s.last_status or "never fetched",
            str(s.consecutive_failures),
            _when(s.next_fetch_at),
            str(s.item_count),
            (s.last_error or "")[:120],
        )
    console.print(table)


def source_state(source: StoredSource) -> str:
    """One word for the admin: why this source is or is not being fetched."""
    if not source.in_config:
        return "removed"
    if source.disabled_reason:
        return f"disabled ({source.disabled_reason})"
    if not source.enabled:
        return "disabled"
    if source.consecutive_failures:
        return "backing off"
    return "active"


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


if __name__ == "__main__":
    sys.exit(main())
