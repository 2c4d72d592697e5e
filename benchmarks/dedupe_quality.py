"""Pairwise precision, recall and story sizes of near-duplicate clustering on every set.

Sets: ``tests/data/stories/stories.jsonl`` (generated from templates; the rules
were tuned on it), ``tests/data/stories/heldout/stories.jsonl``, ``heldout2/``,
``heldout3/`` to ``heldout9/`` (written by hand apart from the
rules; never tune on them: the test suite asserts floors on them),
``tests/data/stories/written/stories.jsonl``, ``written2/``, ``written3/`` and
``written4/`` (each written by hand without sight of the rules or the other
sets; written3 is half hard negatives: several news events about one drug,
company or outbreak within days; written4 is short feed summaries and news
clips; tuning sets: their figures are printed, never asserted), and the shared
generated corpus (``../shared/bench/gen_feeds.py``, 60 feeds x 50 items, seed
42, with shared boilerplate sentences; skipped when ``../shared`` is absent;
``--feeds 5,20,1000`` adds it at other sizes).

Each item goes through the production decision: ``dedupe.signature``, the
feed-document weights of ``dedupe.document_levels`` (a source's items in the
set stand for its feed document), and ``storyindex.StoryIndex``, fed per
source in 6-hour fetch slots in time order; a second run feeds the slots in a
shuffled order and must give the same stories. A pair counts as predicted
same-story when both items end in one story. It tunes nothing. ``--why`` also
counts, for the tuning sets only, the rule that parts each missed pair; ``--pairs``
lists those pairs and the wrong merges, with the rule (and, for a pair parted by the
leader rule, what parts the later item from the earlier one's leader).
``--review`` also ranks each set's joins by ``dedupe.margin``, least first (what
``medfeed stories list --doubtful`` shows an editor), and counts the wrong joins
among the first 5, 10 and 20 % of them, with the precision once an editor has
split those off (measured, never tuned on: the margin is the matcher's own bar).
``--background N`` also scores each hand-made set among N feeds x 50 items of the
shared generated corpus spread over its dates, as a deployment's window is dense
(measured, never tuned on). ``--tuning-only`` leaves the held-out sets out of every
table, so that a rule can be tried without their figures in sight. Run:
``.venv/bin/python benchmarks/dedupe_quality.py [--threshold T] [--why] [--pairs] [--review]
[--background N] [--tuning-only]``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from aggregator.dedupe import (  # noqa: E402
    DEFAULT_THRESHOLD,
    StoryItem,
    document_levels,
    margin,
    may_match,
    passing_score,
    signature,
    veto,
)
from aggregator.storyindex import StoryIndex  # noqa: E402

TUNING = REPO / "tests" / "data" / "stories" / "stories.jsonl"
HELDOUT = REPO / "tests" / "data" / "stories" / "heldout" / "stories.jsonl"
HELDOUT2 = REPO / "tests" / "data" / "stories" / "heldout2" / "stories.jsonl"
HELDOUT3 = REPO / "tests" / "data" / "stories" / "heldout3" / "stories.jsonl"
HELDOUT4 = REPO / "tests" / "data" / "stories" / "heldout4" / "stories.jsonl"
HELDOUT5 = REPO / "tests" / "data" / "stories" / "heldout5" / "stories.jsonl"
HELDOUT6 = REPO / "tests" / "data" / "stories" / "heldout6" / "stories.jsonl"
HELDOUT7 = REPO / "tests" / "data" / "stories" / "heldout7" / "stories.jsonl"
HELDOUT8 = REPO / "tests" / "data" / "stories" / "heldout8" / "stories.jsonl"
HELDOUT9 = REPO / "tests" / "data" / "stories" / "heldout9" / "stories.jsonl"
WRITTEN = REPO / "tests" / "data" / "stories" / "written" / "stories.jsonl"
WRITTEN2 = REPO / "tests" / "data" / "stories" / "written2" / "stories.jsonl"
WRITTEN3 = REPO / "tests" / "data" / "stories" / "written3" / "stories.jsonl"
WRITTEN4 = REPO / "tests" / "data" / "stories" / "written4" / "stories.jsonl"
BENCH = REPO.parent / "shared" / "bench"
BACKGROUND_IDS = 50_000_000  # background items' ids start here, clear of every set's
Record = dict[str, object]


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    true_pairs: int
    predicted_pairs: int
    stories: int
    largest: int
    same_when_shuffled: bool
    ms_per_item: float


def load_set(path: Path) -> list[Record]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


TUNING_SETS = {
    "tuning (stories.jsonl)": TUNING,
    "written tuning (written/)": WRITTEN,
    "written tuning 2 (written2/)": WRITTEN2,
    "written tuning 3 (written3/)": WRITTEN3,
    "written tuning 4 (written4/)": WRITTEN4,
}
HELD_OUT_SETS = {
    "held-out (heldout/)": HELDOUT,
    "held-out 2 (heldout2/)": HELDOUT2,
    "held-out 3 (heldout3/)": HELDOUT3,
    "held-out 4 (heldout4/)": HELDOUT4,
    "held-out 5 (heldout5/)": HELDOUT5,
    "held-out 6 (heldout6/)": HELDOUT6,
    "held-out 7 (heldout7/)": HELDOUT7,
    "held-out 8 (heldout8/)": HELDOUT8,
    "held-out 9 (heldout9/)": HELDOUT9,
}


def load_sets(*, held_out: bool = True) -> dict[str, list[Record]]:
    """The hand-made sets by name, in the order the table prints them: the template set,
    the held-out sets unless ``held_out`` is false, then the written tuning sets. Without
    them a rule can be tried on the tuning sets and its held-out figures read once, at
    the end (a held-out set tuned on is held out no more)."""
    names = [next(iter(TUNING_SETS))]
    names += list(HELD_OUT_SETS) if held_out else []
    names += list(TUNING_SETS)[1:]
    paths = TUNING_SETS | HELD_OUT_SETS
    return {name: load_set(paths[name]) for name in names}


def generated_set(feeds: int = 60, items: int = 50, seed: int = 42) -> list[Record]:
    sys.path.insert(0, str(BENCH))
    from gen_feeds import FeedCorpus

    corpus = FeedCorpus(n_feeds=feeds, n_items=items, seed=seed)
    records: list[Record] = []
    for feed in range(feeds):
        for entry in corpus.feed_items(feed):
            records.append(
                {
                    "id": len(records) + 1,
                    "story": str(entry["story_id"]),
                    "title": entry["title"],
                    "summary": entry["summary_html"],
                    "source": f"feed-{feed}",
                    "source_name": corpus.feed_source(feed)[0],
                    "published": entry["published"].isoformat(),
                    "kind": "news",
                }
            )
    return records


def story_items(records: Sequence[Record]) -> list[StoryItem]:
    """The set's items as the story decision sees them, each with its source's name as
    production gives it (``StoryRow.source_name``, the configured name): a hand-made
    set's ``source`` is the outlet's name ("The Conversation"), the generated corpus's
    feeds are named by their own titles ("MedWire Daily #3"), as ``medfeed sources
    import`` would name them."""
    by_source: dict[str, list[Record]] = {}
    for record in records:
        by_source.setdefault(str(record["source"]), []).append(record)
    out = []
    for source, group in by_source.items():
        sigs = document_levels([signature(str(r["title"]), str(r["summary"])) for r in group])
        for record, sig in zip(group, sigs, strict=True):
            out.append(
                StoryItem(
                    item_id=int(str(record["id"])),
                    source_id=source,
                    kind=str(record["kind"]),
                    label=str(record.get("label", "news")),
                    published=_time(str(record["published"])),
                    key=f"guid-{record['id']}",
                    sig=sig,
                    identifiers=frozenset(_identifiers(record)),
                    source_name=str(record.get("source_name", source)),
                )
            )
    return out


def cluster(
    items: Sequence[StoryItem], threshold: float, shuffle: int | None = None
) -> dict[int, int]:
    slots: dict[tuple[int, str], list[StoryItem]] = {}
    for item in items:
        slots.setdefault((int(item.published.timestamp() // 21_600), item.source_id), []).append(
            item
        )
    keys = sorted(slots)
    if shuffle is not None:
        random.Random(shuffle).shuffle(keys)
    index = StoryIndex(threshold=threshold)
    stories: dict[int, int] = {}
    stored: list[StoryItem] = []
    for key in keys:
        batch = slots[key]
        _reload(index, batch, stored, stories)
        stories.update((change.item_id, change.story_id) for change in index.add(batch))
        stored += batch
    return stories


def _reload(
    index: StoryIndex,
    batch: Sequence[StoryItem],
    stored: Sequence[StoryItem],
    stories: dict[int, int],
) -> None:
    """What ``storywindow`` does with the database: the index lets go of items older than
    its horizon, and a late batch gets the stored items within a window of it loaded back,
    in the stories they are in (``StoryIndex.load``), before it is decided."""
    low = min(item.published for item in batch) - index.window
    high = max(item.published for item in batch) + index.window
    for item in stored:
        if low <= item.published <= high and item.item_id not in index.items:
            index.load(item, stories.get(item.item_id, item.item_id))


def score(records: Sequence[Record], threshold: float = DEFAULT_THRESHOLD) -> Scores:
    items = story_items(records)
    started = time.perf_counter()
    stories = cluster(items, threshold)
    elapsed = time.perf_counter() - started
    truth = pairs((int(str(r["id"])), r["story"]) for r in records)
    predicted = pairs(stories.items())
    hits = len(truth & predicted)
    return Scores(
        precision=hits / len(predicted) if predicted else 1.0,
        recall=hits / len(truth) if truth else 1.0,
        true_pairs=len(truth),
        predicted_pairs=len(predicted),
        stories=len(set(stories.values())),
        largest=max(Counter(stories.values()).values()),
        same_when_shuffled=cluster(items, threshold, shuffle=1) == stories,
        ms_per_item=elapsed * 1000 / len(items),
    )


def score_in_background(
    records: Sequence[Record], background: Sequence[Record], threshold: float = DEFAULT_THRESHOLD
) -> tuple[float, float, int]:
    """Precision and recall over the set's own pairs when its items arrive among a
    background of other news (``--background``), and how many of its items end in a
    story with a background item. The sets hold a few hundred items over a month, so
    a story's window holds ~60 items and a generic word ("judge", "approve") looks as
    rare as a drug's name; a real deployment's window holds thousands."""
    stories = cluster(story_items([*records, *spread(background, records)]), threshold)
    own = {int(str(r["id"])) for r in records}
    truth = pairs((int(str(r["id"])), r["story"]) for r in records)
    predicted = pairs((item, story) for item, story in stories.items() if item in own)
    hits = len(truth & predicted)
    with_background = Counter(story for item, story in stories.items() if item not in own)
    joined = sum(1 for item in own if with_background[stories[item]])
    return (
        hits / len(predicted) if predicted else 1.0,
        hits / len(truth) if truth else 1.0,
        joined,
    )


def spread(background: Sequence[Record], records: Sequence[Record]) -> list[Record]:
    """``background``'s records over ``records``' dates, with ids, stories and sources of
    their own (``--background``)."""
    start = min(_time(str(r["published"])) for r in records)
    end = max(_time(str(r["published"])) for r in records)
    times = sorted(_time(str(r["published"])) for r in background)
    first, span = times[0], (times[-1] - times[0]) or (end - start)
    return [
        {
            **r,
            "id": BACKGROUND_IDS + int(str(r["id"])),
            "story": f"background-{r['story']}",
            "source": f"background-{r['source']}",
            "published": (
                start + (_time(str(r["published"])) - first) * ((end - start) / span)
            ).isoformat(),
        }
        for r in background
    ]


def clustered(
    records: Sequence[Record], threshold: float
) -> tuple[list[StoryItem], dict[int, int], dict[int, object], StoryIndex]:
    """The set's items, their stories, their labelled stories, and an index holding
    them all in those stories (the whole set's term counts) to weigh pairs with."""
    items = story_items(records)
    stories = cluster(items, threshold)
    label = {int(str(r["id"])): r["story"] for r in records}
    index = StoryIndex(threshold=threshold)
    for item in items:
        index.load(item, stories[item.item_id])
    return items, stories, label, index


def why_missed(records: Sequence[Record], threshold: float = DEFAULT_THRESHOLD) -> Counter[str]:
    """Why the same-story pairs that end in two stories were missed: the first rule that
    turns the later item down (a veto by name, too few shared rare terms, a score under
    the bar), else "leader-only" (it matches, but the earlier item does not lead its
    story, or the later item joined a closer leader). Term rarity is counted over the
    whole set, not each pair's window, so this is a guide, not the decision itself.
    Also counts the wrong merges ("merged apart stories"). For tuning sets only."""
    return Counter(pair.reason for pair in parted_pairs(records, threshold))


@dataclass(frozen=True)
class Parted:
    """A pair the matcher got wrong (``--pairs``): a missed same-story pair or a wrong merge."""

    earlier: Record
    later: Record
    reason: str  # ``why_missed``'s, or "merged apart stories"
    against_leader: str | None  # a leader-only miss: what parts the later item from the
    # leader of the earlier one's story ("joins a closer leader" when nothing does)


def parted_pairs(records: Sequence[Record], threshold: float = DEFAULT_THRESHOLD) -> list[Parted]:
    """Every pair ``why_missed`` counts, with its records: a rule is designed from the
    pairs themselves, not from their counts. For tuning sets only."""
    items, stories, label, index = clustered(records, threshold)
    by_id = {int(str(r["id"])): r for r in records}
    held = {item.item_id: item for item in items}
    out = []
    ordered = sorted(items, key=lambda item: item.order)
    for at, later in enumerate(ordered):
        for earlier in ordered[:at]:
            same = label[earlier.item_id] == label[later.item_id]
            together = stories[earlier.item_id] == stories[later.item_id]
            if together == same:
                continue
            reason = (
                "merged apart stories" if together else _refusal(later, earlier, index, threshold)
            )
            leader = held[stories[earlier.item_id]]
            against = None
            if reason == "leader-only":
                refused = _refusal(later, leader, index, threshold)
                against = "joins a closer leader" if refused == "leader-only" else refused
            pair = (by_id[earlier.item_id], by_id[later.item_id])
            out.append(Parted(*pair, reason=reason, against_leader=against))
    return out


def _describe(record: Record) -> str:
    return f"{record['id']} {str(record['source'])[:20]:20} {record['published']} {record['title']}"


def _refusal(later: StoryItem, earlier: StoryItem, index: StoryIndex, threshold: float) -> str:
    named = veto(later, earlier, index.window)
    if named is not None:
        return f"veto: {named}"
    rarity = index.rarity_against(later, earlier)
    if not may_match(later, earlier, rarity):
        return "too few shared rare terms"
    if passing_score(later, earlier, rarity, threshold) is None:
        return "score under the bar"
    return "leader-only"


@dataclass(frozen=True)
class Review:
    """What an editor finds reviewing the least certain joins first (``--review``)."""

    joins: int  # items in a story they do not lead
    wrong: int  # of them, in a story of another item's
    found: dict[float, int]  # share of joins reviewed -> wrong joins among them
    precision: float  # before review
    precision_after: dict[float, float]  # after splitting the wrong joins found


REVIEWED = (0.05, 0.1, 0.2)


def review(records: Sequence[Record], threshold: float = DEFAULT_THRESHOLD) -> Review:
    """Rank every join (an item against its story's leader) by ``dedupe.margin``, least
    first, as ``medfeed stories list --doubtful`` does, and count the wrong joins among
    the first REVIEWED of them; then the pairwise precision once an editor has split
    those off (``stories split``). The matcher's decisions are untouched."""
    items, stories, label, index = clustered(records, threshold)
    by_id = {item.item_id: item for item in items}
    joins = []
    for item in items:
        leader = by_id[stories[item.item_id]]
        if leader is not item:
            rarity = index.rarity_against(item, leader)
            wrong = label[item.item_id] != label[leader.item_id]
            joins.append((margin(item, leader, rarity, threshold), item.item_id, wrong))
    joins.sort()
    truth = pairs((int(str(r["id"])), r["story"]) for r in records)
    found, after = {}, {}
    for share in REVIEWED:
        reviewed = joins[: round(len(joins) * share)]
        split = {item_id for _, item_id, wrong in reviewed if wrong}
        found[share] = len(split)
        kept = pairs((i, -i if i in split else story) for i, story in stories.items())
        after[share] = len(kept & truth) / len(kept) if kept else 1.0
    predicted = pairs(stories.items())
    return Review(
        joins=len(joins),
        wrong=sum(1 for *_, wrong in joins if wrong),
        found=found,
        precision=len(predicted & truth) / len(predicted) if predicted else 1.0,
        precision_after=after,
    )


def pairs(groups: Iterable[tuple[int, object]]) -> set[tuple[int, int]]:
    """All unordered id pairs that share a group label."""
    by_group: dict[object, list[int]] = {}
    for item_id, group in groups:
        by_group.setdefault(group, []).append(item_id)
    return {(a, b) for members in by_group.values() for a, b in combinations(sorted(members), 2)}


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _identifiers(record: Record) -> Iterable[str]:
    for scheme in ("doi", "pmid"):
        if record.get(scheme):
            yield f"{scheme}:{record[scheme]}"
    for number in record.get("nct") or ():  # type: ignore[attr-defined]
        yield f"nct:{number}"
    if record.get("video_id"):
        yield f"youtube:{record['video_id']}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument(
        "--feeds",
        default="",
        help="also the shared generated corpus at these feed counts (comma-separated, 50 items "
        "each): small deployments and large ones, where every word of a story may be common",
    )
    parser.add_argument(
        "--background",
        type=int,
        default=0,
        help="also score each hand-made set among this many feeds x 50 items of the shared "
        "generated corpus, spread over the set's dates (a real window's density)",
    )
    parser.add_argument(
        "--review",
        action="store_true",
        help="also how many wrong joins an editor finds reviewing the least certain first "
        "(medfeed stories list --doubtful), and the precision once they are split off",
    )
    parser.add_argument(
        "--why",
        action="store_true",
        help="also say why each tuning set's missed pairs were missed (never the held-out set)",
    )
    parser.add_argument(
        "--pairs",
        action="store_true",
        help="also list each tuning set's missed pairs and wrong merges with the rule that "
        "parts each (never the held-out sets)",
    )
    parser.add_argument(
        "--tuning-only",
        action="store_true",
        help="leave the held-out sets out: for tuning a rule without seeing their figures",
    )
    args = parser.parse_args()
    sets = load_sets(held_out=not args.tuning_only)
    if BENCH.is_dir():
        sets["generated 60x50 (shared/bench)"] = generated_set()
        for feeds in filter(None, args.feeds.split(",")):
            sets[f"generated {feeds}x50"] = generated_set(feeds=int(feeds))
    print(f"threshold {args.threshold}")
    print("set                              items  precision  recall  stories  largest  shuffled")
    for name, records in sets.items():
        s = score(records, args.threshold)
        print(
            f"{name:32} {len(records):5}  {s.precision:9.4f}  {s.recall:6.4f}  {s.stories:7}"
            f"  {s.largest:7}  {'same' if s.same_when_shuffled else 'DIFFERENT'}"
        )
    if args.background and BENCH.is_dir():
        background = generated_set(feeds=args.background)
        print(
            f"\namong {len(background)} background items (the shared corpus, {args.background}"
            " feeds), spread over each set's dates:"
        )
        print("set                              precision  recall  items merged with background")
        for name, records in sets.items():
            if name.startswith("generated"):
                continue
            precision, recall, joined = score_in_background(records, background, args.threshold)
            print(f"{name:32} {precision:9.4f}  {recall:6.4f}  {joined:5}")
    if args.review:
        shares = "  ".join(f"{share:>4.0%} found  P after" for share in REVIEWED)
        print("\nthe least certain joins reviewed first (dedupe.margin), wrong ones split off:")
        print(f"set                              joins  wrong  P before  {shares}")
        for name, records in sets.items():
            r = review(records, args.threshold)
            cells = "  ".join(
                f"{r.found[share]:10}  {r.precision_after[share]:7.4f}" for share in REVIEWED
            )
            print(f"{name:32} {r.joins:5}  {r.wrong:5}  {r.precision:8.4f}  {cells}")
    if args.pairs:
        for name, records in sets.items():
            if name in HELD_OUT_SETS or name.startswith("generated"):
                continue  # tuning on them would end their use as held-out sets
            print(f"\n{name}: each pair the matcher gets wrong, and the rule that parts it")
            for pair in parted_pairs(records, args.threshold):
                leader = f" (its leader: {pair.against_leader})" if pair.against_leader else ""
                print(f"  {pair.reason}{leader}\n    {_describe(pair.earlier)}")
                print(f"    {_describe(pair.later)}")
    if args.why:
        for name, records in sets.items():
            if name in HELD_OUT_SETS:
                continue  # tuning on them would end their use as held-out sets
            reasons = why_missed(records, args.threshold)
            print(f"\n{name}: pairs by the first rule that parts them")
            for reason, count in reasons.most_common():
                print(f"  {count:6}  {reason}")


if __name__ == "__main__":
    main()
