"""Issue 11: the store reads and writes rows, and knows nothing of the stages above it.

What a story is (``aggregator.dedupe``, ``aggregator.storyindex``), what the
config says (``aggregator.config``) and how an article's page is fetched
(``aggregator.fulltext``) are decided elsewhere; ``aggregator.refresh`` and
``aggregator.storywindow`` hand the store plain records. So no module under
``aggregator/store`` imports them, neither itself (read from its source, so an
import inside a function counts) nor through another module (checked in a
fresh interpreter).
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aggregator.store

ABOVE_THE_STORE = (
    "aggregator.dedupe",
    "aggregator.storyindex",
    "aggregator.config",
    "aggregator.fulltext",
)
STORE = Path(aggregator.store.__file__).parent


def imported_modules(source: str, package: str) -> Iterator[str]:
    """The absolute names of the modules ``source`` (a module of ``package``) imports."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def package_of(path: Path) -> str:
    parts = path.relative_to(STORE.parent).with_suffix("").parts
    return ".".join(("aggregator", *parts[:-1]))


def above_the_store(module: str) -> bool:
    return any(module == name or module.startswith(f"{name}.") for name in ABOVE_THE_STORE)


def test_no_store_module_imports_a_stage_above_the_store() -> None:
    found = {
        f"{path.relative_to(STORE.parent)}: {module}"
        for path in sorted(STORE.rglob("*.py"))
        for module in imported_modules(path.read_text(encoding="utf-8"), package_of(path))
        if above_the_store(module)
    }
    assert found == set()


def test_importing_every_store_module_loads_no_stage_above_the_store() -> None:
    modules = [
        f"aggregator.store.{info.name}"
        for info in pkgutil.iter_modules([str(STORE)])
        if info.name != "migrations"  # Alembic's environment runs on import
    ]
    script = (
        f"import sys\nfor name in {modules!r}: __import__(name)\n"
        "print(__import__('json').dumps(sorted(n for n, m in sys.modules.items() if m)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = json.loads(done.stdout)
    assert len(modules) > 5 and "aggregator.store.stories" in loaded
    assert [name for name in loaded if above_the_store(name)] == []


def test_the_check_sees_an_import_however_it_is_written() -> None:
    def caught(source: str, package: str = "aggregator.store") -> bool:
        return any(above_the_store(m) for m in imported_modules(source, package))

    assert caught("from ..dedupe import signature")
    assert caught("from .. import config")
    assert caught("def later():\n    import aggregator.fulltext")
    assert caught("from aggregator.storyindex import StoryIndex")
    assert caught("from ....config import Settings", "aggregator.store.migrations.versions")
    assert not caught("from ..records import ItemUpdate")
    assert not caught("from .stories import StoryRows")
    assert not caught("import aggregator.dedupe_rules")
    assert package_of(STORE / "__init__.py") == "aggregator.store"
    assert package_of(STORE / "stories.py") == "aggregator.store"
