"""The cyclic garbage collector during a refresh: what outlives a pass is not walked
again and again (docs/benchmarks.md, "tree CPU")."""

from __future__ import annotations

import gc

from aggregator.cli import _start_frozen
from aggregator.refresh import PoolOnDemand


def test_a_refresh_pass_collects_less_often_and_restores_the_collector_after() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with _start_frozen():
        assert gc.get_threshold()[0] >= 10_000 > before[0]  # CPython's default: 700
        assert gc.get_threshold()[1:] == before[1:]
        assert gc.get_freeze_count() > frozen
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_a_parse_worker_leaves_what_its_warm_up_loaded_out_of_later_collections() -> None:
    """The parsers, word lists and drug table last as long as the worker."""
    pool = PoolOnDemand(1)
    with pool:
        pool.wait_started()
        assert pool.submit(gc.get_freeze_count).result(timeout=120) > 10_000
