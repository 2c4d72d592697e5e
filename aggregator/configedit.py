"""Add a source to config.yaml in place, keeping the admin's comments, order and layout.

ruamel.yaml reads the file (round-trip mode knows where each source entry
starts and how the list is indented) and renders the new entry; the entry is
then inserted as text after the last source. A full round-trip dump would
also keep comments, but it re-wraps long flow lists (the specialty keywords)
and writes ``null`` as nothing: inserting the rendered entry changes no byte
of what the admin wrote. The result is validated like any config before it
replaces the file (atomically), so a bad addition never leaves a broken file.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from .config import Settings, parse_settings
from .errors import ConfigError
from .identity import canonical_url
from .records import Kind

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_ID = 40


@dataclass(frozen=True)
class NewSource:
    id: str
    name: str
    url: str
    kind: Kind


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


def already_configured(settings: Settings, url: str) -> str | None:
    """The id of a configured source with this feed URL (compared canonically), if any."""
    wanted = canonical_url(url) or url
    for source in settings.sources:
        if source.url == url or (canonical_url(source.url) or source.url) == wanted:
            return source.id
    return None


def add_source(path: Path, source: NewSource) -> str:
    """Insert ``source`` after the last entry of ``sources:`` in ``path``; the new text."""
    text = path.read_text(encoding="utf-8")
    updated = with_source(text, source, path=path)
    parse_settings(updated, path=path)  # raises ConfigError: the file is left as it was
    _replace(path, updated)
    return updated


def with_source(text: str, source: NewSource, *, path: Path) -> str:
    """``text`` with ``source`` appended to its ``sources`` list, all else unchanged."""
    yaml = YAML()
    try:
        data = yaml.load(text)
    except YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", path=str(path)) from exc
    sources = data.get("sources") if isinstance(data, CommentedMap) else None
    if not isinstance(sources, CommentedSeq) or not sources:
        raise ConfigError("no list of sources to add to", path=str(path), field="sources")
    if sources.fa.flow_style():
        raise ConfigError(
            "sources is written as a [flow, list]; write it one entry per line to add to it",
            path=str(path),
            field="sources",
        )
    lines = text.splitlines(keepends=True)
    first_line, content_col = sources.lc.item(0)
    dash_col = lines[first_line].index("-")
    at = _end_of_sources(data, lines)
    blank = len(sources) > 1 and not lines[sources.lc.item(1)[0] - 1].strip()
    entry = _render(source, dash_col, content_col)
    before = "".join(lines[:at])
    if before and not before.endswith("\n"):
        before += "\n"
    return before + ("\n" if blank else "") + entry + "".join(lines[at:])


def _end_of_sources(data: CommentedMap, lines: list[str]) -> int:
    """The line index after the sources list: before the next top-level key and the
    top-level comments that introduce it, else the end of the file (past trailing blanks)."""
    keys = list(data.keys())
    after = keys[keys.index("sources") + 1 :]
    end = data.lc.key(after[0])[0] if after else len(lines)
    while end > 0 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    return end


def _render(source: NewSource, dash_col: int, content_col: int) -> str:
    entry = CommentedMap(
        [("id", source.id), ("name", source.name), ("url", source.url), ("kind", source.kind.value)]
    )
    yaml = YAML()
    yaml.width = 4096  # a long URL stays on one line
    out = io.StringIO()
    yaml.dump(entry, out)
    rendered = out.getvalue().splitlines()
    first = " " * dash_col + "-" + " " * (content_col - dash_col - 1) + rendered[0]
    rest = [" " * content_col + line for line in rendered[1:]]
    return "\n".join([first, *rest]) + "\n"


def _replace(path: Path, text: str) -> None:
    """Write beside the file and rename over it: readers never see half a file."""
    mode = path.stat().st_mode & 0o777
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
