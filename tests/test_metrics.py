"""/metrics and /readyz: counters of real refresh passes, gauges read from the database,
and the counters of several processes summed through prometheus-client's multiprocess mode."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from aggregator import metricfiles
from aggregator.cli import main
from aggregator.config import Settings, load_settings
from aggregator.errors import ConfigError, FetchTimeout, HTTPStatusError, ParseError
from aggregator.metrics import MULTIPROC_ENV, error_kind, metrics_directory
from aggregator.refresh import Refresher
from aggregator.store import Store
from aggregator.store.models import Source
from tests.feeds import Entry, config_text, rss, served
from tests.localserver import LocalServer, send
from web import create_app
from web.metrics import _counter_text, stale_after

TITLES = ("Aspirin trial halts early", "Measles cases rise in Europe", "New sepsis guideline")
FEED = rss([Entry(title, f"https://ex.org/{n}", f"t{n}") for n, title in enumerate(TITLES)])


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        server.route("/good.xml", served(FEED))
        server.route("/gone.xml", lambda handler: send(handler, 404, b"no such feed"))
        server.route("/page.html", lambda handler: send(handler, 200, b"<html><body>hi</body>"))
        yield server


def write_config(tmp_path: Path, database_url: str, server: LocalServer, **extra: str) -> Path:
    path = tmp_path / "config.yaml"
    sources = [
        ("good", server.url("/good.xml"), "news"),
        ("gone", server.url("/gone.xml"), "news"),
        ("page", server.url("/page.html"), "news"),
    ]
    path.write_text(config_text(database_url, sources, **extra))
    return path


@pytest.fixture
def settings(tmp_path: Path, database_url: str, server: LocalServer) -> Settings:
    return load_settings(write_config(tmp_path, database_url, server))


def refresh(settings: Settings, store: Store) -> None:
    store.sync_sources(settings.configured_sources())
    Refresher(settings, store).refresh(due_only=False)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(
    settings: Settings, store: Store
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = create_app(settings, store).test_client().get("/metrics")
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/plain; version=0.0.4")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.get_data(as_text=True))
        for s in family.samples
    }


def test_a_pass_counts_itself_its_new_items_and_its_failures_by_kind(
    settings: Settings, store: Store
) -> None:
    before = {
        "passes": sample("medfeed_refresh_passes_total"),
        "new": sample("medfeed_items_stored_total", source="good", change="new"),
        "http": sample("medfeed_fetch_errors_total", source="gone", kind="http"),
        "parse": sample("medfeed_fetch_errors_total", source="page", kind="parse"),
        "durations": sample("medfeed_refresh_pass_duration_seconds_count"),
    }
    refresh(settings, store)
    assert sample("medfeed_refresh_passes_total") == before["passes"] + 1
    assert sample("medfeed_refresh_pass_duration_seconds_count") == before["durations"] + 1
    assert sample("medfeed_items_stored_total", source="good", change="new") == before["new"] + 3
    assert sample("medfeed_fetch_errors_total", source="gone", kind="http") == before["http"] + 1
    assert sample("medfeed_fetch_errors_total", source="page", kind="parse") == before["parse"] + 1


def test_a_not_modified_fetch_is_counted_as_such_and_stores_nothing(
    settings: Settings, store: Store
) -> None:
    refresh(settings, store)
    new = sample("medfeed_items_stored_total", source="good", change="new")
    unchanged = sample("medfeed_fetches_total", source="good", status="not-modified")
    refresh(settings, store)
    assert sample("medfeed_fetches_total", source="good", status="not-modified") == unchanged + 1
    assert sample("medfeed_items_stored_total", source="good", change="new") == new


def test_a_one_shot_refresh_command_counts_nothing_yet_later_passes_count(
    settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``medfeed refresh`` serves no /metrics: without a multiprocess directory its
    counters could never be read, so it does not count (or import the client)."""
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    passes = sample("medfeed_refresh_passes_total")
    command = ["--config", str(settings.path), "refresh", "--all", "--format", "tsv"]
    assert main(command) == 1  # two of the three sources fail
    assert sample("medfeed_refresh_passes_total") == passes
    refresh(settings, store)
    assert sample("medfeed_refresh_passes_total") == passes + 1


def test_metrics_page_reports_backoff_last_success_stories_and_database_size(
    settings: Settings, store: Store
) -> None:
    refresh(settings, store)
    metrics = scrape(settings, store)
    assert metrics[("medfeed_database_up", ())] == 1
    assert metrics[("medfeed_sources_enabled", ())] == 3
    assert metrics[("medfeed_sources_backing_off", ())] == 2
    assert metrics[("medfeed_source_consecutive_failures", (("source", "gone"),))] == 1
    good = store.sources()[[s.id for s in store.sources()].index("good")]
    assert good.last_success_at is not None
    last_success = ("medfeed_source_last_success_timestamp_seconds", (("source", "good"),))
    assert metrics[last_success] == pytest.approx(good.last_success_at.timestamp())
    assert ("medfeed_source_last_success_timestamp_seconds", (("source", "gone"),)) not in metrics
    assert metrics[("medfeed_items", ())] == 3
    assert metrics[("medfeed_stories", ())] == 3
    assert metrics[("medfeed_database_size_bytes", ())] > 0
    assert metrics[("medfeed_last_pass_timestamp_seconds", ())] > 0
    assert metrics[("medfeed_refresh_passes_total", ())] >= 1


def test_metrics_page_still_answers_when_the_database_does_not(settings: Settings) -> None:
    unreachable = Store("postgresql+psycopg://nobody@127.0.0.1:9/none", migrate=False)
    try:
        metrics = scrape(settings, unreachable)
    finally:
        unreachable.close()
    assert metrics[("medfeed_database_up", ())] == 0


def test_readyz_is_503_before_any_refresh_pass(settings: Settings, store: Store) -> None:
    store.sync_sources(settings.configured_sources())
    answer = create_app(settings, store).test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["error"] == "no refresh pass has ended yet"


def test_readyz_is_ready_after_a_pass_and_not_once_the_pass_is_old_and_owed(
    settings: Settings, store: Store
) -> None:
    refresh(settings, store)
    client = create_app(settings, store).test_client()
    answer = client.get("/readyz")
    assert (answer.status_code, answer.get_json()["status"]) == (200, "ready")
    now = datetime.now(UTC)
    store.mark_pass(now - stale_after(settings, now) - timedelta(1))
    # Every source told to wait past the window (Cache-Control, Retry-After): no pass
    # is owed, and the site is ready however old the last one is.
    with store.session() as session:
        session.execute(update(Source).values(next_fetch_at=now + timedelta(days=2)))
    assert client.get("/readyz").status_code == 200
    # A source due for longer than a pass may take, and no pass since: not ready.
    with store.session() as session:
        overdue = now - settings.schedule.lease - timedelta(minutes=1)
        session.execute(update(Source).where(Source.id == "good").values(next_fetch_at=overdue))
    stale = client.get("/readyz")
    assert stale.status_code == 503
    assert "the last refresh pass ended" in stale.get_json()["error"]


def test_readyz_is_503_when_the_database_does_not_answer(settings: Settings) -> None:
    unreachable = Store("postgresql+psycopg://nobody@127.0.0.1:9/none", migrate=False)
    try:
        answer = create_app(settings, unreachable).test_client().get("/readyz")
    finally:
        unreachable.close()
    assert answer.status_code == 503
    assert answer.get_json()["status"] == "unavailable"


def test_a_pass_may_be_two_longest_intervals_plus_a_lease_old(settings: Settings) -> None:
    now = datetime(2026, 11, 30, 12, 7, tzinfo=UTC)
    assert stale_after(settings, now) == 2 * timedelta(minutes=30) + timedelta(minutes=10)
    hourly = settings.model_copy(
        update={"schedule": settings.schedule.model_copy(update={"cron": "0 */2 * * *"})}
    )
    assert stale_after(hourly, now) == 2 * timedelta(hours=2) + timedelta(minutes=10)


def test_each_failure_class_has_its_own_kind_label() -> None:
    assert error_kind(FetchTimeout("s", "timed out")) == "timeout"
    assert error_kind(HTTPStatusError("s", 500)) == "http"
    assert error_kind(ParseError("not a feed")) == "parse"
    assert error_kind(KeyError("bug")) == "internal"


def test_cron_refreshes_sharing_a_folder_are_summed_and_leave_no_file_per_run(
    tmp_path: Path, database_url: str, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each ``medfeed refresh`` folds its counts into one archive file per kind as it ends:
    the folder no longer grows by two files a run, and no count is lost."""
    config = write_config(tmp_path, database_url, server)
    shared = tmp_path / "metrics"
    shared.mkdir()
    command = [sys.executable, "-m", "aggregator.cli", "--config", str(config), "refresh", "--all"]
    for _ in range(2):
        done = subprocess.run(
            command,
            env={**os.environ, MULTIPROC_ENV: str(shared)},
            capture_output=True,
            check=False,
        )
        assert done.returncode == 1, done.stderr.decode()[-2000:]  # two sources fail on purpose
    assert sorted(p.name for p in shared.glob("*.db")) == [
        "counter_archive.db",
        "histogram_archive.db",
    ]
    monkeypatch.setenv(MULTIPROC_ENV, str(shared))
    store = Store(database_url)
    try:
        metrics = scrape(load_settings(config), store)
    finally:
        store.close()
    assert metrics[("medfeed_refresh_passes_total", ())] == 2
    assert metrics[("medfeed_items_stored_total", (("change", "new"), ("source", "good")))] == 3
    gone = ("medfeed_fetch_errors_total", (("kind", "http"), ("source", "gone")))
    assert metrics[gone] == 2
    assert metrics[("medfeed_refresh_pass_duration_seconds_count", ())] == 2


def test_run_and_serve_make_their_own_metrics_directory_and_remove_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    with metrics_directory() as path:
        assert os.environ[MULTIPROC_ENV] == path and Path(path).is_dir()
    assert MULTIPROC_ENV not in os.environ and not Path(path).exists()


def test_an_admins_metrics_directory_is_used_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = tmp_path / "prometheus"
    monkeypatch.setenv(MULTIPROC_ENV, str(given))
    with metrics_directory() as path:
        assert path == str(given) and given.is_dir()
    assert given.is_dir() and os.environ[MULTIPROC_ENV] == str(given)


def test_a_metrics_folder_that_cannot_be_used_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file, or a place that cannot be created, gave a 22-line traceback at start."""
    taken = tmp_path / "a-file"
    taken.write_text("")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(taken))
    with pytest.raises(ConfigError, match="cannot hold the metrics"), metrics_directory():
        pass


def test_a_source_its_server_said_is_gone_is_counted_as_stopped(
    settings: Settings, store: Store
) -> None:
    """It left every per-source series and the enabled count, so no alert could name it."""
    refresh(settings, store)
    with store.session() as session:
        session.execute(
            update(Source).where(Source.id == "good").values(disabled_reason="HTTP 410 Gone")
        )
    metrics = scrape(settings, store)
    assert metrics[("medfeed_sources_stopped", ())] == 1
    assert metrics[("medfeed_sources_enabled", ())] == 2


@pytest.fixture
def full_folder(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs with no byte left: a metrics folder on a full disk (needs root)."""
    folder = tmp_path / "full"
    folder.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=64k", "medfeed-test", str(folder)]
    if os.geteuid() != 0 or subprocess.run(mount, capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        filler = (folder / "filler").open("wb", buffering=0)
        with filler, pytest.raises(OSError, match="No space left"):
            while True:
                filler.write(b"\0" * 4096)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_metrics_folder_turns_counting_off_once_instead_of_killing_the_refresh(
    tmp_path: Path, database_url: str, server: LocalServer, full_folder: Path
) -> None:
    """prometheus-client maps a sparse file: on a full disk its first write was SIGBUS."""
    config = write_config(tmp_path, database_url, server)
    command = [sys.executable, "-m", "aggregator.cli", "--config", str(config), "refresh", "--all"]
    done = subprocess.run(
        command, env={**os.environ, MULTIPROC_ENV: str(full_folder)}, capture_output=True, text=True
    )
    assert done.returncode == 1, done.stderr[-2000:]  # two sources fail on purpose, no signal
    assert done.stderr.count("metrics off:") == 1
    assert f"{full_folder} has no room for this process's counters" in done.stderr
    assert "3 new" in done.stdout + done.stderr
    assert not list(full_folder.glob("*.db"))


def _cron_runs(directory: str, runs: int) -> None:
    """``runs`` short-lived processes' files, one pass each, folded as each ends."""
    from prometheus_client.mmap_dict import MmapedDict, mmap_key

    key = mmap_key("medfeed_refresh_passes", "medfeed_refresh_passes_total", [], [], "")
    for pid in range(100_000, 100_000 + runs):
        metricfiles.reserve(directory, pid)
        counts = MmapedDict(str(metricfiles.own_file(directory, "counter", pid)))
        counts.write_value(key, 1.0, 0.0)
        counts.close()
        metricfiles.fold(directory, pid)


def test_a_scrape_during_folds_never_sees_a_counter_go_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scrape between a fold's two steps (counts added to the archive, then the process's
    files removed) counted a run twice, and the next scrape went down: a restart to
    Prometheus, whose increase() then counted everything again."""
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    writer = threading.Thread(target=_cron_runs, args=(str(tmp_path), 300))
    writer.start()
    seen: list[float] = []
    while writer.is_alive():
        for family in text_string_to_metric_families(_counter_text().decode()):
            seen += [s.value for s in family.samples if s.name == "medfeed_refresh_passes_total"]
    writer.join()
    assert seen == sorted(seen)


def test_a_process_that_cannot_reserve_all_its_files_leaves_none(tmp_path: Path) -> None:
    """The counter file was reserved, the histogram's failed: the first was left for good."""
    metricfiles.reserve(str(tmp_path), 1)
    metricfiles.own_file(str(tmp_path), "histogram", 2).mkdir()  # cannot be a file
    with pytest.raises(OSError):
        metricfiles.reserve(str(tmp_path), 2)
    assert not metricfiles.own_file(str(tmp_path), "counter", 2).exists()


def _killed_counting_process(directory: Path) -> int:
    """A process that counts one pass into the folder and is then SIGKILLed (it never folds)."""
    script = (
        "import os, signal, sys\n"
        "from prometheus_client.mmap_dict import MmapedDict, mmap_key\n"
        "from aggregator import metricfiles\n"
        "directory = sys.argv[1]\n"
        "metricfiles.reserve(directory)\n"
        "key = mmap_key('medfeed_refresh_passes', 'medfeed_refresh_passes_total', [], [], '')\n"
        "counts = MmapedDict(str(metricfiles.own_file(directory, 'counter')))\n"
        "counts.write_value(key, 1.0, 0.0)\n"
        "print(os.getpid(), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(directory)], capture_output=True, text=True, check=False
    )
    assert done.returncode == -9, done.stderr[-2000:]
    return int(done.stdout)


def _passes_counted(directory: Path, monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setenv(MULTIPROC_ENV, str(directory))
    families = text_string_to_metric_families(_counter_text().decode())
    return sum(
        s.value for f in families for s in f.samples if s.name == "medfeed_refresh_passes_total"
    )


def test_the_files_of_a_killed_process_are_folded_by_the_next_process_that_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SIGKILLed refresh left its two files for good: the folder grew by two per kill.
    The next process to count folds them into the archive, and the sums stay the same."""
    killed = [_killed_counting_process(tmp_path) for _ in range(3)]
    assert sorted(p.name for p in tmp_path.glob("counter_*.db")) == sorted(
        ["counter_archive.db", f"counter_{killed[-1]}.db"]
    )  # each folded the one killed before it
    assert _passes_counted(tmp_path, monkeypatch) == 3

    metricfiles.reserve(str(tmp_path))

    assert sorted(p.name for p in tmp_path.glob("*.db")) == sorted(
        [
            "counter_archive.db",
            "histogram_archive.db",
            f"counter_{os.getpid()}.db",
            f"histogram_{os.getpid()}.db",
        ]
    )
    assert _passes_counted(tmp_path, monkeypatch) == 3


def test_the_files_of_a_process_still_running_are_left_to_it(tmp_path: Path) -> None:
    """A live process's files are its own to fold (pid 1 always runs)."""
    metricfiles.reserve(str(tmp_path), 1)
    metricfiles.fold_ended(str(tmp_path))
    assert metricfiles.own_file(str(tmp_path), "counter", 1).exists()
