"""Issue 12, cases 4 and 5: crashes and concurrent starts leave nothing stuck or broken.

A process killed mid-refresh leaves leases that name it (``host:pid:start``):
the next process on the host takes them over at once instead of waiting out
the lease. ``refresh --all`` means all, and every source it does not fetch is
listed with the reason. Any number of processes may start on a fresh
database at once: migrations are serialised.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from aggregator.cli import main
from aggregator.config import load_settings
from aggregator.leases import holder_gone, holder_name, this_holder
from aggregator.store import Store
from aggregator.store.models import Source
from tests.feeds import Entry, config_text, rss, served
from tests.localserver import LocalServer

FEED = rss([Entry("Trial results", "https://news.example.org/trial", "t-1")])
IDS = ("alpha", "beta", "gamma")

# A child that claims every source the way a refresh does, then waits to be killed.
CLAIM_AND_WAIT = """
import sys, time
from datetime import timedelta
from aggregator.store import Store, default_worker_name
store = Store(sys.argv[1], migrate=False)
claimed = store.claim(worker=default_worker_name(), lease=timedelta(minutes=10), due_only=False)
print(len(claimed), flush=True)
time.sleep(60)
"""


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """The refresh table wraps long reasons at 80 columns; read them whole."""
    monkeypatch.setenv("COLUMNS", "300")


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        server.route("/a.xml", served(FEED))
        yield server


@pytest.fixture
def config(tmp_path: Path, database_url: str, server: LocalServer, store: Store) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        config_text(database_url, [(i, server.url(f"/a.xml?feed={i}"), "news") for i in IDS])
    )
    store.sync_sources(load_settings(path).configured_sources())
    return path


def killed_claimer(database_url: str) -> None:
    """Run a process that leases every source, and SIGKILL it mid-pass."""
    with subprocess.Popen(
        [sys.executable, "-c", CLAIM_AND_WAIT, database_url], stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == str(len(IDS))
        child.send_signal(signal.SIGKILL)


def test_refresh_all_after_a_sigkill_fetches_every_source(
    config: Path, database_url: str, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    killed_claimer(database_url)
    assert all(s.claimed_by for s in store.sources())
    assert main(["--config", str(config), "refresh", "--all"]) == 0
    out = capsys.readouterr().out
    assert "no source is due" not in out
    assert all(s.last_status == "ok" and s.claimed_by is None for s in store.sources())


def test_due_pass_after_a_sigkill_takes_over_the_dead_leases(
    config: Path, database_url: str, store: Store
) -> None:
    killed_claimer(database_url)
    assert main(["--config", str(config), "refresh"]) == 0
    assert {s.id for s in store.sources() if s.last_status == "ok"} == set(IDS)


def test_refresh_all_names_the_live_process_holding_a_source(
    config: Path, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    until = datetime.now(UTC) + timedelta(minutes=5)
    with store.session() as session:
        session.execute(
            update(Source)
            .where(Source.id == "beta")
            .values(claimed_by="otherhost:4242:1", claimed_until=until)
        )
    assert main(["--config", str(config), "refresh", "--all"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "another process (otherhost:4242:1) is fetching it" in out
    assert "no source is due" not in out
    assert {s.id for s in store.sources() if s.last_status == "ok"} == {"alpha", "gamma"}


def test_refresh_source_on_a_disabled_source_says_it_is_disabled(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_text(config.read_text().replace("id: beta\n", "id: beta\n    enabled: false\n"))
    assert main(["--config", str(config), "refresh", "--source", "beta"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "disabled in the config" in out and "another process" not in out


def test_a_live_holder_is_not_gone_and_a_dead_one_is() -> None:
    assert not holder_gone(this_holder())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    name = holder_name(child.pid)
    child.wait()
    assert holder_gone(name)
    assert not holder_gone("another-host:1:1")  # another host's holder cannot be judged here


START = "import sys; from aggregator.store import Store; Store(sys.argv[1]).close()"


@pytest.mark.parametrize("processes", [4, 8])
def test_processes_starting_at_once_on_a_fresh_database_all_succeed(
    tmp_path: Path, database_url: str, processes: int
) -> None:
    url = database_url
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / f'fresh-{processes}.db'}"  # not even the file exists yet
    children = [
        subprocess.Popen([sys.executable, "-c", START, url], stderr=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    failures = [err for child in children if (err := child.communicate()[1]) and child.returncode]
    assert failures == []
    store = Store(url)
    try:
        assert store.ping() and store.sources() == []
    finally:
        store.close()
