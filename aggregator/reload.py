"""Notice edits to ``config.yaml`` and hold the last good ``Settings``.

A ``ConfigWatcher`` polls the file (its mtime and size, then a hash of its
bytes) and validates a changed file with the same parser as ``medfeed
check-config``. A valid edit replaces the settings it holds; an invalid edit is
rejected whole: the old settings stay in force and the ``ConfigError`` (file,
line, field) is kept in ``error`` until a valid file comes back. SIGHUP asks
for a check at the next opportunity. This module only reads the file: it does
not touch the database or schedule anything (``schedule`` does, and records the
error where the site can show it).

Polling rather than inotify: no extra package, it works for editors that
replace the file by renaming, on network filesystems and inside containers with
bind-mounted configs, and a stat every two seconds costs nothing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from .config import Settings, parse_settings
from .configfile import decode_config, read_config
from .errors import ConfigError

log = logging.getLogger(__name__)

POLL_EVERY = 2.0  # seconds between two looks at the file from ``current()``
# A file written within this many seconds of its last look may be written again
# within the same mtime tick (coarse filesystem clocks); hash it regardless.
SETTLE = 0.5  # seconds a just-written invalid file gets to be completed
RACY_WINDOW = 2.0


@dataclass(frozen=True)
class _Stat:
    mtime_ns: int
    size: int


@dataclass(frozen=True)
class Change:
    """What one check found: new settings, a rejected edit, or nothing new."""

    settings: Settings | None = None
    error: ConfigError | None = None

    @property
    def reloaded(self) -> bool:
        return self.settings is not None

    @property
    def rejected(self) -> bool:
        return self.error is not None


NO_CHANGE = Change()


class ConfigWatcher:
    """The config file as it was when last valid; cheap to ask again and again.

    ``check()`` looks at the file now and reports what changed; ``current()``
    is for code on a hot path (a web request): it looks at most every
    ``poll_every`` seconds and always returns usable settings.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        poll_every: float = POLL_EVERY,
        clock: Callable[[], float] = time.monotonic,
        quiet: bool = False,
    ) -> None:
        """``quiet``: log reloads and rejections at DEBUG only. The web workers' watchers
        are quiet, so that one edit is one line (the scheduler's), not one per process."""
        self.path = Path(settings.path)
        self._level = logging.DEBUG if quiet else logging.INFO
        self._settings = settings
        self._error: ConfigError | None = None
        self._poll_every = poll_every
        self._clock = clock
        self._lock = threading.Lock()
        self._forced = threading.Event()
        self._stat = _stat(self.path)
        self._digest: str | None = _digest_of(self.path)
        self._looked_at = clock()

    @property
    def settings(self) -> Settings:
        """The last valid settings (the ones in force)."""
        return self._settings

    @property
    def poll_every(self) -> float:
        return self._poll_every

    @property
    def error(self) -> ConfigError | None:
        """Why the file on disk is not the config in force, or None when it is."""
        return self._error

    def current(self) -> Settings:
        """The settings in force, re-checking the file at most every ``poll_every`` s."""
        if self._forced.is_set() or self._clock() - self._looked_at >= self._poll_every:
            self.check()
        return self._settings

    def request_check(self) -> None:
        """Make the next ``current()`` or ``check()`` read the file whatever its stat says."""
        self._forced.set()

    def check(self) -> Change:
        """Look at the file now; load it when its content changed since the last look."""
        with self._lock:
            forced = self._forced.is_set()
            self._forced.clear()
            now = self._clock()
            stat = _stat(self.path)
            racy = stat is not None and time.time() - stat.mtime_ns / 1e9 < RACY_WINDOW
            self._looked_at = now
            if stat == self._stat and not (forced or racy):
                return NO_CHANGE
            self._stat = stat
            try:
                data = read_config(self.path)
            except ConfigError as exc:
                return self._reject(exc, _digest(b""))
            digest = _digest(data)
            if digest == self._digest and not forced:
                return NO_CHANGE
            self._digest = digest
            try:
                settings = parse_settings(decode_config(data, self.path), path=self.path)
            except ConfigError as exc:
                if (
                    stat is not None
                    and 0 <= time.time() - stat.mtime_ns / 1e9 < SETTLE
                    and not forced
                ):
                    # Editors and scripts write in several steps: judge a file
                    # that is still being written on the next look.
                    self._stat = self._digest = None
                    return NO_CHANGE
                return self._reject(exc, digest)
            self._settings, self._error = settings, None
        log.log(self._level, "config %s reloaded: %d sources", self.path, len(settings.sources))
        return Change(settings=settings)

    def _reject(self, error: ConfigError, digest: str) -> Change:
        """Keep the old settings; log once per distinct bad file, not on every poll."""
        repeated = self._error is not None and str(self._error) == str(error)
        self._error, self._digest = error, digest
        if not repeated:
            level = logging.ERROR if self._level == logging.INFO else logging.DEBUG
            log.log(level, "config edit rejected, keeping the previous config: %s", error)
        return Change(error=error)

    def install_sighup(self) -> None:
        """SIGHUP forces a check (main thread only, as Python's ``signal`` requires)."""

        def on_hup(_signum: int, _frame: FrameType | None) -> None:
            self.request_check()

        signal.signal(signal.SIGHUP, on_hup)


def _stat(path: Path) -> _Stat | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return _Stat(info.st_mtime_ns, info.st_size)


def _digest_of(path: Path) -> str | None:
    """The hash of the file the settings came from; None when there is no such file."""
    try:
        return _digest(read_config(path))
    except ConfigError:
        return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
