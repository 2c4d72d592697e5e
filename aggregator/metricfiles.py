"""This process's files in ``$PROMETHEUS_MULTIPROC_DIR``: given their disk blocks before
prometheus-client maps them, and folded into one archive per kind when the process ends.

prometheus-client sizes a new file with ``truncate`` (a sparse file) and writes it
through ``mmap``: on a full disk the first write kills the process with SIGBUS
instead of raising. ``reserve`` asks for the blocks with ``posix_fallocate``, which
fails with ENOSPC like any write. Each process writes ``counter_<pid>.db`` and
``histogram_<pid>.db``, and ``/metrics`` sums every file there, the dead
processes' too (a counter must not go down); a cron ``medfeed refresh`` thus left
two files per run, forever. ``fold`` adds a process's values to
``counter_archive.db`` / ``histogram_archive.db`` (which ``/metrics`` sums like
any other) and removes its files: the sums are unchanged, the folder stays a few
files. It handles files; it does not count (``aggregator.metrics``).
"""

from __future__ import annotations

import fcntl
import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

INITIAL_BYTES = 1024 * 1024  # prometheus-client's first size of a file (_INITIAL_MMAP_SIZE)
KINDS = ("counter", "histogram")  # the files medfeed's metrics write (it has no such gauges)
ARCHIVE = "archive"  # the "pid" of the folded files: counter_archive.db
_LOCK = "medfeed-fold.lock"  # not *.db: /metrics reads only those


def own_file(directory: str, kind: str, pid: int | str | None = None) -> Path:
    return Path(directory) / f"{kind}_{pid if pid is not None else os.getpid()}.db"


def reserve(directory: str, pid: int | None = None) -> None:
    """Give this process's files their first blocks now; OSError (ENOSPC) when the disk is full,
    with none of them left behind (nothing would fold a file of a process that counts not).
    Under the folder's lock: a reader never meets a file still empty."""
    with _locked(directory):
        with suppress(OSError):  # a full disk: their files stay, still summed, as before
            _fold_ended(directory, pid if pid is not None else os.getpid())
        done: list[Path] = []
        try:
            for kind in KINDS:
                path = own_file(directory, kind, pid)
                _allocate(path, INITIAL_BYTES)
                done.append(path)
        except OSError:
            for path in done:
                path.unlink(missing_ok=True)
            raise


@contextmanager
def reading(directory: str) -> Iterator[None]:
    """Hold off folds (and reserves) while the folder's files are read: a fold adds a
    process's counts to the archive before it removes the process's files, and a reader
    between the two would count them twice, and the next reading would go down."""
    with _locked(directory, fcntl.LOCK_SH):
        yield


def fold(directory: str, pid: int | None = None) -> None:
    """Add a process's counts to the archive and remove its files (it must count no more).

    Serialised by a lock, so that two commands ending at once both land. OSError
    (a full disk) leaves the process's files where they are, still summed.
    """
    with _locked(directory):
        _fold(directory, pid)


def fold_ended(directory: str) -> None:
    """Fold the files of processes that ended without folding them: killed outright
    (SIGKILL, the OOM killer), crashed, or gunicorn workers, which count but are ended by
    their arbiter. Their files were summed for ever and the folder grew by two files per
    killed process. A pid that is alive again (reused) is left alone: its files are
    still summed, as before."""
    with _locked(directory):
        _fold_ended(directory, os.getpid())


def _fold(directory: str, pid: int | str | None) -> None:
    for kind in KINDS:
        own = own_file(directory, kind, pid)
        if own.exists():
            _add_into(own, own_file(directory, kind, ARCHIVE))
            own.unlink()


def _fold_ended(directory: str, keep: int) -> None:
    """Under the lock: fold every file whose process is gone (never ``keep``'s: a process
    reserving for another pid, as the tests do, is that pid)."""
    ended = {pid for pid in _writers(directory) if pid != keep and not _alive(pid)}
    for pid in sorted(ended):
        _fold(directory, pid)


def _writers(directory: str) -> set[int]:
    """The pids that have files in the folder (``counter_<pid>.db``)."""
    found = set()
    for kind in KINDS:
        for path in Path(directory).glob(f"{kind}_*.db"):
            pid = path.stem.removeprefix(f"{kind}_")
            if pid.isdigit():
                found.add(int(pid))
    return found


def _alive(pid: int) -> bool:
    """Whether a process of that pid runs on this machine (another user's counts too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _add_into(source: Path, archive: Path) -> None:
    from prometheus_client.mmap_dict import MmapedDict

    values = list(MmapedDict.read_all_values_from_file(str(source)))
    _allocate(archive, max(INITIAL_BYTES, _used(archive) + _used(source)))  # no sparse growth
    into = MmapedDict(str(archive))
    try:
        for key, value, timestamp, _position in values:
            before, _ = into.read_value(key)
            into.write_value(key, before + value, timestamp)
    finally:
        into.close()


def _allocate(path: Path, size: int) -> None:
    """The file at least ``size`` bytes, every one of them on disk (a new file is removed
    again when that fails)."""
    with path.open("a+b") as file:
        existing = os.fstat(file.fileno()).st_size
        try:
            os.posix_fallocate(file.fileno(), 0, max(existing, size))
        except OSError:
            file.truncate(existing)
            if existing == 0:
                path.unlink(missing_ok=True)
            raise


def _used(path: Path) -> int:
    """Bytes in use, from the file's header (0 for a file not there yet)."""
    try:
        with path.open("rb") as file:
            header = file.read(4)
    except FileNotFoundError:
        return 0
    return struct.unpack("i", header)[0] if len(header) == 4 else 0


@contextmanager
def _locked(directory: str, mode: int = fcntl.LOCK_EX) -> Iterator[None]:
    with (Path(directory) / _LOCK).open("a") as lock:
        fcntl.flock(lock, mode)
        yield
