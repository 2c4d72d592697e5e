"""What the full-text index stores of an item: its title and the plain text of its summary
and content, each passage once."""

from __future__ import annotations

from aggregator.store.search import index_row

SUMMARY = "<p>Finerenone cut <b>kidney</b> events.</p>"


def test_a_summary_repeated_at_the_head_of_the_content_is_indexed_once() -> None:
    row = index_row(1, "T", SUMMARY, SUMMARY + "<p>More detail follows.</p>")
    assert row.body.count("Finerenone") == 1
    assert "More detail follows." in row.body


def test_a_summary_the_content_does_not_repeat_is_indexed_beside_it() -> None:
    row = index_row(1, "T", SUMMARY, "<p>Another text.</p>")
    assert row.body.startswith("Finerenone cut kidney events.")
    assert row.body.endswith("Another text.")


def test_a_summary_alone_is_indexed_alone() -> None:
    assert index_row(1, "T", SUMMARY, None).body == "Finerenone cut kidney events."
