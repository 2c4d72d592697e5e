"""OPML in and out: a subscription list becomes sources in config.yaml; enabled sources become one.

Import reads the outlines with listparser (folders and ``category`` attributes
become categories), decides each new source (``plan_import``: a pure function
over the outlines and the settings in force), then adds them to the end of the
config's ``sources:`` list. The admin's file is otherwise left exactly as it
was, comments, order and line wrapping included: ruamel.yaml's round-trip
loader finds where the list ends and its dumper writes the new entries in the
file's indentation; the existing text is never re-serialised (a full
round-trip re-wraps long flow lists). The result is validated with the same
loader as ``check-config`` before it replaces the file, atomically. Export
writes the enabled web sources as OPML 2.0, one folder per kind, which import
reads back. It never fetches a feed and never touches the database.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import listparser
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from .config import Settings, parse_settings
from .errors import ConfigError, OpmlError
from .identity import canonical_url
from .records import Kind, StoredSource
from .tagging import slug

# Category words that name a kind; any other category becomes a tag.
KIND_WORDS = {
    "news": Kind.NEWS,
    "article": Kind.ARTICLE,
    "articles": Kind.ARTICLE,
    "journal": Kind.ARTICLE,
    "journals": Kind.ARTICLE,
    "conference": Kind.CONFERENCE,
    "conferences": Kind.CONFERENCE,
    "event": Kind.CONFERENCE,
    "events": Kind.CONFERENCE,
    "video": Kind.VIDEO,
    "videos": Kind.VIDEO,
}
MAX_ID = 63


@dataclass(frozen=True)
class Outline:
    """One feed outline of an OPML file."""

    title: str
    url: str
    categories: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class NewSource:
    """A source to add to config.yaml, in the file's field order."""

    id: str
    name: str
    url: str
    kind: Kind
    tags: tuple[str, ...] = ()

    def as_yaml(self) -> CommentedMap:
        entry = CommentedMap(id=self.id, name=self.name, url=self.url, kind=self.kind.value)
        if self.tags:
            tags = CommentedSeq(self.tags)
            tags.fa.set_flow_style()
            entry["tags"] = tags
        return entry


@dataclass(frozen=True)
class Skipped:
    url: str
    reason: str


@dataclass(frozen=True)
class ImportPlan:
    added: tuple[NewSource, ...]
    skipped: tuple[Skipped, ...]


def read_outlines(data: bytes) -> tuple[Outline, ...]:
    """The feed outlines of an OPML document; OpmlError when it is not one or has none."""
    # Bytes, never a str: listparser fetches a str that looks like a URL.
    parsed = listparser.parse(data)
    if not str(parsed.get("version", "")).startswith("opml"):
        raise OpmlError("not an OPML file (no <opml> element)")
    outlines = tuple(
        Outline(
            title=str(feed.get("title") or "").strip(),
            url=str(feed["url"]).strip(),
            categories=tuple(tuple(path) for path in feed.get("categories", ())),
        )
        for feed in parsed["feeds"]
    )
    if not outlines:
        raise OpmlError("the OPML file has no feed outlines (no outline with an xmlUrl)")
    return outlines


def plan_import(
    outlines: Sequence[Outline], settings: Settings, kind: Kind | None = None
) -> ImportPlan:
    """Which outlines become which sources; duplicates of configured sources are skipped.

    ``kind`` applies to every outline; without it the kind comes from a folder
    or category that names one. An outline whose kind cannot be told, or whose
    URL is not http(s), is an error (nothing is added then): the admin fixes
    the file or passes ``--kind``.
    """
    known = {_url_key(s.url): s.id for s in settings.sources}
    ids = {s.id for s in settings.sources}
    added: list[NewSource] = []
    skipped: list[Skipped] = []
    problems: list[str] = []
    for outline in outlines:
        key = _url_key(outline.url)
        if urlsplit(outline.url).scheme not in ("http", "https"):
            problems.append(f"{outline.url or '(empty xmlUrl)'}: not an http(s) feed URL")
            continue
        if key in known:
            skipped.append(Skipped(outline.url, f"already configured as {known[key]}"))
            continue
        found = kind or _kind_of(outline.categories)
        if found is None:
            problems.append(f"{outline.url}: no category names a kind; use --kind")
            continue
        new = NewSource(
            id=_unique_id(outline, ids),
            name=outline.title or urlsplit(outline.url).hostname or outline.url,
            url=outline.url,
            kind=found,
            tags=_tags_of(outline.categories),
        )
        ids.add(new.id)
        known[key] = new.id
        added.append(new)
    if problems:
        raise OpmlError("cannot import:\n  " + "\n  ".join(problems))
    return ImportPlan(tuple(added), tuple(skipped))


def _url_key(url: str) -> str:
    return canonical_url(url) or url.strip()


def _kind_of(categories: Iterable[Sequence[str]]) -> Kind | None:
    for path in categories:
        for part in path:
            if part.strip().lower() in KIND_WORDS:
                return KIND_WORDS[part.strip().lower()]
    return None


def _tags_of(categories: Iterable[Sequence[str]]) -> tuple[str, ...]:
    tags = (slug(part)[:40] for path in categories for part in path)
    return tuple(dict.fromkeys(t for t in tags if t and t not in KIND_WORDS))


def _unique_id(outline: Outline, taken: set[str]) -> str:
    parts = urlsplit(outline.url)
    base = (slug(outline.title) or slug(f"{parts.hostname} {parts.path}") or "feed")[:MAX_ID]
    base = base.strip("-") or "feed"
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate, n = base[: MAX_ID - len(suffix)].rstrip("-") + suffix, n + 1
    return candidate


def add_to_config(text: str, sources: Sequence[NewSource], *, path: Path) -> str:
    """``text`` with ``sources`` appended to its ``sources:`` list, the rest unchanged."""
    if not sources:
        return text
    try:
        document = YAML().load(text)
    except YAMLError as exc:
        raise OpmlError(f"{path}: cannot read the YAML: {exc}") from exc
    listed = document.get("sources") if isinstance(document, CommentedMap) else None
    if not isinstance(listed, CommentedSeq) or not listed or listed.fa.flow_style():
        raise OpmlError(f"{path}: no block-style 'sources:' list to add to")
    start, column = listed.lc.item(len(listed) - 1)
    dash = column - 2  # items are mappings: "- " stands before the first key
    lines = text.splitlines(keepends=True)
    end = _end_of_item(lines, start, dash)
    spaced = start > 0 and not lines[start - 1].strip()  # a blank line between entries
    block = _dump_entries(sources, dash, spaced)
    head = "".join(lines[:end])
    if head and not head.endswith("\n"):
        head += "\n"
    return head + block + "".join(lines[end:])


def _end_of_item(lines: Sequence[str], start: int, dash: int) -> int:
    """The line after the last one of the item starting at ``start``, trailing blanks left out."""
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if line.strip() and len(line) - len(line.lstrip(" ")) <= dash:
            break
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _dump_entries(sources: Sequence[NewSource], dash: int, spaced: bool) -> str:
    yaml = YAML()
    yaml.width = 4096  # never wrap a URL
    yaml.indent(mapping=2, sequence=dash + 2, offset=dash)
    out = io.StringIO()
    yaml.dump({"sources": [s.as_yaml() for s in sources]}, out)
    body = out.getvalue().split("\n", 1)[1]  # drop the "sources:" line
    if not spaced:
        return body
    items = re.split(rf"(?m)^(?={' ' * dash}- )", body)
    return "".join("\n" + item for item in items if item)


def import_opml(config: Path, opml: Path, kind: Kind | None = None) -> ImportPlan:
    """Add the feeds of ``opml`` to the config file ``config``; what was added and skipped."""
    try:
        data = opml.read_bytes()
        text = config.read_text(encoding="utf-8")
    except OSError as exc:
        raise OpmlError(f"cannot read {exc.filename}: {exc.strerror}") from exc
    settings = parse_settings(text, path=config)
    plan = plan_import(read_outlines(data), settings, kind)
    if plan.added:
        updated = add_to_config(text, plan.added, path=config)
        try:
            parse_settings(updated, path=config)
        except ConfigError as exc:
            raise OpmlError(f"the imported sources would make the config invalid: {exc}") from exc
        _replace(config, updated)
    return plan


def _replace(path: Path, text: str) -> None:
    """Write next to the file and rename over it: a reader never sees half a config."""
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


def export_opml(sources: Iterable[StoredSource], *, title: str) -> bytes:
    """OPML 2.0 of the enabled http(s) sources, one folder per kind.

    No creation date: the same sources give the same bytes (and ETag). Local
    (``file://``) sources are left out: their paths mean nothing to another
    reader and would show the server's file system.
    """
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(opml, "body")
    folders: dict[Kind, ET.Element] = {}
    for source in sorted(sources, key=lambda s: (list(Kind).index(s.kind), s.name.lower())):
        if not source.enabled or not source.in_config:
            continue
        if urlsplit(source.url).scheme not in ("http", "https"):
            continue
        if source.kind not in folders:
            folders[source.kind] = ET.SubElement(
                body, "outline", text=source.kind.value, title=source.kind.value
            )
        attributes = {
            "type": "rss",
            "text": source.name,
            "title": source.name,
            "xmlUrl": source.url,
            "category": f"/{source.kind.value}",
        }
        ET.SubElement(folders[source.kind], "outline", attributes)
    ET.indent(opml)
    return ET.tostring(opml, encoding="utf-8", xml_declaration=True)
