"""Which numbers of a text are years or dates (aggregator.calendar_numbers)."""

from __future__ import annotations

import pytest

from aggregator.calendar_numbers import calendar_numbers
from aggregator.dedupe import _tokens


def when(text: str) -> dict[str, int]:
    return dict(calendar_numbers(_tokens(text), text))


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Flu deaths in 2025 topped 2024 levels.", {"2025": 1, "2024": 1}),
        ("As of September 14, 2026, 870 cases.", {"14": 1, "2026": 1}),
        ("TUESDAY, Sept. 8, 2026 (HealthDay News)", {"8": 1, "2026": 1}),
        ("Published 14 October 2026.", {"14": 1, "2026": 1}),
        ("The 2025-26 flu season", {"2025": 1, "26": 1}),
        ("Updated 2026-09-14.", {"2026": 1, "09": 1, "14": 1}),
    ],
)
def test_years_and_the_days_of_dates_are_when(text: str, numbers: dict[str, int]) -> None:
    assert when(text) == numbers


@pytest.mark.parametrize(
    "text",
    [
        "The trial enrolled 2,024 patients.",  # a count written with its separator
        "Doctors may 5 times a day check it.",  # "may" is no month in lower case
        "Cases rose to 1,020 from 870 in 14 states.",
        "No figures at all.",
    ],
)
def test_counts_are_not_when(text: str) -> None:
    assert when(text) == {}
