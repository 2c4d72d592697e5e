"""Where a wire story's dateline ends (aggregator.datelines)."""

from __future__ import annotations

import pytest

from aggregator.datelines import dateline_end


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("WASHINGTON (AP) — The FDA approved", "The FDA approved"),
        ("COPENHAGEN, March 2 (Reuters) - Novo Nordisk said", "Novo Nordisk said"),
        ("BOSTON--(BUSINESS WIRE)--Vertex Pharmaceuticals today", "Vertex Pharmaceuticals today"),
        ("TITUSVILLE, N.J., March 18, 2027 /PRNewswire/ -- Johnson", "Johnson"),
        ("TUESDAY, Sept. 8, 2026 (HealthDay News) -- Kids who", "Kids who"),
        ("SAN JUAN, Puerto Rico (AP) - Health officials", "Health officials"),
        ("LONDON, March 23, 2027 - The NHS", "The NHS"),
        ("BERLIN — Germany's health minister", "Germany's health minister"),
        (
            "NEW YORK & SAINT-HERBLAIN, France--(BUSINESS WIRE)--Pfizer Inc. and Valneva",
            "Pfizer Inc. and Valneva",
        ),
        ("SOUTH SAN FRANCISCO, Calif. and BOSTON--(BUSINESS WIRE)--Amgen", "Amgen"),
    ],
)
def test_the_text_after_the_dateline_is_the_story(text: str, rest: str) -> None:
    assert text[dateline_end(text) :] == rest


@pytest.mark.parametrize(
    "text",
    [
        "COVID-19 cases rose in March.",
        "FDA — the agency said on Tuesday — approved it.",
        "Novo Nordisk - the Danish drugmaker - said",
        "The FDA approved the drug on Tuesday.",
        "",
    ],
)
def test_a_text_without_a_dateline_is_read_whole(text: str) -> None:
    assert dateline_end(text) == 0
