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

# How deep tags may nest before the sanitizer sees them (``shallow``), and how many
# attributes one tag may carry (html5ever compares each with all before it).
MAX_DEPTH = 1024
MAX_ATTRIBUTES = 256
_TAG_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*?)(/?)>")  # see ``tags_end``
# A tag long enough to hold more than MAX_ATTRIBUTES attributes (each at least a letter
# and a blank), and one attribute of it.
_LONG_TAG = re.compile(rf"<[a-zA-Z][^<>]{{{2 * MAX_ATTRIBUTES},}}")
_ATTRIBUTE_TOKEN = re.compile(r"""[^\s/>=]++(?:\s*+=\s*+(?:"[^"]*+"?|'[^']*+'?|[^\s>]*+))?""")
# Elements that never hold others, and those that an open one of the same family ends
# when it is the current element (the family), as html5ever builds the tree. A
# ``<p>``, ``<td>`` or ``<tr>`` closes the one before it or is ignored outside a table;
# repeated, they do not nest. An ``<optgroup>``, ``<rt>`` or ``<rp>`` outside its
# select or ruby, or ``<li>`` and ``<dd>`` in turn (each ends at the other, a
# "special" element), nest, and the sanitizer took the square of their count.
_VOID = frozenset(
    {"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img",
     "input", "keygen", "link", "meta", "param", "source", "track", "wbr"}
)  # fmt: skip
_NOT_NESTING = _VOID | {"p", "tr", "td", "th", "tbody", "thead", "tfoot", "colgroup"}
_FAMILY = {
    "li": frozenset({"li"}), "dd": frozenset({"dd", "dt"}), "dt": frozenset({"dd", "dt"}),
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
# SVG and MathML: there, and only there, "/>" closes an element (an inline chart's
# ``<path/>``); their integration points hold HTML again, and an HTML element (``<b>``,
# ``<div>``, any ``<font>``) ends them all.
_FOREIGN_ROOTS = frozenset({"svg", "math"})
_INTEGRATION = frozenset(
    {"foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"}
)  # fmt: skip
_BREAKOUT = frozenset(
    {"b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt",
     "em", "embed", "font", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img",
     "li", "listing", "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small",
     "span", "strong", "strike", "sub", "sup", "table", "tt", "u", "ul", "var"}
)  # fmt: skip


def shallow(html: str) -> str:
    """``html`` without the tags nested deeper than MAX_DEPTH (their text kept), and
    without the attributes of a tag past its first MAX_ATTRIBUTES.

    The sanitizer's time grows with the square of the nesting: 20,000 nested
    ``<div>`` take 1 s, 100,000 (a 1 MB item) half a minute of a parse worker,
    and a feed may carry many; and with the square of one tag's attributes. No
    article nests past a few dozen, nor gives a tag more than a few dozen
    attributes. Nesting is counted as html5ever builds the tree (``_Nesting``):
    ``<div/>`` nests like ``<div>`` outside SVG and MathML, ``</x>`` closes
    nothing when no ``<x>`` is open. Tags are only left out, so the sanitizer
    still sees all that is kept.
    """
    # Under 8 kB a tag holds at most a few thousand attributes: a millisecond of nh3.
    if html.count("<") <= MAX_DEPTH and (len(html) < 8192 or not _LONG_TAG.search(html)):
        return html
    nesting, kept, start = _Nesting(), [], 0
    for tag in _TAG_TOKEN.finditer(html, 0, tags_end(html)):
        closing, name, attributes = tag.group(1), tag.group(2).lower(), tag.group(3)
        keep = nesting.close(name) if closing else nesting.open(name, bool(tag.group(4)))
        if keep and len(attributes) < 2 * MAX_ATTRIBUTES:
            continue
        listed = _ATTRIBUTE_TOKEN.findall(attributes) if keep else []
        if keep and len(listed) <= MAX_ATTRIBUTES:
            continue
        kept.append(html[start : tag.start()])
        start = tag.end()
        if keep:  # the tag with its first attributes
            first = " ".join(listed[:MAX_ATTRIBUTES])
            kept.append(f"<{closing}{tag.group(2)} {first}{tag.group(4)}>")
    if not kept:
        return html
    kept.append(html[start:])
    return "".join(kept)


class _Nesting:
    """The elements open at a tag, as html5ever would hold them, up to MAX_DEPTH.

    Close enough to tell real articles (always far from the cap) from a summary built
    to nest: it errs towards counting an element open, never towards counting one
    closed that html5ever keeps open (the nesting it would cost would go unseen).
    """

    def __init__(self) -> None:
        self.names: list[str] = []
        self.foreign: list[bool] = []  # whether each open element is SVG or MathML
        self.special: list[int] = [-1]  # where the innermost special element is
        self.scope: list[int] = [-1]  # and the innermost scope boundary
        self.where: dict[str, list[int]] = {}  # where each name is open
        self.dropped: set[str] = set()  # names whose start tags were left out

    def open(self, name: str, self_closing: bool) -> bool:
        """Whether the start tag of ``name`` is kept (it is not too deep)."""
        in_foreign = bool(self.foreign) and self.foreign[-1] and self.names[-1] not in _INTEGRATION
        if in_foreign and name in _BREAKOUT:
            while self.foreign and self.foreign[-1] and self.names[-1] not in _INTEGRATION:
                self._pop()
            in_foreign = False
        if self_closing and (in_foreign or name in _FOREIGN_ROOTS):
            return True
        if not in_foreign:
            if name in _NOT_NESTING:
                return True
            if self.names and self.names[-1] in _FAMILY.get(name, ()) and self._may_end(name):
                self._pop()
        if len(self.names) >= MAX_DEPTH:
            self.dropped.add(name)
            return False
        depth = len(self.names)
        self.names.append(name)
        self.foreign.append(in_foreign or name in _FOREIGN_ROOTS)
        self.where.setdefault(name, []).append(depth)
        if name in _SPECIAL:
            self.special.append(depth)
        if name in _SCOPE:
            self.scope.append(depth)
        return True

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
        where = self.where.get(name)
        if not where:
            return name not in self.dropped
        barrier = self.scope[-1] if name in _SPECIAL else self.special[-1]
        if (depth := where[-1]) >= barrier:
            while len(self.names) > depth:
                self._pop()
        return True

    def _pop(self) -> None:
        depth = len(self.names) - 1
        self.where[self.names.pop()].pop()
        self.foreign.pop()
        if self.special[-1] == depth:
            self.special.pop()
        if self.scope[-1] == depth:
            self.scope.pop()


def tags_end(html: str) -> int:
    """Where the last ">" of ``html`` ends: no tag starts and ends after it.

    A tag pattern (``<name[^>]*>``) is tried at every "<" and reads on to the next ">";
    in a tail with none, each try read to the end of the text, and 20,000 unclosed
    ``<iframe`` (160 kB) took minutes. Stopping at the last ">", every try that gets
    past the name ends in a match, so the text is read once.
    """
    return html.rfind(">") + 1
