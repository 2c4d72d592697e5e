"""This process's files in ``$PROMETHEUS_MULTIPROC_DIR``: given their disk blocks before
prometheus-client maps them.

prometheus-client sizes a new file with ``truncate`` (a sparse file) and writes it
through ``mmap``: on a full disk the first write kills the process with SIGBUS
instead of raising. ``reserve`` asks for the blocks with ``posix_fallocate``, which
fails with ENOSPC like any write. It handles files; it does not count
(``aggregator.metrics``).
"""

from __future__ import annotations

import os
from pathlib import Path

INITIAL_BYTES = 1024 * 1024  # prometheus-client's first size of a file (_INITIAL_MMAP_SIZE)
KINDS = ("counter", "histogram")  # the files medfeed's metrics write (it has no such gauges)


def own_file(directory: str, kind: str, pid: int | None = None) -> Path:
    return Path(directory) / f"{kind}_{pid if pid is not None else os.getpid()}.db"


def reserve(directory: str) -> None:
    """Give this process's files their first blocks now; OSError (ENOSPC) when the disk is full."""
    for kind in KINDS:
        _allocate(own_file(directory, kind), INITIAL_BYTES)


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
