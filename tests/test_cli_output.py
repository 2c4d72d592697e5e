"""What ``medfeed sources`` and ``medfeed refresh`` print: a table on a terminal (a real
pseudo-terminal here), tab-separated lines when piped, JSON on request. The command runs
as a separate process, as cron and a shell run it, against a real local feed server."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest

from aggregator.cli import main
from tests.feeds import Entry, config_text, rss, served
from tests.localserver import LocalServer, closed_port, send

ROOT = Path(__file__).resolve().parent.parent
LONG_ID = "clinicaltrials-gov-oncology-recruiting"
OTHER_ID = "clinicaltrials-gov-cardiology-recruiting"
BROKEN_ID = "clinicaltrials-gov-broken"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
STORY = Entry("Trial opens", "https://news.example.org/trial/", "t-1", "<p>Recruiting now.</p>")
OTHER = Entry("Heart study", "https://news.example.org/heart/", "h-1", "<p>Enrolling soon.</p>")


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Iterator[Path]:
    """Two long-named sources on a local server that answers 304 the second time, one dead."""
    with LocalServer() as server:
        server.route("/a.xml", served(rss([STORY])))
        server.route("/b.xml", served(rss([OTHER])))
        path = tmp_path / "config.yaml"
        path.write_text(
            config_text(
                database_url,
                [
                    (LONG_ID, server.url("/a.xml"), "news"),
                    (OTHER_ID, server.url("/b.xml"), "news"),
                    (BROKEN_ID, f"http://127.0.0.1:{closed_port()}/feed.xml", "news"),
                ],
            ).replace("timeout: 2s", "timeout: 30s")
        )  # a loaded CI machine must not time out
        yield path


def medfeed(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command with its output piped, as in a cron job or ``| cut -f1``."""
    command = [sys.executable, "-m", "aggregator.cli", "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)


def on_terminal(config: Path, *args: str, columns: int = 120) -> tuple[int, str]:
    """The command on a pseudo-terminal ``columns`` wide; its screen output without colours."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns)}
    command = [sys.executable, "-m", "aggregator.cli", "--config", str(config), *args]
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    code = process.wait(timeout=120)
    return code, ANSI.sub("", b"".join(chunks).decode("utf-8", "replace"))


def tsv(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines()]


def test_piped_sources_are_tab_separated_with_full_ids_and_iso_times(config: Path) -> None:
    medfeed(config, "refresh", "--all")
    result = medfeed(config, "sources")
    assert result.returncode == 0, result.stderr
    header, *rows = tsv(result.stdout)
    assert header[:3] == ["id", "kind", "state"]
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_id) == {LONG_ID, OTHER_ID, BROKEN_ID}
    assert ISO.match(by_id[LONG_ID]["last_fetch"]) and ISO.match(by_id[LONG_ID]["next_fetch"])
    assert by_id[BROKEN_ID]["state"] == "backing off"
    assert "refused" in by_id[BROKEN_ID]["error"].lower()


def test_sources_piped_into_a_reader_that_closed_early_end_without_a_traceback(
    config: Path,
) -> None:
    """``medfeed sources | head -1`` printed a Python traceback (BrokenPipeError) once
    ``head`` had gone: the reader's pipe is closed here before anything is written."""
    command = [sys.executable, "-m", "aggregator.cli", "--config", str(config), "sources"]
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run(command, stdout=writer, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT, timeout=120)  # fmt: skip
    finally:
        os.close(writer)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr
    assert done.returncode == 141  # as a shell reports a command its pipe's reader ended


def test_sources_as_json_give_every_field_with_iso_times(config: Path) -> None:
    medfeed(config, "refresh", "--all")
    result = medfeed(config, "sources", "--format", "json")
    listed = {source["id"]: source for source in json.loads(result.stdout)}
    assert listed[LONG_ID]["items"] == 1
    assert ISO.match(listed[LONG_ID]["last_fetch"])
    assert listed[BROKEN_ID]["consecutive_failures"] == 1
    assert listed[BROKEN_ID]["state"] == "backing off"


def test_sources_on_a_terminal_are_a_table_that_keeps_ids_whole(config: Path) -> None:
    medfeed(config, "refresh", "--all")
    code, screen = on_terminal(config, "sources", columns=120)
    assert code == 0
    assert "sources (times UTC)" in screen and "─" * 40 in screen  # a rich table
    for source_id in (LONG_ID, OTHER_ID, BROKEN_ID):
        assert source_id in screen
    assert "\t" not in screen
    assert f"{BROKEN_ID}: cannot connect to 127.0.0.1" in screen  # errors whole, below


def test_sources_on_an_80_column_terminal_are_two_lines_each_not_folded_cells(
    config: Path,
) -> None:
    """The table folded every cell to a few letters ("arti/cle", "12-0/2 12:3/1")."""
    medfeed(config, "refresh", "--all")
    code, screen = on_terminal(config, "sources", columns=80)
    assert code == 0
    lines = screen.splitlines()
    assert any(line.startswith(f"{LONG_ID}  news · ") for line in lines)
    assert any("0 fails · 1 item · last fetch " in line for line in lines)
    assert all(len(line) <= 80 for line in lines if "cannot connect" not in line)


def test_forced_tsv_on_a_terminal_and_forced_table_in_a_pipe(config: Path) -> None:
    code, screen = on_terminal(config, "sources", "--format", "tsv")
    assert code == 0 and f"{LONG_ID}\tnews\tactive" in screen
    piped = medfeed(config, "sources", "--format", "table")
    assert "sources (times UTC)" in piped.stdout and "\t" not in piped.stdout


def test_piped_refresh_prints_rows_and_a_timestamped_summary_counting_not_modified(
    config: Path,
) -> None:
    first = medfeed(config, "refresh", "--all")
    assert first.returncode == 1  # one source failed
    second = medfeed(config, "refresh", "--all")
    header, *rows = tsv(second.stdout)
    assert header == ["finished", "source", "status", "new", "updated", "unchanged", "error"]
    statuses = {row[1]: row[2] for row in rows}
    assert statuses == {LONG_ID: "not-modified", OTHER_ID: "not-modified", BROKEN_ID: "failed"}
    assert all(ISO.match(row[0]) for row in rows)
    summary = second.stderr.strip().splitlines()[-1]
    stamp, _, rest = summary.partition(" ")
    assert ISO.match(stamp)
    assert rest == "refresh: 3 sources: 0 new, 0 updated, 0 unchanged, 2 not modified, 1 failed"


def test_refresh_as_json_reports_each_source_and_the_totals(config: Path) -> None:
    result = medfeed(config, "refresh", "--all", "--format", "json")
    report = json.loads(result.stdout)
    assert ISO.match(report["finished"])
    assert report["totals"] == {"sources": 3, "new": 2, "updated": 0, "unchanged": 0,
                                "not_modified": 0, "failed": 1, "skipped": 0}  # fmt: skip
    assert [s["source"] for s in report["sources"]] == sorted([LONG_ID, OTHER_ID, BROKEN_ID])


def test_refresh_as_json_with_no_source_due_is_still_a_document(config: Path) -> None:
    """A cron job piping to jq got nothing at all when no source was due."""
    medfeed(config, "refresh", "--all")
    report = json.loads(medfeed(config, "refresh", "--format", "json").stdout)
    assert report["sources"] == [] and report["totals"]["sources"] == 0


def test_refresh_on_a_terminal_is_a_table_then_a_timestamped_summary(config: Path) -> None:
    code, screen = on_terminal(config, "refresh", "--all", columns=100)
    assert code == 1
    assert LONG_ID in screen and OTHER_ID in screen and BROKEN_ID in screen
    summary = [line for line in screen.splitlines() if " refresh: 3 sources: " in line]
    assert len(summary) == 1 and ISO.match(summary[0].split(" ")[0])


def test_a_warning_quoting_markup_like_text_is_shown_in_the_table(tmp_path: Path) -> None:
    # An event's title "[/postponed]" reads as a closing tag to rich: the table failed
    # to print and the command exited 1, although every source was stored.
    calendar = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        b"UID:gr-1\r\nSUMMARY:Grand Rounds [/postponed]\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\n"
        b"UID:gr-2\r\nSUMMARY:Sepsis update\r\nDTSTART:20300105T120000Z\r\nEND:VEVENT\r\n"
        b"END:VCALENDAR\r\n"
    )
    with LocalServer() as server:
        server.route("/rounds.ics", served(calendar, content_type="text/calendar"))
        path = tmp_path / "config.yaml"
        path.write_text(
            config_text(f"sqlite:///{tmp_path / 'm.db'}",
                        [("grand-rounds", server.url("/rounds.ics"), "conference")])
        )  # fmt: skip
        code, screen = on_terminal(path, "refresh", "--all", columns=200)
    assert code == 0, screen
    assert "[/postponed]" in screen


def test_sources_shows_where_a_feed_moved_permanently(tmp_path: Path, database_url: str) -> None:
    """The new address was stored, and shown nowhere the admin looks (for an intranet feed
    the web page hides it too)."""
    with LocalServer() as server:
        moved = server.url("/new.xml")
        server.route("/old.xml", lambda h: send(h, 301, headers={"Location": moved}))
        server.route("/new.xml", served(rss([STORY])))
        path = tmp_path / "config.yaml"
        path.write_text(config_text(database_url, [("wire", server.url("/old.xml"), "news")]))
        medfeed(path, "refresh", "--all")
        listed = json.loads(medfeed(path, "sources", "--format", "json").stdout)
        code, screen = on_terminal(path, "sources")
    assert code == 0
    assert listed[0]["permanent_redirect"] == moved
    assert f"wire: moved permanently to {moved}" in screen


@pytest.mark.parametrize(
    ("command", "says"),
    [(["run"], "scheduler + web site: the main job"), (["serve"], "the web site only"),
     (["sources"], "Without an ACTION: each source's state"),
     (["sources"], "To disable a source, set enabled: false in the config file"),
     (["sources", "remove"], "Its items leave every list, feed, search and the API"),
     (["stories", "list"], "(default: 48)"), (["stories", "list"], "(default: 20)")],
)  # fmt: skip
def test_a_commands_help_says_what_it_does_and_its_defaults(
    command: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`medfeed run --help` listed options only; `sources --help` showed ACTION as
    required though the bare command is the table; `stories list` hid its defaults."""
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    assert says in " ".join(capsys.readouterr().out.split())
