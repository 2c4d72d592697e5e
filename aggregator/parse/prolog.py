"""The start of an XML feed, before its root element: the byte-order mark, the XML
declaration, and what they say of the document's encoding.

``declaration_first`` drops the whitespace some servers send before ``<?xml``;
``declares_encoding`` tells whether the document (or its content type) names an
encoding at all; ``trusted_charset`` settles a server's charset that contradicts
the document. Nothing here parses the feed; the body is decoded only to test an
encoding.
"""

from __future__ import annotations

import codecs
import re
from email.message import Message

# A byte-order mark and the codec the whitespace and "<?xml" after it are written in.
_MARKS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (b"", "utf-8"),
)
_SPACE = " \t\r\n"
_ENCODING_DECLARATION_RE = re.compile(rb"<\?xml\s[^>]*?\bencoding\s*=", re.IGNORECASE)
_DECLARED_ENCODING_RE = re.compile(
    rb"<\?xml\s[^>]*?\bencoding\s*=\s*[\"']([A-Za-z][\w.:-]*)[\"']", re.IGNORECASE
)
# feedparser shows a C1 control (U+0080-U+009F, from an ISO charset) as windows-1252's
# character of that byte ("\x93" as a left quote): texts are compared as it shows them.
_C1_AS_SHOWN = {
    code: bytes([code]).decode("cp1252")
    for code in range(0x80, 0xA0)
    if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)  # undefined in windows-1252
}
_WORD_BEFORE = re.compile(r"[^\s<>]*\Z")
_WORD_AFTER = re.compile(r"[^\s<>]+")
# Byte-order marks, longest first (UTF-32 LE's starts with UTF-16 LE's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


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


def trusted_charset(body: bytes, content_type: str | None) -> tuple[str | None, str | None]:
    """The content type to read ``body`` by, and a warning when the server's charset was
    overruled; ``(content_type, None)`` when it stands.

    feedparser lets an HTTP charset win over the document (RFC 3023), even over a
    byte-order mark, so a misconfigured server made a UTF-8 feed mojibake with
    ``charset=windows-1251``, and unreadable with ``charset=utf-16``. The document's
    own encoding (its byte-order mark, else its XML declaration, else XML's UTF-8) is
    read instead when the server's charset is unknown; when a mark says otherwise; when
    the charset does not decode the body into a document (strictly, starting with "<")
    and the document's encoding does; and when the document is UTF-8 and valid UTF-8
    with non-ASCII text, which a single-byte charset reads as mojibake without an
    error (valid multi-byte UTF-8 is no accident: Miniflux reads such feeds as UTF-8
    whatever they declare). In every other case the server's charset stands (RFC 7303),
    and when the document declares another charset that reads its bytes cleanly into
    other text (windows-1252 against iso-8859-2: "naïve" or "naďve", "£ód¼" or "Łódź"),
    the warning shows the first word the two read apart: either may be the mojibake,
    and no rule tells which, so the source's page says so instead of nothing.
    """
    charset = _charset_of(content_type)
    if content_type is None or charset is None:
        return content_type, None
    mark = next((name for bom, name in _BOMS if body.startswith(bom)), None)
    own = mark or _declared_encoding(body) or "utf-8"
    said, own_name = _codec_name(charset), _codec_name(own)
    if own_name is None or _family(said) == _family(own_name):
        return content_type, None
    if said is None or mark is not None or not _reads_as_xml(body, said):
        overrule = _reads_as_xml(body, own_name)
    else:  # both read: only valid UTF-8 beyond ASCII beats the server's word
        overrule = own_name == "utf-8" and not body.isascii() and _reads_as_xml(body, own_name)
    if not overrule:
        return content_type, _read_apart(body, charset, content_type, said, own, own_name)
    if mark:
        said_by_document = f"its byte-order mark says {own}"
    elif own_name != "utf-8" or _declared_encoding(body):
        said_by_document = f"the document declares {own}"
    else:
        said_by_document = "the document declares no encoding (XML's default is utf-8)"
    warning = (
        f"the server says charset={charset} ({content_type}), but {said_by_document}, "
        f"which reads cleanly: read as {own}"
    )
    return f"application/xml; charset={own_name}", warning


def _read_apart(
    body: bytes, charset: str, content_type: str, said: str | None, own: str, own_name: str
) -> str | None:
    """The warning for a document whose declared charset reads it into other text than
    the server's charset, which stands; None when they read it alike, or either fails."""
    if said is None or "utf-8" in (said, own_name):
        return None  # valid UTF-8 is no accident: it stands, or it overruled the server
    try:  # the C1 controls of an ISO charset as feedparser shows them: windows-1252's
        theirs = body.decode(said).translate(_C1_AS_SHOWN)
        ours = body.decode(own_name).translate(_C1_AS_SHOWN)
    except UnicodeDecodeError:
        return None
    if theirs == ours:
        return None
    pairs = enumerate(zip(theirs, ours, strict=False))
    at = next((i for i, (one, other) in pairs if one != other), min(len(theirs), len(ours)))
    return (
        f"the server says charset={charset} ({content_type}), but the document declares "
        f'{own}, which reads it otherwise: "{_word_at(ours, at)}" where {charset} reads '
        f'"{_word_at(theirs, at)}"; read as {charset}, the server\'s charset (RFC 7303)'
    )


def _word_at(text: str, at: int) -> str:
    """The word of ``text`` around index ``at``, at most 40 characters."""
    before = _WORD_BEFORE.search(text, max(0, at - 40), at)
    after = _WORD_AFTER.match(text, at, at + 40)
    return text[before.start() if before else at : after.end() if after else at + 1]


def _charset_of(content_type: str | None) -> str | None:
    if not content_type or "charset" not in content_type.lower():
        return None
    message = Message()
    message["content-type"] = content_type
    charset = message.get_param("charset")
    return charset.strip() or None if isinstance(charset, str) else None


def _declared_encoding(body: bytes) -> str | None:
    found = _DECLARED_ENCODING_RE.match(body[:512])
    return found.group(1).decode("ascii") if found else None


def _codec_name(label: str) -> str | None:
    """Python's name of an encoding label ("UTF8", "latin1"), None when it has none."""
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _family(codec: str | None) -> str | None:
    """ "utf-16" for "utf-16-le": a byte-order mark tells the byte order the charset left open."""
    return codec.removesuffix("-le").removesuffix("-be") if codec else None


def _reads_as_xml(body: bytes, codec: str) -> bool:
    """Whether ``body`` decodes strictly in ``codec`` into text that starts as XML does."""
    try:
        text = body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return text.lstrip("\ufeff \t\r\n").startswith("<")
