"""What merging stories by their most informative members would add, on the tuning sets only.

An experiment, not the production decision (issue 9, recall). An item joins a
story only by matching its leader, the first item in ``StoryItem.order``
(``aggregator.storyindex``), and written4's misses are largely one story split
in two whose leaders fall just under the bar: a one-line teaser leads, while a
richer member of each half would match the other half's. This script takes
the rules' stories (``dedupe_quality.cluster``, the production decision) and
merges two of them when:

- their stand-ins match under the production rules (``dedupe.vetoed``,
  ``dedupe.may_match``, ``dedupe.passing_score`` at the rarity the later one is
  weighed with against the earlier one's story, ``StoryIndex.rarity_against``);
  a story's stand-in is its member with the most identifying terms, then the
  most terms, then the earliest (``--stand-in`` picks other measures);
- every pair across the two is allowed by the vetoes (complete linkage: one bad
  pair refuses the merge) and no source is in both (no same-source text merge);
- each story merges at most once, best score first (``--pick greedy``), or only
  with the story that is its best partner both ways (``--pick mutual``).

``--link majority`` weighs every cross pair instead of the stand-ins, and merges
when at least half of them pass (a looser rule: more recall, less precision).

It prints each tuning set's pairwise precision and recall before and after,
how many merges, the largest story, the merge's CPU per item, and whether the
stories fed in a shuffled order (``dedupe_quality.cluster(shuffle=1)``) merge to
the same result. The held-out sets are never read: a rule is tried on tuning
data only. ``--background N`` scores each hand-made set among N feeds x 50 items of
the shared generated corpus, as ``dedupe_quality --background`` does: a window as
dense as a deployment's, where a wrong merge has more stories to find. Run:
``.venv/bin/python benchmarks/stand_in_merge.py [--stand-in identifying] [--pick greedy]
[--background N]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dedupe_quality as dq

from aggregator.dedupe import (
    DEFAULT_THRESHOLD,
    MIN_SHARED,
    StoryItem,
    may_match,
    passing_score,
    vetoed,
)
from aggregator.storyindex import StoryIndex

# How much an item says, by each measure tried: the larger, the better a stand-in.
MEASURES: dict[str, Callable[[StoryItem], tuple[float, ...]]] = {
    "identifying": lambda item: (len(item.sig.identifying_terms), len(item.sig.terms)),
    "terms": lambda item: (len(item.sig.terms),),
    "body": lambda item: (item.sig.body_size, len(item.sig.terms)),
    "norm": lambda item: (item.sig.norm,),
    "sentences": lambda item: (item.sig.sentences, len(item.sig.terms)),
    "first": lambda item: (0,),  # the leader itself: what the rules already weigh
}


@dataclass(frozen=True)
class Outcome:
    precision: float
    recall: float
    largest: int
    with_background: int  # the set's items in a story with a background item


def stand_in(members: Sequence[StoryItem], measure: str) -> StoryItem:
    """The member that says most by ``measure``; ties go to the earliest."""
    says = MEASURES[measure]
    return max(sorted(members, key=lambda item: item.order), key=says)  # max keeps the first


def merged(
    items: Sequence[StoryItem],
    stories: Mapping[int, int],
    index: StoryIndex,
    *,
    measure: str = "identifying",
    pick: str = "greedy",
    link: str = "stand-in",
) -> dict[int, int]:
    """The rules' ``stories`` (item id -> leader id) with matching stories merged
    (module docstring); a merged story keeps the earlier leader."""
    by_id = {item.item_id: item for item in items}
    members: dict[int, list[StoryItem]] = defaultdict(list)
    for item_id, story in stories.items():
        members[story].append(by_id[item_id])
    stands = {story: stand_in(group, measure) for story, group in members.items()}
    scores = _matching_pairs(members, stands, index, link)
    order = {story: by_id[story].order for story in members}  # never ids: they follow arrival
    ranked = sorted(scores.items(), key=lambda pair: (-pair[1], *map(order.get, pair[0])))
    into = {story: story for story in members}
    if pick == "greedy":
        for (a, b), _ in ranked:
            if into[a] == a and into[b] == b:
                into[b] = a
    else:
        best: dict[int, int] = {}  # the best partner, the first in ``ranked``
        for (a, b), _ in ranked:
            best.setdefault(a, b)
            best.setdefault(b, a)
        for (a, b), _ in scores.items():
            if best[a] == b and best[b] == a:
                into[b] = a
    return {item_id: into[story] for item_id, story in stories.items()}


def _matching_pairs(
    members: Mapping[int, list[StoryItem]],
    stands: Mapping[int, StoryItem],
    index: StoryIndex,
    link: str,
) -> dict[tuple[int, int], float]:
    """(earlier leader, later leader) -> the best score between the two stories, for every
    pair that may merge; candidates share MIN_SHARED identifying terms, as in the index."""
    leader = {m.item_id: story for story, group in members.items() for m in group}
    weighed = {
        story: [stands[story]] if link == "stand-in" else group for story, group in members.items()
    }
    by_term: dict[str, list[int]] = defaultdict(list)
    for story, group in weighed.items():
        for term in {t for item in group for t in item.sig.identifying_terms}:
            by_term[term].append(story)
    order = {story: min(m.order for m in group) for story, group in members.items()}  # leaders
    out = {}
    for story, group in weighed.items():
        terms = {t for item in group for t in item.sig.identifying_terms}
        shared = Counter(other for t in terms for other in by_term[t])
        for other, count in shared.items():
            if count < MIN_SHARED or order[other] <= order[story]:
                continue
            if kept_apart(members[story], members[other], index):
                continue
            scores = [_score(a, b, index, leader) for a in group for b in weighed[other]]
            passed = [score for score in scores if score is not None]
            if passed and 2 * len(passed) >= len(scores):  # the one pair, or half of them
                out[(story, other)] = max(passed)
    return out


def kept_apart(ours: Sequence[StoryItem], theirs: Sequence[StoryItem], index: StoryIndex) -> bool:
    """Whether two stories may not merge: a source in both (no same-source text merge),
    or a pair across them vetoed (complete linkage)."""
    if {m.source_id for m in ours} & {m.source_id for m in theirs}:
        return True
    return any(vetoed(a, b, index.window) for a in ours for b in theirs)


def _score(
    a: StoryItem, b: StoryItem, index: StoryIndex, leader: Mapping[int, int]
) -> float | None:
    """The production decision on one pair: the later weighed against the earlier one's
    story (``StoryIndex.rarity_against``); None when it does not pass."""
    earlier, later = sorted((a, b), key=lambda m: m.order)
    rarity = index.rarity_against(later, index.items[leader[earlier.item_id]])
    if not may_match(later, earlier, rarity):
        return None
    return passing_score(later, earlier, rarity, index.threshold)


def outcome(records: Sequence[dq.Record], stories: Mapping[int, int]) -> Outcome:
    """Pairwise figures over ``records``' own items (not a background's), and how many of
    them share a story with an item not in ``records``."""
    own = {int(str(r["id"])) for r in records}
    truth = dq.pairs((int(str(r["id"])), r["story"]) for r in records)
    predicted = dq.pairs((item, story) for item, story in stories.items() if item in own)
    hits = len(truth & predicted)
    foreign = Counter(story for item, story in stories.items() if item not in own)
    return Outcome(
        precision=hits / len(predicted) if predicted else 1.0,
        recall=hits / len(truth) if truth else 1.0,
        largest=max(Counter(stories.values()).values()),
        with_background=sum(1 for item in own if foreign[stories[item]]),
    )


def _index(items: Sequence[StoryItem], stories: Mapping[int, int]) -> StoryIndex:
    """An index holding every item in its story: the rarity the merge weighs pairs with."""
    index = StoryIndex(threshold=DEFAULT_THRESHOLD)
    for item in items:
        index.load(item, stories[item.item_id])
    return index


def tuning_sets(background: int) -> tuple[dict[str, list[dq.Record]], list[dq.Record]]:
    """The tuning sets by name, never the held-out ones, and the background of
    ``background`` feeds to place each among; without one, the shared generated corpus
    (60 x 50) is a set of its own."""
    sets = dq.load_sets(held_out=False)
    if background:
        return sets, dq.generated_set(feeds=background)
    if dq.BENCH.is_dir():
        sets["generated 60x50 (shared/bench)"] = dq.generated_set()
    return sets, []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stand-in", choices=sorted(MEASURES), default="identifying")
    parser.add_argument("--pick", choices=("greedy", "mutual"), default="greedy")
    parser.add_argument("--link", choices=("stand-in", "majority"), default="stand-in")
    parser.add_argument(
        "--background",
        type=int,
        default=0,
        help="score each hand-made set among this many feeds x 50 items of the shared "
        "generated corpus spread over its dates (dedupe_quality --background): a dense window",
    )
    args = parser.parse_args()
    sets, background = tuning_sets(args.background)
    print(
        f"link: {args.link}, stand-in: {args.stand_in}, pick: {args.pick},"
        f" background: {args.background} feeds"
    )
    print(
        "set                              P before  R before  P after  R after  merges"
        "  largest  with bg  ms/item  shuffled"
    )
    for name, own in sets.items():
        records = [*own, *dq.spread(background, own)] if background else own
        items = dq.story_items(records)
        stories = dq.cluster(items, DEFAULT_THRESHOLD)
        index = _index(items, stories)
        started = time.process_time()
        after = merged(items, stories, index, measure=args.stand_in, pick=args.pick, link=args.link)
        cpu_ms = (time.process_time() - started) * 1000 / len(items)
        shuffled = dq.cluster(items, DEFAULT_THRESHOLD, shuffle=1)
        again = merged(
            items,
            shuffled,
            _index(items, shuffled),
            measure=args.stand_in,
            pick=args.pick,
            link=args.link,
        )
        before, now = outcome(own, stories), outcome(own, after)
        merges = len(set(stories.values())) - len(set(after.values()))
        print(
            f"{name:32} {before.precision:8.4f}  {before.recall:8.4f}  {now.precision:7.4f}"
            f"  {now.recall:7.4f}  {merges:6}  {now.largest:7}"
            f"  {before.with_background:3}>{now.with_background:<3}  {cpu_ms:7.3f}"
            f"  {'same' if again == after else 'DIFFERENT'}"
        )


if __name__ == "__main__":
    main()
