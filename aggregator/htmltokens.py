"""Find the tags of an HTML fragment where html5ever's tokenizer finds them.

``nesting.shallow`` counts how deeply tags nest; a tag it reads where the parser
reads text (inside a comment, a quoted attribute value, a ``<textarea>`` or a
``<script>``) would be counted as nesting, or as closing elements that stay open.
``next_tag`` steps over comments, bogus comments and ``</>``; a tag's attributes
are read as the tokenizer reads them, quoted values and all; ``raw_text_end``
says where the text of a raw-text or RCDATA element ends.

It does not build a tree nor decide what a tag does; it only says where tags are.
Every pattern here is tried once per "<" and reads on no further than the tag it
matches, so a text is read in linear time (``tags_end``).
"""

from __future__ import annotations

import re
from string import ascii_lowercase, ascii_uppercase

_BLANK = "\t\n\f\r "  # the tokenizer's whitespace (it reads "\r" as "\n")
# A start or end tag: its name runs to a blank, "/" or ">"; an attribute's name may
# start with "=", and a quoted value may hold ">". A quote left open reads as an
# unquoted value, so that every try past the name ends at a ">".
TAG = re.compile(
    rf"<(/?)([a-zA-Z][^{_BLANK}/>]*+)"
    rf"((?:[{_BLANK}]++|/(?!>)|[^{_BLANK}/>][^{_BLANK}/>=]*+"
    rf"(?:[{_BLANK}]*+=[{_BLANK}]*+(?:\"[^\"]*+\"|'[^']*+'|[^{_BLANK}>]*+))?)*+)(/?)>"
)
_COMMENT_END = re.compile(r"--!?>")
# Elements whose content the tokenizer reads as text, up to their own end tag
# (``<plaintext>``: to the end); ``<noscript>`` too, as nh3 parses with scripting on.
RAW_TEXT = frozenset(
    {"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea",
     "title", "plaintext"}
)  # fmt: skip
_SCRIPT_STEP = re.compile(r"<!--|-->|<(/?)script(?=[\t\n\f\r />])", re.IGNORECASE | re.ASCII)


_ASCII_LOWER = str.maketrans(ascii_uppercase, ascii_lowercase)


def tag_name(written: str) -> str:
    """A tag's name as the tokenizer makes it: ASCII letters folded to lower case, no
    others (``<BÉ>`` is a ``bÉ``, not closed by ``</bé>``; ``<LINK>`` written with a
    Kelvin sign is no void ``<link>``)."""
    return written.lower() if written.isascii() else written.translate(_ASCII_LOWER)


def tags_end(html: str) -> int:
    """Where the last ">" of ``html`` ends: no tag starts and ends after it.

    A tag pattern (``<name[^>]*>``) is tried at every "<" and reads on to the next ">";
    in a tail with none, each try read to the end of the text, and 20,000 unclosed
    ``<iframe`` (160 kB) took minutes. Stopping at the last ">", every try that gets
    past the name ends in a match, so the text is read once.
    """
    return html.rfind(">") + 1


def next_tag(html: str, at: int, end: int) -> re.Match[str] | None:
    """The next start or end tag of ``html[at:end]`` (``end`` from ``tags_end``), past
    comments and other markup that is no tag; None when none is left."""
    while (start := html.find("<", at, end)) != -1:
        if (tag := TAG.match(html, start, end)) is not None:
            return tag
        after = html[start + 1 : start + 4]
        if after == "!--":
            if html.startswith((">", "->"), start + 4):  # "<!-->" and "<!--->" are empty
                at = html.find(">", start + 4) + 1
            else:
                close = _COMMENT_END.search(html, start + 4, end)
                at = close.end() if close else end  # unclosed: a comment to the end
        elif after[:1] in ("!", "?", "/"):  # "<!DOCTYPE", "<?xml", "</ x>": up to ">"
            at = html.find(">", start + 2, end) + 1 or end
        else:
            at = start + 1  # "<" before a blank or a digit is text
    return None


def raw_text_end(html: str, name: str, at: int) -> int:
    """Where the text of a ``name`` element (``RAW_TEXT``) that starts at ``at`` ends:
    at its end tag, or at the end of ``html``."""
    if name == "plaintext":
        return len(html)
    if name == "script":
        return _script_end(html, at)
    found = re.compile(rf"</{name}(?=[\t\n\f\r />])", re.IGNORECASE | re.ASCII).search(html, at)
    return found.start() if found else len(html)


def _script_end(html: str, at: int) -> int:
    """Where a script's text ends: at ``</script``, except within ``<!--`` … ``-->``
    after a ``<script`` (the tokenizer's "double escaped" state)."""
    escaped = double = False
    while (step := _SCRIPT_STEP.search(html, at)) is not None:
        at = step.end()
        token = step[0]
        if token == "<!--":
            escaped = True
            at -= 2  # "<!-->" closes at once: its dashes are read again
        elif token == "-->":
            escaped = double = False
        elif step[1] and not double:
            return step.start()
        elif escaped:
            double = not step[1]
    return len(html)
