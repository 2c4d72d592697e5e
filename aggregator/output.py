"""What the ``medfeed`` command prints: refresh outcomes and source health, in three formats;
story reports (``stories show`` / ``why``) as text or JSON.

``table`` is for a person at a terminal (rich, coloured, sized to the window);
``tsv`` is for cron logs and pipes: one tab-separated line per row under a
header line, full ids, ISO 8601 UTC timestamps, never cut or wrapped; ``json``
is one document for scripts. The default is ``table`` on a terminal and ``tsv``
otherwise. It formats records it is given; it reads no database and no config.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Literal

from .records import DroppedCorrection, SourceOutcome, StoredSource, StoryCorrection

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from .storyreport import Entry, PairReport, StoryReport, Verdict

Format = Literal["table", "tsv", "json"]
FORMATS: tuple[Format, ...] = ("table", "tsv", "json")
COUNTS = ("new", "updated", "unchanged")


class ConsoleOnDemand:
    """rich's ``Console``, made the first time something is printed through it.

    TSV and JSON go to the stream itself (``_write``), and a stream that is no
    terminal is known without rich, so a refresh piped to a log never imports
    rich (~30 ms). Everything else, the answers and the bytes, is rich's own.
    """

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def rich(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return self._console

    @property
    def file(self) -> IO[str]:
        """The stream rich writes to (``Console.file``)."""
        if self._console is not None:
            return self._console.file
        stream = sys.stderr if self._stderr else sys.stdout
        stream = getattr(stream, "rich_proxied_file", stream)  # under rich's progress bar
        return stream if stream is not None else self.rich.file

    @property
    def is_terminal(self) -> bool:
        """rich's answer (``Console.is_terminal``), which is no for a stream that is no
        terminal unless TTY_COMPATIBLE or FORCE_COLOR says otherwise."""
        if self._console is None and not _may_be_terminal(self.file):
            return False
        return self.rich.is_terminal

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich, name)

    def __enter__(self) -> Console:  # rich's Live holds its console this way
        return self.rich.__enter__()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rich.__exit__(kind, error, traceback)


def _may_be_terminal(stream: IO[str]) -> bool:
    if "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ:
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return isatty is not None and bool(isatty())
    except ValueError:  # a closed stream
        return False


def report_error(err: Console, label: str, message: object) -> None:
    """``label`` in bold red, then ``message`` as it is: an error quotes outside text (a
    URL, a feed's title, a config line), which must never be read as rich markup (a
    "[/old]" in a URL made the whole command fail)."""
    from rich.text import Text  # only when an error is printed

    err.print(Text.assemble((label, "bold red"), " ", str(message)), highlight=False,
              soft_wrap=True)  # fmt: skip


def choose_format(requested: str | None, console: Console) -> Format:
    """The format asked for, else a table on a terminal and TSV anywhere else."""
    if requested in FORMATS:
        return requested
    return "table" if console.is_terminal else "tsv"


def iso(moment: datetime | None) -> str:
    """ISO 8601 in UTC to the second, with a Z: sorts as text, parses everywhere."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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


# --- refresh ------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshSummary:
    """The totals of one refresh pass, as the last line of its report says them."""

    finished: datetime
    sources: int
    new: int
    updated: int
    unchanged: int
    not_modified: int
    failed: int
    skipped: int

    @classmethod
    def of(cls, outcomes: Sequence[SourceOutcome], finished: datetime) -> RefreshSummary:
        def count(status: str) -> int:
            return sum(1 for o in outcomes if o.status == status)

        new, updated, unchanged = (sum(getattr(o, name) for o in outcomes) for name in COUNTS)
        return cls(
            finished,
            len(outcomes),
            new,
            updated,
            unchanged,
            not_modified=count("not-modified"),
            failed=count("failed"),
            skipped=count("skipped"),
        )

    def line(self) -> str:
        """The report's last line: "2026-11-30T06:00:02Z refresh: 9 sources: 3 new, …"."""
        return f"{iso(self.finished)} refresh: {self.counts()}"

    def counts(self) -> str:
        """The totals: "9 sources: 3 new, 0 updated, 1 unchanged, 5 not modified, 0 failed"."""
        parts = [f"{self.new} new", f"{self.updated} updated", f"{self.unchanged} unchanged",
                 f"{self.not_modified} not modified", f"{self.failed} failed"]  # fmt: skip
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        noun = "source" if self.sources == 1 else "sources"
        return f"{self.sources} {noun}: " + ", ".join(parts)


def print_outcomes(
    outcomes: Sequence[SourceOutcome],
    finished: datetime,
    form: Format,
    console: Console,
    err: Console,
) -> None:
    """A refresh report. In TSV the summary goes to stderr, so stdout stays pure rows."""
    ordered = sorted(outcomes, key=lambda o: o.source_id)
    summary = RefreshSummary.of(outcomes, finished)
    if form == "json":
        document = {
            "finished": iso(finished),
            "sources": [_outcome_json(o) for o in ordered],
            "totals": {k: v for k, v in vars(summary).items() if k != "finished"},
        }
        _write(console, json.dumps(document, indent=2))
        return
    if form == "tsv":
        rows = [[iso(finished), o.source_id, o.status, *_counts(o), _note(o)] for o in ordered]
        _tsv(console, ["finished", "source", "status", *COUNTS, "error"], rows)
        _write(err, summary.line())
        return
    if ordered:
        console.print(_outcome_table(ordered, finished))
    console.print(summary.line(), highlight=False)


def _outcome_table(outcomes: Sequence[SourceOutcome], finished: datetime) -> Table:
    from rich.markup import escape  # only when a table is drawn (not for TSV, JSON, --help)
    from rich.table import Table

    table = Table(title=f"refresh {iso(finished)}", title_justify="left")
    table.add_column("source", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for name in COUNTS:
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("error", overflow="fold", ratio=1)
    for o in outcomes:
        style = {"failed": "red", "skipped": "yellow"}.get(o.status, "")
        table.add_row(o.source_id, o.status, *_counts(o), escape(_note(o)), style=style)
    return table


def _counts(outcome: SourceOutcome) -> list[str]:
    return [str(getattr(outcome, name)) for name in COUNTS]


def _note(outcome: SourceOutcome) -> str:
    return outcome.error or ("; ".join(outcome.warnings)[:200] if outcome.warnings else "")


def _outcome_json(outcome: SourceOutcome) -> dict[str, Any]:
    return {"source": outcome.source_id, "status": outcome.status,
            **{name: getattr(outcome, name) for name in COUNTS},
            "error": outcome.error, "warnings": list(outcome.warnings)}  # fmt: skip


# --- sources ------------------------------------------------------------------

SOURCE_COLUMNS = ("id", "kind", "state", "last fetch", "status", "fails", "next fetch", "items",
                  "error")  # fmt: skip


def print_sources(sources: Sequence[StoredSource], form: Format, console: Console) -> None:
    """Each source's health; its last fetch as the site says it (``as_reported``)."""
    sources = [source.as_reported() for source in sources]
    if form == "json":
        _write(console, json.dumps([_source_json(s) for s in sources], indent=2))
        return
    if form == "tsv":
        header = [column.replace(" ", "_") for column in SOURCE_COLUMNS]
        _tsv(console, header, [_source_row(s, iso) for s in sources])
        return
    from rich.markup import escape  # only when a table is drawn (not for TSV, JSON, --help)

    rows = [_source_row(s, _short_time)[:-1] for s in sources]
    if _table_width(SOURCE_COLUMNS[:-1], rows) <= console.width:
        console.print(_sources_table(sources))
    else:  # a narrow terminal: folded cells read "arti/cle", so one source a line pair
        _print_source_lines(sources, console)
    for s in sources:
        if s.last_error:  # below the table, whole: an error squeezed into a column is unreadable
            console.print(f"[bold]{s.id}[/]: {escape(s.last_error)}", highlight=False)
        if s.last_warning:
            console.print(f"[bold]{s.id}[/]: note: {escape(s.last_warning)}", highlight=False)
        if s.permanent_redirect:  # the admin's to put into config.yaml
            console.print(
                f"[bold]{s.id}[/]: moved permanently to {escape(s.permanent_redirect)}",
                highlight=False,
            )


def _table_width(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    """The width a table needs to show every cell unfolded (SIMPLE_HEAD: 3 per column)."""
    return sum(
        max(len(column), *(len(row[n]) for row in rows)) + 3 for n, column in enumerate(columns)
    )


def _print_source_lines(sources: Sequence[StoredSource], console: Console) -> None:
    """Each source on two lines, for a terminal too narrow for the table."""
    from rich.markup import escape

    console.print("sources (times UTC)", style="italic", highlight=False)
    for s in sources:
        fails = f"{s.consecutive_failures} fail{'s' if s.consecutive_failures != 1 else ''}"
        state = f"{s.kind.value} · {source_state(s)} · {s.last_status or 'never fetched'}"
        items = f"{s.item_count} item{'s' if s.item_count != 1 else ''}"
        times = (f"{fails} · {items} · last fetch {_short_time(s.last_fetch_at)}"
                 f" · next {_short_time(s.next_fetch_at)}")  # fmt: skip
        style = "red" if s.consecutive_failures else ""
        console.print(f"[bold]{escape(s.id)}[/]  {escape(state)}", style=style, highlight=False)
        console.print(f"  {escape(times)}", style=style, highlight=False)


def _sources_table(sources: Sequence[StoredSource]) -> Table:
    """Ids whole (an admin copies them into commands); other cells fold rather than cut."""
    from rich import box  # only when a table is drawn (not for TSV, JSON, --help)
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="sources (times UTC)", title_justify="left", box=box.SIMPLE_HEAD)
    longest = max((len(s.id) for s in sources), default=2)
    for column in SOURCE_COLUMNS[:-1]:
        if column == "id":
            table.add_column(column, no_wrap=True, min_width=longest)
        else:
            justify: Literal["left", "right"] = "right" if column in ("fails", "items") else "left"
            table.add_column(column, overflow="fold", justify=justify)
    for s in sources:
        style = "red" if s.consecutive_failures else ""
        table.add_row(*map(escape, _source_row(s, _short_time)[:-1]), style=style)
    return table


def _source_row(source: StoredSource, when: Any) -> list[str]:
    return [source.id, source.kind.value, source_state(source), when(source.last_fetch_at),
            source.last_status or "never fetched", str(source.consecutive_failures),
            when(source.next_fetch_at), str(source.item_count),
            source.last_error or ""]  # fmt: skip


def _source_json(source: StoredSource) -> dict[str, Any]:
    return {
        "id": source.id,
        "name": source.name,
        "url": source.url,
        "kind": source.kind.value,
        "label": source.label.value,
        "state": source_state(source),
        "enabled": source.enabled,
        "last_fetch": iso(source.last_fetch_at) or None,
        "last_status": source.last_status,
        "last_http_status": source.last_http_status,
        "last_error": source.last_error,
        "last_warning": source.last_warning,
        "consecutive_failures": source.consecutive_failures,
        "next_fetch": iso(source.next_fetch_at) or None,
        "items": source.item_count,
        "permanent_redirect": source.permanent_redirect,
    }


def _short_time(moment: datetime | None) -> str:
    """A terminal has little room: month, day and minute; the table title says UTC."""
    return moment.astimezone(UTC).strftime("%m-%d %H:%M") if moment else "-"


def _tsv(console: Console, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Tab-separated lines; tabs and line breaks inside a value become spaces."""
    for row in [header, *rows]:
        _write(console, "\t".join(" ".join(str(value).split()) for value in row))


def _write(console: Console, line: str) -> None:
    """Bytes as they are: rich would expand tabs and wrap at the console's width."""
    console.file.write(line + "\n")
    console.file.flush()


# --- stories ------------------------------------------------------------------


def print_story(report: StoryReport, as_json: bool, console: Console) -> None:
    """A story: its leader and every member, each against the leader."""
    if as_json:
        _write(console, json.dumps(_story_json(report), indent=2))
        return
    from rich import box  # only when a table is drawn (not for JSON, --help)
    from rich.markup import escape
    from rich.table import Table

    count = len(report.members)
    led = f"led by {report.story_id}" if report.leader else "its leader is no longer stored"
    console.print(f"story {report.story_id}, {led}: {count} item{'s' if count != 1 else ''} "
                  "(times UTC; each member against the leader, with the window's term counts "
                  "now)", highlight=False)  # fmt: skip
    columns = ("id", "source", "kind", "published", "similarity", "bar", "prompt", "margin",
               "cleared")  # fmt: skip
    rows = []
    for member in report.members:
        entry, verdict = member.entry, member.verdict
        cells = ["", "", "", "", "leader"] if verdict is None else _member_cells(verdict)
        rows.append([str(entry.item_id), entry.source_id, entry.kind,
                     _short_time(entry.published), *cells])  # fmt: skip
    if _table_width(columns, rows) > console.width:  # folded cells read "simi/lari/ty"
        for row in rows:
            pairs = zip(columns[4:], row[4:], strict=True)
            weighed = " · ".join(f"{name} {value}" for name, value in pairs)
            console.print(f"{row[0]}  {escape(row[1])} · {row[2]} · {row[3]}", highlight=False)
            console.print(f"  {'leader' if row[8] == 'leader' else escape(weighed)}",
                          highlight=False)  # fmt: skip
        return
    table = Table(box=box.SIMPLE_HEAD)
    for column in columns:
        table.add_column(column, overflow="fold", justify="right" if column == "id" else "left")
    for row in rows:
        table.add_row(*row)
    console.print(table, highlight=False)
    for member in report.members:  # below the table, whole: a title squeezed into a column
        console.print(f"[bold]{member.entry.item_id}[/]: {escape(member.entry.title)}",
                      highlight=False)  # fmt: skip
        if member.verdict is not None and not member.verdict.passes:
            console.print(f"  not passing now: {member.verdict.reason}", highlight=False)


def _member_cells(verdict: Verdict) -> list[str]:
    return [f"{verdict.similarity:.3f}", f"{verdict.bar:.3f}", f"{verdict.prompt_bar:.3f}",
            _times(verdict.margin), verdict.cleared or "none now"]  # fmt: skip


def _times(margin: float) -> str:
    return f"{margin:.2f}x"


def print_pair(report: PairReport, as_json: bool, console: Console) -> None:
    """Whether two items are one story, and the pair's decision step by step."""
    if as_json:
        _write(console, json.dumps(_pair_json(report), indent=2))
        return
    from rich.markup import escape  # only when text is drawn (not for JSON, --help)

    earlier, later, verdict = report.earlier, report.later, report.verdict

    def say(line: str) -> None:
        console.print(line, highlight=False, soft_wrap=True)

    for role, entry in (("earlier", earlier), ("later", later)):
        say(f"{role}: {_named(entry)} {entry.kind}, {iso(entry.published)}: {escape(entry.title)}")
    if report.same_story:
        say(f"one story now, led by {earlier.story_id}")
    else:
        say(f"two stories now, led by {earlier.story_id} and {later.story_id}")
    say(f"time gap: {report.gap_hours:.1f} hours")
    say(f"the matcher on {later.item_id} joining {earlier.item_id}:")
    for line in _verdict_lines(verdict):
        say(f"  {line}")
    if verdict.shared_terms:
        terms = ", ".join(f"{escape(term)} {weight:.2f}" for term, weight in verdict.shared_terms)
        say(f"shared terms that weigh most: {terms}")
    for line in _apart_lines(report):
        say(line)


def _verdict_lines(verdict: Verdict) -> list[str]:
    return [
        f"veto:            {verdict.veto or 'none'}",
        f"shares enough:   {_yes(verdict.shares_enough)} (two rare terms that identify "
        "something, and summaries that agree or headlines of the same day)",
        f"similarity:      {verdict.similarity:.4f}",
        f"rare similarity: {verdict.rare_similarity:.4f} (rare words only)",
        f"bar:             {verdict.bar:.4f}",
        f"prompt bar:      {verdict.prompt_bar:.4f} (rare similarity, published close)",
        f"passes:          {_yes(verdict.passes)}: {verdict.reason}",
        *(
            [
                f"story as one:    its {verdict.counted_as_one} items before this one count as "
                "one user of each word they share"
            ]
            if verdict.counted_as_one > 1
            else []
        ),
        *(
            [f"editor:          {_EDITOR[verdict.corrected]}"]
            if verdict.corrected is not None
            else []
        ),
    ]


_EDITOR = {True: "joined the two (stories join)", False: "kept the two apart (stories split)"}


def print_story_now(entries: Sequence[Entry], as_json: bool, console: Console) -> None:
    """A story after a correction: its leader, then its other items (``stories show``
    gives each one against the leader)."""
    if as_json:
        _write(console, json.dumps(_story_items_json(entries), indent=2))
        return
    _story_items(entries, "now", console)


def print_stories(stories: Sequence[Sequence[Entry]], as_json: bool, console: Console) -> None:
    """Stories for an editor to review, newest first: each its leader, then its items."""
    if as_json:
        _write(console, json.dumps({"stories": list(map(_story_items_json, stories))}, indent=2))
        return
    if not stories:
        console.print("no story of two or more items in that time", highlight=False)
    for entries in stories:
        _story_items(entries, "", console)


def print_doubtful(reports: Sequence[StoryReport], as_json: bool, console: Console) -> None:
    """Stories for an editor to review, the least certain first: each item with how many
    times its bar it clears against the leader (``dedupe.margin``)."""
    if as_json:
        _write(console, json.dumps({"stories": list(map(_story_json, reports))}, indent=2))
        return
    from rich.markup import escape  # only when text is drawn (not for JSON, --help)

    if not reports:
        console.print("no story the matcher joined in that time", highlight=False)
    for report in reports:
        count = len(report.members)
        least = report.least_margin or 0.0  # (a story without a text join is not listed)
        console.print(f"story {report.story_id}: {count} items, least certain join "
                      f"{_times(least)} its bar (times UTC)", highlight=False)  # fmt: skip
        for member in report.members:
            e, verdict = member.entry, member.verdict
            how = "leader" if verdict is None else _how_joined(verdict)
            console.print(f"  {e.item_id} {e.source_id} {e.kind} {_short_time(e.published)} "
                          f"{how}: {escape(e.title)}", highlight=False, soft_wrap=True)  # fmt: skip


def _how_joined(verdict: Verdict) -> str:
    if verdict.corrected is not None:
        return "editor"
    return _times(verdict.margin) + ("" if verdict.passes else " (not passing now)")


def _story_items(entries: Sequence[Entry], when: str, console: Console) -> None:
    from rich.markup import escape  # only when text is drawn (not for JSON, --help)

    count = len(entries)
    heading = f"story {entries[0].story_id}{' ' + when if when else ''}"
    console.print(f"{heading}: {count} item{'s' if count != 1 else ''} (times UTC)",
                  highlight=False)  # fmt: skip
    for e in entries:
        console.print(f"  {e.item_id} {e.source_id} {e.kind} {_short_time(e.published)}: "
                      f"{escape(e.title)}", highlight=False, soft_wrap=True)  # fmt: skip


def _story_items_json(entries: Sequence[Entry]) -> dict[str, Any]:
    return {
        "story_id": entries[0].story_id,
        "items": [{**_entry_json(e), "leader": e.item_id == e.story_id} for e in entries],
    }


def print_corrections(
    corrections: Sequence[StoryCorrection],
    as_json: bool,
    console: Console,
    *,
    dropped: bool = False,
) -> None:
    """An editor's corrections: each pair, joined or kept apart, and when."""
    if as_json:
        key = "dropped" if dropped else "corrections"
        _write(console, json.dumps({key: [_correction_json(c) for c in corrections]}, indent=2))
        return
    if not corrections:
        console.print("no corrections", highlight=False)
        return
    heading = "dropped; the text decides these pairs again:" if dropped else "corrections:"
    console.print(heading, highlight=False)
    for c in corrections:
        made = "" if c.made_at is None else f" ({iso(c.made_at)})"
        word = "one story" if c.same else "apart"
        console.print(f"  {c.first_id} {c.second_id}: {word}{made}", highlight=False)


def print_dropped_corrections(dropped: Sequence[DroppedCorrection], console: Console) -> None:
    """The editor's story corrections a fold dropped, why, and what stands instead."""
    for d in dropped:
        console.print(d.describe(), highlight=False, soft_wrap=True)


def _correction_json(correction: StoryCorrection) -> dict[str, Any]:
    made = correction.made_at
    return {"items": [correction.first_id, correction.second_id],
            "correction": "join" if correction.same else "split",
            "made_at": None if made is None else iso(made)}  # fmt: skip


def _apart_lines(report: PairReport) -> list[str]:
    """Why a pair that passes is in two stories: an item joins a story only by its leader."""
    earlier, later = report.earlier, report.later
    if report.same_story or not report.verdict.passes:
        return []
    lines = ["not one story although the pair passes: an item joins a story only by matching "
             "its leader, never another member"]  # fmt: skip
    if report.against_leader is not None:
        leader, verdict = report.against_leader
        lines.append(f"{later.item_id} against {earlier.item_id}'s leader {_named(leader)}: "
                     f"similarity {verdict.similarity:.4f}, bar {verdict.bar:.4f}, "
                     f"{verdict.reason}")  # fmt: skip
    elif later.story_id != later.item_id:
        lines.append(f"{later.item_id} joined the story led by {later.story_id}, a leader it "
                     f"matches more closely")  # fmt: skip
    else:
        lines.append("the stored decision was made with other term counts (another time or "
                     "process); the next change to either story decides it again")  # fmt: skip
    return lines


def _named(entry: Entry) -> str:
    return f"{entry.item_id} ({entry.source_id})"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _story_json(report: StoryReport) -> dict[str, Any]:
    return {
        "story_id": report.story_id,
        "leader": None if report.leader is None else _entry_json(report.leader),
        "members": [
            {**_entry_json(m.entry), "leader": m.verdict is None and m.entry == report.leader,
             "against_leader": None if m.verdict is None else _verdict_json(m.verdict)}
            for m in report.members
        ],
    }  # fmt: skip


def _pair_json(report: PairReport) -> dict[str, Any]:
    verdict = report.verdict
    against = report.against_leader
    return {
        "earlier": _entry_json(report.earlier),
        "later": _entry_json(report.later),
        "same_story": report.same_story,
        **_verdict_json(verdict),
        "gap_hours": round(report.gap_hours, 2),
        "leaders": {str(e.item_id): e.story_id for e in (report.earlier, report.later)},
        "against_leader": None
        if against is None
        else {"leader": against[0].item_id, **_verdict_json(against[1])},
    }


def _verdict_json(verdict: Verdict) -> dict[str, Any]:
    return {
        "veto": verdict.veto,
        "shares_enough": verdict.shares_enough,
        "similarity": round(verdict.similarity, 4),
        "rare_similarity": round(verdict.rare_similarity, 4),
        "bar": round(verdict.bar, 4),
        "prompt_bar": round(verdict.prompt_bar, 4),
        "margin": round(verdict.margin, 4),
        "passes": verdict.passes,
        "cleared": verdict.cleared,
        "shared_terms": [{"term": term, "weight": weight} for term, weight in verdict.shared_terms],
        "counted_as_one": verdict.counted_as_one,
        "corrected": None
        if verdict.corrected is None
        else ("join" if verdict.corrected else "split"),
    }


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {"id": entry.item_id, "source": entry.source_id, "kind": entry.kind,
            "published": iso(entry.published), "title": entry.title,
            "story_id": entry.story_id}  # fmt: skip
