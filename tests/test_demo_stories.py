"""The offline demo's stories after one refresh, on both databases: each story its
README names (demo/README.md, layer 4) is one story, and items that only share a few
ordinary words stay apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from aggregator.config import load_settings
from aggregator.refresh import Refresher
from aggregator.store import Store
from aggregator.store.models import Item

REPO = Path(__file__).resolve().parents[1]

# demo/README.md, "Layer 4 — the same story rewritten": the opening words of each title.
ONE_STORY = {
    "S1 tarvelimab approval": (
        "FDA approves tarvelimab for advanced biliary",
        "US regulator clears tarvelimab",
        "Tarvelimab wins FDA nod",
    ),
    "S2 TARVEL-Lung01": (
        "Tarvelimab plus chemotherapy extends survival",
        "Adding tarvelimab to chemo",
    ),
    "S3 LPA-HORIZON": ("Oral lipoprotein(a) pill", "First oral Lp(a) drug"),
    "S4 Lakeland measles": ("Measles outbreak in Lakeland", "Lakeland measles cases climb"),
    "S5 hypertension guideline": (
        "New joint hypertension guideline",
        "Hypertension guideline: aim below",
    ),
}


@pytest.fixture
def story_of(database_url: str, store: Store) -> dict[str, int]:
    """Each demo title's story id, after one refresh of every demo source."""
    settings = load_settings(REPO / "config.demo.yaml").model_copy(
        update={"database": database_url}
    )
    store.sync_sources(settings.configured_sources())
    Refresher(settings, store).refresh(due_only=False)
    with store.session() as session:
        rows = session.execute(select(Item.title, Item.story_id)).all()
    return {title: story_id for title, story_id in rows}


def _story(story_of: dict[str, int], opening: str) -> int:
    (story,) = [story for title, story in story_of.items() if title.startswith(opening)]
    return story


def test_every_story_the_demo_readme_names_is_one_story(story_of: dict[str, int]) -> None:
    for name, openings in ONE_STORY.items():
        stories = {_story(story_of, opening) for opening in openings}
        assert len(stories) == 1, name


def test_the_virtual_wards_plan_is_not_the_rsv_antibody_papers_story(
    story_of: dict[str, int],
) -> None:
    """They share "respiratory", "ward" and "virus"; the paper's "2025-2026 season" is
    no rounding of the plan's "2,000 places", so neither names what the other names."""
    paper = _story(story_of, "Effectiveness of a Long-Acting RSV Monoclonal Antibody")
    plan = _story(story_of, "Winter plan leans on virtual wards")
    assert paper != plan
