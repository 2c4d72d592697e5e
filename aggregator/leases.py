"""Who holds a lease on a source, and whether that holder still exists.

A claim on a source names its holder as ``host:pid:start`` (``start`` is the
process start time in clock ticks since boot, from ``/proc``), so that a
process on the same host can tell at once that the holder is gone -- killed,
crashed, or its PID reused by another program -- and take the source over
instead of waiting for the lease to expire. A holder on another host cannot be
checked from here; its lease expires (``schedule.lease``). No database here:
``store.sources`` asks and acts.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from functools import cache
from pathlib import Path


@cache
def this_holder() -> str:
    """This process as a lease holder: ``host:pid:start``."""
    return holder_name(os.getpid())


def holder_name(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or 0}"


def holder_gone(holder: str) -> bool:
    """True only when ``holder`` certainly no longer runs (same host, no such process)."""
    host, _, rest = holder.partition(":")  # host names have no colons
    if host != socket.gethostname():
        return False
    pid_text, _, start_text = rest.partition(":")
    if not (pid_text.isascii() and pid_text.isdigit()) or not 0 < int(pid_text) < 2**31:
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # it exists, under another user
    except OSError:
        return False
    start = _start_ticks(pid)
    return bool(start and start_text.isdigit() and int(start_text) and start != int(start_text))


def _start_ticks(pid: int) -> int | None:
    """The process start time (field 22 of /proc/PID/stat); None where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # the command name may hold spaces
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def die_with(holder: str, every: float = 1.0) -> None:
    """In a helper process (a parse-pool worker): exit once ``holder`` is gone.

    A SIGKILLed ``medfeed refresh`` cannot stop its pool, and the workers'
    parent is the forkserver, not the killed process, so neither a signal nor
    a closed pipe reaches them; without this each kill would leave idle
    workers of ~140 MB behind.
    """

    def watch() -> None:
        while not holder_gone(holder):
            time.sleep(every)
        os._exit(0)

    threading.Thread(target=watch, name="medfeed-die-with-parent", daemon=True).start()
