"""Cap how deeply tags nest, and how many attributes one tag carries, before the
sanitizer reads them.

nh3 (html5ever inside) takes time that grows with the square of the nesting and of
one tag's attributes: a summary of a megabyte built to nest held a parse worker for
minutes. ``shallow`` leaves out the tags that html5ever would nest past MAX_DEPTH,
and the attributes of a tag past its first MAX_ATTRIBUTES, reading the text once
(``tags_end``). It models how html5ever nests tags (``_Nesting``) closely enough
that no article is touched: the element tables are in ``htmlelements``, the
formatting elements html5ever opens again (at most three alike) in ``formatting``.

It does not sanitize: what it keeps still goes through the allow-list in
``sanitize.py``; it only leaves out tags and attributes.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator

from .formatting import ActiveFormatting
from .htmlelements import (
    BREAKOUT,
    CLEARS_MARKER,
    CLOSES_P,
    FAMILY,
    FOREIGN_ONLY,
    FOREIGN_ROOTS,
    FORMATTING,
    HEADINGS,
    IMPLIED,
    INTEGRATION,
    LIST_ITEMS,
    MARKERS,
    NOT_NESTING,
    SCOPE,
    SCOPED_END,
    SPECIAL,
)
from .htmltokens import RAW_TEXT, TAG, next_tag, raw_text_end, tag_name, tags_end

# How deep tags may nest before the sanitizer sees them (``shallow``), and how many
# attributes one tag may carry (html5ever compares each with all before it).
MAX_DEPTH = 1024
MAX_ATTRIBUTES = 256
# A tag long enough to hold more than MAX_ATTRIBUTES attributes (each at least a letter
# and a blank), and one attribute of it.
_LONG_TAG = re.compile(rf"<[a-zA-Z][^<>]{{{2 * MAX_ATTRIBUTES},}}")
# An attribute's name, as ``TAG`` reads it (a name may start with "="), past its value.
_ATTRIBUTE_NAME = re.compile(
    r"([^\t\n\f\r />][^\t\n\f\r />=]*+)"
    r"""(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:"[^"]*+"|'[^']*+'|[^\t\n\f\r >]*+))?"""
)
_ATTRIBUTE_TOKEN = re.compile(r"""[^\s/>=]++(?:\s*+=\s*+(?:"[^"]*+"?|'[^']*+'?|[^\s>]*+))?""")
# Where a CDATA section may start (in SVG or MathML): html5ever reads it to "]]>".
_CDATA = "<![CDATA["
_START_TAG = re.compile("<[a-zA-Z]")
# The first letters of a tag's name: enough to tell an ``IMPLIED`` name from others.
_NAME = re.compile(r"[a-zA-Z][^\t\n\f\r />]*+")
_NAME_READ = 1 + max(map(len, IMPLIED))


def shallow(html: str) -> str:
    """``html`` without the tags nested deeper than MAX_DEPTH (their text kept), and
    without the attributes of a tag past its first MAX_ATTRIBUTES.

    The sanitizer's time grows with the square of the nesting: 20,000 nested
    ``<div>`` take 1 s, 100,000 (a 1 MB item) half a minute of a parse worker,
    and a feed may carry many; and with the square of one tag's attributes. No
    article nests past a few dozen, nor gives a tag more than a few dozen
    attributes. Nesting is counted as html5ever builds the tree (``_Nesting``):
    ``<div/>`` nests like ``<div>`` outside SVG and MathML, ``</x>`` closes
    nothing when no ``<x>`` is open, a ``<b>`` closed by ``</div>`` opens again
    at the next text; the text of comments, ``<textarea>`` and ``<script>`` holds
    no tags (``htmltokens``). Tags are only left out, so the sanitizer still sees
    all that is kept.
    """
    # A tag opens at most two elements (a table's cell opens its row too), and html5ever
    # opens a formatting element again only after closing it. Under 8 kB a tag holds at
    # most a few thousand attributes: a millisecond of nh3.
    tags = html.count("<") * (2 if "<table" in html or "<TABLE" in html else 1)
    if tags <= MAX_DEPTH and (len(html) < 8192 or not _LONG_TAG.search(html)):
        return html
    kept: list[str] = []
    start = 0  # where the text not yet copied to kept starts
    end = tags_end(html)
    name = (0, 0)  # where the name of the last tag kept whole is
    for found, keep in _read(html, _Nesting()):
        if isinstance(found, int):  # counted (``_read``): read only when it may go
            # one starting within that name ("<a<a<a ... >") reads the same attributes
            if found < start or (keep and name[0] < found < name[1]):
                continue
            match = TAG.match(html, found, end)
            if match is None:
                continue
            tag = match
        else:
            tag = found
        closing, attributes = tag.group(1), tag.group(3)
        if keep and len(attributes) < 2 * MAX_ATTRIBUTES and tag.start() >= start:
            name = tag.span(2)
        if (keep and len(attributes) < 2 * MAX_ATTRIBUTES) or tag.start() < start:
            continue  # kept whole, or within a tag left out (gone with it)
        listed = _ATTRIBUTE_TOKEN.findall(attributes) if keep else []
        if keep and len(listed) <= MAX_ATTRIBUTES:
            continue
        kept.append(html[start : tag.start()])
        start = tag.end()
        if keep:  # the tag with its first attributes
            first = " ".join(listed[:MAX_ATTRIBUTES])
            kept.append(f"<{closing}{tag.group(2)} {first}{tag.group(4)}>")
        elif html[tag.start() - 1 : tag.start()] in ("<", "/", "!", "-", "?", "]"):
            kept.append(" ")  # "<" + "<b>" + "div>" left out would make a "<div>"
    if not kept:
        return html
    kept.append(html[start:])
    return "".join(kept)


def _read(html: str, nesting: _Nesting) -> Iterator[tuple[re.Match[str] | int, bool]]:
    """Each tag of ``html`` as html5ever reads it, and whether ``nesting`` keeps it.

    Once the model gives up (``_Nesting.counting``), every "<" before a letter is read
    as a start tag, even within a comment or an attribute's value: whatever html5ever
    makes of the text, it opens no element but at one of them. Such a tag is given by
    where it starts, and only its name's first letters are read: its match would read
    on to the ">" that ends it, past the many tags it holds, each read so in turn.
    """
    at, end = 0, tags_end(html)
    while (tag := next_tag(html, at, end)) is not None:
        if at < (start := tag.start()):  # text, or a comment
            if nesting.seen_foreign and html.find(_CDATA, at, start) != -1:
                nesting.counting = True  # in SVG or MathML, text to "]]>"
                break
            if nesting.formatting.has_waiting():
                nesting.reopen()
        at = tag.end()
        closing, name, slash = tag[1], tag[2], tag[4]
        name = tag_name(name)
        keep = nesting.close(name) if closing else nesting.open(name, bool(slash), tag[3])
        yield tag, keep
        if keep and not closing and name in RAW_TEXT:
            if nesting.raw_text():
                at = raw_text_end(html, name, at)
            else:
                break
    else:
        return
    for letter in _START_TAG.finditer(html, at, end):
        begin = letter.start()
        name = _NAME.match(html, begin + 1, min(end, begin + 1 + _NAME_READ))
        # counting, ``open`` reads no more of a name than whether it implies others
        yield begin, nesting.open(tag_name(name[0]) if name else "", False)


def _presentational(attributes: str) -> bool:
    """Whether a ``<font>`` with ``attributes`` as written ends SVG and MathML: only
    one with a ``color``, ``face`` or ``size`` does; others are SVG's own."""
    return any(
        name.lower() in ("color", "face", "size") for name in _ATTRIBUTE_NAME.findall(attributes)
    )


class _Nesting:
    """The elements open at a tag, as html5ever would hold them, up to MAX_DEPTH.

    Close enough to tell real articles (always far from the cap) from a summary built
    to nest: it errs towards counting an element open, never towards counting one
    closed that html5ever keeps open (the nesting it would cost would go unseen).
    Formatting elements closed by another's end tag wait to be opened again
    (``formatting``, unless html5ever let them go) and count as open meanwhile; a
    ``<table>`` counts as the four levels its first cell opens.

    Where SVG or MathML may hold a ``<style>``, ``<title>`` or CDATA section, which
    html5ever reads as text or as tags depending on the tree, it gives up modelling
    (``counting``): from there on every start tag counts as the levels it may open
    and no end tag as fewer, an upper bound on any tree html5ever may build.
    """

    def __init__(self) -> None:
        self.names: list[str] = []
        self.foreign: list[bool] = []  # whether each open element is SVG or MathML
        self.special: list[int] = [-1]  # where the innermost special element is
        self.scope: list[int] = [-1]  # and the innermost scope boundary
        self.html: list[int] = [-1]  # where the HTML elements are
        self.plain: list[int] = [-1]  # and the elements but formatting ones
        self.blocking: list[int] = [-1]  # and special element but <address>, <div>, <p>
        self.where: dict[str, list[int]] = {}  # where each name is open
        self.dropped: set[str] = set()  # names whose start tags were left out
        self.formatting = ActiveFormatting()  # formatting elements open or waiting
        self.entries: list[int] = []  # each open element's entry there, or -1
        self.tables = 0  # <table> elements open
        self.seen_foreign = False  # whether an SVG or MathML element was ever open
        self.form = False  # html5ever's form element pointer is set
        self.counting = False
        self.counted = 0  # levels counted once counting

    def depth(self) -> int:
        return len(self.names) + self.formatting.waiting_count + 3 * self.tables + self.counted

    def open(self, name: str, self_closing: bool, attributes: str = "") -> bool:
        """Whether the start tag of ``name`` is kept (it is not too deep); its
        ``attributes`` as written tell a formatting element's like (``formatting``)."""
        if self.counting:
            levels = 1 + IMPLIED.get(name, 0)
            if self.depth() + levels > MAX_DEPTH:
                self.dropped.add(name)
                return False
            self.counted += levels
            return True
        in_foreign = self.seen_foreign and self._in_foreign()
        breaks_out = (
            in_foreign and name in BREAKOUT and (name != "font" or _presentational(attributes))
        )
        if self.depth() + (4 if name == "table" else 1) > MAX_DEPTH and not (
            (name in NOT_NESTING and name not in CLOSES_P)
            or (self_closing and (name in FOREIGN_ROOTS or (in_foreign and not breaks_out)))
        ):  # left out before it closes anything: html5ever will not see it
            self.dropped.add(name)
            return False
        if breaks_out:
            self._leave_foreign()
            in_foreign = False
        if self_closing and (in_foreign or name in FOREIGN_ROOTS):
            return True
        if not in_foreign:
            if name in CLEARS_MARKER and self.formatting.fence >= 0:
                self.formatting.unsure()  # html5ever may clear the list to a marker
            if name == "a":
                self._end_link()
            if self.formatting.has_waiting():
                self.reopen()
            if name == "nobr" and self.where.get("nobr"):
                self.close("nobr")  # html5ever ends the one in scope first, as </nobr> does
                if self.formatting.has_waiting():
                    self.reopen()
            if name in MARKERS:
                self.formatting.mark()
            if name in LIST_ITEMS:
                self._end_list_item(LIST_ITEMS[name])
            if name in CLOSES_P and self.where.get("p") and self._paragraph_open():
                self.close("p")
            if name in HEADINGS and self.names[-1:] and self.names[-1] in HEADINGS:
                self._pop()  # a heading ends the heading it would open in
            if name in NOT_NESTING or (name == "form" and self.form):
                return True  # a <form> within a form is ignored
            if name == "caption" and not self.tables:
                return True  # and a <caption> outside a table
            if self.names and self.names[-1] in FAMILY.get(name, ()) and self._may_end(name):
                self._pop()
        if self.depth() + (4 if name == "table" else 1) > MAX_DEPTH:
            self.dropped.add(name)
            return False
        foreign = in_foreign or name in FOREIGN_ROOTS
        entry = -1
        if name in FORMATTING and not foreign:
            entry = self.formatting.push(name, attributes)
            if self.where.get("select"):  # html5ever may ignore it
                self.formatting.unsure()
        self._push(name, foreign, entry)
        self.form = self.form or (name == "form" and not self.where.get("template"))
        return True

    def _end_link(self) -> None:
        """An ``<a>`` while one is in the list: html5ever ends that one first (the
        adoption agency, as for ``</a>``) and takes it off the list."""
        newest = self.formatting.newest("a")
        if newest < 0:
            return
        if self.where.get("select") or (self.foreign and self.foreign[-1]):
            self.formatting.unsure()  # ignored, or ended through SVG: keep it
        elif self.formatting.is_waiting(newest):
            self.formatting.let_go(newest)
        else:
            self.close("a")
            if newest in self.formatting.entries:  # not ended: html5ever let it go,
                self.formatting.unsure()  # or one the adoption agency made instead

    def _in_foreign(self) -> bool:
        """Whether the current element is SVG or MathML, and holds no HTML."""
        return bool(self.foreign) and self.foreign[-1] and self.names[-1] not in INTEGRATION

    def _leave_foreign(self) -> None:
        """An HTML element's tag in SVG or MathML closes them, up to HTML again."""
        while self._in_foreign():
            self._pop()

    def _push(self, name: str, foreign: bool, entry: int = -1) -> None:
        depth = len(self.names)
        self.names.append(name)
        self.entries.append(entry)
        self.foreign.append(foreign)
        if not foreign:
            self.html.append(depth)
        if foreign or name.removeprefix("/") not in FORMATTING:
            self.plain.append(depth)
        self.seen_foreign = self.seen_foreign or foreign
        self.where.setdefault(name, []).append(depth)
        # an SVG or MathML element is special, or a scope boundary, only where one of theirs
        if name in SPECIAL and (
            name in FOREIGN_ONLY if foreign else name not in FOREIGN_ONLY or name == "title"
        ):
            self.special.append(depth)
            if name not in ("address", "div", "p"):
                self.blocking.append(depth)
        if name in SCOPE and (name in FOREIGN_ONLY) == foreign:
            self.scope.append(depth)
        if name == "table":
            self.tables += 1

    def raw_text(self) -> bool:
        """Whether the element just opened holds text, not tags (``RAW_TEXT``): when
        no SVG or MathML was open before, certainly; otherwise nobody can say short of
        building the tree, and the model gives up (``counting``)."""
        if self.seen_foreign:
            self.counting = True
        return not self.counting

    def reopen(self) -> None:
        """Open again the formatting elements waiting since the last fence, as html5ever
        does at text and at most start tags ("reconstruct the active formatting
        elements")."""
        for name, entry in self.formatting.reopen():
            self._push(name, False, entry)

    def _end_list_item(self, family: tuple[str, ...]) -> None:
        """A ``<li>`` ends the innermost list item, a ``<dd>`` or ``<dt>`` the innermost
        of those, unless a special element but ``<address>``, ``<div>`` and ``<p>`` is
        within it."""
        depth = max((at[-1] for name in family if (at := self.where.get(name))), default=-1)
        if depth >= 0 and self.blocking[-1] <= depth:
            self._pop_to(depth)

    def _paragraph_open(self) -> bool:
        """Whether a ``<p>`` is open in button scope: a block's start tag closes it."""
        where, button = self.where.get("p") or [-1], self.where.get("button") or [-1]
        return where[-1] > max(self.scope[-1], button[-1])

    def _may_end(self, name: str) -> bool:
        """Whether a start tag of ``name`` ends the current element of its family: an
        ``<rt>`` or ``<rp>`` only within a ``<ruby>``."""
        if name not in ("rt", "rp"):
            return True
        ruby = self.where.get("ruby", [])
        return bool(ruby) and ruby[-1] >= self.scope[-1]

    def close(self, name: str) -> bool:
        """Whether the end tag of ``name`` is kept: not when it closes none of the kept
        elements and ones of its name were left out."""
        if self.counting:
            return True
        if name in CLEARS_MARKER and self.formatting.fence >= 0:
            self.formatting.unsure()
        where = self.where.get(name)
        if name in HEADINGS:  # the innermost heading of any rank
            where = [max((at[-1] for h in HEADINGS if (at := self.where.get(h))), default=-1)]
            where = where if where[0] >= 0 else None
        if self.foreign and self.foreign[-1]:  # in SVG or MathML
            if name in ("p", "br"):
                self._leave_foreign()
            elif where and (depth := where[-1]) > self.html[-1]:  # through SVG and MathML
                self._pop_to(depth)
                return True
        if not where:
            if name in self.dropped:
                return False
            if name in FORMATTING:
                self.formatting.forget(name)
            return True
        if (name == "p" and not self._paragraph_open()) or (name == "caption" and not self.tables):
            return True
        if self.where.get("select") and name not in ("select", "option", "optgroup"):
            if name in FORMATTING:
                self.formatting.unsure()
            return True  # within a <select>, html5ever may ignore it
        if name == "form":  # it takes the form out of the open elements, not what it holds
            self.form = False
            if self.names[-1] == "form":
                self._pop(closed=True)
            return True
        depth = where[-1]
        if name in FORMATTING and not self._aims_at(name, depth):
            return True
        # with none of its name in the list (let go), html5ever ends it as any other
        if name in FORMATTING and self.formatting.newest(name) >= 0:
            depth = self._adopt(depth)
        if len(self.names) > depth >= self._barrier(name):
            self._pop_to(depth + 1)
            self._pop(closed=True)
        return True

    def _aims_at(self, name: str, depth: int) -> bool:
        """Whether the end tag of formatting element ``name`` goes on to the one open
        at ``depth``: html5ever takes the newest entry of its name off the list
        instead when that one waits, and does not reach one opened before a cell."""
        newest, entry = self.formatting.newest(name), self.entries[depth]
        if newest >= 0 and self.formatting.is_waiting(newest):
            self.formatting.let_go(newest)
            return False
        if newest != entry:  # html5ever ends another, or reads it otherwise
            self.formatting.unsure()
        # the model does not hold cells open: html5ever took the one before out of the
        # open elements at the cell, where it waits, and its end tag stops at the cell
        return not 0 <= entry < self.formatting.fence

    def _adopt(self, depth: int) -> int:
        """Where the formatting element at ``depth`` is once html5ever's "adoption
        agency" moved it below the special elements within it (``<b><p>x</b>``: the
        paragraph, then a ``<b>`` within it), at most eight times, each below the next;
        ``len(self.names)`` when its end tag closes nothing."""
        for _ in range(8):
            if self.scope[-1] > depth or self.special[-1] < depth:
                return depth if self.scope[-1] < depth else len(self.names)
            block = self.special[bisect_right(self.special, depth)]
            if block != depth + 1 or self.foreign[block]:
                self._inert(depth)  # the elements between stay: kept open, to be safe
                return len(self.names)
            self._swap(depth)
            depth = block
        self.formatting.unsure()
        return len(self.names)

    def _swap(self, depth: int) -> None:
        """The element at ``depth`` and the special one within it change places."""
        outer, inner = self.names[depth], self.names[depth + 1]
        self.names[depth], self.names[depth + 1] = inner, outer
        self.entries[depth], self.entries[depth + 1] = self.entries[depth + 1], self.entries[depth]
        self._move(self.where[outer], depth, depth + 1)
        self._move(self.where[inner], depth + 1, depth)
        for stack in (self.special, self.scope, self.blocking, self.plain):
            self._move(stack, depth + 1, depth)

    def _inert(self, depth: int) -> None:
        """The formatting element at ``depth`` no longer answers to its end tag; closed
        by another's, it waits to be opened again all the same."""
        self.formatting.unsure()
        name = self.names[depth]
        self.where[name].remove(depth)
        self.names[depth] = "/" + name
        insort(self.where.setdefault("/" + name, []), depth)

    @staticmethod
    def _move(depths: list[int], old: int, new: int) -> None:
        at = bisect_left(depths, old)
        if at < len(depths) and depths[at] == old:
            depths[at] = new

    def _barrier(self, name: str) -> int:
        """How deep the element an end tag of ``name`` closes must be."""
        if name in HEADINGS or name in SCOPED_END:
            barrier = self.scope[-1]
            for list_ in ("ol", "ul") if name == "li" else ():
                barrier = max(barrier, (self.where.get(list_) or [-1])[-1] + 1)
            return barrier
        if name == "select":  # only <option> and <optgroup> may be open within it
            where = self.where["select"][-1]
            within = self.names[where + 1 :]
            return where if all(n in ("option", "optgroup") for n in within) else len(self.names)
        return self.special[-1]

    def _pop_to(self, depth: int) -> None:
        """Pop the elements from ``depth`` on; the formatting elements among them wait
        in the order they were opened."""
        waiting = self.formatting.waiting
        first = len(waiting)
        while len(self.names) > depth:
            self._pop()
        waiting[first:] = reversed(waiting[first:])

    def _pop(self, closed: bool = False) -> None:
        """Pop the current element: ``closed`` by its own end tag, or by another's (a
        formatting element then waits to be opened again)."""
        depth = len(self.names) - 1
        name = self.names.pop()
        self.where[name].pop()
        foreign = self.foreign.pop()
        if (entry := self.entries.pop()) >= 0:
            if closed:
                self.formatting.let_go(entry)
            else:
                self.formatting.wait(entry)  # if still in the list
        elif name == "table" and not foreign:
            self.tables -= 1
        if self.special[-1] == depth:
            self.special.pop()
        if self.blocking[-1] == depth:
            self.blocking.pop()
        if self.html[-1] == depth:
            self.html.pop()
        if self.plain[-1] == depth:
            self.plain.pop()
        if self.scope[-1] == depth:
            self.scope.pop()
