"""The start of an XML feed, before its root element: the byte-order mark, the XML
declaration, and what they say of the document's encoding.

``declaration_first`` drops the whitespace some servers send before ``<?xml``;
``declares_encoding`` tells whether the document (or its content type) names an
encoding at all. Nothing here parses the feed or decodes its text.
"""

from __future__ import annotations

import codecs
import re

# A byte-order mark and the codec the whitespace and "<?xml" after it are written in.
_MARKS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (b"", "utf-8"),
)
_SPACE = " \t\r\n"
_ENCODING_DECLARATION_RE = re.compile(rb"<\?xml\s[^>]*?\bencoding\s*=", re.IGNORECASE)


def declaration_first(body: bytes) -> bytes:
    """``body`` with the whitespace before its XML declaration dropped, its BOM kept.

    XML allows nothing before ``<?xml``; expat stops at a declaration after a blank
    line ("XML or text declaration not at start of entity"), and feedparser then reads
    the document again leniently and flags it "not well-formed", though it is a good
    feed that a server or template started with a newline (Atypon's journal feeds,
    YouTube's). A body without a declaration is returned as it is.
    """
    mark, codec = next((m, c) for m, c in _MARKS if body.startswith(m))
    spaces = tuple(character.encode(codec) for character in _SPACE)
    width = len(spaces[0])
    start = len(mark)
    while body[start : start + width] in spaces:
        start += width
    if start == len(mark) or not body.startswith("<?xml".encode(codec), start):
        return body
    return mark + body[start:]


def declares_encoding(body: bytes, content_type: str) -> bool:
    """Whether the feed names its encoding: a charset in its content type, a byte-order
    mark, or an encoding in its XML declaration. feedparser words a feed that names none
    and is not UTF-8 as "document declared as utf-8", its default, not the feed's word."""
    if "charset" in content_type.lower():
        return True
    if any(mark and body.startswith(mark) for mark, _ in _MARKS):
        return True
    return _ENCODING_DECLARATION_RE.match(body) is not None
