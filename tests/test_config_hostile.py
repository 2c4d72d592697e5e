"""Issue 12, cases 1, 2 and 8: a config file can hold anything, and medfeed reports it.

Every hostile or broken file is a ``ConfigError`` naming the file, the line
where known and the field; ``check-config`` exits 2 without a traceback; a
running service keeps its last good config and says why on /api/sources; the
web workers never read the file inside a request.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from pathlib import Path

import pytest
from flask import Flask

from aggregator.cli import main
from aggregator.config import load_settings
from aggregator.configfile import MAX_BYTES
from aggregator.errors import ConfigError
from aggregator.reload import ConfigWatcher
from aggregator.schedule import RefreshService
from aggregator.store import Store
from web import WATCHER, create_app

GOOD = (
    "sources:\n  - id: alpha\n    name: Alpha\n    url: https://example.org/a.xml\n    kind: news\n"
)
# What "at once" means below: a loaded CI machine takes a few seconds to read a small file,
# a blocked read of a FIFO never ends and the 9-level alias bomb expands to 3.5 billion nodes.
AT_ONCE = 15.0


def alias_bomb(levels: int = 9) -> str:
    names = [f"l{i}" for i in range(levels + 1)]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(["lol"] * 9) + "]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


# name -> (bytes of the file, a phrase of the message, the line it must name or None)
BAD_FILES: dict[str, tuple[bytes, str, int | None]] = {
    "control character": (GOOD.replace("name: Alpha", "name: A\x07").encode(), "U+0007", 3),
    "NUL byte": (GOOD.replace("name: Alpha", "name: A\x00").encode(), "U+0000", 3),
    "python tag": (
        b"x: !!python/object/apply:os.system ['touch /tmp/medfeed-pwned']\n" + GOOD.encode(),
        "!!python/object/apply:os.system",
        1,
    ),
    "complex key": (b"? [a, b]\n: 1\n" + GOOD.encode(), "plain name", 1),
    "recursive alias": (b"x: &x [*x]\n" + GOOD.encode(), "recursive alias", 1),
    "Latin-1 file": (GOOD.replace("Alpha", "Caf\xe9").encode("latin-1"), "not UTF-8", 3),
    "UTF-16 file": (GOOD.encode("utf-16"), "UTF-16", 1),
    "alias bomb": ((alias_bomb() + GOOD).encode(), "aliases", None),
    "10 MB file": (GOOD.encode() + b"#" + b"x" * 10_000_000 + b"\n", "larger than 1 MB", None),
    "overflowing duration": (
        GOOD.replace("kind: news", "kind: news\n    interval: 99999999999999999999d").encode(),
        "duration",
        6,
    ),
    "infinite size": (b"http:\n  max_bytes: 1e999MB\n" + GOOD.encode(), "size", 2),
    "malformed allow_hosts": (
        b"fulltext:\n  allow_hosts: ['http://[::1']\n" + GOOD.encode(),
        "not a host",
        2,
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_hostile_config_is_a_config_error_naming_file_and_line(tmp_path: Path, name: str) -> None:
    data, phrase, line = BAD_FILES[name]
    path = tmp_path / "config.yaml"
    path.write_bytes(data)
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert time.monotonic() - started < AT_ONCE
    assert caught.value.path == str(path)
    assert phrase in str(caught.value)
    if line is not None:
        assert caught.value.line == line


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_check_config_exits_2_without_a_traceback(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(BAD_FILES[name][0])
    assert main(["--config", str(path), "check-config"]) == 2
    err = capsys.readouterr().err
    assert "config error" in err and str(path.name) in err and "Traceback" not in err


def test_python_tag_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "config.yaml"
    path.write_text(f"x: !!python/object/apply:os.system ['touch {marker}']\n{GOOD}")
    with pytest.raises(ConfigError):
        load_settings(path)
    assert not marker.exists()


def test_fifo_as_config_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(ConfigError, match="not a regular file"):
        load_settings(fifo)
    assert time.monotonic() - started < AT_ONCE


def test_directory_as_config_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a regular file"):
        load_settings(tmp_path)


def test_nine_level_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(alias_bomb(9) + GOOD)
    started = time.monotonic()
    with pytest.raises(ConfigError):
        load_settings(path)
    assert time.monotonic() - started < AT_ONCE


def test_a_few_aliases_are_still_allowed(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "sources:\n"
        "  - &base {id: alpha, name: Alpha, url: 'https://example.org/a.xml', kind: news}\n"
        "  - {<<: *base, id: beta, url: 'https://example.org/b.xml'}\n"
    )
    assert [s.id for s in load_settings(path).sources] == ["alpha", "beta"]


def test_file_just_under_the_cap_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    padding = "#" + "x" * 998 + "\n"
    path.write_text(GOOD + padding * ((MAX_BYTES - len(GOOD)) // len(padding)))
    assert os.path.getsize(path) <= MAX_BYTES
    assert load_settings(path).sources[0].id == "alpha"


def test_a_large_config_read_on_a_loaded_machine_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read's time box counted wall time: every second the machine kept the reading
    thread waiting counted as reading, and a valid config of 1,000 sources was refused
    ("took too long"). Here the wall clock runs ten seconds ahead at every look."""
    sources = "".join(
        f"  - id: s{n}\n    name: S{n}\n    url: https://example.org/{n}.xml\n    kind: news\n"
        for n in range(1000)
    )
    path = tmp_path / "config.yaml"
    path.write_text("sources:\n" + sources)
    wall = itertools.count(start=time.monotonic(), step=10.0)
    monkeypatch.setattr(time, "monotonic", lambda: float(next(wall)))
    assert len(load_settings(path).sources) == 1000


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_settings(path).sources[0].id == "alpha"


@pytest.mark.parametrize("name", ["python tag", "recursive alias", "alias bomb", "Latin-1 file"])
def test_running_service_keeps_its_config_and_records_why(
    tmp_path: Path, database_url: str, store: Store, name: str
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"database: {database_url}\n{GOOD}")
    service = RefreshService(load_settings(path), store, worker="test")
    store.sync_sources(service.settings.configured_sources())
    path.write_bytes(BAD_FILES[name][0])
    service.watcher.request_check()
    service.tick()
    assert [s.id for s in service.settings.sources] == ["alpha"]
    assert BAD_FILES[name][1] in (store.get_meta("config_error") or "")


@pytest.fixture
def followed_site(
    tmp_path: Path, database_url: str, store: Store, monkeypatch: pytest.MonkeyPatch
) -> tuple[Flask, Path]:
    path = tmp_path / "config.yaml"
    path.write_text(f"database: {database_url}\n{GOOD}")
    monkeypatch.setenv("MEDFEED_CONFIG", str(path))
    store.sync_sources(load_settings(path).configured_sources())
    return create_app(store=store), path


def test_site_keeps_answering_and_reports_a_rejected_edit(
    followed_site: tuple[Flask, Path],
) -> None:
    site, path = followed_site
    client = site.test_client()
    path.write_bytes(BAD_FILES["recursive alias"][0])
    deadline = time.monotonic() + 30
    error = None
    while time.monotonic() < deadline and error is None:
        assert client.get("/healthz").status_code == 200
        answer = client.get("/api/sources")
        assert answer.status_code == 200
        error = answer.get_json()["config_error"]
        time.sleep(0.2)
    assert error is not None
    assert client.get("/sources").status_code == 200


def test_requests_never_read_the_config_file(followed_site: tuple[Flask, Path]) -> None:
    site, path = followed_site
    watcher: ConfigWatcher = site.extensions[WATCHER]
    checked_in: set[int] = set()
    original = watcher.check

    def recording_check() -> object:
        checked_in.add(threading.get_ident())
        return original()

    watcher.check = recording_check  # type: ignore[method-assign]
    client = site.test_client()
    for _ in range(15):
        path.write_text(path.read_text() + "# edit\n")
        assert client.get("/api/sources").status_code == 200
        time.sleep(0.2)
    assert checked_in and threading.get_ident() not in checked_in
