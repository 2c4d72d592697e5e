"""What html5ever's tree builder does with an element, by its name: which ones
never hold others, close a paragraph, bound a scope, are formatting elements or
markers (the tables ``nesting`` reads).

It holds names only; ``nesting`` decides what a tag does to the open elements, and
``formatting`` keeps the list of active formatting elements.
"""

from __future__ import annotations

# Elements that never hold others, and those that an open one of the same family ends
# when it is the current element (the family), as html5ever builds the tree. A
# ``<td>`` or ``<tr>`` closes the one before it or is ignored outside a table;
# repeated, they do not nest (``<table>`` counts for them). An ``<optgroup>``,
# ``<rt>`` or ``<rp>`` outside its select or ruby, or ``<li>`` and ``<dd>`` in turn
# (each ends at the other, a "special" element), nest, and the sanitizer took the
# square of their count.
VOID = frozenset(
    {"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img",
     "input", "keygen", "link", "meta", "param", "source", "track", "wbr"}
)  # fmt: skip
NOT_NESTING = VOID | {"tr", "td", "th", "tbody", "thead", "tfoot", "colgroup"}
FAMILY = {
    "option": frozenset({"option"}), "optgroup": frozenset({"option"}),
    "rt": frozenset({"rt", "rp"}), "rp": frozenset({"rt", "rp"}),
}  # fmt: skip
# html5ever's "special" elements: an end tag of another element does not close past one
# (``</x>`` leaves the ``<div>`` inside an ``<x>`` open) ...
SPECIAL = VOID | {
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
SCOPE = frozenset(
    {"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template",
     "foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"}
)  # fmt: skip
# Of those, the ones special only as SVG or MathML elements: an HTML ``<desc>`` is not.
FOREIGN_ONLY = frozenset(
    {"foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"}
)  # fmt: skip
# The end tags that close their element through any other but a scope boundary; any
# other end tag closes nothing past a special element. ``</li>`` stops at a list too,
# and ``</h2>`` closes the innermost heading of any rank.
SCOPED_END = frozenset(
    {"address", "article", "aside", "blockquote", "button", "center", "details", "dialog",
     "dir", "div", "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup",
     "listing", "main", "menu", "nav", "ol", "pre", "search", "section", "summary", "ul",
     "dd", "dt", "li", "applet", "marquee", "object", "table", "caption", "template"}
)  # fmt: skip
LIST_ITEMS = {"li": ("li",), "dd": ("dd", "dt"), "dt": ("dd", "dt")}
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# SVG and MathML: there, and only there, "/>" closes an element (an inline chart's
# ``<path/>``); their integration points hold HTML again, and an HTML element (``<b>``,
# ``<div>``, any ``<font>``) ends them all.
FOREIGN_ROOTS = frozenset({"svg", "math"})
# Start tags that close an open ``<p>`` (unless a scope boundary or ``<button>`` is
# in between): ``<table>`` too, as nh3 parses a fragment in no-quirks mode.
CLOSES_P = frozenset(
    {"address", "article", "aside", "blockquote", "center", "details", "dialog", "dir",
     "div", "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup",
     "main", "menu", "nav", "ol", "p", "search", "section", "summary", "ul", "h1", "h2",
     "h3", "h4", "h5", "h6", "pre", "listing", "form", "plaintext", "hr", "xmp", "li",
     "dd", "dt", "table"}
)  # fmt: skip
INTEGRATION = frozenset(
    {"foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"}
)  # fmt: skip
BREAKOUT = frozenset(
    {"b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt",
     "em", "embed", "font", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img",
     "li", "listing", "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small",
     "span", "strong", "strike", "sub", "sup", "table", "tt", "u", "ul", "var"}
)  # fmt: skip


# Formatting elements: closed by another element's end tag, html5ever opens them again
# at the next text (``nesting._Nesting.reopen``) until their own end tag; and the elements
# that fence off the ones before them from being opened again.
FORMATTING = frozenset(
    {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong",
     "tt", "u"}
)  # fmt: skip
MARKERS = frozenset({"applet", "object", "marquee", "td", "th", "caption", "template"})
# The tags at which html5ever may close a marker element (a table's cell ends at the
# next cell, row or the table's end) and clear the list back to its marker.
CLEARS_MARKER = MARKERS | {"tr", "tbody", "thead", "tfoot", "table", "col", "colgroup"}
# Elements a start tag may open besides its own: a ``<td>`` in a ``<table>`` also opens
# a ``<tbody>`` and a ``<tr>``.
IMPLIED = {"td": 2, "th": 2, "tr": 1}
