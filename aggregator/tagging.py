"""Tag items at ingest: specialties found in the text, plus source and feed tags, as slugs.

The specialty vocabulary is compiled once into a keyword index; each item's
title and text are split into words and looked up in it. The result is merged
with the specialties the config assigns to the source by default, the source's
own ``tags`` and the feed's categories, all normalised to lower-case slugs.
This module decides tags and nothing else: it does not read the config file,
sanitize HTML or write to the database.

Matching is on whole words (runs of ``\\w``), so "MI" never matches inside
"STEMI"; lower-case keywords ignore case and accept a plural "s"/"es"; ALL-CAPS
abbreviations match case-sensitively, so "MI" does not match the Italian "mi".
Why an index and not a regex per specialty: 22 specialty regexes over an
800-character summary took ~420 µs an item (the regex engine tries every
position once per specialty); one word split plus set lookups takes ~25 µs
(``benchmarks/tagging_speed.py``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .vocabulary import DEFAULT_VOCABULARY

MAX_TAG_LENGTH = 40  # longer "categories" are sentences or keyword soup, not tags
SCAN_LIMIT = 20_000  # characters of text scanned: a specialty shows in the opening

_TAG_MARKUP = re.compile(r"</?[A-Za-z][^>]*>")
_WORD = re.compile(r"\w+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_PLURALS = ("", "s", "es")


@dataclass(frozen=True)
class Specialty:
    """A controlled-vocabulary tag: its slug, the words that signal it, its default sources."""

    name: str
    keywords: tuple[str, ...]
    sources: tuple[str, ...] = ()
    # The config's key as written, when that is not its slug: a name for people, which
    # tags nothing, so two specialties that tag alike are equal whatever they are called.
    title: str | None = field(default=None, compare=False)


class SpecialtyConfig(Protocol):
    """What the config's ``specialties:`` entries provide (``config.SpecialtySettings``)."""

    @property
    def keywords(self) -> tuple[str, ...]: ...

    @property
    def sources(self) -> tuple[str, ...]: ...


DEFAULT_SPECIALTIES: tuple[Specialty, ...] = tuple(
    Specialty(name, keywords) for name, keywords in DEFAULT_VOCABULARY.items()
)


def specialties_from_config(
    configured: Mapping[str, SpecialtyConfig] | None,
) -> tuple[Specialty, ...]:
    """The configured vocabulary, or the default one when the config has no section."""
    if configured is None:
        return DEFAULT_SPECIALTIES
    return tuple(
        Specialty(
            slug(name) or name,
            tuple(entry.keywords),
            tuple(entry.sources),
            title=name if slug(name) not in ("", name) else None,
        )
        for name, entry in configured.items()
    )


def slug(text: str) -> str:
    """Lower-case ASCII words joined by '-': "Infectious Diseases" -> "infectious-diseases"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")


def slugs(values: Iterable[str]) -> set[str]:
    """Each value as a slug, dropping empty ones and junk longer than ``MAX_TAG_LENGTH``."""
    out = set()
    for value in values:
        tag = slug(value)
        if tag and len(tag) <= MAX_TAG_LENGTH:
            out.add(tag)
    return out


def is_abbreviation(keyword: str) -> bool:
    """Keywords written with capitals past their first letter are matched as written:
    ALL-CAPS ("MI", "HIV", "COVID-19") and mixed case ("eGFR", "HbA1c", "HFrEF"), whose
    case is their meaning (the kidney's eGFR is not the lung cancer gene EGFR)."""
    if not any(c.isalpha() for c in keyword):
        return False
    return not any(c.islower() for c in keyword) or any(c.isupper() for c in keyword[1:])


class _Index:
    """Keywords of one case mode: single words in a dict, phrases by their first word."""

    def __init__(self) -> None:
        self.words: dict[str, set[str]] = {}
        self.phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}

    def add(self, words: tuple[str, ...], name: str) -> None:
        if len(words) == 1:
            self.words.setdefault(words[0], set()).add(name)
        elif words:
            self.phrases.setdefault(words[0], []).append((words[1:], name))

    def search(self, tokens: list[str], found: set[str]) -> None:
        """Add to ``found`` the names of every keyword present in ``tokens``."""
        present = set(tokens)
        for word in self.words.keys() & present:
            found |= self.words[word]
        for first in self.phrases.keys() & present:
            for tail, name in self.phrases[first]:
                if name not in found and _has_phrase(tokens, first, tail):
                    found.add(name)


def _has_phrase(tokens: list[str], first: str, tail: tuple[str, ...]) -> bool:
    return any(tuple(tokens[i + 1 : i + 1 + len(tail)]) == tail for i in _positions(tokens, first))


def _positions(tokens: list[str], token: str) -> Iterator[int]:
    start = 0
    while True:
        try:
            start = tokens.index(token, start) + 1
        except ValueError:
            return
        yield start - 1


class Tagger:
    """Tags items with a fixed vocabulary; build once per config, call per item."""

    def __init__(self, specialties: Sequence[Specialty]) -> None:
        self._exact = _Index()  # ALL-CAPS abbreviations, case-sensitive
        self._folded = _Index()  # everything else, lower-cased, with plurals
        self._by_source: dict[str, set[str]] = {}
        for specialty in specialties:
            name = slug(specialty.name) or specialty.name  # as ``specialties_from_config``
            for keyword in specialty.keywords:
                self._add_keyword(keyword, name)
            for source_id in specialty.sources:
                self._by_source.setdefault(source_id, set()).add(name)

    def _add_keyword(self, keyword: str, name: str) -> None:
        words = tuple(_WORD.findall(keyword))
        if not words:
            return
        if is_abbreviation(keyword):
            self._exact.add(words, name)
            return
        words = tuple(w.lower() for w in words)
        for plural in _PLURALS:
            self._folded.add((*words[:-1], words[-1] + plural), name)

    def specialties_in(self, text: str) -> set[str]:
        """The specialties whose keywords occur in ``text`` (plain text or HTML). Only a
        tag is markup: a "<" before a figure ("p<0.001 … LVEF>40%") is a sign, and taking
        it for a tag hid every word up to the next ">"."""
        if "<" in text:
            text = _TAG_MARKUP.sub(" ", text)
        tokens = _WORD.findall(text)
        # one lower() over the joined words keeps positions aligned and runs in C
        lowered = " ".join(tokens).lower().split(" ")
        found: set[str] = set()
        self._exact.search(tokens, found)
        self._folded.search(lowered, found)
        return found

    def specialties_of(self, *, title: str, text: str, source_ids: Iterable[str]) -> set[str]:
        """An item's specialties: those its opening words signal, and those the vocabulary
        assigns to a source that carries it. The specialty part of ``tag``, alone, so that
        stored items can be re-tagged (``retagging``)."""
        found = self.specialties_in(f"{title}\n{text[:SCAN_LIMIT]}")
        for source_id in source_ids:
            found |= self._by_source.get(source_id, set())
        return found

    def tag(
        self,
        *,
        title: str,
        text: str,
        source_id: str,
        source_tags: Sequence[str] = (),
        feed_tags: Sequence[str] = (),
    ) -> tuple[str, ...]:
        """Sorted, unique slug tags for one item."""
        found = self.specialties_of(title=title, text=text, source_ids=(source_id,))
        found |= slugs(source_tags)
        found |= slugs(feed_tags)
        return tuple(sorted(found))
