"""How long tagging one item takes with the default vocabulary.

Run from the repository root: ``.venv/bin/python -m benchmarks.tagging_speed``.
Prints microseconds per item for a title-only item, a typical ~700-character
summary in HTML and a ~4,500-character abstract. Not part of the test suite.
"""

from __future__ import annotations

import timeit

from aggregator.tagging import DEFAULT_SPECIALTIES, Tagger

TITLE = "Pembrolizumab extends survival in NSCLC"
SUMMARY = (
    "<p>In a phase 3 trial of 1,200 patients with advanced non-small cell lung cancer, adding "
    "the PD-1 inhibitor to platinum chemotherapy extended median overall survival by 4.1 months."
    " Grade 3 adverse events were similar between arms, the investigators reported at the "
    "congress, and rates of pneumonitis were low.</p><p>Researchers said the results support "
    "the regimen as a first-line standard for patients whose tumours express PD-L1, although "
    "longer follow-up is needed for those with heart failure or chronic kidney disease, who "
    "were under-represented. An accompanying editorial urged regulators to require "
    "quality-of-life data before approval.</p>"
)
ABSTRACT = " ".join([SUMMARY.replace("<p>", "").replace("</p>", " ")] * 7)


def per_item_us(tagger: Tagger, title: str, text: str, number: int = 5000) -> float:
    def run() -> None:
        tagger.tag(title=title, text=text, source_id="clinical-wire", feed_tags=("Oncology",))

    return min(timeit.repeat(run, number=number, repeat=5)) / number * 1e6


def main() -> None:
    tagger = Tagger(DEFAULT_SPECIALTIES)
    for label, text in (("title only", ""), ("summary", SUMMARY), ("abstract", ABSTRACT)):
        micros = per_item_us(tagger, TITLE, text)
        print(f"{label:<11} {len(TITLE) + len(text):>6} chars  {micros:7.1f} µs/item")


if __name__ == "__main__":
    main()
