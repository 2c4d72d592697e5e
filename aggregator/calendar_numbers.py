"""Which numbers of a text say when, not how many: years ("in 2025", "the 2025-26
season") and the days of dates ("September 14, 2026", "14 Sept", "2026-09-14").

The near-duplicate matcher (``aggregator.dedupe``) compares the figures two
items report, and lets figures agree when one rounds the other (within 5 %).
Any two years are that close (2024 and 2025 differ by 0.05 %), so a report of
2025's figures and one of 2024's agreed on their years, and a date in a
press release's disclaimer ("as of September 14, 2026") agreed with any story
of that month. A year or a date is when a story happened, not what it counts,
and the matcher reads it so.

A year is a number from 1900 to 2099 written without a thousands separator:
outlets write counts of that size as "2,024 patients". The numbers are found
among the words the matcher has already split the text into (a second pass of
regular expressions over every text cost a tenth of a signature); the text is
only looked at to tell "2,024" from "2024" and "2025-26" from "2025 26". It
changes no text and judges nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

_MONTHS = frozenset(
    """jan january feb february mar march apr april may jun june jul july aug august
    sep sept september oct october nov november dec december""".split()
)
_CENTURIES = ("19", "20")
_JOINERS = ("-", "–", "/")  # 2025-26, 2025–26, 2026-09-14


def calendar_numbers(words: Sequence[str], text: str) -> Counter[str]:
    """How often each number among ``words`` (raw words of ``text``, in order, with the
    thousands separators dropped) is written as a year or a date's part."""
    found: Counter[str] = Counter()
    last = len(words) - 1
    for at, word in enumerate(words):
        if not (word[0].isdigit() and word.isdigit()):
            continue
        if _is_year(word, text):
            found[word] += 1
            found.update(_joined(words, at, text))
        elif len(word) <= 2 and (
            (at and _is_month(words[at - 1])) or (at < last and _is_month(words[at + 1]))
        ):
            found[word] += 1  # September 14, 14 September
    return found


def _is_year(word: str, text: str) -> bool:
    return len(word) == 4 and word[:2] in _CENTURIES and f"{word[0]},{word[1:]}" not in text


def _is_month(word: str) -> bool:
    """A month's name as written in a date: capitalised ("May 5", not "may 5")."""
    return word[0].isupper() and word.casefold() in _MONTHS


def _joined(words: Sequence[str], at: int, text: str) -> list[str]:
    """The two-digit numbers joined to the year at ``at``: a season's second year, an ISO
    date's month and day."""
    parts = []
    written = words[at]
    for word in words[at + 1 : at + 3]:
        if len(word) != 2 or not word.isdigit():
            break
        joined = next(
            (f"{written}{mark}{word}" for mark in _JOINERS if f"{written}{mark}{word}" in text),
            None,
        )
        if joined is None:
            break
        parts.append(word)
        written = joined
    return parts
