"""ConfigWatcher on real files: edits are noticed, bad edits are rejected whole."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from aggregator.config import load_settings
from aggregator.reload import ConfigWatcher
from tests.feeds import config_text

ONE = [("wire", "https://news.example.org/feed.xml", "news")]
TWO = [*ONE, ("journal", "https://journal.example.org/rss", "article")]


class Clock:
    """A monotonic clock the test moves by hand, so rate limits are tested without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(config_text("sqlite:///medfeed.db", ONE))
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def watcher(config: Path, clock: Clock) -> ConfigWatcher:
    return ConfigWatcher(load_settings(config), clock=clock)


def rewrite(path: Path, text: str) -> None:
    """Write and push the mtime forward, as a later edit by an admin would."""
    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


def test_untouched_file_is_no_change(watcher: ConfigWatcher) -> None:
    change = watcher.check()
    assert not change.reloaded and not change.rejected


def test_edit_adding_a_source_is_loaded(config: Path, watcher: ConfigWatcher) -> None:
    rewrite(config, config_text("sqlite:///medfeed.db", TWO))
    change = watcher.check()
    assert change.reloaded
    assert [s.id for s in watcher.settings.sources] == ["wire", "journal"]


def test_touch_without_new_content_does_not_reload(config: Path, watcher: ConfigWatcher) -> None:
    rewrite(config, config.read_text())
    assert not watcher.check().reloaded


def test_invalid_edit_keeps_the_old_settings_and_names_line_and_field(
    config: Path, watcher: ConfigWatcher
) -> None:
    rewrite(config, config.read_text().replace("kind: news", "kind: gossip"))
    change = watcher.check()
    assert change.rejected and not change.reloaded
    assert [s.id for s in watcher.settings.sources] == ["wire"]
    assert watcher.error is not None
    assert (watcher.error.path, watcher.error.field) == (str(config), "sources[0].kind")
    assert watcher.error.line == config.read_text().splitlines().index("    kind: gossip") + 1


def test_a_bad_max_entries_of_one_source_keeps_every_source_of_the_old_settings(
    config: Path, watcher: ConfigWatcher
) -> None:
    rewrite(config, config_text("sqlite:///medfeed.db", TWO))
    watcher.check()
    text = config.read_text().replace(
        "    name: Journal\n", "    name: Journal\n    max_entries: 0\n"
    )
    rewrite(config, text)
    change = watcher.check()
    assert change.rejected and not change.reloaded
    assert [s.id for s in watcher.settings.sources] == ["wire", "journal"]
    assert watcher.error is not None and watcher.error.field == "sources[1].max_entries"
    assert "greater than or equal to 1" in str(watcher.error)
    assert watcher.error.line == text.splitlines().index("    max_entries: 0") + 1


def test_a_file_caught_half_written_is_judged_once_it_settles(
    config: Path, watcher: ConfigWatcher
) -> None:
    good = config.read_text()
    config.write_text("")  # an editor truncates, then writes
    assert not watcher.check().rejected
    config.write_text(good.replace("Wire", "Wire Service"))
    assert watcher.check().reloaded
    assert watcher.error is None


def test_broken_yaml_is_rejected(config: Path, watcher: ConfigWatcher) -> None:
    rewrite(config, config.read_text() + "  - id: [unclosed\n")
    assert watcher.check().rejected
    assert "invalid YAML" in str(watcher.error)


def test_fixing_the_file_clears_the_error(config: Path, watcher: ConfigWatcher) -> None:
    good = config.read_text()
    rewrite(config, "sources: []\n")
    watcher.check()
    rewrite(config, good.replace("Wire", "Wire Service"))
    assert watcher.check().reloaded
    assert watcher.error is None
    assert watcher.settings.sources[0].name == "Wire Service"


def test_deleted_file_is_rejected_and_old_settings_stay(
    config: Path, watcher: ConfigWatcher
) -> None:
    config.unlink()
    assert watcher.check().rejected
    assert "cannot read the file" in str(watcher.error)
    assert watcher.settings.sources[0].id == "wire"


def test_current_looks_at_the_file_at_most_every_two_seconds(
    config: Path, watcher: ConfigWatcher, clock: Clock
) -> None:
    watcher.check()
    rewrite(config, config_text("sqlite:///medfeed.db", TWO))
    clock.now += 1.0
    assert len(watcher.current().sources) == 1
    clock.now += 1.0
    assert len(watcher.current().sources) == 2


def test_requested_check_reads_the_file_before_the_poll_interval(
    config: Path, watcher: ConfigWatcher
) -> None:
    watcher.check()
    rewrite(config, config_text("sqlite:///medfeed.db", TWO))
    watcher.request_check()
    assert len(watcher.current().sources) == 2


@pytest.fixture
def restore_sighup() -> Iterator[None]:
    previous = signal.getsignal(signal.SIGHUP)
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, previous)


@pytest.mark.usefixtures("restore_sighup")
def test_sighup_forces_a_check(config: Path, watcher: ConfigWatcher) -> None:
    watcher.install_sighup()
    watcher.check()
    rewrite(config, config_text("sqlite:///medfeed.db", TWO))
    os.kill(os.getpid(), signal.SIGHUP)
    assert len(watcher.current().sources) == 2


def test_same_size_edit_within_the_same_mtime_is_still_noticed(
    config: Path, watcher: ConfigWatcher
) -> None:
    """Coarse filesystem clocks: a rewrite can keep mtime and size; the hash catches it."""
    before = config.stat()
    config.write_text(config.read_text().replace("Wire", "Wyre"))
    os.utime(config, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert watcher.check().reloaded
    assert watcher.settings.sources[0].name == "Wyre"


def test_settings_without_a_file_never_change(tmp_path: Path, config: Path) -> None:
    settings = load_settings(config).model_copy(update={"path": tmp_path / "absent.yaml"})
    watcher = ConfigWatcher(settings)
    change = watcher.check()
    assert not change.reloaded and not change.rejected
