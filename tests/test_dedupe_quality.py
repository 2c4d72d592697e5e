"""Story clustering quality on the labelled evaluation set (tests/data/stories/).

The same measurement as ``benchmarks/dedupe_quality.py`` (which it imports):
every item is stored in published order and put into a story by the
production path; pairwise precision and recall must meet the floors.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def quality() -> ModuleType:
    path = REPO / "benchmarks" / "dedupe_quality.py"
    spec = importlib.util.spec_from_file_location("dedupe_quality", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scores(quality: ModuleType) -> object:
    records = quality.load_set()
    return quality.score(records, quality.cluster(records))


def test_evaluation_set_has_the_promised_shape(quality: ModuleType) -> None:
    records = quality.load_set()
    sizes: dict[str, int] = {}
    for record in records:
        sizes[record["story"]] = sizes.get(record["story"], 0) + 1
    assert len(records) >= 300
    assert sum(size > 1 for size in sizes.values()) >= 60
    assert sum(size == 1 for size in sizes.values()) >= 100


def test_pairwise_precision_is_at_least_099(scores: object) -> None:
    assert scores.precision >= 0.99  # type: ignore[attr-defined]


def test_pairwise_recall_is_at_least_095(scores: object) -> None:
    assert scores.recall >= 0.95  # type: ignore[attr-defined]
