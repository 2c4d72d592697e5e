"""html5ever's list of active formatting elements, as far as it sets how deeply
tags nest: which formatting elements (``<b>``, ``<font>``, ``<a>`` ...) html5ever
opens again at the next text, and which it has let go.

``nesting._Nesting`` holds the open elements; this holds, for each formatting
element it opened, its tag's name and attributes as written and whether it is
still in the list, open or waiting to be opened again. It does not decide what a
tag does to the open elements; it keeps the list as the spec's "push onto the list
of active formatting elements" (Noah's Ark) and the ``<a>`` rule change it.

Noah's Ark: html5ever keeps at most three elements with the same tag name and
attributes after the last marker (a ``<td>``, ``<object>`` ...), and lets the
earliest go when it adds a fourth; ``<p><font face=Arial>text`` repeated nests five
deep, not once a repeat. The model compares attributes as written, and only
entries it is *sure* html5ever holds (numbered from ``sure_from`` on: the model
stops being sure of what came before wherever it does not follow html5ever's list
exactly, at a marker, at a tag that may clear one, in the adoption agency's harder
cases, within a ``<select>``). Why that never makes the model count an element
closed that html5ever keeps open (it must count at least html5ever's depth, or
hostile nesting reaches nh3; counting more only loses markup):

- The tokenizer makes a tag's name and attributes from its text alone (names
  folded to lower case, references decoded, a repeated attribute dropped, the
  same wherever the tag stands), and ``htmltokens`` finds tags where it does: two
  tags written alike are alike for html5ever. Written differently they may still
  be alike (``face=Arial``, ``face="Arial"``, another order): the model's classes
  are finer than html5ever's, never coarser.
- The model lets an entry go only when it holds three sure entries written like
  the new one. html5ever holds those three, after its last marker (the model
  sets a marker wherever html5ever does, and is sure of nothing before its last),
  and never holds more than three alike there: so no other entry alike, and the
  earliest of the three, the one the model lets go, is the one html5ever lets go.
- Where html5ever lets an entry go and the model does not (alike only for
  html5ever), the model keeps one more: the newest three of a class are among the
  newest three of each finer class they fall in, so every entry html5ever keeps,
  the model keeps. Counted later among three sure entries alike, such an entry is
  their earliest (html5ever lets the earliest of a class go first), so the model
  lets go one that html5ever no longer holds.

The hypothesis properties in ``tests/test_nesting.py`` check the whole against
the depth of nh3's own tree.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

# How many elements alike html5ever keeps after the last marker ("Noah's Ark").
_ALIKE = 3


@dataclass(slots=True)
class _Entry:
    name: str
    attributes: str  # as written
    waiting: bool = False  # closed by another's end tag, to be opened again


class ActiveFormatting:
    """The list: entries by number, in the order html5ever's list holds them (an
    entry opened again keeps its place, as html5ever's does)."""

    def __init__(self) -> None:
        self.entries: dict[int, _Entry] = {}  # in the list, open or waiting
        self.by_name: dict[str, list[int]] = {}  # the entries of each name, in order
        self.alike: dict[tuple[str, str], list[int]] = {}  # and of each name and attributes
        self.waiting: list[int | None] = []  # entries to open again; None fences
        self.waiting_count = 0  # waiting entries still in the list
        self.next = 0
        self.fence = -1  # the number of the last marker
        self.sure_from = 0  # entries from this number on are in html5ever's list

    def unsure(self) -> None:
        """The model no longer knows which entries before now html5ever holds."""
        self.sure_from = self.next

    def mark(self) -> None:
        """A marker (``<td>``, ``<object>`` ...): the entries before it are not opened
        again nor compared until html5ever clears it, and the model may set one that
        html5ever does not (a ``<td>`` outside a table): it is sure of none of them."""
        self.waiting.append(None)
        self.fence = self.next
        self.next += 1
        self.unsure()

    def push(self, name: str, attributes: str) -> int:
        """A new entry for a formatting element just opened (Noah's Ark first)."""
        attributes = attributes.strip("\t\n\f\r ")
        numbers = self.alike.setdefault((name, attributes), [])
        alike = len(numbers) - bisect_left(numbers, self.sure_from)  # past the fence too
        if alike == _ALIKE:
            self.let_go(numbers[-_ALIKE])
        elif alike > _ALIKE:  # not html5ever's list: the model lost track of it
            self.unsure()
        number = self.next
        self.next += 1
        self.entries[number] = _Entry(name, attributes)
        self.by_name.setdefault(name, []).append(number)
        numbers.append(number)
        return number

    def newest(self, name: str) -> int:
        """The newest entry of ``name`` after the last marker, or -1."""
        numbers = self.by_name.get(name)
        return numbers[-1] if numbers and numbers[-1] > self.fence else -1

    def is_waiting(self, number: int) -> bool:
        return self.entries[number].waiting

    def let_go(self, number: int) -> None:
        """Take an entry off the list: closed by its own end tag, or let go."""
        entry = self.entries.pop(number, None)
        if entry is None:
            return
        for numbers in (self.by_name[entry.name], self.alike[entry.name, entry.attributes]):
            del numbers[bisect_left(numbers, number)]
        if entry.waiting:  # it stays in ``waiting``, skipped when opened again
            self.waiting_count -= 1

    def wait(self, number: int) -> None:
        """An open element closed by another's end tag: still in the list, it waits."""
        entry = self.entries.get(number)
        if entry is not None:
            entry.waiting = True
            self.waiting.append(number)
            self.waiting_count += 1

    def reopen(self) -> list[tuple[str, int]]:
        """The entries waiting since the last fence, opened again in list order
        ("reconstruct the active formatting elements")."""
        waiting = self.waiting
        first = len(waiting)
        while first and waiting[first - 1] is not None:
            first -= 1
        opened = []
        for number in waiting[first:]:
            entry = self.entries.get(number) if number is not None else None
            if number is not None and entry is not None and entry.waiting:
                entry.waiting = False
                self.waiting_count -= 1
                opened.append((entry.name, number))
        del waiting[first:]
        return opened

    def has_waiting(self) -> bool:
        return bool(self.waiting) and self.waiting[-1] is not None

    def forget(self, name: str) -> None:
        """The end tag of a formatting element none of which is open: html5ever takes
        the newest of its name off the list when it waits."""
        newest = self.newest(name)
        if newest >= 0 and self.entries[newest].waiting:
            self.let_go(newest)
        elif newest >= 0:  # one still open, that no longer answers to its end tag
            self.unsure()
