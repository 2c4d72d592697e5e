"""The fingerprint of the code that turns a fetched body into items.

A body's digest (``prepare.PrepareJob.digest``) lets a refresh skip the body its
source last stored; a parser, sanitizer or tagger fixed since would make other
items of the same bytes, so the digest carries this fingerprint: the source of
every ``aggregator`` module ``prepare`` imports (followed through the import
statements, the ones inside functions too), the versions of the distributions
medfeed requires and of theirs (feedparser, nh3, icalendar, the word lists and
the drug table that come as packages), and Python's. A change to any of them
reads each source's body once more, without a version to remember to raise. A
change elsewhere (the store, the web) is not part of it.

Computed once per process, when the first digest is taken (a few milliseconds);
it reads files and package metadata only, never the database or the network.
"""

from __future__ import annotations

import hashlib
import platform
import re
from collections.abc import Iterator
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PIPELINE = "aggregator.prepare"  # the module a parse worker runs
DISTRIBUTION = "medfeed"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_COMMENT = re.compile(r"#[^\n]*")
# ``from .x import y, z`` (the names perhaps in parentheses over lines), ``import a.b as c``
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n;]*)"
    r"|import[ \t]+([^\n;]*))",
    re.MULTILINE,
)


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """This process's fingerprint of the parse pipeline: its code, its libraries, Python."""
    root = Path(__file__).resolve().parents[1]
    libraries = repr(sorted(dependency_versions(DISTRIBUTION)))
    return code_fingerprint(PIPELINE, root, also=(libraries, platform.python_version()))


def code_fingerprint(module: str, root: Path, also: tuple[str, ...] = ()) -> str:
    """A digest of the source files of ``module`` and of every module of its top package
    it imports, directly or not, found under ``root``; ``also`` is digested with them."""
    digest = hashlib.sha256()
    for path in sorted(modules_of(module, root)):
        text = path.read_bytes()
        name = path.relative_to(root).as_posix().encode()
        digest.update(b"%d:%s%d:" % (len(name), name, len(text)) + text)
    for extra in also:
        digest.update(b"%d:" % len(extra.encode()) + extra.encode())
    return digest.hexdigest()


def modules_of(module: str, root: Path) -> set[Path]:
    """The files of ``module``, of the modules of its top package it imports (at any depth
    and wherever in the file), and of the packages that hold them (Python runs each
    ``__init__.py`` on the way)."""
    top = module.partition(".")[0]
    found: dict[str, Path] = {}
    waiting = [module]
    while waiting:
        name = waiting.pop()
        path = _file_of(name, root)
        if name in found or path is None:
            continue
        found[name] = path
        parts = name.split(".")
        waiting += (".".join(parts[:n]) for n in range(1, len(parts)))
        source = path.read_text(encoding="utf-8")
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        waiting += (n for n in _imported(source, package) if n.partition(".")[0] == top)
    return set(found.values())


def _file_of(module: str, root: Path) -> Path | None:
    base = root.joinpath(*module.split("."))
    for path in (base.with_name(base.name + ".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imported(source: str, package: str) -> Iterator[str]:
    """Every module name an import statement in ``source`` may load, wherever it stands
    (a function's own imports too). ``from x import y`` names ``x`` and ``x.y``: whether
    ``y`` is a module is known only from the files, and a name that is not one has none
    (``_file_of``). Read from the text, not a syntax tree, which took ten times as long:
    an import quoted in a docstring counts too, which only adds a file."""
    for level, module, names, plain in _IMPORT.findall(_COMMENT.sub("", source)):
        if plain:
            yield from (name.split()[0] for name in plain.split(",") if name.strip())
            continue
        base = package.rsplit(".", len(level) - 1)[0] if level else ""
        name = ".".join(part for part in (base, module) if part)
        yield name
        listed = names.strip().strip("()").split(",")
        yield from (f"{name}.{each.split()[0]}" for each in listed if each.strip())


def dependency_versions(distribution: str) -> set[tuple[str, str]]:
    """The name and version of each installed distribution ``distribution`` requires, at
    any depth, leaving out those only an extra asks for (tests, tools)."""
    # One scan of what is installed: a look-up per name scans it each time (3x as long).
    installed = {_normal(d.metadata["Name"] or ""): d for d in metadata.distributions()}
    root = _normal(distribution)
    versions: set[tuple[str, str]] = set()
    waiting, seen = [root], {root}
    while waiting:
        found = installed.get(waiting.pop())
        if found is None:  # not installed: a requirement for another platform
            continue
        for requirement in found.requires or []:
            wanted = _NAME.match(requirement)
            name = _normal(wanted.group()) if wanted else root
            if name not in seen and "extra" not in requirement.partition(";")[2]:
                seen.add(name)
                waiting.append(name)
                if name in installed:
                    versions.add((name, installed[name].version))
    return versions


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
