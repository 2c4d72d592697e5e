"""Create a folder and the missing folders above it, however deep the path.

``Path.mkdir(parents=True)`` and ``os.makedirs`` call themselves once per missing
level: a path ~1,000 folders deep raised RecursionError, a traceback where the
callers report an ``OSError`` (the database's folder, the cache's). This module
only creates folders; it decides nothing about where they go.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path


def make_folders(folder: Path) -> None:
    """``folder.mkdir(parents=True, exist_ok=True)``, one level after another from the
    nearest that exists, without recursion; ``OSError`` as ``mkdir`` raises it."""
    missing = []
    above = folder
    while not above.exists() and above.parent != above:
        missing.append(above)
        above = above.parent
    for level in reversed(missing):
        with suppress(FileExistsError):  # made meanwhile (another process), or a file: below
            level.mkdir()
    if not folder.is_dir():
        folder.mkdir()  # FileExistsError (a file is there), as ``exist_ok`` raises it
