"""Story scoring against the shared generator's ground truth (``benchmarks/corpus_truth.py``).

The benchmarks that compare medfeed with other aggregators score its stories
with these functions, so the scoring itself is checked here: pair counts
from cluster sizes equal pairs counted one by one, and a real refresh of a
small generated corpus maps every stored entry back to its manifest row.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import pytest

from aggregator.config import load_settings
from aggregator.refresh import Refresher
from aggregator.store import Store
from benchmarks import corpus_truth as truth
from tests.feeds import config_text, served
from tests.localserver import LocalServer


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def brute_force(labels: dict[tuple[int, str], object]) -> set[frozenset[tuple[int, str]]]:
    return {frozenset(p) for p in combinations(labels, 2) if labels[p[0]] == labels[p[1]]}


def test_pair_counts_from_cluster_sizes_equal_pairs_counted_one_by_one() -> None:
    actual = {(0, "a"): 1, (1, "a"): 1, (2, "a"): 1, (0, "b"): 2, (1, "b"): 2, (0, "c"): 3}
    predicted = {(0, "a"): 7, (1, "a"): 7, (2, "a"): 8, (0, "b"): 7, (1, "b"): 9, (0, "c"): 3}
    scores = truth.score_stories(actual, predicted)
    true_pairs, predicted_pairs = brute_force(actual), brute_force(predicted)
    hits = len(true_pairs & predicted_pairs)
    assert scores.precision == hits / len(predicted_pairs)
    assert scores.recall == hits / len(true_pairs)
    assert (scores.stories, scores.true_stories) == (4, 3)
    assert (scores.largest, scores.largest_true) == (3, 3)


def test_entries_missing_on_one_side_are_counted_and_left_out_of_the_pairs() -> None:
    actual = {(0, "a"): 1, (1, "a"): 1, (0, "gone"): 1}
    predicted = {(0, "a"): 5, (1, "a"): 5, (9, "extra"): 5}
    scores = truth.score_stories(actual, predicted)
    assert (scores.precision, scores.recall) == (1.0, 1.0)
    assert (scores.entries, scores.missing, scores.unknown) == (2, 1, 1)


def test_a_refreshed_generated_corpus_maps_every_entry_back_to_the_manifest(
    server: LocalServer, database_url: str, tmp_path: Path
) -> None:
    if not (truth.SHARED_BENCH / "gen_feeds.py").is_file():
        pytest.skip("the shared corpus generator (../shared/bench) is absent")
    corpus = truth.load_generator().FeedCorpus(n_feeds=4, n_items=15, seed=42, fmt="mixed")
    sources = []
    for i, body in corpus.iter_feeds():
        server.route(f"/feeds/{i}.xml", served(body))
        sources.append((f"f{i:04d}", server.url(f"/feeds/{i}.xml"), "news"))
    config = tmp_path / "config.yaml"
    config.write_text(config_text(database_url, sources))
    settings = load_settings(config)
    store = Store(database_url)
    try:
        store.sync_sources(settings.configured_sources())
        Refresher(settings, store).refresh(due_only=False)
    finally:
        store.close()
    expected = truth.truth_labels(corpus.manifest())
    scores = truth.score_stories(expected, truth.medfeed_labels(database_url))
    assert (scores.missing, scores.unknown) == (0, 0)
    assert scores.entries == len(expected) == 60
    assert scores.true_stories == len(set(expected.values()))
