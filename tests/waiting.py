"""Waiting for something to happen, for tests that run on a loaded CI machine.

A test that sleeps a fixed time and then asserts passes on an idle machine and
fails on a busy one. These helpers poll for the condition instead: a passing
wait returns as soon as it holds, so the bound is an upper limit for a loaded
machine (tens of seconds), never the pace of the test.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# An upper bound only (a passing wait returns at once): generous, for a loaded CI machine.
WAIT = 30.0


def wait_until(condition: Callable[[], bool], timeout: float = WAIT, every: float = 0.05) -> bool:
    """True as soon as ``condition()`` holds; its last answer once ``timeout`` s have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()
