"""Add sources to config.yaml, or remove one, in place, keeping the admin's comments, order
and layout: the one writer of the file, for ``medfeed sources add``, ``sources import``
and ``sources remove``.

ruamel.yaml reads the file (round-trip mode knows where each source entry
starts and how the list is indented) and renders the new entry; the entry is
then inserted as text after the last source. A full round-trip dump would
also keep comments, but it re-wraps long flow lists (the specialty keywords)
and writes ``null`` as nothing: inserting the rendered entry changes no byte
of what the admin wrote. A removed entry's lines are cut out the same way. The
result is validated like any config before it replaces the file (atomically), so
a bad edit never leaves a broken file.
"""

from __future__ import annotations

import errno
import io
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import yaml as yaml_1_1
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from .config import MAX_SOURCE_NAME, Settings, parse_settings
from .configfile import MAX_BYTES
from .errors import ConfigError
from .identity import canonical_url
from .records import Kind, Label

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_DOCUMENT_END = re.compile(r"(?:\.\.\.|---)(?:\s|$)")  # "..." ends the document; "---" starts one
# "# --- Journals ---", "# ====", "#####": a comment that heads a section of the list
_SECTION_RULE = re.compile(r"#.*?([-=*#~_])\1\1")
# "# - id: old-feed", "#   url: https://…": an entry the admin commented out, not a description
_COMMENTED_OUT = re.compile(r"#\s*(?:-\s+)?[A-Za-z_][\w-]*:(?:\s|$)")
_DASH = re.compile(r"-(?:\s|$)")  # a block sequence entry's dash
MAX_ID = 40


@dataclass(frozen=True)
class NewSource:
    """A source to add to config.yaml, in the file's field order."""

    id: str
    name: str
    url: str
    kind: Kind
    tags: tuple[str, ...] = ()
    label: Label | None = None  # None: the kind's default label


def slug_for(title: str | None, url: str, taken: set[str]) -> str:
    """A source id from the feed's title (else its host) that no configured source has."""
    base = _NOT_SLUG.sub("-", (title or "").lower()).strip("-")[:MAX_ID].strip("-")
    if not base:
        host = (urlsplit(url).hostname or "source").removeprefix("www.")
        base = _NOT_SLUG.sub("-", host.lower()).strip("-")[:MAX_ID].strip("-") or "source"
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base[: MAX_ID - len(str(n)) - 1]}-{n}"
        n += 1
    return candidate


def source_name(title: str) -> str:
    """A feed's title as a source's name: at most the length the config takes (a feed or
    an OPML outline titled with a whole paragraph refused the import of every feed)."""
    return title[:MAX_SOURCE_NAME].rstrip()


def already_configured(settings: Settings, url: str) -> str | None:
    """The id of a configured source with this feed URL (compared canonically), if any."""
    wanted = canonical_url(url) or url
    for source in settings.sources:
        if source.url == url or (canonical_url(source.url) or source.url) == wanted:
            return source.id
    return None


def add_source(path: Path, source: NewSource) -> str:
    """Insert ``source`` after the last entry of ``sources:`` in ``path``; the new text."""
    return add_sources(path, [source])


def add_sources(path: Path, sources: Sequence[NewSource]) -> str:
    """Insert ``sources`` after the last entry of ``sources:`` in ``path``, validated first
    (ConfigError: the file is left as it was); the new text."""
    text = path.read_text(encoding="utf-8")
    updated = with_sources(text, sources, path=path)
    if len(updated.encode("utf-8")) > MAX_BYTES:
        # parse_settings takes the text as given: the file written would then be refused
        # by every command (``read_config``), and by ``medfeed run`` on its next start.
        raise ConfigError(
            f"nothing was written: with {len(sources)} more source(s) the file would be "
            f"larger than {MAX_BYTES // 1_000_000} MB, the most medfeed reads",
            path=str(path),
            field="sources",
        )
    try:
        parse_settings(updated, path=path)
    except ConfigError as exc:
        # its line is one of the text that was not written: name the field, not the line
        raise ConfigError(
            f"the source to add is refused, nothing was written: {exc.reason}",
            path=str(path),
            field=exc.field,
        ) from exc
    _replace(path, updated, newline="\r\n" if b"\r\n" in path.read_bytes() else "\n")
    return updated


def with_sources(text: str, sources: Sequence[NewSource], *, path: Path) -> str:
    """``text`` with ``sources`` appended to its ``sources`` list, all else unchanged."""
    if not sources:
        return text
    data, listed = _source_list(text, path, "add to")
    lines = text.splitlines(keepends=True)
    content_col = listed.lc.item(0)[1]
    # "- ", "-   ": whatever the file has
    dash_col = lines[_entry_line(lines, listed, 0)].index("-")
    at = _end_of_sources(data, lines)
    # entries written apart: a blank line above the second one (and its comments)
    second = _heading(lines, _entry_line(lines, listed, 1), dash_col) if len(listed) > 1 else 0
    blank = second > 0 and not lines[second - 1].strip()
    entries = "".join(
        ("\n" if blank else "") + _render(source, dash_col, content_col) for source in sources
    )
    before = "".join(lines[:at])
    if before and not before.endswith("\n"):
        before += "\n"
    return before + entries + "".join(lines[at:])


def remove_source(path: Path, source_id: str) -> str:
    """Cut the entry of ``source_id`` out of ``path``'s ``sources``, validated first
    (ConfigError: the file is left as it was); the new text."""
    text = path.read_text(encoding="utf-8")
    updated = without_source(text, source_id, path=path)
    try:
        parse_settings(updated, path=path)
    except ConfigError as exc:  # a specialty naming it, say: the line is of unwritten text
        raise ConfigError(
            f"{source_id!r} cannot be removed, nothing was written: {exc.reason}",
            path=str(path),
            field=exc.field,
        ) from exc
    newline = "\r\n" if b"\r\n" in path.read_bytes() else "\n"
    _replace(path, updated, newline=newline, undone="removed")
    return updated


def without_source(text: str, source_id: str, *, path: Path) -> str:
    """``text`` without the entry of ``source_id`` in its ``sources`` list, all else unchanged.

    The entry goes with its inline comments, the comments indented inside it, and the
    comment written directly above it (no blank line between: it describes the entry),
    unless that comment starts right under ``sources:`` (it is about the whole list).
    A comment set apart by a blank line stays, and so does a section rule such as
    ``# --- Journals ---`` (it heads the entries after it) and an entry commented out
    (``#   url: …``: the admin's, kept for later), as does everything before.
    The comments at the list's own indent just before the next entry introduce that one
    and stay. One of the blank lines around it goes with it, so that entries written
    apart stay one blank line apart.
    """
    data, listed = _source_list(text, path, "remove from")
    ids = [entry.get("id") if isinstance(entry, CommentedMap) else None for entry in listed]
    if source_id not in ids:
        raise ConfigError(f"no source has id {source_id!r}", path=str(path), field="sources")
    if len(listed) == 1:
        raise ConfigError(
            f"{source_id!r} is the only source, and a config needs one: add another first",
            path=str(path),
            field="sources",
        )
    lines = text.splitlines(keepends=True)
    index = ids.index(source_id)
    entry = _entry_line(lines, listed, index)
    dash_col = lines[entry].index("-")
    last = index + 1 == len(listed)
    end = _end_of_sources(data, lines) if last else _entry_line(lines, listed, index + 1)
    while end > entry + 1 and _introduces_next(lines[end - 1], dash_col):
        end -= 1
    start = _heading(lines, entry, dash_col, rules=False)  # the comment describing it goes
    listed_at = data.lc.key("sources")[0]
    if start == listed_at + 1:
        start = entry  # comments right under "sources:" are about the whole list: they stay
    above = lines[start - 1] if start else ""
    if start == listed_at + 1 or _introduces_next(above, dash_col):
        while end < len(lines) and not lines[end].strip():
            end += 1
    return "".join(lines[:start] + lines[end:])


def _entry_line(lines: list[str], listed: CommentedSeq, index: int) -> int:
    """The line of the dash of ``listed``'s entry ``index``. ruamel.yaml gives the line of
    its first key, which a comment after the dash (``- # the wire``) or a dash alone on its
    line puts below the dash."""
    line = listed.lc.item(index)[0]
    while line > 0 and not _DASH.match(lines[line].lstrip()):
        line -= 1
    return line


def _heading(lines: list[str], entry: int, dash_col: int, *, rules: bool = True) -> int:
    """The first line of the comments written directly above the entry at line ``entry``
    (that line when there are none); without ``rules``, a section rule or a commented-out
    entry, and what is above it, are not among them."""
    while entry > 0 and lines[entry - 1].strip() and _introduces_next(lines[entry - 1], dash_col):
        comment = lines[entry - 1].lstrip()
        if not rules and (_SECTION_RULE.match(comment) or _COMMENTED_OUT.match(comment)):
            break
        entry -= 1
    return entry


def _introduces_next(line: str, dash_col: int) -> bool:
    """A blank line, or a comment no deeper than the list's dashes: not part of an entry."""
    stripped = line.lstrip()
    return not stripped or (stripped.startswith("#") and len(line) - len(stripped) <= dash_col)


def _source_list(text: str, path: Path, edit: str) -> tuple[CommentedMap, CommentedSeq]:
    """The file's top-level mapping and its ``sources`` list, which must be written one
    entry per line for ``edit`` ("add to", "remove from") to keep its layout."""
    yaml = YAML()
    try:
        data = yaml.load(text)
    except YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", path=str(path)) from exc
    listed = data.get("sources") if isinstance(data, CommentedMap) else None
    if not isinstance(listed, CommentedSeq) or not listed:
        raise ConfigError(f"no list of sources to {edit}", path=str(path), field="sources")
    if listed.fa.flow_style():
        raise ConfigError(
            f"sources is written as a [flow, list]; write it one entry per line to {edit} it",
            path=str(path),
            field="sources",
        )
    return data, listed


def _end_of_sources(data: CommentedMap, lines: list[str]) -> int:
    """The line index after the sources list: before the next top-level key and the
    top-level comments that introduce it, else the end of the document: a ``...`` marker
    and what follows it stay after the list (past trailing blanks)."""
    keys = list(data.keys())
    after = keys[keys.index("sources") + 1 :]
    if after:
        end = data.lc.key(after[0])[0]
    else:
        listed = data.lc.key("sources")[0]
        ends = (at for at in range(listed, len(lines)) if _DOCUMENT_END.match(lines[at]))
        end = next(ends, len(lines))
    while end > 0 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    return end


def _render(source: NewSource, dash_col: int, content_col: int) -> str:
    entry = CommentedMap(
        [("id", _as_read(source.id)), ("name", _as_read(source.name)), ("url", source.url),
         ("kind", source.kind.value)]
    )  # fmt: skip
    if source.tags:
        tags = CommentedSeq(_as_read(tag) for tag in source.tags)
        tags.fa.set_flow_style()
        entry["tags"] = tags
    if source.label is not None:
        entry["label"] = source.label.value
    yaml = YAML()
    yaml.width = 4096  # a long URL stays on one line
    out = io.StringIO()
    yaml.dump(entry, out)
    rendered = out.getvalue().splitlines()
    first = " " * dash_col + "-" + " " * (content_col - dash_col - 1) + rendered[0]
    rest = [" " * content_col + line for line in rendered[1:]]
    return "\n".join([first, *rest]) + "\n"


def _as_read(text: str) -> str:
    """``text``, quoted when the config's reader would not read it back as that text.

    ruamel.yaml writes YAML 1.2, where a feed titled "No" or "On" is a plain
    string; the config is read as YAML 1.1 (PyYAML), where those are booleans,
    so the new entry would fail validation on a line the admin never wrote.
    """
    try:
        plain = yaml_1_1.safe_load(text)
    except yaml_1_1.YAMLError:
        return text  # no plain scalar: ruamel.yaml quotes it itself
    if plain is None and text.strip() not in ("", "~", "null", "Null", "NULL"):
        return text  # a comment ("#…") or nothing: ruamel.yaml quotes it itself
    if plain is None or isinstance(plain, bool | int | float | date):
        return DoubleQuotedScalarString(text)  # "No", "on", "1:30", "2026-12-01", "null"
    return text


def _replace(path: Path, text: str, *, newline: str = "\n", undone: str = "added") -> None:
    """Write ``text`` over the config file as the admin keeps it: through a symlink to the
    file it names, with its owner, mode and line endings. Written beside it and renamed
    over it, so readers never see half a file, when that keeps all of these; in place
    otherwise (a folder this user may not write, a file another user owns)."""
    target = path.resolve()
    info = target.stat()
    if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise ConfigError(
            f"{target} is read-only for this user: nothing was {undone}; make it writable "
            "(chmod u+w, or run as its owner) and try again",
            path=str(path),
        )
    try:
        if os.access(target.parent, os.W_OK | os.X_OK) and _may_own(info):
            _replace_atomically(target, text, newline, info)
        else:
            _rewrite_in_place(target, text, newline)
    except OSError as exc:
        raise ConfigError(
            f"cannot write {target} ({exc.strerror}): nothing was {undone}", path=str(path)
        ) from exc


def _rewrite_in_place(target: Path, text: str, newline: str) -> None:
    """Write over the file itself. Its new size is reserved first, so that a full disk or
    a quota refuses the edit before a byte of the file changes (a plain rewrite left it
    cut short); where the file system cannot reserve, it is written as it is."""
    data = text.replace("\n", newline).encode("utf-8")
    with target.open("r+b") as out:
        try:
            os.posix_fallocate(out.fileno(), 0, len(data))
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                raise
        out.write(data)
        out.truncate()


def _may_own(info: os.stat_result) -> bool:
    """A new file can be given the config file's owner and group: this user's, or any
    for root."""
    return (info.st_uid, info.st_gid) == (os.geteuid(), os.getegid()) or os.geteuid() == 0


def _replace_atomically(target: Path, text: str, newline: str, info: os.stat_result) -> None:
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as out:
            out.write(text)
        os.chmod(temporary, info.st_mode & 0o7777)
        if info.st_uid != os.geteuid() or info.st_gid != os.getegid():
            os.chown(temporary, info.st_uid, info.st_gid)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
