"""Read ``config.yaml`` safely: bytes to plain data plus the line of every field.

The config file is written by hand and saved by editors, scripts and tools, so
anything may be in it: a FIFO in its place, 10 MB of text, Latin-1, control
characters, YAML python tags, alias bombs. This module turns whatever is there
into plain data (dicts, lists, scalars) or a ``ConfigError`` naming the file,
the line and the field -- never another exception, never an unbounded wait:

- only regular files are opened (without blocking), and at most ``MAX_BYTES``;
- the bytes must be UTF-8 (a BOM says which other encoding it is);
- YAML is composed by the safe loader (libyaml when present); tags other than
  YAML's plain types, complex (non-scalar) keys, duplicate keys, recursive
  aliases, more than ``MAX_ALIASES`` aliases, more than ``MAX_DEPTH`` levels or
  ``MAX_NODES`` nodes once aliases are expanded are refused;
- the whole read is time-boxed in CPU time: a deadline on this thread's CPU clock is
  checked as each node is walked. Wall time would count the seconds a loaded machine
  (or a stopped process) kept the thread waiting, and reject a large, valid file.

It does not validate settings (``config`` does, with pydantic) and never
touches the database or the network.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

MAX_BYTES = 1_000_000  # a config with thousands of sources is ~1 MB
MAX_ALIASES = 100  # alias uses (``*name``) in one file
MAX_DEPTH = 32  # nesting levels once aliases are expanded
MAX_NODES = 200_000  # nodes once aliases are expanded (bounds alias bombs)
TIME_BOX = 5.0  # CPU seconds of the reading thread for composing and walking the YAML

Location = tuple[str | int, ...]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "merge", "timestamp")
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


@dataclass(frozen=True)
class ConfigDocument:
    """The file's content as plain data, and the line of each field (by location)."""

    data: Any
    lines: dict[Location, int] = field(default_factory=dict)


def read_config(path: Path) -> bytes:
    """At most ``MAX_BYTES`` of a regular file; a FIFO or device is refused, not waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ConfigError(f"cannot read the file ({exc.strerror})", path=str(path)) from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError("not a regular file (a directory, FIFO or device)", path=str(path))
        chunks, size = [], 0
        while size <= MAX_BYTES and (chunk := os.read(fd, MAX_BYTES + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ConfigError(f"cannot read the file ({exc.strerror})", path=str(path)) from exc
    finally:
        os.close(fd)
    if size > MAX_BYTES:
        raise ConfigError(f"the file is larger than {MAX_BYTES // 1_000_000} MB", path=str(path))
    return b"".join(chunks)


def decode_config(data: bytes, path: Path) -> str:
    """The text of a UTF-8 file (a UTF-8 BOM is allowed); other encodings are named."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise ConfigError(f"the file is {name}; save it as UTF-8", path=str(path), line=1)
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1].hex()
        raise ConfigError(
            f"byte 0x{byte} is not UTF-8; save the file as UTF-8", path=str(path), line=line
        ) from exc


def _hint(exc: yaml.MarkedYAMLError, text: str) -> str:
    """What the admin most likely did, after PyYAML's words for it ("found character that
    cannot start any token" was a tab; "mapping values are not allowed here" a colon)."""
    mark, problem = exc.problem_mark, exc.problem or ""
    opened = _unclosed_quote(exc)
    if opened is not None:
        quote = text[opened.index : opened.index + 1]
        opens = _opened(text, opened.index)
        return f" (the {quote} that opens a {opens} on this line is never closed)"
    if mark is not None and text[mark.index : mark.index + 1] == "\t":
        return " (a tab: indent with spaces)"
    lines = text.splitlines()
    line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    if "mapping values are not allowed" in problem and line.count(": ") > 1:
        return ' (a second ": " on one line: put a value holding ": " in quotes, "A: B")'
    if any(words in problem for words in _INDENTATION):
        return " (check the indentation: a line lines up with the others of its section)"
    return ""


def _unclosed_quote(exc: yaml.MarkedYAMLError) -> yaml.Mark | None:
    """Where a quoted value that is never closed opens: PyYAML names the end of the file,
    the last line, where nothing is wrong ("found unexpected end of stream")."""
    if exc.context == "while scanning a quoted scalar" and "end of stream" in (exc.problem or ""):
        return exc.context_mark
    return None


def _opened(text: str, index: int) -> str:
    """What the quote at ``index`` opens: a key when it starts an entry (only indentation,
    a list's dash or a flow's ``{`` or ``,`` before it) and a colon follows it on its line
    (``"name: FDA``, closed after ``name``), else a value (``name: "FDA``, ``- "FDA``)."""
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    before, after = text[start:index], text[index + 1 : end if end >= 0 else len(text)]
    starts_entry = _ENTRY_START.search(before) is not None
    return "key" if starts_entry and _KEY_END.search(after) else "value"


_ENTRY_START = re.compile(r"(?:^[\s-]*|[{,]\s*)$")  # "  ", "  - ", "{", "a: 1, "
_KEY_END = re.compile(r":(?:\s|$)")
_INDENTATION = ("mapping values are not allowed", "expected <block end>", "expected '-' indicator")


def compose_config(text: str, path: Path, *, time_box: float = TIME_BOX) -> ConfigDocument:
    """Plain data from YAML text, refusing anything beyond plain, bounded data."""
    deadline = time.thread_time() + time_box
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = _unclosed_quote(exc) or exc.problem_mark or exc.context_mark
        raise ConfigError(
            f"invalid YAML: {exc.problem or exc.context}{_hint(exc, text)}",
            path=str(path),
            line=mark.line + 1 if mark else None,
        ) from exc
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ConfigError(
            f"invalid YAML: character {_codepoint(exc.character)} is not allowed "
            "(control characters and NUL bytes are not)",
            path=str(path),
            line=line,
        ) from exc
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise ConfigError(f"invalid YAML: {exc}", path=str(path)) from exc
    if node is None:
        raise ConfigError("the file is empty", path=str(path))
    walk = _Walk(path, deadline)
    walk.visit(node, (), depth=0, ancestors=frozenset())
    try:
        data = yaml.constructor.SafeConstructor().construct_document(node)
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as exc:
        raise ConfigError(f"invalid value: {exc}", path=str(path)) from exc
    return ConfigDocument(data, walk.lines)


class _Walk:
    """One pass over the composed nodes: checks the bounds and records each field's line."""

    def __init__(self, path: Path, deadline: float) -> None:
        self.path = path
        self.deadline = deadline
        self.lines: dict[Location, int] = {}
        self.seen: set[int] = set()
        self.aliases = 0
        self.nodes = 0

    def fail(self, message: str, node: yaml.Node, at: Location) -> ConfigError:
        return ConfigError(
            message, path=str(self.path), line=node.start_mark.line + 1, field=dotted(at) or None
        )

    def visit(
        self, node: yaml.Node, at: Location, *, depth: int, ancestors: frozenset[int]
    ) -> None:
        self.nodes += 1
        if id(node) in ancestors:
            raise self.fail("a recursive alias (a value that contains itself)", node, at)
        if id(node) in self.seen:
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise self.fail(f"more than {MAX_ALIASES} aliases", node, at)
        self.seen.add(id(node))
        if self.nodes > MAX_NODES:
            raise self.fail(f"more than {MAX_NODES} values once aliases are expanded", node, at)
        if depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} levels deep", node, at)
        if self.nodes % 1024 == 0 and time.thread_time() > self.deadline:
            raise self.fail("reading the file took too long (alias bomb?)", node, at)
        if node.tag not in _PLAIN_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise self.fail(f"the tag {tag} is not allowed: the config holds plain data", node, at)
        self.lines.setdefault(at, node.start_mark.line + 1)
        inner = ancestors | {id(node)}
        if isinstance(node, yaml.MappingNode):
            self._mapping(node, at, depth, inner)
        elif isinstance(node, yaml.SequenceNode):
            for index, child in enumerate(node.value):
                self.visit(child, (*at, index), depth=depth + 1, ancestors=inner)

    def _mapping(
        self, node: yaml.MappingNode, at: Location, depth: int, inner: frozenset[int]
    ) -> None:
        """Keys must be plain scalars, each once: PyYAML would silently keep the last."""
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.visit(value_node, at, depth=depth + 1, ancestors=inner)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail("a key must be a plain name, not a list or mapping", key_node, at)
            if key_node.tag not in _PLAIN_TAGS:
                raise self.fail("a key must be a plain name, without a tag", key_node, at)
            key = str(key_node.value)
            if key in seen:
                raise self.fail(f"duplicate key {key!r}", key_node, (*at, key))
            seen.add(key)
            self.lines[(*at, key)] = key_node.start_mark.line + 1
            self.visit(value_node, (*at, key), depth=depth + 1, ancestors=inner)


def _codepoint(character: int | str) -> str:
    return f"U+{character if isinstance(character, int) else ord(character):04X}"


def dotted(loc: Location) -> str:
    """``sources[0].url`` for ("sources", 0, "url")."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
