"""Cap how deeply tags nest, and how many attributes one tag carries, before the
sanitizer reads them.

nh3 (html5ever inside) takes time that grows with the square of the nesting and of
one tag's attributes: a summary of a megabyte built to nest held a parse worker for
minutes. ``shallow`` leaves out the tags that html5ever would nest past MAX_DEPTH,
and the attributes of a tag past its first MAX_ATTRIBUTES, reading the text once
(``tags_end``). It models how html5ever nests tags (``_Nesting``) closely enough
that no article is touched.

It does not sanitize: what it keeps still goes through the allow-list in
``sanitize.py``; it only leaves out tags and attributes.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator

from .htmltokens import RAW_TEXT, TAG, next_tag, raw_text_end, tag_name, tags_end

# How deep tags may nest before the sanitizer sees them (``shallow``), and how many
# attributes one tag may carry (html5ever compares each with all before it).
MAX_DEPTH = 1024
MAX_ATTRIBUTES = 256
# A tag long enough to hold more than MAX_ATTRIBUTES attributes (each at least a letter
# and a blank), and one attribute of it.
_LONG_TAG = re.compile(rf"<[a-zA-Z][^<>]{{{2 * MAX_ATTRIBUTES},}}")
_ATTRIBUTE_TOKEN = re.compile(r"""[^\s/>=]++(?:\s*+=\s*+(?:"[^"]*+"?|'[^']*+'?|[^\s>]*+))?""")
# Elements that never hold others, and those that an open one of the same family ends
# when it is the current element (the family), as html5ever builds the tree. A
# ``<td>`` or ``<tr>`` closes the one before it or is ignored outside a table;
# repeated, they do not nest (``<table>`` counts for them). An ``<optgroup>``,
# ``<rt>`` or ``<rp>`` outside its select or ruby, or ``<li>`` and ``<dd>`` in turn
# (each ends at the other, a "special" element), nest, and the sanitizer took the
# square of their count.
_VOID = frozenset(
    {"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img",
     "input", "keygen", "link", "meta", "param", "source", "track", "wbr"}
)  # fmt: skip
_NOT_NESTING = _VOID | {"tr", "td", "th", "tbody", "thead", "tfoot", "colgroup"}
_FAMILY = {
    "option": frozenset({"option"}), "optgroup": frozenset({"option"}),
    "rt": frozenset({"rt", "rp"}), "rp": frozenset({"rt", "rp"}),
}  # fmt: skip
# html5ever's "special" elements: an end tag of another element does not close past one
# (``</x>`` leaves the ``<div>`` inside an ``<x>`` open) ...
_SPECIAL = _VOID | {
    "address", "applet", "article", "aside", "blockquote", "body", "button", "caption",
    "center", "colgroup", "dd", "details", "dir", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "frameset", "h1", "h2", "h3", "h4", "h5",
    "h6", "head", "header", "hgroup", "html", "iframe", "li", "listing", "main",
    "marquee", "menu", "nav", "noembed", "noframes", "noscript", "object", "ol", "p",
    "plaintext", "pre", "script", "search", "section", "select", "style", "summary",
    "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead", "title", "tr",
    "ul", "xmp", "foreignobject", "desc", "mi", "mo", "mn", "ms", "mtext", "annotation-xml",
}  # fmt: skip
# ... and the end tag of a special element does not close past these.
_SCOPE = frozenset(
    {"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template",
     "foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"}
)  # fmt: skip
# Of those, the ones special only as SVG or MathML elements: an HTML ``<desc>`` is not.
_FOREIGN_ONLY = frozenset(
    {"foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"}
)  # fmt: skip
# The end tags that close their element through any other but a scope boundary; any
# other end tag closes nothing past a special element. ``</li>`` stops at a list too,
# and ``</h2>`` closes the innermost heading of any rank.
_SCOPED_END = frozenset(
    {"address", "article", "aside", "blockquote", "button", "center", "details", "dialog",
     "dir", "div", "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup",
     "listing", "main", "menu", "nav", "ol", "pre", "search", "section", "summary", "ul",
     "dd", "dt", "li", "applet", "marquee", "object", "table", "caption", "template"}
)  # fmt: skip
_LIST_ITEMS = {"li": ("li",), "dd": ("dd", "dt"), "dt": ("dd", "dt")}
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# SVG and MathML: there, and only there, "/>" closes an element (an inline chart's
# ``<path/>``); their integration points hold HTML again, and an HTML element (``<b>``,
# ``<div>``, any ``<font>``) ends them all.
_FOREIGN_ROOTS = frozenset({"svg", "math"})
# Start tags that close an open ``<p>`` (unless a scope boundary or ``<button>`` is
# in between): ``<table>`` too, as nh3 parses a fragment in no-quirks mode.
_CLOSES_P = frozenset(
    {"address", "article", "aside", "blockquote", "center", "details", "dialog", "dir",
     "div", "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup",
     "main", "menu", "nav", "ol", "p", "search", "section", "summary", "ul", "h1", "h2",
     "h3", "h4", "h5", "h6", "pre", "listing", "form", "plaintext", "hr", "xmp", "li",
     "dd", "dt", "table"}
)  # fmt: skip
_INTEGRATION = frozenset(
    {"foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"}
)  # fmt: skip
_BREAKOUT = frozenset(
    {"b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt",
     "em", "embed", "font", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img",
     "li", "listing", "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small",
     "span", "strong", "strike", "sub", "sup", "table", "tt", "u", "ul", "var"}
)  # fmt: skip


# Formatting elements: closed by another element's end tag, html5ever opens them again
# at the next text (``_Nesting.reopen``) until their own end tag; and the elements
# that fence off the ones before them from being opened again.
_FORMATTING = frozenset(
    {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong",
     "tt", "u"}
)  # fmt: skip
_MARKERS = frozenset({"applet", "object", "marquee", "td", "th", "caption", "template"})
# Elements a start tag may open besides its own: a ``<td>`` in a ``<table>`` also opens
# a ``<tbody>`` and a ``<tr>``.
_IMPLIED = {"td": 2, "th": 2, "tr": 1}
# Where a CDATA section may start (in SVG or MathML): html5ever reads it to "]]>".
_CDATA = "<![CDATA["
_START_TAG = re.compile("<[a-zA-Z]")
# The first letters of a tag's name: enough to tell an ``_IMPLIED`` name from others.
_NAME = re.compile(r"[a-zA-Z][^\t\n\f\r />]*+")
_NAME_READ = 1 + max(map(len, _IMPLIED))


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
            if nesting.waiting and nesting.waiting[-1] is not None:
                nesting.reopen()
        at = tag.end()
        closing, name, _, slash = tag.groups()
        name = tag_name(name)
        keep = nesting.close(name) if closing else nesting.open(name, bool(slash))
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


class _Nesting:
    """The elements open at a tag, as html5ever would hold them, up to MAX_DEPTH.

    Close enough to tell real articles (always far from the cap) from a summary built
    to nest: it errs towards counting an element open, never towards counting one
    closed that html5ever keeps open (the nesting it would cost would go unseen).
    Formatting elements closed by another's end tag wait to be opened again
    (``waiting``) and count as open meanwhile; a ``<table>`` counts as the four
    levels its first cell opens.

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
        self.waiting: list[str | None] = []  # formatting elements to reopen; None fences
        self.waiting_count = 0
        self.tables = 0  # <table> elements open
        self.seen_foreign = False  # whether an SVG or MathML element was ever open
        self.form = False  # html5ever's form element pointer is set
        self.counting = False
        self.counted = 0  # levels counted once counting

    def depth(self) -> int:
        return len(self.names) + self.waiting_count + 3 * self.tables + self.counted

    def open(self, name: str, self_closing: bool) -> bool:
        """Whether the start tag of ``name`` is kept (it is not too deep)."""
        if self.counting:
            levels = 1 + _IMPLIED.get(name, 0)
            if self.depth() + levels > MAX_DEPTH:
                self.dropped.add(name)
                return False
            self.counted += levels
            return True
        in_foreign = self.seen_foreign and self._in_foreign()
        if self.depth() + (4 if name == "table" else 1) > MAX_DEPTH and not (
            (name in _NOT_NESTING and name not in _CLOSES_P)
            or (self_closing and (name in _FOREIGN_ROOTS or (in_foreign and name not in _BREAKOUT)))
        ):  # left out before it closes anything: html5ever will not see it
            self.dropped.add(name)
            return False
        if in_foreign and name in _BREAKOUT:
            self._leave_foreign()
            in_foreign = False
        if self_closing and (in_foreign or name in _FOREIGN_ROOTS):
            return True
        if not in_foreign:
            if self.waiting and self.waiting[-1] is not None:
                self.reopen()
            if name in _MARKERS:
                self.waiting.append(None)
            if name in _LIST_ITEMS:
                self._end_list_item(_LIST_ITEMS[name])
            if name in _CLOSES_P and self.where.get("p") and self._paragraph_open():
                self.close("p")
            if name in _HEADINGS and self.names[-1:] and self.names[-1] in _HEADINGS:
                self._pop()  # a heading ends the heading it would open in
            if name in _NOT_NESTING or (name == "form" and self.form):
                return True  # a <form> within a form is ignored
            if name == "caption" and not self.tables:
                return True  # and a <caption> outside a table
            if self.names and self.names[-1] in _FAMILY.get(name, ()) and self._may_end(name):
                self._pop()
        if self.depth() + (4 if name == "table" else 1) > MAX_DEPTH:
            self.dropped.add(name)
            return False
        self._push(name, in_foreign or name in _FOREIGN_ROOTS)
        self.form = self.form or (name == "form" and not self.where.get("template"))
        return True

    def _in_foreign(self) -> bool:
        """Whether the current element is SVG or MathML, and holds no HTML."""
        return bool(self.foreign) and self.foreign[-1] and self.names[-1] not in _INTEGRATION

    def _leave_foreign(self) -> None:
        """An HTML element's tag in SVG or MathML closes them, up to HTML again."""
        while self._in_foreign():
            self._pop()

    def _push(self, name: str, foreign: bool) -> None:
        depth = len(self.names)
        self.names.append(name)
        self.foreign.append(foreign)
        if not foreign:
            self.html.append(depth)
        if foreign or name.removeprefix("/") not in _FORMATTING:
            self.plain.append(depth)
        self.seen_foreign = self.seen_foreign or foreign
        self.where.setdefault(name, []).append(depth)
        if name in _SPECIAL and (foreign or name not in _FOREIGN_ONLY or name == "title"):
            self.special.append(depth)
            if name not in ("address", "div", "p"):
                self.blocking.append(depth)
        if name in _SCOPE and (foreign or name not in _FOREIGN_ONLY):
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
        waiting = self.waiting
        first = len(waiting)
        while first and waiting[first - 1] is not None:
            first -= 1
        if first == len(waiting):
            return
        self.waiting_count -= len(waiting) - first
        for name in waiting[first:]:
            self._push(str(name), False)
        del waiting[first:]

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
        where = self.where.get(name)
        if name in _HEADINGS:  # the innermost heading of any rank
            where = [max((at[-1] for h in _HEADINGS if (at := self.where.get(h))), default=-1)]
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
            if name in _FORMATTING:
                self._forget(name)
            return True
        if (name == "p" and not self._paragraph_open()) or (name == "caption" and not self.tables):
            return True
        if self.where.get("select") and name not in ("select", "option", "optgroup"):
            return True  # within a <select>, html5ever may ignore it
        if name == "form":  # it takes the form out of the open elements, not what it holds
            self.form = False
            if self.names[-1] == "form":
                self._pop(closed=True)
            return True
        depth = where[-1]
        if name in _FORMATTING:
            depth = self._adopt(depth)
            if self.plain[-1] > depth:  # html5ever may have it closed already: keep all
                return True
        if len(self.names) > depth >= self._barrier(name):
            self._pop_to(depth + 1)
            self._pop(closed=True)
        return True

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
        return len(self.names)

    def _swap(self, depth: int) -> None:
        """The element at ``depth`` and the special one within it change places."""
        outer, inner = self.names[depth], self.names[depth + 1]
        self.names[depth], self.names[depth + 1] = inner, outer
        self._move(self.where[outer], depth, depth + 1)
        self._move(self.where[inner], depth + 1, depth)
        for stack in (self.special, self.scope, self.blocking, self.plain):
            self._move(stack, depth + 1, depth)

    def _inert(self, depth: int) -> None:
        """The formatting element at ``depth`` no longer answers to its end tag; closed
        by another's, it waits to be opened again all the same."""
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
        if name in _HEADINGS or name in _SCOPED_END:
            barrier = self.scope[-1]
            for list_ in ("ol", "ul") if name == "li" else ():
                barrier = max(barrier, (self.where.get(list_) or [-1])[-1] + 1)
            return barrier
        if name == "select":  # only <option> and <optgroup> may be open within it
            where = self.where["select"][-1]
            within = self.names[where + 1 :]
            return where if all(n in ("option", "optgroup") for n in within) else len(self.names)
        return self.special[-1]

    def _forget(self, name: str) -> None:
        """The end tag of a formatting element that waits: it waits no longer."""
        waiting = self.waiting
        for at in range(len(waiting) - 1, -1, -1):
            if waiting[at] is None:
                return
            if waiting[at] == name:
                del waiting[at]
                self.waiting_count -= 1
                return

    def _pop_to(self, depth: int) -> None:
        """Pop the elements from ``depth`` on; the formatting elements among them wait
        in the order they were opened."""
        waiting = len(self.waiting)
        while len(self.names) > depth:
            self._pop()
        self.waiting[waiting:] = reversed(self.waiting[waiting:])

    def _pop(self, closed: bool = False) -> None:
        """Pop the current element: ``closed`` by its own end tag, or by another's (a
        formatting element then waits to be opened again)."""
        depth = len(self.names) - 1
        name = self.names.pop()
        self.where[name].pop()
        if not self.foreign.pop():
            name = name.removeprefix("/")
            if name in _FORMATTING and not closed:
                self.waiting.append(name)
                self.waiting_count += 1
            elif name == "table":
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
