"""The bridge merge experiment (``benchmarks/split_rules.py``) keeps the contract's bars.

It merges whole stories of the rules only where two of one story's members also
clear the other's leader's bar, and never across what the contract keeps apart:
one source's items, or any vetoed pair. Tuning data only.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import pytest

from aggregator.dedupe import DEFAULT_THRESHOLD, StoryItem, vetoed
from benchmarks import split_rules as experiment

dq = experiment.dq
Merge = tuple[int, int, list[int]]


@pytest.fixture(scope="module")
def written4() -> tuple[list[StoryItem], dict[int, int], dict[int, int], list[Merge]]:
    items = dq.story_items(dq.load_set(dq.WRITTEN4))
    stories = dq.cluster(items, DEFAULT_THRESHOLD)
    merges: list[Merge] = []
    after = experiment.bridged(
        items, stories, leader_bar=0.5, pick="once", min_bridges=2, merges=merges
    )
    return items, stories, after, merges


def test_two_bridging_members_merge_whole_stories_on_written4(
    written4: tuple[list[StoryItem], dict[int, int], dict[int, int], list[Merge]],
) -> None:
    items, before, after, merges = written4
    assert merges
    assert all(len(via) >= 2 for _, _, via in merges)
    assert len(set(after.values())) == len(set(before.values())) - len(merges)
    for a, b in combinations(items, 2):
        if before[a.item_id] == before[b.item_id]:
            assert after[a.item_id] == after[b.item_id]


def test_no_bridged_story_holds_two_items_of_one_source_or_a_vetoed_pair(
    written4: tuple[list[StoryItem], dict[int, int], dict[int, int], list[Merge]],
) -> None:
    items, before, after, _ = written4
    groups: dict[int, list[StoryItem]] = defaultdict(list)
    for item in items:
        groups[after[item.item_id]].append(item)
    for group in groups.values():
        for a, b in combinations(group, 2):
            if before[a.item_id] != before[b.item_id]:
                assert a.source_id != b.source_id
                assert not vetoed(a, b)


def test_shuffled_arrival_bridges_the_same_stories(
    written4: tuple[list[StoryItem], dict[int, int], dict[int, int], list[Merge]],
) -> None:
    items, _, after, _ = written4
    shuffled = dq.cluster(items, DEFAULT_THRESHOLD, shuffle=1)
    again = experiment.bridged(items, shuffled, leader_bar=0.5, pick="once", min_bridges=2)
    assert again == after
