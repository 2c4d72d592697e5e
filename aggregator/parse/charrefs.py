"""Numeric character references no character answers to, made U+FFFD before feedparser.

A well-formed parser refuses ``&#x110000;``, ``&#xD800;`` or a reference of thousands of
digits; feedparser then reads the document again with its lenient parser, whose
``handle_charref`` calls ``int`` and ``chr`` on the digits as they are: a ``ValueError``
(``chr`` out of range, or Python's 4,300-digit limit on ``int``), an ``OverflowError``
or a ``UnicodeEncodeError`` (a surrogate) escaped the parse, and the source failed with
"internal error". This module rewrites such references in the raw bytes and does
nothing else: references to real characters, and escaped ones (``&amp;#…;``, which the
sanitizer decodes safely), are left as they are.
"""

from __future__ import annotations

import re

_REFERENCE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_REPLACEMENT = b"&#xFFFD;"
_MAX_DIGITS = 8  # more significant digits than any code point has, in either base


def in_range_references(body: bytes) -> bytes:
    """``body`` with every numeric reference to no character (beyond U+10FFFF, a surrogate)
    replaced by a reference to U+FFFD; the same object when it has none."""
    if b"&#" not in body:
        return body
    return _REFERENCE.sub(_checked, body)


def _checked(match: re.Match[bytes]) -> bytes:
    hexadecimal, decimal = match.groups()
    digits = (hexadecimal or decimal).lstrip(b"0") or b"0"
    if len(digits) > _MAX_DIGITS:
        return _REPLACEMENT
    value = int(digits, 16 if hexadecimal else 10)
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        return _REPLACEMENT
    return match.group(0)
