"""Story clustering quality on the held-out sets (tests/data/stories/heldout*/).

All nine were written by hand apart from the matching rules and are never
used to tune them (their READMEs). The floors below are the quality measured
when the rules were last changed, kept as a guard against regressions; issue 9
asks for 0.97 / 0.90, met by none yet. Names counted as runs of capitalised
words (8th session) traded precision on the first three sets (0.976 -> 0.959,
0.959 -> 0.940, 0.903 -> 0.892) for recall on four (+31 true pairs, +7 wrong
ones over the five), so their precision floors were lowered then, and said so.
Headlines of the same day counted as one story when their summaries differ (9th
session) gained 18 true pairs for 2 wrong ones over the seven sets; one of the two
took the fifth set's precision from 0.971 to 0.966, so its floor was lowered to 0.96.
Names vetoing only items that each name something of their own (10th session: not a
dateline, a date or a common word opening a sentence) gained 14 true pairs for 5 wrong
ones over the eight sets; the second set's precision went 0.940 -> 0.921 and the
eighth's 0.865 -> 0.857, so their floors were lowered to 0.92 and 0.85, and said so.
A story's earlier items counting as one holder of its words (10th session, against
the names change) gained 14 true pairs for 4 wrong ones; the seventh set's precision
went 0.934 -> 0.930 and the eighth's 0.857 -> 0.840: floors 0.92 and 0.83.
The first set has been read after each change of the rules for a week. The
newest three were each sealed on a branch of their own until the rules they
measure were committed: heldout6 (0.954 / 0.529 under the rules before the 8th
session, 0.939 / 0.609 after its first round) and heldout7 (0.932 / 0.583
under both: no item's story changed). heldout8 (short feed summaries and news
clips, sealed the same way) was opened once, when the 9th session's rules were
committed: 0.862 / 0.546 under the rules before them, 0.865 / 0.559 after (it was
also read once in between, under a change then dropped for its tuning figures);
its floors are that figure. Those three are the fairest figures.
heldout9 was committed sealed and scored twice by the 10th session: 0.842 / 0.487
under the rules before its changes, 0.843 / 0.492 after (one more true pair: what
raised the other sets barely touched it); its floors are that figure.
A news clip whose headline reports (not a question or an explainer's) may join the
text items of its story (13th session; decided on the tuning sets, where written4 went
0.904 / 0.531 -> 0.909 / 0.566 and no other changed): recall rose on all nine sets,
precision fell on the first (0.960 -> 0.933), fifth (0.966 -> 0.960) and ninth (0.843 ->
0.835), so those floors were lowered and the recall floors raised. Reporting verbs ("finds",
"shows", "suggests") taken for stop words (13th session; a demo wrong merge shared only
"finds" and a figure; written4 0.909 / 0.566 -> 0.910 / 0.569, the other tuning sets
unchanged) cost the seventh set recall (0.643 -> 0.634): its floor was lowered to 0.63.
A one-sentence teaser weighed on its headline over a day rather than half of one (14th
session; decided on the tuning sets: written4 0.910 / 0.569 -> 0.914 / 0.638, the others
unchanged) raised recall on five sets (first 0.870 -> 0.881, fourth 0.549 -> 0.561, sixth
0.681 -> 0.714, eighth 0.616 -> 0.638, ninth 0.564 -> 0.650) and cost the seventh set
precision (0.931 -> 0.909, no recall) and the sixth a little (0.940 -> 0.938): the
seventh's precision floor was lowered to 0.90 and the recall floors raised.
The drug table without everyday words and self-plurals, with a combination brand as
one term (23rd session; decided on the tuning sets: template 0.902 -> 0.911 recall, the
others unchanged) cost the sixth set recall (0.714 -> 0.707, precision 0.938 -> 0.938):
its recall floor was lowered to 0.70.
``benchmarks/dedupe_quality.py`` prints every set. The hand-written tuning sets
(tests/data/stories/written/ to written4/) are only checked for shape here:
their scores are printed by the benchmark, never asserted.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
PRECISION_FLOOR = 0.93
RECALL_FLOOR = 0.88
PRECISION_FLOOR_2 = 0.92
RECALL_FLOOR_2 = 0.73
PRECISION_FLOOR_3 = 0.9
RECALL_FLOOR_3 = 0.75
PRECISION_FLOOR_4 = 0.97
RECALL_FLOOR_4 = 0.56
PRECISION_FLOOR_5 = 0.95
RECALL_FLOOR_5 = 0.57
PRECISION_FLOOR_6 = 0.93
RECALL_FLOOR_6 = 0.70
PRECISION_FLOOR_7 = 0.9
RECALL_FLOOR_7 = 0.63
PRECISION_FLOOR_8 = 0.83
RECALL_FLOOR_8 = 0.63
PRECISION_FLOOR_9 = 0.83
RECALL_FLOOR_9 = 0.64


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
def heldout(quality: ModuleType) -> object:
    return quality.score(quality.load_set(quality.HELDOUT))


@pytest.fixture(scope="module")
def heldout2(quality: ModuleType) -> object:
    return quality.score(quality.load_set(quality.HELDOUT2))


@pytest.fixture(scope="module")
def heldout3(quality: ModuleType) -> object:
    return quality.score(quality.load_set(quality.HELDOUT3))


@pytest.fixture(scope="module")
def heldout4(quality: ModuleType) -> object:
    return quality.score(quality.load_set(quality.HELDOUT4))


@pytest.fixture(scope="module")
def heldout5(quality: ModuleType) -> object:
    return quality.score(quality.load_set(quality.HELDOUT5))


@pytest.fixture(scope="module")
def heldout6(quality: ModuleType) -> object:
    return quality.score(quality.load_set(quality.HELDOUT6))


@pytest.fixture(scope="module")
def heldout7(quality: ModuleType) -> object:
    return quality.score(quality.load_set(quality.HELDOUT7))


@pytest.fixture(scope="module")
def heldout8(quality: ModuleType) -> object:
    return quality.score(quality.load_set(quality.HELDOUT8))


@pytest.fixture(scope="module")
def heldout9(quality: ModuleType) -> object:
    return quality.score(quality.load_set(quality.HELDOUT9))


@pytest.mark.parametrize(
    ("name", "first_id"),
    [
        ("HELDOUT2", 400001),
        ("HELDOUT3", 600001),
        ("HELDOUT4", 700001),
        ("HELDOUT5", 800001),
        ("HELDOUT6", 900001),
        ("HELDOUT7", 1000001),
        ("HELDOUT8", 1100001),
        ("HELDOUT9", 1300001),
    ],
)
def test_the_later_heldout_sets_have_the_promised_shape(
    quality: ModuleType, name: str, first_id: int
) -> None:
    records = quality.load_set(getattr(quality, name))
    ids = [r["id"] for r in records]
    assert len(records) >= 150 and len({r["story"] for r in records}) >= 50
    assert len(set(ids)) == len(ids) and min(ids) == first_id


def test_second_heldout_precision_and_recall_stay_above_their_floors(heldout2: object) -> None:
    assert heldout2.precision >= PRECISION_FLOOR_2  # type: ignore[attr-defined]
    assert heldout2.recall >= RECALL_FLOOR_2  # type: ignore[attr-defined]


def test_third_heldout_precision_and_recall_stay_above_their_floors(heldout3: object) -> None:
    assert heldout3.precision >= PRECISION_FLOOR_3  # type: ignore[attr-defined]
    assert heldout3.recall >= RECALL_FLOOR_3  # type: ignore[attr-defined]


def test_fourth_heldout_precision_and_recall_stay_above_their_floors(heldout4: object) -> None:
    assert heldout4.precision >= PRECISION_FLOOR_4  # type: ignore[attr-defined]
    assert heldout4.recall >= RECALL_FLOOR_4  # type: ignore[attr-defined]


def test_shuffled_arrival_gives_the_same_fourth_heldout_stories(heldout4: object) -> None:
    assert heldout4.same_when_shuffled  # type: ignore[attr-defined]


def test_fifth_heldout_precision_and_recall_stay_above_their_floors(heldout5: object) -> None:
    assert heldout5.precision >= PRECISION_FLOOR_5  # type: ignore[attr-defined]
    assert heldout5.recall >= RECALL_FLOOR_5  # type: ignore[attr-defined]


def test_shuffled_arrival_gives_the_same_fifth_heldout_stories(heldout5: object) -> None:
    assert heldout5.same_when_shuffled  # type: ignore[attr-defined]


def test_sixth_heldout_precision_and_recall_stay_above_their_floors(heldout6: object) -> None:
    assert heldout6.precision >= PRECISION_FLOOR_6  # type: ignore[attr-defined]
    assert heldout6.recall >= RECALL_FLOOR_6  # type: ignore[attr-defined]


def test_shuffled_arrival_gives_the_same_sixth_heldout_stories(heldout6: object) -> None:
    assert heldout6.same_when_shuffled  # type: ignore[attr-defined]


def test_seventh_heldout_precision_and_recall_stay_above_their_floors(heldout7: object) -> None:
    assert heldout7.precision >= PRECISION_FLOOR_7  # type: ignore[attr-defined]
    assert heldout7.recall >= RECALL_FLOOR_7  # type: ignore[attr-defined]


def test_shuffled_arrival_gives_the_same_seventh_heldout_stories(heldout7: object) -> None:
    assert heldout7.same_when_shuffled  # type: ignore[attr-defined]


def test_eighth_heldout_precision_and_recall_stay_above_their_floors(heldout8: object) -> None:
    assert heldout8.precision >= PRECISION_FLOOR_8  # type: ignore[attr-defined]
    assert heldout8.recall >= RECALL_FLOOR_8  # type: ignore[attr-defined]


def test_shuffled_arrival_gives_the_same_eighth_heldout_stories(heldout8: object) -> None:
    assert heldout8.same_when_shuffled  # type: ignore[attr-defined]


def test_ninth_heldout_precision_and_recall_stay_above_their_floors(heldout9: object) -> None:
    assert heldout9.precision >= PRECISION_FLOOR_9  # type: ignore[attr-defined]
    assert heldout9.recall >= RECALL_FLOOR_9  # type: ignore[attr-defined]


def test_shuffled_arrival_gives_the_same_ninth_heldout_stories(heldout9: object) -> None:
    assert heldout9.same_when_shuffled  # type: ignore[attr-defined]


def test_shuffled_arrival_gives_the_same_second_heldout_stories(heldout2: object) -> None:
    assert heldout2.same_when_shuffled  # type: ignore[attr-defined]


def test_shuffled_arrival_gives_the_same_third_heldout_stories(heldout3: object) -> None:
    assert heldout3.same_when_shuffled  # type: ignore[attr-defined]


def test_the_tuning_only_tables_leave_every_heldout_set_out(quality: ModuleType) -> None:
    everything = quality.load_sets()
    tuning = quality.load_sets(held_out=False)
    assert set(everything) == set(quality.TUNING_SETS) | set(quality.HELD_OUT_SETS)
    assert set(tuning) == set(quality.TUNING_SETS)
    assert list(tuning) == [name for name in everything if name in tuning]  # the same order


def test_the_heldout_set_has_the_promised_shape(quality: ModuleType) -> None:
    records = quality.load_set(quality.HELDOUT)
    stories = {r["story"] for r in records}
    assert len(records) >= 150 and len(stories) >= 50


@pytest.mark.parametrize(
    ("name", "first_id", "items"),
    [
        ("WRITTEN", 200001, 240),
        ("WRITTEN2", 300001, 240),
        ("WRITTEN3", 500001, 200),
        ("WRITTEN4", 1200001, 230),
    ],
)
def test_the_written_tuning_sets_have_the_promised_shape(
    quality: ModuleType, name: str, first_id: int, items: int
) -> None:
    records = quality.load_set(getattr(quality, name))
    ids = [r["id"] for r in records]
    stories = Counter(r["story"] for r in records)
    assert len(records) >= items and len(stories) >= 70
    assert len(set(ids)) == len(ids) and min(ids) == first_id
    assert max(stories.values()) <= 8
    assert {r["kind"] for r in records} <= {"news", "article", "video", "conference"}


@pytest.mark.parametrize("name", ["WRITTEN", "WRITTEN2", "WRITTEN4"])
def test_the_written_tuning_sets_give_the_same_stories_in_other_arrival_orders(
    quality: ModuleType, name: str
) -> None:
    """Their long stories make terms cross the counts at which a story's own items stop
    counting as one (``StoryIndex.rarity_against``) in every order of arrival."""
    items = quality.story_items(quality.load_set(getattr(quality, name)))
    in_order = quality.cluster(items, quality.DEFAULT_THRESHOLD)
    for seed in (2, 3, 4):
        assert quality.cluster(items, quality.DEFAULT_THRESHOLD, shuffle=seed) == in_order


def test_heldout_precision_stays_above_its_floor(heldout: object) -> None:
    assert heldout.precision >= PRECISION_FLOOR  # type: ignore[attr-defined]


def test_heldout_recall_stays_above_its_floor(heldout: object) -> None:
    assert heldout.recall >= RECALL_FLOOR  # type: ignore[attr-defined]


def test_shuffled_arrival_gives_the_same_heldout_stories(heldout: object) -> None:
    assert heldout.same_when_shuffled  # type: ignore[attr-defined]


def test_why_accounts_for_every_missed_pair_and_every_wrong_merge(quality: ModuleType) -> None:
    records = quality.load_set(quality.WRITTEN2)
    scores = quality.score(records)
    reasons = quality.why_missed(records)
    hits = round(scores.recall * scores.true_pairs)
    assert reasons.pop("merged apart stories") == scores.predicted_pairs - hits
    assert sum(reasons.values()) == scores.true_pairs - hits


def test_a_set_among_background_news_is_scored_on_its_own_pairs(quality: ModuleType) -> None:
    """``--background``: another set's items, moved to this set's dates, count only where
    they pull this set's items apart or into their stories."""
    records = quality.load_set(quality.WRITTEN3)
    background = quality.load_set(quality.WRITTEN2)
    precision, recall, joined = quality.score_in_background(records, background)
    alone = quality.score(records)
    assert 0.9 <= precision <= 1.0 and 0 < recall <= alone.recall + 0.05
    assert 0 <= joined < len(records) // 10
