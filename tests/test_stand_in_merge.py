"""The stand-in merge experiment (``benchmarks/stand_in_merge.py``) keeps the contract's bars.

It only ever merges whole stories of the rules, and never across what the
contract keeps apart: one source's items, or any vetoed pair. Tuning data only.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import pytest

from aggregator.dedupe import DEFAULT_THRESHOLD, StoryItem, vetoed
from benchmarks import stand_in_merge as experiment

dq = experiment.dq


@pytest.fixture(scope="module")
def written4() -> tuple[list[StoryItem], dict[int, int], dict[int, int]]:
    items, stories, _, index = dq.clustered(dq.load_set(dq.WRITTEN4), DEFAULT_THRESHOLD)
    return items, stories, experiment.merged(items, stories, index)


def _groups(items: list[StoryItem], stories: dict[int, int]) -> list[list[StoryItem]]:
    by_story: dict[int, list[StoryItem]] = defaultdict(list)
    for item in items:
        by_story[stories[item.item_id]].append(item)
    return list(by_story.values())


def test_a_merge_takes_whole_stories_and_joins_some_on_written4(
    written4: tuple[list[StoryItem], dict[int, int], dict[int, int]],
) -> None:
    items, before, after = written4
    assert len(set(after.values())) < len(set(before.values()))
    for a, b in combinations(items, 2):
        if before[a.item_id] == before[b.item_id]:
            assert after[a.item_id] == after[b.item_id]


def test_no_merged_story_holds_two_items_of_one_source_or_a_vetoed_pair(
    written4: tuple[list[StoryItem], dict[int, int], dict[int, int]],
) -> None:
    items, before, after = written4
    for group in _groups(items, after):
        for a, b in combinations(group, 2):
            if before[a.item_id] != before[b.item_id]:
                assert a.source_id != b.source_id
                assert not vetoed(a, b)


def test_a_story_is_merged_at_most_once(
    written4: tuple[list[StoryItem], dict[int, int], dict[int, int]],
) -> None:
    items, before, after = written4
    for group in _groups(items, after):
        assert len({before[item.item_id] for item in group}) <= 2


def test_members_that_say_as_much_give_way_to_the_earliest(
    written4: tuple[list[StoryItem], dict[int, int], dict[int, int]],
) -> None:
    items = written4[0][:5]
    earliest = min(items, key=lambda item: item.order)
    assert experiment.stand_in(items, "first") is earliest
    assert experiment.stand_in(list(reversed(items)), "first") is earliest
