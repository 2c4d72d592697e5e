"""Rules that might join one story split in two by the leader rule, on the tuning sets only.

An experiment, not the production decision (issue 9, recall: "leader-only"
misses). An item joins a story only by matching its leader, so one true story
splits in two when the second story's founder misses the first leader's bar or
is vetoed against it. Three families are tried:

- ``bridge``: a member X of one story that also clears the bar of an earlier
  leader of another story (``StoryIndex._score``: not vetoed, may match, over
  the pair's bar at the rarity X is weighed with against that story) bridges
  the two; they merge when the two leaders' own pair passes ``--leader-bar``
  times the threshold (0 skips that check), no pair across the two stories is
  vetoed and no source is in both; ``--min-bridges`` items must bridge them
  (one was not enough: among 20 background feeds a drug's pricing story and
  its approval story merged through one item). ``--pick once``: each story merges at most
  once, strongest bridge first (its weaker score); ``--pick union``: merges
  chain, each one checked against the whole merged group.
- ``young``: inside the join loop, an item's bar against a leader whose story
  holds no earlier member is ``--young`` times the threshold.
- ``core``: inside the join loop, a leader is weighed with the terms every one
  of its members before the item shares (the intersection over at least
  ``--core-members`` members) added to its signature's terms.

The held-out sets are never read. ``--background N`` places each set among N
feeds x 50 items of the shared generated corpus (``dedupe_quality --background``).
``+ms/item`` is the rule's CPU per item: the whole post-pass for ``bridge``
(loading an index of the set included), the join loop's CPU above the plain
loop's for the others. Run:
``.venv/bin/python benchmarks/split_rules.py bridge --min-bridges 2 [--show] [--background 20]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dedupe_quality as dq
import stand_in_merge as sim

from aggregator.dedupe import (
    DEFAULT_THRESHOLD,
    StoryItem,
    _copy,
    may_match,
    passing_score,
    vetoed,
)
from aggregator.storyindex import StoryIndex


def bridged(
    items: Sequence[StoryItem],
    stories: Mapping[int, int],
    *,
    leader_bar: float,
    pick: str,
    min_bridges: int,
    merges: list[tuple[int, int, list[int]]] | None = None,
) -> dict[int, int]:
    """``stories`` with the bridged pairs of stories merged (module docstring)."""
    index = sim._index(items, stories)
    by_id = {item.item_id: item for item in items}
    members: dict[int, list[StoryItem]] = defaultdict(list)
    for item_id, story in stories.items():
        members[story].append(by_id[item_id])
    strength: dict[tuple[int, int], list[float]] = defaultdict(list)
    through: dict[tuple[int, int], list[int]] = defaultdict(list)
    for item in items:
        own = stories[item.item_id]
        if own == item.item_id:
            continue
        own_score = index._score(item, by_id[own])
        if own_score is None:
            continue
        for other in index._candidates(item):
            story = other.item_id
            if story == own or stories.get(story) != story or other.order >= item.order:
                continue
            score = index._score(item, other)
            if score is None:
                continue
            a, b = sorted((own, story), key=lambda s: by_id[s].order)
            strength[(a, b)].append(min(score, own_score))
            through[(a, b)].append(item.item_id)
    ranked = sorted(
        ((pair, max(scores)) for pair, scores in strength.items() if len(scores) >= min_bridges),
        key=lambda entry: (-entry[1], by_id[entry[0][0]].order, by_id[entry[0][1]].order),
    )
    into = {story: story for story in members}
    group = {story: list(group) for story, group in members.items()}

    def root(story: int) -> int:
        while into[story] != story:
            story = into[story]
        return story

    for (a, b), _ in ranked:
        if pick == "once" and (into[a] != a or into[b] != b):
            continue
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        if not _leaders_pass(by_id[a], by_id[b], index, leader_bar):
            continue
        ours, theirs = group[ra], group[rb]
        if sim.kept_apart(ours, theirs, index):
            continue
        first, second = sorted((ra, rb), key=lambda s: by_id[s].order)
        into[second] = first
        group[first] = ours + theirs
        if merges is not None:
            merges.append((a, b, through[(a, b)]))
    return {item_id: root(story) for item_id, story in stories.items()}


def _leaders_pass(a: StoryItem, b: StoryItem, index: StoryIndex, bar: float) -> bool:
    if bar <= 0:
        return True
    rarity = index.rarity_against(b, a)
    if not may_match(b, a, rarity):
        return False
    return passing_score(b, a, rarity, index.threshold * bar) is not None


class YoungIndex(StoryIndex):
    """A lower bar against a leader whose story holds no member before the item."""

    young = 1.0

    def _score(self, a: StoryItem, b: StoryItem) -> float | None:
        if self.story_before(a, b) != 1:
            return super()._score(a, b)
        threshold = self.threshold
        self.threshold = threshold * self.young
        try:
            return super()._score(a, b)
        finally:
            self.threshold = threshold


class CoreIndex(StoryIndex):
    """A leader weighed with the terms every member before the item shares."""

    core_members = 2

    def _score(self, a: StoryItem, b: StoryItem) -> float | None:
        plain = super()._score(a, b)
        members = [
            m
            for m in (self.items.get(i) for i in self._members.get(b.item_id, ()))
            if m is not None and m.order < a.order
        ]
        if len(members) < self.core_members or self.leader.get(b.item_id) != b.item_id:
            return plain
        shared = frozenset.intersection(*(frozenset(m.sig.terms) for m in members))
        extra = shared - frozenset(b.sig.terms)
        if not extra:
            return plain
        enriched = _with_terms(b, extra, members[0])
        if vetoed(a, b, self.window):
            return plain
        score = super()._score(a, enriched)
        return plain if score is None else max(score, plain or 0.0)


def _with_terms(leader: StoryItem, extra: frozenset[str], donor: StoryItem) -> StoryItem:
    """``leader`` with ``extra`` added to its summary's terms, at the donor's levels."""
    sig, given = leader.sig, donor.sig._codes
    codes = list(sig._codes.items())
    added = [(term, given[term]) for term in sorted(extra)]
    enriched = _copy(sig, dict(codes[: sig._body] + added + codes[sig._body :]))
    object.__setattr__(enriched, "_body", sig._body + len(added))
    return replace(leader, sig=enriched)


def _show(records: Sequence[dq.Record], merges: list[tuple[int, int, list[int]]]) -> None:
    """Each merge: the two leaders, whether their labelled stories agree, and the
    bridging items with whether each is labelled the first's / the second's story."""
    by_id = {int(str(r["id"])): r for r in records}
    for a, b, via in merges:
        ra, rb = by_id[a], by_id[b]
        verdict = "ok   " if ra["story"] == rb["story"] else "WRONG"
        print(f"  {verdict} {ra['source']}: {ra['title']!s:.70}")
        print(f"        {rb['source']}: {rb['title']!s:.70}")
        for item in via:
            r = by_id[item]
            sides = f"{r['story'] == ra['story']}/{r['story'] == rb['story']}"
            print(f"     via {r['source']}: {r['title']!s:.70} [{sides}]")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rule", choices=("bridge", "young", "core"))
    parser.add_argument("--leader-bar", type=float, default=0.5)
    parser.add_argument("--pick", choices=("once", "union"), default="once")
    parser.add_argument("--min-bridges", type=int, default=1)
    parser.add_argument("--young", type=float, default=0.8)
    parser.add_argument("--core-members", type=int, default=2)
    parser.add_argument("--background", type=int, default=0)
    parser.add_argument("--show", action="store_true", help="print each merge")
    parser.add_argument("--only", default="", help="only the sets whose name holds this")
    args = parser.parse_args()
    YoungIndex.young = args.young
    CoreIndex.core_members = args.core_members
    sets, background = sim.tuning_sets(args.background)
    print(vars(args))
    print(
        "set                              P before  R before  P after  R after  largest"
        "  +ms/item  shuffled  with bg"
    )
    for name, own in sets.items():
        if args.only not in name:
            continue
        records = [*own, *dq.spread(background, own)] if background else own
        items = dq.story_items(records)
        started = time.process_time()
        stories = dq.cluster(items, DEFAULT_THRESHOLD)
        plain = time.process_time() - started
        merges: list[tuple[int, int, list[int]]] = []
        started = time.process_time()
        after = _decided(args, items, stories, merges)
        extra = time.process_time() - started - (0.0 if args.rule == "bridge" else plain)
        if args.show:
            _show(records, merges)
        again = _decided(args, items, dq.cluster(items, DEFAULT_THRESHOLD, shuffle=1), [])
        before, now = sim.outcome(own, stories), sim.outcome(own, after)
        print(
            f"{name:32} {before.precision:8.4f}  {before.recall:8.4f}  {now.precision:7.4f}"
            f"  {now.recall:7.4f}  {now.largest:7}  {extra * 1000 / len(items):8.3f}"
            f"  {'same' if again == after else 'DIFFERENT':8}"
            f"  {before.with_background}>{now.with_background}"
        )


def _decided(
    args: argparse.Namespace,
    items: Sequence[StoryItem],
    stories: Mapping[int, int],
    merges: list[tuple[int, int, list[int]]],
) -> dict[int, int]:
    """The stories under the rule tried: ``stories`` merged (bridge), or decided again
    by an index with the rule in its join loop (young, core)."""
    if args.rule == "bridge":
        return bridged(
            items,
            stories,
            leader_bar=args.leader_bar,
            pick=args.pick,
            min_bridges=args.min_bridges,
            merges=merges,
        )
    dq.StoryIndex = YoungIndex if args.rule == "young" else CoreIndex  # type: ignore[misc]
    try:
        return dq.cluster(items, DEFAULT_THRESHOLD)
    finally:
        dq.StoryIndex = StoryIndex  # type: ignore[misc]


if __name__ == "__main__":
    main()
