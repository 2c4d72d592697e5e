"""Tables medfeed derives from data that installed packages ship, cached on disk.

The drug dictionary (``aggregator.drugs``) and the English word list
(``aggregator.english``) are large files of which the matcher keeps a small
part. Each is read once, in a child process (reading one in place raises the
reader's peak memory by tens of megabytes, which the allocator keeps), and
what is kept is cached in medfeed's cache folder (``$MEDFEED_CACHE_DIR``, else
``$XDG_CACHE_HOME/medfeed``, else ``~/.cache/medfeed``) under a name made from
the data file's path, size and time, so that the next process reads it in
milliseconds and a cache of another version of the file is never read. A cache
that cannot be written or read only costs time, never an error.

This module only finds, reads and writes those files; what a table holds is
its own module's business.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TypeVar

from .folders import make_folders

log = logging.getLogger(__name__)
T = TypeVar("T")
_reading: AbstractContextManager[object] = nullcontext()  # see ``read_in_turn``


def read_in_turn(lock: AbstractContextManager[object]) -> None:
    """Derive tables in this process only while holding ``lock``.

    The parse workers start together and each derives the tables at its first
    item: two readers of the drug file at once were ~125 MB of the refresh's
    peak, at its start. Holding a lock the pool shares, they read one after the
    other, and the first one's cache serves the next.
    """
    global _reading
    _reading = lock


def reading() -> AbstractContextManager[object]:
    """The lock ``read_in_turn`` set (none by default)."""
    return _reading


def cache_folder() -> Path:
    """Where medfeed keeps what it derives from installed data, to derive it once."""
    explicit = os.environ.get("MEDFEED_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "medfeed"


def cache_file(prefix: str, source: Path, suffix: str, *params: object) -> Path | None:
    """The cache of what is derived from ``source`` as it is now (and with ``params``, the
    choices that shape the table); None when ``source`` cannot be read."""
    try:
        stat = source.stat()
    except OSError:
        return None
    key = "|".join(map(str, (source, stat.st_size, stat.st_mtime_ns, *params)))
    return cache_folder() / f"{prefix}-{hashlib.sha256(key.encode()).hexdigest()[:16]}{suffix}"


def stamp(path: Path | None) -> tuple[object, ...]:
    """What tells that another input of a cached table changed, as ``cache_file`` params:
    its path, size and modification time (None for those when it cannot be read)."""
    try:
        stat = path.stat() if path is not None else None
    except OSError:
        stat = None
    return (path, None, None) if stat is None else (path, stat.st_size, stat.st_mtime_ns)


def read_cache(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_cache(path: Path | None, data: bytes) -> None:
    """Write atomically (several processes may start at once); a failure only costs speed."""
    if path is None:
        return
    try:
        make_folders(path.parent)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError as exc:
        log.debug("%s not cached in %s: %s", path.name, path.parent, exc)
        return
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except OSError as exc:
        log.debug("%s not cached in %s: %s", path.name, path.parent, exc)
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def cached_or_derived(
    path: Path | None, parse: Callable[[bytes | None], T | None], module: str, *args: str
) -> T:
    """What ``parse`` reads from the cache ``path``, else from what the child ``python -m
    module args`` writes (``run_child``), which is then cached. Only one worker derives
    at a time (``read_in_turn``); the next reads its cache. ``parse`` returns None for
    bytes that are no table (none, damaged, empty)."""
    found = parse(read_cache(path))
    if found is not None:
        return found
    with reading():  # another worker may have written the cache while this one waited
        found = parse(read_cache(path))
        if found is None:
            data = run_child(module, *args)
            found = parse(data)
            if found is None:
                raise DerivationError(f"{module} {' '.join(args)}: nothing derived")
            write_cache(path, data)
    return found


def run_child(module: str, *args: str) -> bytes:
    """The standard output of ``python -m module args`` (a module's ``__main__`` block that
    derives a table); raises DerivationError with its error output when it fails."""
    # The child imports this very package, wherever it was imported from.
    package_root = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(filter(None, (package_root, os.environ.get("PYTHONPATH"))))
    child = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        check=False,
        env={**os.environ, "PYTHONPATH": path},
    )
    if child.returncode != 0:
        raise DerivationError(f"{module} {' '.join(args)}: {child.stderr.decode(errors='replace')}")
    return child.stdout


class DerivationError(RuntimeError):
    """A table could not be derived from the data file a package ships."""
