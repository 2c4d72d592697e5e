"""What the full-text index stores of an item: its title and the plain text of its summary
and content, each passage once (``sanitize.plain_text``, computed in the parse pool)."""

from __future__ import annotations

from aggregator.sanitize import plain_text, word_count
from aggregator.store.search import index_row

SUMMARY = "<p>Finerenone cut <b>kidney</b> events.</p>"


def body(summary: str, content: str | None) -> str:
    return index_row(1, "T", summary, content).body


def test_a_summary_repeated_at_the_head_of_the_content_is_indexed_once() -> None:
    text = body(SUMMARY, SUMMARY + "<p>More detail follows.</p>")
    assert text.count("Finerenone") == 1
    assert "More detail follows." in text


def test_a_summary_the_content_does_not_repeat_is_indexed_beside_it() -> None:
    text = body(SUMMARY, "<p>Another text.</p>")
    assert text.startswith("Finerenone cut kidney events.")
    assert text.endswith("Another text.")


def test_a_summary_alone_is_indexed_alone() -> None:
    assert body(SUMMARY, None) == "Finerenone cut kidney events."


def test_the_length_in_words_is_the_contents_else_the_summarys() -> None:
    content = "<p>One two three four.</p><script>not counted</script>"
    assert plain_text(SUMMARY, content).words == word_count(content) == 4
    assert plain_text(SUMMARY, None).words == word_count(SUMMARY) == 4
    assert plain_text(SUMMARY, "").words == 4


def test_a_text_the_parse_pool_derived_is_indexed_as_deriving_it_again_would() -> None:
    content = SUMMARY + "<p>More detail follows.</p>"
    given = plain_text(SUMMARY, content).body
    assert index_row(1, "T", SUMMARY, content, given).body == body(SUMMARY, content)
