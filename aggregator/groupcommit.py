"""Group commit: writes that arrive while one is under way share the next transaction.

A refresh pass over sources that answer 304 Not Modified does nothing per
source but write its fetch state (status, next fetch, the released claim, a
log row); one transaction per source made those writes most of such a pass.
Here each caller still waits until its own write is committed -- so a source
counts as done only once its state is stored, as before -- but every write
that arrives while the previous transaction runs joins the next one, as a
database groups the commits of its log. An idle writer starts at once: nothing
waits for a group to fill.

It knows nothing of sources or SQL: it calls ``write(items)`` in ``executor``
(the refresh's single database thread) and hands each caller that write's
outcome, an exception included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Group(Generic[T]):
    items: list[T] = field(default_factory=list)
    written: asyncio.Task[None] | None = None


class GroupWriter(Generic[T]):
    """``await writer.put(item)`` returns once a transaction holding ``item`` committed."""

    def __init__(self, write: Callable[[Sequence[T]], None], executor: Executor) -> None:
        self._write = write
        self._executor = executor
        self._one_at_a_time = asyncio.Lock()
        self._forming: _Group[T] | None = None

    async def put(self, item: T) -> None:
        group = self._forming
        if group is None:
            group = self._forming = _Group()
            group.written = asyncio.ensure_future(self._commit(group))
        group.items.append(item)
        assert group.written is not None
        # shielded: one caller cancelled must not cancel the others' write
        await asyncio.shield(group.written)

    async def _commit(self, group: _Group[T]) -> None:
        async with self._one_at_a_time:
            self._forming = None  # the group closes; later items form the next one
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, self._write, group.items)
