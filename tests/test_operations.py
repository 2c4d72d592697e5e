"""Running medfeed as an operator does: ``medfeed run`` as a real process with its gunicorn
child, stopped by Ctrl-C or SIGTERM; a port already taken; a database folder it may not
write; and the log lines all of that leaves behind."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aggregator.config import load_settings
from aggregator.records import SourceOutcome
from aggregator.reload import ConfigWatcher
from aggregator.schedule import log_pass
from tests.feeds import Entry, config_text, rss, served
from tests.localserver import LocalServer, closed_port

ROOT = Path(__file__).resolve().parent.parent
TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR) ")
COMMON_LOG = re.compile(r'^127\.0\.0\.1 - - \[[^]]+\] "GET /healthz HTTP/1\.[01]" 200 \d+$')
STORY = Entry("Trial opens", "https://news.example.org/trial/", "t-1", "<p>Recruiting now.</p>")


def medfeed(
    config: Path, *args: str, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    command = [*prefix, sys.executable, "-m", "aggregator.cli", "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)


def wait_for(check: Callable[[], bool], seconds: float = 45.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"gave up after {seconds:.0f} s waiting for {check.__doc__ or check}")


def free_port() -> int:
    return closed_port()


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture
def feeds() -> Iterator[LocalServer]:
    with LocalServer() as server:
        server.route("/wire.xml", served(rss([STORY])))
        yield server


@pytest.fixture
def config(tmp_path: Path, database_url: str, feeds: LocalServer) -> Path:
    """One live source and one whose server is gone."""
    path = tmp_path / "config.yaml"
    path.write_text(
        config_text(
            database_url,
            [
                ("wire", feeds.url("/wire.xml"), "news"),
                ("gone-away", f"http://127.0.0.1:{closed_port()}/feed.xml", "news"),
            ],
        ).replace("timeout: 2s", "timeout: 30s")
    )  # a loaded machine must not time out; fmt: skip
    return path


class Service:
    """``medfeed run`` in its own process group, as a shell starts it; logs go to files."""

    def __init__(self, config: Path, port: int, *args: str, env: dict[str, str] | None = None):
        self.port = port
        self.out = config.parent / "run.out"
        self.err = config.parent / "run.err"
        command = [sys.executable, "-m", "aggregator.cli", "--config", str(config), "run",
                   "--port", str(port), "--workers", "2", *args]  # fmt: skip
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.process = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT,
                                            env={**os.environ, **(env or {})},
                                            start_new_session=True)  # fmt: skip

    @property
    def log(self) -> str:
        return self.err.read_text()

    def interrupt(self, sig: int) -> int:
        """Ctrl-C reaches the whole foreground process group; SIGTERM only the service."""
        if sig == signal.SIGINT:
            os.killpg(self.process.pid, sig)
        else:
            self.process.send_signal(sig)
        return self.process.wait(timeout=60)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def test_run_logs_each_pass_and_each_reload_once_and_stops_on_ctrl_c_without_a_traceback(
    config: Path,
) -> None:
    service = Service(config, free_port())
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{service.port}/healthz"))
        wait_for(lambda: "refresh pass:" in service.log)
        config.write_text(config.read_text().replace("name: Wire", "name: Wire Service"))
        wait_for(lambda: "reloaded" in service.log)
        for _ in range(6):  # every web worker gets to see the edit too
            answers(f"http://127.0.0.1:{service.port}/")
        time.sleep(2.5)
        code = service.interrupt(signal.SIGINT)
    finally:
        service.stop()
    log = service.log
    assert code == 0, log
    assert "Traceback" not in log and "KeyboardInterrupt" not in log
    lines = log.splitlines()
    assert all(TEXT_LINE.match(line) for line in lines), log
    passes = [line for line in lines if "refresh pass:" in line]
    assert "2 sources: 1 new" in passes[0] and "gone-away (cannot connect" in passes[0]
    assert len([line for line in lines if "reloaded" in line]) == 1, log
    assert service.out.read_text() == ""  # no access log unless asked for


def test_run_with_json_logs_and_an_access_log_stops_on_sigterm(config: Path) -> None:
    service = Service(config, free_port(), "--access-log", env={"MEDFEED_LOG_FORMAT": "json"})
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{service.port}/healthz"))
        wait_for(lambda: "refresh pass:" in service.log)
        code = service.interrupt(signal.SIGTERM)
    finally:
        service.stop()
    assert code == 0, service.log
    records = [json.loads(line) for line in service.log.splitlines()]
    assert {"time", "level", "logger", "message"} <= set(records[0])
    assert any(r["message"].startswith("refresh pass:") for r in records)
    access = [json.loads(line)["message"] for line in service.out.read_text().splitlines()]
    assert any(COMMON_LOG.match(line) for line in access), access


def test_two_services_under_one_user_leave_no_control_socket_to_share(
    config: Path, tmp_path: Path
) -> None:
    """Gunicorn opens a control socket at one path per user ($HOME/.gunicorn/gunicorn.ctl)
    unless told not to: a second medfeed on the machine (here on the same database, as
    when scaling out) would take the first one's, and a home the service may not write
    would log an error at every start."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_RUNTIME_DIR": ""}
    first = Service(config, free_port(), env=env)
    second = Service(config, free_port(), env=env)
    try:
        for service in (first, second):
            wait_for(lambda s=service: answers(f"http://127.0.0.1:{s.port}/healthz"))
        assert first.interrupt(signal.SIGTERM) == 0, first.log
        assert answers(f"http://127.0.0.1:{second.port}/healthz")
        assert second.interrupt(signal.SIGTERM) == 0, second.log
    finally:
        first.stop()
        second.stop()
    assert list(home.rglob("*")) == []
    assert "ontrol" not in first.log + second.log


def test_run_listens_on_an_ipv6_address(config: Path) -> None:
    """Gunicorn was given "::1:8000" and refused it ("'' is not a valid port number")."""
    try:
        with socket.create_server(("::1", 0), family=socket.AF_INET6) as probe:
            port = probe.getsockname()[1]
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    service = Service(config, port, "--host", "::1")
    try:
        wait_for(lambda: answers(f"http://[::1]:{port}/healthz"))
        assert service.interrupt(signal.SIGTERM) == 0, service.log
    finally:
        service.stop()
    assert f"web on http://[::1]:{port}" in service.log


@pytest.mark.parametrize(
    ("arguments", "said"),
    [(["serve", "--port", "99999"], "--port: must be above 0 and at most 65,535"),
     (["run", "--workers", "0"], "--workers: must be above 0"),
     (["stories", "show", "99999999999999999999"], "ID: must be above 0"),
     (["serve", "--host", "no-such-host.invalid"], "give --host an address of this machine")],
)  # fmt: skip
def test_arguments_out_of_range_are_refused_with_a_message(
    config: Path, arguments: list[str], said: str
) -> None:
    result = medfeed(config, *arguments)
    assert result.returncode in (1, 2)
    assert said in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_serve_fails_in_one_line_when_the_database_cannot_be_opened(tmp_path: Path) -> None:
    database = tmp_path / "medfeed.db"
    database.write_bytes(bytes(range(256)) * 20)
    config = tmp_path / "config.yaml"
    config.write_text(config_text(f"sqlite:///{database}", [("wire", "https://e.org/f", "news")]))
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    result = medfeed(config, "serve", "--port", str(port))
    assert result.returncode == 1
    assert "is not a SQLite database" in result.stderr
    assert "Traceback" not in result.stderr and "Worker failed to boot" not in result.stderr


@pytest.mark.parametrize("command", ["run", "serve"])
def test_a_used_port_fails_at_once_naming_the_port_and_what_to_do(
    config: Path, command: str
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = medfeed(config, command, "--port", str(port))
    assert result.returncode == 1
    assert time.monotonic() - started < 30  # no five seconds of retries, no web child
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "--port" in result.stderr
    assert "web on http" not in result.stderr


@pytest.fixture
def read_only_folder() -> Iterator[Path]:
    """A folder medfeed may not write: mode 555 (see ``without_root_overrides`` for root)."""
    base = Path(tempfile.mkdtemp(prefix="medfeed-ro-"))
    base.chmod(0o755)
    folder = base / "data"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)
        for child in sorted(base.rglob("*"), reverse=True):
            child.unlink() if child.is_file() else child.rmdir()
        base.rmdir()


def without_root_overrides() -> tuple[str, ...]:
    """Root may write anywhere through CAP_DAC_OVERRIDE: when the tests run as root, the
    command runs without it (``setpriv``), so that mode 555 means what it means for a user."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("running as root and setpriv (util-linux) is missing")
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search")


@pytest.mark.parametrize("command", [["sources"], ["refresh"], ["check-config"]])
def test_a_read_only_database_folder_fails_naming_the_path_and_the_fix(
    read_only_folder: Path, command: list[str]
) -> None:
    config = read_only_folder.parent / "config.yaml"
    database = f"sqlite:///{read_only_folder}/medfeed.db"
    config.write_text(config_text(database, [("wire", "https://example.org/feed.xml", "news")]))
    config.chmod(0o644)
    result = medfeed(config, *command, prefix=without_root_overrides())
    assert result.returncode in (1, 2), result.stderr
    message = " ".join(result.stderr.split())
    assert f"the database folder {read_only_folder} is not writable" in message
    assert "`database:`" in message
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["sources"], ["refresh", "--all"], ["db", "upgrade"]])
def test_a_file_that_is_no_database_fails_with_a_message_not_a_traceback(
    tmp_path: Path, command: list[str]
) -> None:
    database = tmp_path / "medfeed.db"
    database.write_bytes(bytes(range(256)) * 20)  # a damaged file, or another program's
    config = tmp_path / "config.yaml"
    config.write_text(config_text(f"sqlite:///{database}", [("wire", "https://e.org/f", "news")]))
    result = medfeed(config, *command)
    assert result.returncode == 1
    assert "is not a SQLite database (or is damaged)" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_a_refresh_pass_logs_one_line_naming_the_failed_sources(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcomes = [
        SourceOutcome("wire", "ok", new=3),
        SourceOutcome("quiet", "not-modified"),
        SourceOutcome("fda-press", "failed", error="HTTP 503, retry after 120 s"),
    ]
    with caplog.at_level(logging.INFO, logger="aggregator.schedule"):
        log_pass(outcomes)
    assert [r.getMessage() for r in caplog.records] == [
        "refresh pass: 3 sources: 3 new, 0 updated, 0 unchanged, 1 not modified, 1 failed: "
        "fda-press (HTTP 503, retry after 120 s)"
    ]
    assert caplog.records[0].levelno == logging.WARNING


def test_a_quiet_config_watcher_logs_a_reload_only_at_debug(
    config: Path, caplog: pytest.LogCaptureFixture
) -> None:
    watcher = ConfigWatcher(load_settings(config), quiet=True)
    config.write_text(config.read_text().replace("name: Wire", "name: Wire Service"))
    with caplog.at_level(logging.INFO, logger="aggregator.reload"):
        assert watcher.check().reloaded
    assert caplog.records == []
