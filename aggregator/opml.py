"""OPML in and out: a subscription list becomes sources in config.yaml; enabled sources become one.

Import reads the outlines with listparser (folders and ``category`` attributes
become categories), decides each new source (``plan_import``: a pure function
over the outlines and the settings in force), then adds them to the end of the
config's ``sources:`` list as ``medfeed sources add`` does (``aggregator.configedit``:
the admin's file otherwise left exactly as it was, the result validated before it
replaces the file, atomically). Export writes the enabled web sources as OPML
2.0, one folder per kind, each source's kind, label and tags as its categories,
which import reads back. It never fetches a feed and never touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import listparser

from .config import Settings, parse_settings
from .configedit import NewSource, add_sources, source_name
from .errors import ConfigError, OpmlError
from .identity import canonical_url
from .records import Kind, Label, StoredSource
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
# The category medfeed's export writes a source's label as: "/label/sponsored".
LABEL_CATEGORY = "label"
MAX_ID = 63
# An OPML file read at most: ten times what a config.yaml of the most sources medfeed
# reads (1 MB, ~12,000 sources) takes as OPML. A larger file (a wrong file chosen, a log)
# was read whole and parsed, then every outline rendered, for minutes, before the import
# was refused.
MAX_OPML_BYTES = 10_000_000


@dataclass(frozen=True)
class Outline:
    """One feed outline of an OPML file."""

    title: str
    url: str
    categories: tuple[tuple[str, ...], ...] = ()


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
            name=source_name(outline.title or urlsplit(outline.url).hostname or outline.url),
            url=outline.url,
            kind=found,
            tags=_tags_of(outline.categories),
            label=_label_of(outline.categories),
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
    for path in _unlabelled(categories):
        for part in path:
            if part.strip().lower() in KIND_WORDS:
                return KIND_WORDS[part.strip().lower()]
    return None


def _tags_of(categories: Iterable[Sequence[str]]) -> tuple[str, ...]:
    tags = (slug(part)[:40] for path in _unlabelled(categories) for part in path)
    return tuple(dict.fromkeys(t for t in tags if t and t not in KIND_WORDS))


def _label_of(categories: Iterable[Sequence[str]]) -> Label | None:
    """The label a ``/label/<label>`` category names (medfeed's export writes one); None
    when there is none, as in other readers' files: the kind's default label then."""
    for path in categories:
        if _is_label(path):
            return Label(path[1].strip().lower())
    return None


def _unlabelled(categories: Iterable[Sequence[str]]) -> Iterable[Sequence[str]]:
    """The categories other than a label's: a "journal" label names no kind, and no tag."""
    return (path for path in categories if not _is_label(path))


def _is_label(path: Sequence[str]) -> bool:
    return (
        len(path) == 2
        and path[0].strip().lower() == LABEL_CATEGORY
        and path[1].strip().lower() in set(Label)
    )


def _unique_id(outline: Outline, taken: set[str]) -> str:
    parts = urlsplit(outline.url)
    base = (slug(outline.title) or slug(f"{parts.hostname} {parts.path}") or "feed")[:MAX_ID]
    base = base.strip("-") or "feed"
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate, n = base[: MAX_ID - len(suffix)].rstrip("-") + suffix, n + 1
    return candidate


def import_opml(config: Path, opml: Path, kind: Kind | None = None) -> ImportPlan:
    """Add the feeds of ``opml`` to the config file ``config``; what was added and skipped."""
    try:
        with opml.open("rb") as handle:
            data = handle.read(MAX_OPML_BYTES + 1)
        text = config.read_text(encoding="utf-8")
    except OSError as exc:
        raise OpmlError(f"cannot read {exc.filename}: {exc.strerror}") from exc
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(
            f"{opml} is larger than {MAX_OPML_BYTES // 1_000_000} MB: more feeds than "
            "config.yaml can hold (at most 1 MB), or not an OPML file"
        )
    settings = parse_settings(text, path=config)
    plan = plan_import(read_outlines(data), settings, kind)
    if plan.added:
        try:
            add_sources(config, plan.added)
        except ConfigError as exc:
            raise OpmlError(f"the imported sources would make the config invalid: {exc}") from exc
    return plan


def export_opml(
    sources: Iterable[StoredSource],
    *,
    title: str,
    tags: Mapping[str, Sequence[str]] | None = None,
) -> bytes:
    """OPML 2.0 of the enabled http(s) sources, one folder per kind.

    Each feed's ``category`` holds its kind, its label (``/label/<label>``) and its
    ``tags`` (by source id), all of which import reads back: a sponsored source stays
    sponsored in the next medfeed, and a reader that knows no labels shows a folder.

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
            "category": _categories(source, (tags or {}).get(source.id, ())),
        }
        ET.SubElement(folders[source.kind], "outline", attributes)
    ET.indent(opml)
    return ET.tostring(opml, encoding="utf-8", xml_declaration=True)


def _categories(source: StoredSource, tags: Sequence[str]) -> str:
    """``/article,/label/journal,/cardiology``: OPML 2.0's comma-separated category paths;
    a tag with a comma or slash in it would split, so those characters are dropped."""
    paths = [f"/{source.kind.value}", f"/{LABEL_CATEGORY}/{source.label.value}"]
    paths += [f"/{clean}" for tag in tags if (clean := tag.replace(",", "").replace("/", ""))]
    return ",".join(paths)
