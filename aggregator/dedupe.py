"""Near-duplicate decisions (dedup layer 4): do two items tell the same story?

Medical news is syndicated: one approval or trial readout is rewritten by many
outlets within hours. This module turns an item's title and summary into a
``Signature`` (its terms, abbreviations, numbers and trial names), and judges
a pair of items: ``vetoed`` says when hard evidence keeps them apart,
``similarity`` how much of their wording they share, ``required_score`` how
much they must share. ``aggregator.storyindex`` decides, with these, which
story each item is in.

It does not touch the database, the clock or other items: how much a term
weighs (a term that recurs in one outlet's items says nothing about a story)
is learned by the index from the window's items and passed in.

How text becomes terms:

* lower-cased, NFKC-normalised, stripped of HTML, stop words and newsroom
  filler, lightly stemmed (plural ``s``); hyphenated words count by their
  parts ("EGFR-mutant" has "egfr"), and headline verbs for approval ("OKs",
  "clears", "nod") fold to one word;
* a drug's brand or code name becomes its generic name (``aggregator.drugs``:
  "Wegovy" and "semaglutide" are one term), and a combination's brand a term
  that an item naming all the generics it combines also has ("Trikafta",
  "elexacaftor-tezacaftor-ivacaftor"); a generic newer than the dictionary is
  still known as a drug by its INN stem (donanemab: -mab);
* an abbreviation in one item matches the words it abbreviates in the other
  ("NSCLC" / "non-small cell lung cancer", "HFpEF" / "heart failure with
  preserved ejection fraction"): the initials test of the Schwartz-Hearst
  algorithm, applied across the pair instead of inside one text, because a
  rewrite rarely spells out what the original abbreviated;
* a plain-language and a clinical name of one thing ("heart attack" /
  "myocardial infarction", "under the skin" / "subcutaneous", "kidney" /
  "renal", "tumour" / "tumor", "cuts" / "lowers") add one concept term
  (``aggregator.lexicon``), beside the words themselves: consumer outlets
  rewrite a journal's wording into lay terms;
* the number in a trial's name (the 58 of STELLAR-58) is not a figure; a trial
  name is written as an acronym or in CamelCase ("Omega-3" is not one) that is
  said as a word: a symbol spelled letter by letter ("EGFR-MET", "PSMA-617")
  names a target, and a town in a dateline ("SAINT-HERBLAIN, France--") is
  not read for names of trials;
* a year or a date ("in 2025", "September 14") says when, not how many
  (``aggregator.calendar_numbers``): it agrees only with the same year or day,
  never with a figure it is near, and it is not one of the figures the
  figures veto compares, though the same day of a date in both is agreement;
* a generic title ("Weekly roundup", "Correction", "Podcast episode 12") is
  left out and such an item needs a near-copy body to match;
* the whole summary, each of its sentences and the headline also make one
  term each, a fingerprint of their words (``copy_terms``): at a thousand
  feeds every word of a story may be common in the window, but a summary
  syndicated word for word is still one story when a sentence or the headline
  of it is rare (a summary of sentences every outlet writes is not).

What keeps two items apart whatever they share (``vetoed``): the same source
(one outlet's distinct items are distinct stories; its true duplicates are
layers 1-3), different kinds of thing (news and articles tell stories,
videos their own, events none), differing identifiers (DOI, PMID, NCT
numbers, video ids, named trials), headlines citing different authorities
("FDA approves" / "EMA backs") or naming different drugs that the other item
never mentions, headline figures the other item never reports ("cases rise to
1,020" is not the story of "870 cases"; "cuts risk by 45%" and "2,998-patient
trial" are one story when each reports the other's figure), several figures of
which none agree (unless both name one trial), names (companies, places,
people) of which neither item mentions a quarter of the other's or three (a
rounded figure counts, a year only as itself), and a gap wider than the window.

How much two items must share follows the time between them
(``required_score``, ``prompt_bar``): outlets retell an event within hours,
each in its own words, and another event of the same drug, company or
outbreak comes days later in much of the first one's wording. So two items
published close together need less, counted in rare words only, and one that
comes days after the other needs more.
"""

from __future__ import annotations

import hashlib
import math
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import islice, pairwise
from typing import Any

from aggregator.calendar_numbers import calendar_numbers
from aggregator.datelines import dateline_end
from aggregator.drugs import combinations, generic_names, is_drug_name
from aggregator.english import is_common_word
from aggregator.lexicon import BODY_SUBSTANCES, authorities, concepts, events
from aggregator.places import place_names, places, with_countries
from aggregator.records import KIND_GROUPS, authority
from aggregator.sanitize import html_to_text
from aggregator.storydefaults import DEFAULT_THRESHOLD, DEFAULT_WINDOW

FOLLOW_UP_GAP = timedelta(hours=72)
FOLLOW_UP_PENALTY = 0.15
# The bar rises by LATE_RISE of itself from LATE_START after the earlier item to LATE_START +
# LATE_SPAN (``required_score``), before FOLLOW_UP_PENALTY is added past FOLLOW_UP_GAP.
LATE_START = timedelta(hours=24)
LATE_SPAN = timedelta(hours=48)
LATE_RISE = 0.5
# Items published close together may clear a lower bar, in rare words alone (``prompt_bar``):
# PROMPT_FLOOR of it for simultaneous items, rising to the whole bar at PROMPT_SPAN.
PROMPT_FLOOR = 0.4
PROMPT_SPAN = timedelta(hours=36)
RARE = 1.0  # the rarity of a term few items of the window use (``storyindex.RARITY_STEPS``)
SHARED_TRIAL_FACTOR = 0.5
SHARED_DRUG_FACTOR = 0.7  # both headlines name one drug: a subject, if not yet one event
BOILERPLATE_THRESHOLD = 0.7
TITLE_WEIGHT = 1.5  # a headline term counts half again: headlines name the story
ABBREVIATION_LENGTHS = range(2, 7)
# A term's weight in an item by how many items of its own feed document use it:
# one -> 1.0, 2-3 -> 0.5, 4-7 -> 0.25, 8 or more -> 0.1. One outlet's distinct
# items are distinct stories, so what it repeats (its boilerplate, a serial
# title, its beat's vocabulary, its template's numbers) cannot identify one
# story, while a syndicated story's own words appear once per outlet.
LEVEL_WEIGHTS = (1.0, 0.5, 0.25, 0.1)
LEVEL_FLOORS = (1, 2, 4, 8)
# A pair must share MIN_SHARED terms that neither item's feed uses in more than
# three items: the story index finds candidates by these terms alone.
IDENTIFYING_LEVEL = 1
MIN_SHARED = 2
IDENTIFYING_RARITY = 0.3
MIN_BODY = 5  # summaries shorter than this (one-line briefs) are not compared on their own
# Items this close in time may be one story on their headlines alone (``same_day_rewrite``),
# unless the headlines are one template: TEMPLATE_SHARE of the longer one's terms in one
# order (MIN_TEMPLATE or more).
REWRITE_GAP = timedelta(hours=12)
# ... or this close when either summary is a teaser of one sentence (``Signature.sentences``).
TEASER_GAP = timedelta(hours=24)
_REWRITE_GAPS = (min(REWRITE_GAP, TEASER_GAP), max(REWRITE_GAP, TEASER_GAP))
TEMPLATE_SHARE = 0.6
MIN_TEMPLATE = 3
# A summary's words, each of its sentences' words and the headline's words, each as one
# term (``copy_terms``): a text syndicated word for word is evidence of one story however
# common each of its words is, provided it says something of its own (a sentence or a
# headline the window rarely repeats).
FINGERPRINT = "#"
COPY_PREFIX = "#copy:"
LINE_PREFIX = "#line:"
HEAD_PREFIX = "#head:"
COLUMN_PREFIX = "#col:"
# A headline's label before a colon: "Oncology Roundup: Week 45", "Quick takes: ...".
_LABEL = re.compile(r"^\W*([^:]{2,40}?)\s*:\s+\S")
MIN_LINE = 4  # words; shorter sentences (labels, "Read more.") identify nothing
BODY_COPY = 0.8  # share of the shorter summary's terms that makes it a copy

_STOP_TEXT = """a about after against also an and any are as at be been before being but by
    can could
    did do does during each for from had has have he her his how i if in into is it its just
    may might more most new no not of on or other our out over per said say says she so some
    such than that the their them then these they this those through to today too under up us
    via was we were what when where which while who whom whose why will with would you your
    monday tuesday wednesday thursday friday saturday sunday percent according announced
    reported week yesterday
    find finds found show shows showed suggest suggests"""  # reporting verbs say nothing of what
_STOP_WORDS = frozenset(_STOP_TEXT.split())
_SYNONYMS = {
    "approves": "approve", "approved": "approve", "approval": "approve", "oks": "approve",
    "ok": "approve", "okays": "approve", "clears": "approve", "cleared": "approve",
    "nod": "approve", "greenlights": "approve", "backs": "approve",
    "recalls": "recall", "recalled": "recall", "recalling": "recall",
    "percent": "%", "pct": "%",
}  # fmt: skip
# How an explainer's headline reads: a question or a how-to opening it, or a word that
# says it teaches. A report's headline says what happened ("FDA approves ...").
_EXPLAINER_OPENING = re.compile(  # as a sentence opens: "Who gets ..." but not "WHO declares ..."
    r"^\W*([Hh]ow|[Ww]hat|[Ww]hy|[Ww]hen|[Ww]here|[Ww]hich|[Ww]ho|[Ii]s|[Aa]re|[Cc]an|[Cc]ould"
    r"|[Ss]hould|[Dd]o|[Dd]oes|[Ww]ill)\s"
)
_EXPLAINER_WORDS = re.compile(
    r"""\b(how\s+to|what\s+(you\s+need\s+)?to\s+know|explain(s|ed|er)?|tips|step[-\s]by[-\s]step
         |guide\s+to|myths?|q\s*&\s*a|faqs?)\b""",
    re.IGNORECASE | re.VERBOSE,
)
_BOILERPLATE_TITLES = re.compile(
    r"""^\W*(
        (weekly|daily|monthly|morning|evening|friday|news)\s+(round-?up|digest|briefing|brief|rounds)
      | (this|last)\s+week\s+in\b.*
      | week\s+in\s+review | the\s+week\s+in\b.*
      | in\s+the\s+news | in\s+this\s+issue | top\s+stories(\s+of\s+the\s+(week|day))?
      | news\s+(in\s+brief|briefs?) | headlines | newsletter
      | (correction|corrections|clarification|erratum|retraction|editor'?s\s+note)s?\b.*
      | (podcast|episode|webinar|video)(\s+(episode|ep\.?))?\s*\#?\d*(:.*)?
      | (ep\.?|episode)\s*\#?\d+(:.*)?
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)
_RAW_WORD = re.compile(r"[^\W_]+(?:['./][^\W_]+)*")  # letters of any script: Müller, Bagsværd
# A registry number, or a name like KEYNOTE-522 / DESTINY-Breast-09: four or more letters, a
# hyphen, a number. Short stems (PD-1, GLP-1, IL-23) name targets, not trials.
# A named trial is written as an acronym or in CamelCase (KEYNOTE-522, CheckMate-233):
# a word with one capital before its number is an ordinary noun ("Omega-3", "Covid-19").
# STELLAR-58, and names that number within a series: TROPION-Lung01, KEYNOTE-B15, CheckMate-77T
# Trial names: NCT numbers, names numbered within a series (KEYNOTE-B15, TROPION-Lung01),
# and acronyms joined to acronyms (EMBER-HF, SHORT-MI, ATTAIN-SWITCH).
_TRIAL = re.compile(
    r"\b(NCT\d{8}|[A-Z][A-Za-z]{3,}(?:-[A-Za-z]+)*-[A-Za-z]*\d{1,4}[A-Za-z]?|[A-Z]{4,}-[A-Z]{2,})\b"
)
# An acronym joined to a capitalised word (KARDIA-Global, KEYSTONE-Lung) names a trial in
# prose; in a title-case headline it may be "COVID-Related".
_PROSE_TRIAL = re.compile(r"\b([A-Z]{4,}-[A-Z][a-z]{2,})\b")
_TRIAL_CAPITALS = 2
_NOT_TRIALS = frozenset({"COVID-19", "SARS-COV-2"})
# Endpoints and scales numbered like trials: "MACE-4" (four-point major adverse cardiovascular
# events), "KCCQ-23", "PROMIS-29". Every trial of a field reports them, so they name none.
_MEASURES = re.compile(r"^(MACE|MACCE|KCCQ|PROMIS)-\d+$")
# Symbols spelled letter by letter are short; "Y" is said as a vowel (KEYNOTE, LYNX).
_INITIALISM_LETTERS = 5
_VOWELS = frozenset("AEIOUY")
_CONSONANT_RUN = re.compile(r"[^AEIOUY]{3}")
_SENTENCE = re.compile(r"(?<=[.!?:;])\s+|[\"“”]")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
# Words that open sentences in news prose; never names.
_COMMON_INITIALS = frozenset(
    """results patients physicians researchers participants officials doctors data findings
    most common side grade approval people outside analysts clinicians hospitalizations
    health experts regulators background methods conclusions importance design under
    new study updated large could association positive""".split()
)
# Capitalised in nearly every medical story, so they name nothing in particular.
_NAME_JOINERS = frozenset({"on", "for", "and", "the"})
_GENERIC_NAMES = frozenset(
    """fda cdc who ema nih u.s us uk eu dr class ii iii iv phase university hospital health
    medical center institute department agency company inc ltd""".split()
)
# An abbreviation this short inside a longer name is read letter by letter ("UK Health
# Security Agency" is UKHSA); a longer one is a word of it ("COVID Response Team").
_SHORT_ABBREVIATION = 3
_INITIALS_JOINERS = frozenset({"of", "for", "and", "the"})
ENTITY_OVERLAP_MIN = 0.25
ENTITY_SHARED_ENOUGH = 3  # names one side mentions of the other's that suffice at any share
MIN_FIGURES = 2
FIGURE_TOLERANCE = 0.05  # "past 140" is 142 rounded; 318 is not
_NUMBER = re.compile(r"^\d[\d.]*$")
# Marks a figure written only as a year or a date's part ("@2026"): it agrees with the same
# year or day of another item, never with a figure it rounds to (``_figures_agree``).
WHEN = "@"


Rarity = Callable[[str], float]
_NOTHING: frozenset[str] = frozenset()  # every empty set of an interned signature (216 bytes each)
# A term's code in ``Signature``: its level (LEVEL_FLOORS) in the low bits, and whether
# the headline has it.
_LEVEL = 0b11
_TITLE = 0b100


def _rare(term: str) -> float:
    return 1.0


class Signature:
    """What one item's text says, computed once (in the parse pool) and kept in memory.

    The story index keeps one per item of its window, so the terms are held in
    one dictionary, term -> code (its level, whether the headline has it),
    the summary's terms first and the headline's own after them, instead of a set
    each for terms, headline terms, headline-only terms, identifying terms and a
    dictionary of levels: ~2.5 KB a signature instead of ~8.5 KB. Immutable.
    """

    __slots__ = (
        "_body",
        "_codes",
        "_identifying",
        "_shared",
        "abbreviations",
        "boilerplate",
        "entities",
        "explainer",
        "headline_authorities",
        "headline_drugs",
        "headline_events",
        "headline_numbers",
        "headline_places",
        "headline_words",
        "named",
        "norm",
        "numbers",
        "places",
        "spelled",
        "trials",
        "words",
    )
    _codes: dict[str, int]
    _body: int  # how many of ``_codes`` (the first) the summary has
    _shared: bool  # its strings are the process's one copy (``interned``); not pickled
    _identifying: tuple[str, ...]
    norm: float  # the length of the weighted term vector (the cosine's denominator)
    words: tuple[str, ...]  # content words in order, for abbreviation initials
    abbreviations: frozenset[str]  # short forms written in capitals, lower-cased
    trials: frozenset[str]  # trial names and NCT numbers as written, upper-cased
    numbers: frozenset[str]
    headline_numbers: frozenset[str]
    boilerplate: bool  # a digest's, a correction's or a column's headline: joins only as a copy
    entities: frozenset[str]  # terms written as names (capitalised, with digits)
    # "name\tinitials" of each name whose initials, read off its whole run of capitalised
    # words, are not those of its terms ("disease control prevention": CDC; ``_spelled_names``)
    spelled: frozenset[str]
    named: bool  # it names something a names veto may stand on (``_stands_on_names``)
    explainer: bool  # its headline asks or teaches (``is_explainer_title``), not reports
    headline_authorities: frozenset[str]  # "FDA", "NEJM": who the headline cites
    headline_drugs: frozenset[str]  # generic names of the drugs the headline names
    places: frozenset[str]  # ISO 3166 codes of the places it names, with their countries
    headline_places: frozenset[str]  # ISO 3166 codes of the places the headline names
    headline_events: frozenset[str]  # the kinds of event it headlines (``lexicon.EVENTS``)
    headline_words: tuple[str, ...]  # the headline's terms in order (``one_template``)

    def __init__(
        self,
        body_terms: AbstractSet[str],
        title_terms: AbstractSet[str],
        words: tuple[str, ...],
        abbreviations: frozenset[str],
        trials: frozenset[str],
        numbers: frozenset[str],
        headline_numbers: frozenset[str],
        boilerplate: bool,
        entities: frozenset[str] = _NOTHING,
        headline_authorities: frozenset[str] = _NOTHING,
        headline_drugs: frozenset[str] = _NOTHING,
        places: frozenset[str] = _NOTHING,
        headline_places: frozenset[str] = _NOTHING,
        headline_events: frozenset[str] = _NOTHING,
        headline_words: tuple[str, ...] = (),
        named: bool = True,
        explainer: bool = False,
        spelled: frozenset[str] = _NOTHING,
    ) -> None:
        """``body_terms``: the summary's; ``title_terms``: the headline's. Every term is
        at the lowest level (once in its feed document) until ``document_levels``."""
        codes = dict.fromkeys(body_terms, 0)
        for term in title_terms:  # the headline's own terms go after the summary's
            codes[term] = codes.get(term, 0) | _TITLE
        # At the lowest level every term identifies (``_IDENTIFYING_CODES``): no need to
        # test each, for a signature that ``document_levels`` replaces at once.
        squares = [_SQUARED_WEIGHTS[code] for term, code in codes.items() if term[0] != FINGERPRINT]
        _build(
            self,
            codes,
            len(body_terms),
            words,
            (abbreviations, trials, numbers, headline_numbers, entities, places, spelled),
            boilerplate,
            (headline_authorities, headline_drugs, headline_places, headline_events),
            derived=(tuple(codes), math.sqrt(math.fsum(squares))),
            headline_words=headline_words,
            named=named,
            explainer=explainer,
        )

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as the parse pool sends it to the writer: the terms apart from their codes
        (a byte each), so that ``_restored`` builds the one dict of interned terms the writer
        keeps, instead of a dict of copies and then that one (``interned``)."""
        return _restored, (
            tuple(self._codes),
            bytes(self._codes.values()),
            *(getattr(self, name) for name in _PICKLED),
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Signature is immutable: cannot set {name}")

    @property
    def terms(self) -> AbstractSet[str]:
        return self._codes.keys()

    @property
    def title_terms(self) -> frozenset[str]:
        return frozenset(term for term, code in self._codes.items() if code & _TITLE)

    @property
    def title_only(self) -> frozenset[str]:
        """Headline terms the summary lacks."""
        return frozenset(islice(self._codes, self._body, None))

    @property
    def levels(self) -> dict[str, int]:
        """The level of each term its feed document repeats (absent: once)."""
        return {term: code & _LEVEL for term, code in self._codes.items() if code & _LEVEL}

    def with_levels(self, levels: Mapping[str, int]) -> Signature:
        """The same signature with these levels, each an index of LEVEL_FLOORS (terms it
        lacks are left out; both callers cap what they count or read, so this need not)."""
        level = levels.get
        codes = {term: (code & _TITLE) | level(term, 0) for term, code in self._codes.items()}
        return _copy(self, codes)

    def interned(self) -> Signature:
        """The same signature holding the process's one copy of each string.

        A window's items repeat the same few thousand terms, but each signature
        arrives from the parse pool (or from ``signature``) with copies of its own;
        the story index keeps thousands of signatures, so sharing the strings is
        about half of its memory. Done once: a signature from the pool is interned
        on arrival, and the index would otherwise do it again (a tenth of deciding).
        """
        if self._shared:
            return self
        codes = {sys.intern(term): code for term, code in self._codes.items()}
        return _interned(codes, *(getattr(self, name) for name in _PICKLED))

    def weight(self, term: str) -> float:
        return _weight(self._codes.get(term, 0))

    def identifying(self, term: str) -> bool:
        return self._codes.get(term, 0) & _LEVEL <= IDENTIFYING_LEVEL

    @property
    def body_terms(self) -> frozenset[str]:
        """The terms of the summary alone."""
        return frozenset(islice(self._codes, self._body))

    @property
    def body_size(self) -> int:
        """How many terms the summary has: ``len(body_terms)`` without building the set."""
        return self._body

    @property
    def sentences(self) -> int:
        """How many sentences of MIN_LINE words or more the summary has (its line terms)."""
        return sum(1 for term in islice(self._codes, self._body) if term.startswith(LINE_PREFIX))

    @property
    def identifying_terms(self) -> frozenset[str]:
        """The terms its own feed uses rarely enough to say which story this is."""
        return frozenset(self._identifying)


# What ``_interned`` builds a signature from besides its codes, in its order.
_PICKLED = (
    "_body", "words", "abbreviations", "trials", "numbers", "headline_numbers", "entities",
    "places", "spelled", "boilerplate", "headline_authorities", "headline_drugs", "headline_places",
    "headline_events", "_identifying", "norm", "headline_words", "named", "explainer",
)  # fmt: skip


def _interned(
    codes: dict[str, int],
    body: int,
    words: tuple[str, ...],
    *rest: Any,
) -> Signature:
    """A signature of interned strings (``Signature.interned``), ``codes`` interned already;
    ``rest``: the values of the rest of ``_PICKLED``."""
    *sets, boilerplate = rest[:8]
    *headline, identifying, norm, headline_words, named, explainer = rest[8:]

    def shared(values: frozenset[str]) -> frozenset[str]:
        return frozenset(map(sys.intern, values)) if values else _NOTHING

    return _build(
        object.__new__(Signature),
        codes,
        body,
        tuple(map(sys.intern, words)),
        tuple(map(shared, sets)),
        boilerplate,
        tuple(map(shared, headline)),
        derived=(tuple(map(sys.intern, identifying)), norm),
        headline_words=tuple(map(sys.intern, headline_words)),
        named=named,
        explainer=explainer,
        shared=True,
    )


def _build(
    sig: Signature,
    codes: dict[str, int],
    body: int,
    words: tuple[str, ...],
    figures: tuple[frozenset[str], ...],
    boilerplate: bool,
    headline: tuple[frozenset[str], ...],
    derived: tuple[tuple[str, ...], float] | None = None,
    *,
    headline_words: tuple[str, ...] = (),
    named: bool = True,
    explainer: bool = False,
    shared: bool = False,
) -> Signature:
    """Fill a new signature's slots; the identifying terms and the norm follow from
    ``codes``, unless ``derived`` gives them (the same codes, strings shared)."""
    if derived is None:
        items = codes.items()
        identifying = [term for term, code in items if code in _IDENTIFYING_CODES]
        squares = [_SQUARED_WEIGHTS[code] for term, code in items if term[0] != FINGERPRINT]
        derived = (tuple(identifying), math.sqrt(math.fsum(squares)))
    put = object.__setattr__
    put(sig, "_codes", codes)
    put(sig, "_body", body)
    put(sig, "_shared", shared)
    put(sig, "_identifying", derived[0])
    put(sig, "norm", derived[1])
    put(sig, "words", words)
    put(sig, "headline_words", headline_words)
    put(sig, "named", named)
    put(sig, "explainer", explainer)
    for name, values in zip(
        ("abbreviations", "trials", "numbers", "headline_numbers", "entities", "places", "spelled"),
        figures,
        strict=True,
    ):
        put(sig, name, values)
    put(sig, "boilerplate", boilerplate)
    for name, values in zip(
        ("headline_authorities", "headline_drugs", "headline_places", "headline_events"),
        headline,
        strict=True,
    ):
        put(sig, name, values)
    return sig


def _weight(code: int) -> float:
    value = LEVEL_WEIGHTS[code & _LEVEL]
    return value * TITLE_WEIGHT if code & _TITLE else value


# Each code's squared weight, computed as ``_weight(code) ** 2`` once, not once a term;
# and the codes of identifying terms, tested as one lookup, not two operations a term.
_SQUARED_WEIGHTS = tuple(_weight(code) ** 2 for code in range((_LEVEL | _TITLE) + 1))
_IDENTIFYING_CODES = frozenset(
    code for code in range(len(_SQUARED_WEIGHTS)) if code & _LEVEL <= IDENTIFYING_LEVEL
)


def _copy(sig: Signature, codes: dict[str, int]) -> Signature:
    """``sig`` with other levels: a column's headline is learned from them."""
    return _build(
        object.__new__(Signature),
        codes,
        sig._body,
        sig.words,
        (
            sig.abbreviations,
            sig.trials,
            sig.numbers,
            sig.headline_numbers,
            sig.entities,
            sig.places,
            sig.spelled,
        ),
        sig.boilerplate or _names_a_column(codes, sig._body),
        (sig.headline_authorities, sig.headline_drugs, sig.headline_places, sig.headline_events),
        headline_words=sig.headline_words,
        named=sig.named,
        explainer=sig.explainer,
    )


def _restored(terms: tuple[str, ...], codes: bytes, *rest: Any) -> Signature:
    """A signature from its pickled form (``Signature.__reduce__``), interned.

    The parse pool sends a batch's signatures to the writer, which keeps them
    until the batch's stories are decided: with their own copies of every term,
    ~3,000 of them took 25 MB of the refresh process; sharing the strings, ~9.
    """
    return _interned(dict(zip(map(sys.intern, terms), codes, strict=True)), *rest)


@dataclass(frozen=True, slots=True)
class StoryItem:
    """One stored item as the story decision sees it.

    ``key`` is what orders items that share a publication instant and label
    without depending on arrival: the source's own guid key, not the database id.
    ``source_name`` is the source's configured name, which another item may cite
    (``_names_outlet``) where the id is opaque ("src-17").
    """

    item_id: int
    source_id: str
    kind: str
    label: str
    published: datetime
    key: str
    sig: Signature
    identifiers: frozenset[str] = frozenset()  # "doi:…", "pmid:…", "nct:…", "youtube:…"
    dated: bool = True  # ``published`` is the source's own date, not when medfeed first saw it
    source_name: str = ""
    order: tuple[datetime, int, str, str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # The index holds tens of thousands: one copy of each source, kind and label
        # string, and one empty set for the many items without identifiers.
        put = object.__setattr__
        for name in ("source_id", "source_name", "kind", "label"):
            put(self, name, sys.intern(getattr(self, name)))
        if not self.identifiers:
            put(self, "identifiers", _NOTHING)
        put(self, "order", (self.published, authority(self.label), self.source_id, self.key))


def _plain(title: str) -> str:
    """A title as stored: plain text already (``parse.text.title_text``). Read as HTML, a
    title such as "Why <script> tags leak PHI" lost everything after its first word."""
    return " ".join(title.split())


def is_boilerplate_title(title: str) -> bool:
    """True for recurring titles that say nothing about the story (digests, corrections)."""
    return bool(_BOILERPLATE_TITLES.match(_plain(title)))


def is_explainer_title(title: str) -> bool:
    """True for a headline that asks or teaches ("How to use a pen injector", "Is it a cold
    or the flu?", "Statins: what to know") rather than reports something that happened.

    A news network's clip reports the day's story in a headline of its own; a clinic's or
    a pharmacist's explainer on the same topic is not that story, whatever words they
    share, so only the first may join the text items of a story (``_reports_with``)."""
    text = _plain(title)
    label = _LABEL.match(text) if ":" in text else None
    heads = [text, text[label.end(1) :].lstrip(" :")] if label else [text]
    return (
        "?" in text
        or _EXPLAINER_WORDS.search(text) is not None
        or any(_EXPLAINER_OPENING.match(head) for head in heads)
    )


def signature(title: str, text: str) -> Signature:
    """The features of one item's text; a pure function of the two strings."""
    title_text = _plain(title)
    body = html_to_text(text)
    boilerplate = is_boilerplate_title(title_text)
    title_lines = [] if boilerplate else _sentence_tokens(title_text)
    title_tokens = [token for line in title_lines for token in line]
    body_lines = _sentence_tokens(body)
    body_tokens = [token for line in body_lines for token in line]
    tokens = title_tokens + body_tokens
    title_words = _terms(title_tokens)
    line_words = [_terms(line) for line in body_lines]
    body_words = [word for line in line_words for word in line]
    title_terms = frozenset(title_words) | frozenset(_pairs(title_words)) | concepts(title_tokens)
    title_terms |= _combined(title_terms)
    if len(title_words) >= MIN_LINE:
        title_terms |= {HEAD_PREFIX + _digest(title_words)}
    title_terms |= column_term(title_text)
    body_terms = frozenset(body_words) | concepts(body_tokens) | copy_terms(line_words)
    body_terms |= _combined(body_terms)
    lead = dateline_end(body)  # "NEW YORK & SAINT-HERBLAIN, France--" names no trial
    story = body[lead:]
    trials = frozenset(_trials(f"{title_text} {story}")) | _prose_trials(story)
    title_figures = _figures(title_words, trials, title_tokens, title_text)
    written_title = (
        [] if boilerplate or _title_case(title_text) else _as_written(title_text, title_lines)
    )
    written_body = _as_written(body, body_lines)
    title_runs = _entities(written_title)
    runs = _entities(written_body) + title_runs
    return Signature(
        body_terms=body_terms,
        title_terms=title_terms,
        words=tuple(_content_words(tokens)),
        abbreviations=frozenset(_abbreviations(tokens)),
        trials=trials,
        numbers=_figures(body_words, trials, body_tokens, body) | title_figures,
        headline_numbers=title_figures,
        boilerplate=boilerplate,
        entities=_names(run for _, run in runs),
        spelled=_spelled_names(written_body + written_title),
        named=_stands_on_names(body, lead, runs, title_runs),
        headline_authorities=authorities(title_tokens),
        headline_drugs=_headline_drugs(title_words, title_terms),
        places=with_countries(places(tokens, with_demonyms=True)),
        headline_places=places(title_tokens),
        headline_events=events(title_terms),
        headline_words=tuple(title_words),
        explainer=is_explainer_title(title_text),
    )


def document_levels(signatures: Sequence[Signature]) -> list[Signature]:
    """Each signature with the levels of its terms within this one feed document."""
    counts: Counter[str] = Counter()
    for sig in signatures:
        counts.update(sig.terms)
    # A term in half or more of a feed's items is its template, however short the feed.
    template = max(2, len(signatures) / 2)
    top = len(LEVEL_WEIGHTS) - 1
    repeated = {
        term: top if count >= template else _level(count)
        for term, count in counts.items()
        if count > 1
    }
    return [sig.with_levels(repeated) for sig in signatures]


def encode_levels(sig: Signature) -> str:
    """The learned weights of one item as text, to store beside it ("term:level ...")."""
    return " ".join(f"{term}:{level}" for term, level in sorted(sig.levels.items()))


def with_levels(sig: Signature, encoded: str | None) -> Signature:
    """``sig`` with the weights ``encode_levels`` stored (a stored item read back)."""
    levels = {}
    for pair in (encoded or "").split():
        term, _, level = pair.rpartition(":")
        if term in sig.terms and level.isdigit():
            levels[term] = min(int(level), len(LEVEL_WEIGHTS) - 1)
    return sig.with_levels(levels)


def barred(a: StoryItem, b: StoryItem, window: timedelta = DEFAULT_WINDOW) -> str | None:
    """What keeps two items apart even when an editor says they are one story, named:
    one source (layers 1-3 decide those), further apart than the window (no index
    holds both), or different identifiers (two papers, two trials, two videos)."""
    if a.source_id == b.source_id or a.item_id == b.item_id:
        return "same source"
    if abs(a.published - b.published) > window:
        return "window"
    if _identifiers_differ(a.identifiers, b.identifiers):
        return "identifiers"
    return None


def vetoed(a: StoryItem, b: StoryItem, window: timedelta = DEFAULT_WINDOW) -> bool:
    """Hard evidence that two items are two stories, however much wording they share."""
    return veto(a, b, window) is not None


def veto(a: StoryItem, b: StoryItem, window: timedelta = DEFAULT_WINDOW) -> str | None:
    """What keeps two items apart (``vetoed``), named, or None: the first that applies.

    Named so that a miss can be traced to its rule (``benchmarks/dedupe_quality.py
    --why``); the matcher only asks whether there is one.
    """
    if a.source_id == b.source_id or a.item_id == b.item_id:
        return "same source"
    group = KIND_GROUPS.get(a.kind)
    if (
        (group is None or group != KIND_GROUPS.get(b.kind))
        and not _explains(a, b)
        and not _reports_with(a, b)
    ):
        return "kinds"
    if abs(a.published - b.published) > window:
        return "window"
    if _identifiers_differ(a.identifiers, b.identifiers):
        return "identifiers"
    if a.sig.trials and b.sig.trials and not a.sig.trials & b.sig.trials:
        return "trials"
    if _headlines_disagree(a.sig, b.sig):
        return "headline figures"
    cited_a, cited_b = a.sig.headline_authorities, b.sig.headline_authorities
    if cited_a and cited_b and not cited_a & cited_b:
        return "cited authorities"
    if _drugs_differ(a.sig, b.sig):
        return "headline drugs"
    if _places_differ(a.sig, b.sig):
        return "places"
    events_a, events_b = a.sig.headline_events, b.sig.headline_events
    if events_a and events_b and not events_a & events_b:
        return "events"  # one company's strike and its data breach
    same_trial = bool(a.sig.trials & b.sig.trials)
    if not same_trial and _counts_differ(a.sig.numbers, b.sig.numbers):
        return "figures"
    return "names" if _names_differ(a, b) else None


def _explains(a: StoryItem, b: StoryItem) -> bool:
    """A video and a text naming one trial or one paper: a journal's or a channel's video
    of a readout ("EMBER-HF explained in 5 minutes") belongs with the news of it. Other
    videos (explainers and interviews on a topic) stay stories of their own."""
    if {KIND_GROUPS.get(a.kind), KIND_GROUPS.get(b.kind)} != {"text", "video"}:
        return False
    return bool(a.sig.trials & b.sig.trials or a.identifiers & b.identifiers)


def _reports_with(a: StoryItem, b: StoryItem) -> bool:
    """A video whose headline reports (a network's clip: "FDA approves CagriSema") may tell
    the story of the text items it matches; an explainer may not (``is_explainer_title``)."""
    if {KIND_GROUPS.get(a.kind), KIND_GROUPS.get(b.kind)} != {"text", "video"}:
        return False
    video = a if KIND_GROUPS.get(a.kind) == "video" else b
    return not (video.sig.explainer or video.sig.boilerplate)


def required_score(a: StoryItem, b: StoryItem, threshold: float = DEFAULT_THRESHOLD) -> float:
    """How similar a pair that survived ``vetoed`` must be to be one story.

    Less when both name one trial, or both headlines one drug (brand or generic): a
    syndicated launch is retold in words of every outlet's own, while the drug's
    name, shared by every item on it in the window, weighs little in the cosine.
    A drug has several trials and approvals, so it lowers the bar less than a trial,
    unless both headlines also name one kind of event (its approval, its recall):
    a drug is approved once in a window, and a consumer explainer of the approval
    ("Orforglipron: what to know about the newly approved pill") shares little
    else with the wire story.

    More the later the second item comes, from a day after the first: outlets
    retell an event within a day, while a second event of the same drug, company
    or outbreak (a layoff after a panel's vote, a vaccine clinic after a case
    count) comes a day or more later, in much of the first one's wording.
    """
    if a.sig.trials & b.sig.trials:
        required = threshold * SHARED_TRIAL_FACTOR
    elif a.sig.headline_drugs & b.sig.headline_drugs:
        one_event = a.sig.headline_events & b.sig.headline_events
        required = threshold * (SHARED_TRIAL_FACTOR if one_event else SHARED_DRUG_FACTOR)
    else:
        required = threshold
    gap = abs(a.published - b.published)
    if a.sig.boilerplate or b.sig.boilerplate:
        required = max(required, BOILERPLATE_THRESHOLD)
    else:
        required *= 1 + LATE_RISE * min(1.0, max(0.0, (gap - LATE_START) / LATE_SPAN))
    if gap > FOLLOW_UP_GAP:
        required += FOLLOW_UP_PENALTY
    return required


def passing_score(
    a: StoryItem, b: StoryItem, rarity: Rarity = _rare, threshold: float = DEFAULT_THRESHOLD
) -> float | None:
    """The pair's similarity if it clears its bar, else None: the whole bar
    (``required_score``) in all the words they share, or, published close together, the
    lower ``prompt_bar`` in their rare words alone (``rare_similarity``)."""
    score = similarity(a.sig, b.sig, rarity)
    required = required_score(a, b, threshold)
    if score >= required or rare_similarity(a.sig, b.sig, rarity) >= prompt_bar(a, b, required):
        return score
    return None


def margin(
    a: StoryItem, b: StoryItem, rarity: Rarity = _rare, threshold: float = DEFAULT_THRESHOLD
) -> float:
    """How many times its bar a pair clears: the larger of its similarity over the whole
    bar and its rare similarity over the prompt bar (``passing_score``); 1.0 is on the
    bar, under 1.0 it fails.

    The bars are where the matcher stops being sure, so a join that clears its bar
    by a hair is the likeliest to be wrong: in the hand-written sets, the tenth of
    the joins with the least margin holds about half the wrong ones. An editor
    reviews those first (``medfeed stories list --doubtful``).
    """
    required = required_score(a, b, threshold)
    if required <= 0:
        return math.inf
    whole = similarity(a.sig, b.sig, rarity) / required
    return max(whole, rare_similarity(a.sig, b.sig, rarity) / prompt_bar(a, b, required))


def prompt_bar(a: StoryItem, b: StoryItem, required: float) -> float:
    """How much rare wording two items published close together must share to be one story:
    PROMPT_FLOOR of the bar at no gap, rising with the gap to the whole bar at PROMPT_SPAN.

    Outlets rewrite an approval or a readout within hours of each other, each in its
    own words, and a rewrite then shares little beyond the few words that name the
    event; coverage of another event of the same drug, company or outbreak comes
    days later more often than hours. Only rare words count towards it
    (``rare_similarity``): a disease or a company every item of the week names says
    nothing more for being published the same hour. A digest (``boilerplate``) never
    gets a lower bar, nor an item its source does not date: that medfeed first saw
    two items in one pass says nothing of when they were written.
    """
    if a.sig.boilerplate or b.sig.boilerplate or not (a.dated and b.dated):
        return required
    gap = min(1.0, abs(a.published - b.published) / PROMPT_SPAN)
    return required * (PROMPT_FLOOR + (1 - PROMPT_FLOOR) * gap)


def rare_similarity(a: Signature, b: Signature, rarity: Rarity = _rare) -> float:
    """``similarity`` counting only the shared terms of rarity RARE (few items use them)."""
    return similarity(a, b, lambda term: value if (value := rarity(term)) >= RARE else 0.0)


def similarity(a: Signature, b: Signature, rarity: Rarity = _rare) -> float:
    """Weighted cosine of two items' terms (0..1); abbreviations meet their long forms.

    Each side weighs terms by its own feed's habits: what one outlet repeats in
    every item is its boilerplate, not the other's. A shared term counts by
    ``rarity`` too (how many items of the window use it, see
    ``aggregator.storyindex``): "older adults" in both headlines is a
    coincidence, a drug's name or a trial's enrolment figure is not. The
    lengths are the items' own, so that a term's rarity changing touches only
    the pairs that share it. Sums are exact (``math.fsum``): a plain sum follows
    the sets' iteration order, which changes with the hash seed, and a pair on
    the threshold must decide the same way in every process.
    """
    if a.norm <= 0 or b.norm <= 0:
        return 0.0
    common = a.terms & b.terms
    shared = math.fsum(a.weight(t) * b.weight(t) * rarity(t) for t in common if t[0] != "#")
    shared += _spelled_out(a, b) + _spelled_out(b, a)
    return max(min(1.0, shared / (a.norm * b.norm)), _copied(a, b, common, rarity))


def shares_enough(a: Signature, b: Signature, rarity: Rarity = _rare) -> bool:
    """At least MIN_SHARED rare terms that identify something in both items, one of them
    a word, and bodies that agree: two headlines from one template ("X cases rise among
    smokers, FDA reports") read alike; what the summaries report tells the stories apart.

    Figures alone identify nothing: two studies' hazard ratios and intervals meet
    by chance ("0.66 (0.58 to 0.74)" / "0.58 (0.50 to 0.66)"), a rewrite shares a
    name or a word of its subject too.
    """
    common = a.terms & b.terms
    if _copied(a, b, common, rarity):
        return True
    shared = _identifying_shared(a, b, common, rarity)
    return bool(shared) and _bodies_agree(a, b, shared)


def may_match(a: StoryItem, b: StoryItem, rarity: Rarity = _rare) -> bool:
    """Whether two items share enough to be weighed as one story: ``shares_enough``, or,
    published close together (``_rewrite_gap``), the same rare terms in headlines that
    are not one template (``one_template``) whatever their summaries say.

    Outlets retelling one event the same day write one-sentence summaries that
    each pick their own detail ("Caremark will base cost sharing on net prices" /
    "The settlement must be approved by the commission's judge"), while their
    headlines name the same things. The stories of one template are told apart by
    the fillers, which the other item never mentions.
    """
    sig_a, sig_b = a.sig, b.sig
    common = sig_a.terms & sig_b.terms
    if _copied(sig_a, sig_b, common, rarity):
        return True
    shared = _identifying_shared(sig_a, sig_b, common, rarity)
    if not shared:
        return False
    if _bodies_agree(sig_a, sig_b, shared):
        return True
    if sig_a.boilerplate or sig_b.boilerplate:
        return False
    gap = abs(a.published - b.published)
    shortest, longest = _REWRITE_GAPS  # ``_rewrite_gap`` counts sentences: asked only between
    if gap > shortest and (gap > longest or gap > _rewrite_gap(a, b)):
        return False
    return not one_template(sig_a, sig_b)


def _rewrite_gap(a: StoryItem, b: StoryItem) -> timedelta:
    """How far apart two items may be published and still be weighed on their headlines
    alone (``may_match``): REWRITE_GAP, or TEASER_GAP when either summary is a teaser of
    one sentence.

    A feed's one-sentence teaser adds a detail of its own to its headline ("Shares
    start trading Friday on Nasdaq under the ticker MMED."), so it never agrees with
    another outlet's summary, and outlets retell an event over a day, not half of one
    (``required_score`` starts raising the bar at a day too). Summaries of several
    sentences still have to agree past half a day: two reports of one template
    ("Ketamine shortage hits hospitals ...") a day apart tell their stories there.
    """
    if min(a.sig.sentences, b.sig.sentences) <= 1:
        return TEASER_GAP
    return REWRITE_GAP


def _identifying_shared(
    a: Signature, b: Signature, common: AbstractSet[str], rarity: Rarity
) -> list[str]:
    """The rare terms that identify something in both items (found among the ``common``
    terms they share), when there are MIN_SHARED of them and not all figures; else none."""
    codes_a, codes_b = a._codes, b._codes  # ``identifying`` inlined: dozens of terms a pair
    shared = [
        t
        for t in common
        if t[0] != FINGERPRINT
        and codes_a[t] & _LEVEL <= IDENTIFYING_LEVEL
        and codes_b[t] & _LEVEL <= IDENTIFYING_LEVEL
        and rarity(t) >= IDENTIFYING_RARITY
    ]
    if len(shared) < MIN_SHARED or all(_NUMBER.match(t) for t in shared):
        return []
    return shared


def _bodies_agree(a: Signature, b: Signature, shared: Sequence[str]) -> bool:
    """Summaries too short to judge, or sharing an identifying word, or one a copy."""
    if a.body_size < MIN_BODY or b.body_size < MIN_BODY:
        return True
    body_a, body_b = a.body_terms, b.body_terms
    if any(t in body_a and t in body_b and not _NUMBER.match(t) for t in shared):
        return True
    return len(body_a & body_b) / min(len(body_a), len(body_b)) >= BODY_COPY


def one_template(a: Signature, b: Signature) -> bool:
    """Two headlines of one frame with other fillers: TEMPLATE_SHARE of the longer
    headline's terms (MIN_TEMPLATE or more) in the same order in both, and a place where
    each has a term that the other item never uses ("... among smokers" / "... among
    pregnant women"). A rewrite keeps the subject and rewords the rest ("Harbor Rx
    settles FTC inhaler pricing case, agrees to cap copays" / "Harbor Rx first benefit
    manager to settle FTC inhaler suit": half in common). A headline too short to tell
    counts as one."""
    x, y = a.headline_words, b.headline_words
    if len(x) < MIN_TEMPLATE or len(y) < MIN_TEMPLATE:
        return True
    matcher = SequenceMatcher(None, x, y, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    if same < max(MIN_TEMPLATE, TEMPLATE_SHARE * max(len(x), len(y))):
        return False
    return any(
        tag == "replace" and not b.terms >= set(x[i1:i2]) and not a.terms >= set(y[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    )


def choose_representative(items: Sequence[StoryItem]) -> int:
    """The id of the item that stands for a story: the first in ``StoryItem.order``.

    Earliest published first (it stays stable as later coverage joins), then the
    most authoritative label (journal > society > press-release > news >
    preprint > sponsored), then source and guid, never arrival.
    """
    if not items:
        raise ValueError("a story has at least one item")
    return min(items, key=lambda item: item.order).item_id


def copy_terms(lines: Sequence[Sequence[str]]) -> frozenset[str]:
    """The summary's words as one term, and each sentence's words as one, when they are
    long enough to be a text of their own.

    Their document frequency is learned like any term's: a text one feed repeats
    (its boilerplate) weighs nothing, one the window's outlets repeat by the dozen
    is common, one that a few outlets carry is a syndicated copy. Hashes of the
    words, stable across processes (``hash`` is seeded per process).
    """
    words = sorted({word for line in lines for word in line})
    if len(words) < MIN_BODY:
        return _NOTHING
    out = {COPY_PREFIX + _digest(words)}
    out.update(LINE_PREFIX + _digest(line) for line in lines if len(line) >= MIN_LINE)
    return frozenset(out)


def column_term(title: str) -> frozenset[str]:
    """The headline's label, when it could name a column: two to four words, no figures.

    Counted per feed document like any term (``document_levels``): a label the feed
    puts on several headlines ("Oncology Roundup: Week 45", "Quick takes: H5N1 in
    Iowa pigs, ...") is a column's, whose items are digests of several stories, and
    such an item then needs a copy to join a story (``Signature.boilerplate``). One
    word ("Study:", "FDA:") is how an outlet heads its news, and a figure ("AHA
    2026:") a meeting's coverage: both tell one story each.
    """
    match = _LABEL.match(title) if ":" in title else None
    if match is None:
        return _NOTHING
    words = match.group(1).lower().split()
    if not 2 <= len(words) <= 4 or any(ch.isdigit() for ch in match.group(1)):
        return _NOTHING
    return frozenset({COLUMN_PREFIX + _digest(words)})


def _names_a_column(codes: dict[str, int], body: int) -> bool:
    """Whether the item's feed document repeats its headline's label (``column_term``),
    a headline-only term: after the summary's ``body`` terms in ``codes``."""
    return any(
        code & _LEVEL
        for term, code in islice(codes.items(), body, None)
        if term.startswith(COLUMN_PREFIX)
    )


def stands_alone(term: str) -> bool:
    """A fingerprint that, rare, can make a pair without other shared terms (``_copied``):
    the whole summary's or the headline's, not a sentence's alone."""
    return term.startswith((COPY_PREFIX, HEAD_PREFIX))


def is_fingerprint(term: str) -> bool:
    return term[0] == FINGERPRINT


def _digest(words: Sequence[str]) -> str:
    return hashlib.blake2b(" ".join(words).encode(), digest_size=8).hexdigest()


def _copied(a: Signature, b: Signature, common: AbstractSet[str], rarity: Rarity) -> float:
    """How rare the text two items share word for word is, if they share the summary and
    either the headline is rare or the summary and one of its sentences are; else 0.

    A copy scores as high as its rarest shared text, whatever the rarity of its
    words. A summary of sentences every outlet writes ("Adverse events were similar
    ...") under two different headlines is no copy of one story, and neither side's
    feed boilerplate counts (``identifying``).
    """
    copy = head = line = -1.0
    for term in common:
        if term[0] != FINGERPRINT or not (a.identifying(term) and b.identifying(term)):
            continue
        if term.startswith(COLUMN_PREFIX):  # a label, not text
            continue
        rare = rarity(term)
        if term.startswith(COPY_PREFIX):
            copy = rare
        elif term.startswith(HEAD_PREFIX):
            head = rare
        else:
            line = max(line, rare)
    if copy < 0 or not (head >= IDENTIFYING_RARITY or min(copy, line) >= IDENTIFYING_RARITY):
        return 0.0
    return max(copy, head, line)


def _spelled_out(short: Signature, long: Signature) -> float:
    """Weight of ``short``'s abbreviations that ``long`` writes out in full instead."""
    missing = short.abbreviations - long.terms
    if not missing:
        return 0.0
    return math.fsum(short.weight(term) ** 2 for term in missing & _initials(long.words))


def _level(count: int) -> int:
    level = 0
    while level + 1 < len(LEVEL_FLOORS) and count >= LEVEL_FLOORS[level + 1]:
        level += 1
    return level


@lru_cache(maxsize=4096)
def _initials(words: tuple[str, ...]) -> frozenset[str]:
    """The initials of every run of 2-6 content words ("non small cell lung cancer" -> nsclc)."""
    found = set()
    for start in range(len(words)):
        letters = ""
        for word in words[start : start + ABBREVIATION_LENGTHS.stop - 1]:
            letters += word[0]
            if len(letters) >= ABBREVIATION_LENGTHS.start:
                found.add(letters)
    return frozenset(found)


def _headlines_disagree(a: Signature, b: Signature) -> bool:
    """Both headlines give figures and one of them is a figure the other item never reports.

    A rewrite may headline another figure of the same report ("cuts risk by 45%" /
    "4,000-patient trial"), but then the first figure is still in its text; a
    follow-up's new count ("cases rise to 905") is nowhere in the earlier item.
    """
    heads_a, heads_b = a.headline_numbers, b.headline_numbers
    if not heads_a or not heads_b or _figures_agree(heads_a, heads_b):
        return False
    return not (_figures_agree(heads_a, b.numbers) and _figures_agree(heads_b, a.numbers))


def _places_differ(a: Signature, b: Signature) -> bool:
    """Both headlines name places and neither item names a place the other's headline
    names: a case in California and a case in Cambodia, one launch in Germany and one
    in Brazil. A region is in its country ("Texas" meets "US"), and one side naming
    the other's place anywhere is enough: a wire story on Cambodia's case may recall
    California's."""
    heads_a, heads_b = a.headline_places, b.headline_places
    return bool(heads_a and heads_b and not (heads_a & b.places or heads_b & a.places))


def _drugs_differ(a: Signature, b: Signature) -> bool:
    """Both headlines name drugs and neither item mentions a drug the other's headline
    names: one template ("Q&A: what the X data mean for ...") about two drugs.

    An item naming a combination mentions each of its generics: "CagriSema" (cagrilintide
    and semaglutide) and "Wegovy" (semaglutide) may head one story, a forecast cut of
    their maker. Two combinations sharing a generic still differ ("Paxlovid" / "Kaletra",
    both with ritonavir). Only here: to ``required_score`` a combination and its generic
    are no one drug that lowers the bar (a Paxlovid story and a ritonavir one share a
    subject less than two items naming one drug do)."""
    drugs_a, drugs_b = a.headline_drugs, b.headline_drugs
    if not (drugs_a and drugs_b) or drugs_a & b.terms or drugs_b & a.terms:
        return False
    # a generic its own headline names as a combination's ("elexacaftor-tezacaftor-
    # ivacaftor", Trikafta) is no drug of its own: Symdeko (tezacaftor and ivacaftor) differs
    alone_a, alone_b = drugs_a - _parts(drugs_a), drugs_b - _parts(drugs_b)
    return not (alone_a & _parts(b.terms) or alone_b & _parts(a.terms))


def _parts(terms: AbstractSet[str]) -> frozenset[str]:
    """The generics of the combinations among ``terms``."""
    return frozenset(part for term in terms & _combined_terms() for part in term.split("+"))


def _counts_differ(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both give several figures and none agree: a follow-up or another study, not a rewrite.

    One figure each is not enough to tell ("23%" and "nearly a quarter"). The same day
    of a date in both ("September 14") is the same event's, and its figures may be
    rounded apart ($2.1B / $1.8bn); a year both name is not: most items of a year name it.
    """
    same_day = any(figure[0] == WHEN and len(figure) <= 3 for figure in a & b)
    a, b = _counted(a), _counted(b)
    return (
        len(a) >= MIN_FIGURES
        and len(b) >= MIN_FIGURES
        and not same_day
        and not _figures_agree(a, b)
    )


@lru_cache(maxsize=1 << 12)
def _counted(figures: frozenset[str]) -> frozenset[str]:
    """The figures that count something: not the years and dates (``WHEN``); cached, as
    ``_values``: an item's figures are read again for each pair it is in."""
    if not any(figure[0] == WHEN for figure in figures):
        return figures
    return frozenset(figure for figure in figures if figure[0] != WHEN)


def _figures_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """Some figure of one is a figure of the other, or rounds to it ("142" / "past 140").

    Rewrites round; a follow-up reports a new count, further off than
    ``FIGURE_TOLERANCE``. A year or a date (marked ``WHEN``) agrees only with the same
    one: ``_values`` reads no number from it.
    """
    if a & b:
        return True
    values_a, values_b = _values(a), _values(b)
    return any(
        abs(x - y) <= FIGURE_TOLERANCE * max(x, y) for x in values_a for y in values_b if x and y
    )


@lru_cache(maxsize=1 << 12)
def _values(figures: frozenset[str]) -> tuple[float, ...]:
    """The figures as numbers; a ratio under 1 also as the reduction it reports: a paper's
    hazard ratio of 0.79 is the news' "cut heart attacks by 21%". Cached: a veto reads an
    item's figures once for each pair it is in (``_counts_differ``, ``_mentions_enough``)."""
    out = []
    for figure in figures:
        try:
            value = float(figure)
        except ValueError:
            continue
        out.append(value)
        if 0 < value < 1 and "." in figure:
            out.append(round(100 * (1 - value), 6))
    return tuple(out)


def _names_differ(a: StoryItem, b: StoryItem) -> bool:
    """Both name things and neither item mentions enough of the other's names
    (Perrigo's recall is not Baxter's).

    Only items that each name something of their own (``Signature.named``) are
    kept apart by names: a dateline, a date or a common word opening a sentence
    cannot say that two reports tell two stories. They still count as
    mentioned when the other item uses them.

    A name counts as mentioned wherever the other item uses the word, written
    as a name or not, and one side mentioning enough is enough: each outlet
    quotes its own experts and adds its own places, so a rewrite shares a part
    of one side's names, not a part of both. Enough is a quarter of them, or
    three whatever the share: a press release names dozens of things (its
    boilerplate, its disclaimers), and a company, a drug and a trial in common
    tell one story. A name is mentioned, too, by an item of the outlet it names
    (``_names_outlet``, by the source's id or its configured name): a report citing
    the American Heart Association or the BMJ names what the association's newsroom
    or the journal's own item seldom writes of itself.
    """
    sig_a, sig_b = a.sig, b.sig
    if not (sig_a.named and sig_b.named and sig_a.entities and sig_b.entities):
        return False
    outlet_a = _outlet_words(a.source_id, a.source_name)
    outlet_b = _outlet_words(b.source_id, b.source_name)
    return not (
        _mentions_enough(sig_a, sig_b, outlet_b) or _mentions_enough(sig_b, sig_a, outlet_a)
    )


def _mentions_enough(sig: Signature, other: Signature, outlet: frozenset[str]) -> bool:
    """Whether ``other``, an item of the outlet whose words are ``outlet``, uses enough of
    the names of ``sig`` anywhere (``_mentioned``) or is the outlet one names
    (``_names_outlet``); a
    figure counts as used when the other reports it rounded ("4,980 patients" / "nearly
    5,000"), a year only when the other names that year."""
    names = sig.entities
    enough = min(ENTITY_SHARED_ENOUGH, ENTITY_OVERLAP_MIN * len(names))
    unused: AbstractSet[str] = names - other.terms  # a one-word name used: found in C
    if len(names) - len(unused) >= enough:
        return True
    unused = {
        name for name in unused if not (_mentioned(name, sig, other) or _names_outlet(name, outlet))
    }
    found = len(names) - len(unused)
    if found >= enough:
        return True
    figures = _values(other.numbers)
    if figures:
        found += sum(1 for name in unused if _counts_something(name, sig) and _near(name, figures))
    return found >= enough


def _names_outlet(name: str, outlet: frozenset[str]) -> bool:
    """Whether a name is the outlet whose words (``_outlet_words``) are ``outlet``: every
    word of it is one ("BMJ", "JAMA Psychiatry"), or its initials are one ("American
    Heart Association" of "aha-news"). An outlet's own items seldom name it, and a report
    on them does: "said the American Heart Association", "published in JAMA Psychiatry"."""
    words, initials = _name_parts(name)
    return outlet.issuperset(words) or initials in outlet


@lru_cache(maxsize=1 << 12)
def _outlet_words(source_id: str, source_name: str = "") -> frozenset[str]:
    """The words of a source's id and of its configured name as terms, but those naming
    no outlet in particular ("health", "medical", "FDA"); cached: a window holds a few
    hundred sources."""
    return frozenset(_terms(_tokens(f"{source_id} {source_name}"))) - _GENERIC_NAMES


def _counts_something(name: str, sig: Signature) -> bool:
    """Whether a name is a figure that ``sig`` reports as a count, not a year or a date's
    part (``WHEN``): a study's "2025-2026 season" is no rounding of a plan's "2,000
    places", as ``_figures_agree`` has it."""
    return _NUMBER.match(name) is not None and WHEN + name not in sig.numbers


def _mentioned(name: str, sig: Signature, other: Signature) -> bool:
    """Whether ``other`` mentions a name of ``sig``: uses one of its words (a person by
    surname, "Recor" for "Recor Medical"), writes it by its initials ("ACIP" for
    "Advisory Committee on Immunization Practices"), or writes out the abbreviation it
    is ("national coverage determination" for "NCD")."""
    words, initials = _name_parts(name)
    terms = other.terms
    if not terms.isdisjoint(words):
        return True
    if sig.spelled and other.abbreviations and _abbreviated(name, sig.spelled, other):
        return True
    if other.places and not other.places.isdisjoint(_place_names().get(name, _NOTHING)):
        return True
    if initials:
        return initials in terms
    return name in sig.abbreviations and name in _initials(other.words)


def _abbreviated(name: str, spelled: frozenset[str], other: Signature) -> bool:
    """Whether ``other`` writes, as an abbreviation, the initials of the whole run a name
    was read from (``_spelled_names``), or of its first three words or more: the CDC is
    the Centers for Disease Control (and Prevention)."""
    key = name + "\t"
    for entry in spelled:
        if entry.startswith(key):
            letters = entry[len(key) :]
            ends = range(min(3, len(letters)), len(letters) + 1)
            if any(letters[:end] in other.abbreviations for end in ends):
                return True
    return False


@lru_cache(maxsize=1)
def _place_names() -> dict[str, frozenset[str]]:
    """ISO 3166 places by their names as ``_names`` writes them: "United States" is
    "united state", which the other item names as "US" or "U.S." (``places``)."""
    found: dict[str, frozenset[str]] = {}
    for words, codes in place_names().items():
        name = _name_words(words)
        if name:
            found[name] = found.get(name, _NOTHING) | codes
    return found


@lru_cache(maxsize=1 << 16)
def _name_parts(name: str) -> tuple[tuple[str, ...], str]:
    """A name's words and, for a name of several, its initials (cached like ``_term``)."""
    words = tuple(name.split(" "))
    return words, "".join(word[0] for word in words) if len(words) > 1 else ""


def _near(figure: str, values: Sequence[float]) -> bool:
    try:
        x = float(figure)
    except ValueError:
        return False
    return any(abs(x - y) <= FIGURE_TOLERANCE * max(x, y) for y in values if x and y)


def _title_case(title: str) -> bool:
    """Headline Style Capitalises Every Word, which hides the names in it."""
    words = _RAW_WORD.findall(title)
    return sum(word[0].isupper() for word in words) > len(words) / 2


# A count of ten or more is written in figures ("17 jurisdictions"), but spelled out where
# it opens a sentence ("Seventeen states report ..."): as a name it is the figure. Under
# ten, outlets spell the count everywhere ("two doses"), so the word is its name. Any
# capitalised one is read so, a Title Case headline's ("Twenty Ways ...") too: capitalised,
# it would otherwise be a name of its own that no figure meets.
_SPELLED_FIGURES = dict(
    zip(
        """ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen
        twenty thirty forty fifty sixty seventy eighty ninety""".split(),
        map(str, [*range(10, 20), *range(20, 100, 10)]),
        strict=True,
    )
)


def _entities(lines: Sequence[Sequence[str]]) -> list[tuple[int, list[str]]]:
    """Names as written: runs of raw words written capitalised ("Advisory Committee on
    Immunization Practices", one name), and words holding a digit (each a name of its own),
    each with where in its sentence it starts.

    A sentence's first word is capitalised by grammar, so it counts only when
    the text never writes it in lower case ("Perrigo is recalling…" names a
    company; "Results showed…" is followed by "results" elsewhere often enough,
    and is a common word when it is not).
    """
    words: set[str] | None = None  # every word, read only for a sentence's first
    found: list[tuple[int, list[str]]] = []
    for line in lines:
        run: list[str] = []
        joiners: list[str] = []
        start = 0
        for position, raw in enumerate(line):
            shape, value = _shape(raw)
            if shape == _LOWER:
                if not run:  # most words: no name to end
                    continue
                if raw in _NAME_JOINERS and not joiners:
                    joiners.append(raw)
                    continue
                found.append((start, run))
                run, joiners = [], []
                continue
            if shape == _FIGURE:
                found.append((position, [value]))
            elif shape == _CAPITAL:
                if position == 0:  # written in lower case elsewhere: capitalised by grammar
                    if words is None:
                        words = {word for each in lines for word in each}
                    initial = value in words and value[0].islower()
                else:
                    initial = False
                if not initial:
                    if not run:
                        start = position
                    run.append(raw)
                    joiners = []
                    if not raw.endswith("'s"):
                        continue  # a possessive ends a name: "Cognivia Dx's Alzheimer's test"
            if run:
                found.append((start, run))
            run, joiners = [], []
        if run:
            found.append((start, run))
    return found


_LOWER, _FIGURE, _CAPITAL, _OTHER = "lower", "figure", "capital", "other"


@lru_cache(maxsize=1 << 16)
def _shape(raw: str) -> tuple[str, str]:
    """How ``_entities`` reads a raw word, cached like ``_term``: a lower-case word; a
    figure (a word holding a digit, or a count spelled out capitalised: the figure); a
    capitalised word that may be a name (with its lower case); or anything else."""
    alpha = raw.isalpha()
    if alpha and raw.islower():
        return _LOWER, raw
    if not alpha and any(ch.isdigit() for ch in raw):
        return _FIGURE, raw
    if raw[0].isupper():
        lowered = raw.lower()
        spelled = _SPELLED_FIGURES.get(lowered)
        if spelled is not None:
            return _FIGURE, spelled
        if lowered not in _COMMON_INITIALS:
            return _CAPITAL, lowered
    return _OTHER, raw


def _stands_on_names(
    body: str,
    lead: int,
    runs: Sequence[tuple[int, list[str]]],
    title_runs: list[tuple[int, list[str]]],
) -> bool:
    """Whether an item names something of its own (``Signature.named``): a name that is
    neither in its dateline ("WASHINGTON (AP) —"), nor a month or a weekday, nor a
    common word that one sentence opens with ("Only adults over 65…", ``english``).

    ``runs`` are the names ``_entities`` found in the body and the headline, ``title_runs``
    those of the headline alone; a body that opens with a dateline (``lead`` is where it
    ends) is read again without it (one in six wire items).
    """
    if lead:
        rest = body[lead:]
        runs = _entities(_as_written(rest, _sentence_tokens(rest))) + title_runs
    return any(_names_something(start, run) for start, run in runs)


def _names_something(start: int, run: Sequence[str]) -> bool:
    if start == 0 and len(run) == 1 and is_common_word(run[0]):
        return False
    name = _name_words(run)
    return bool(name) and name not in _CALENDAR


_CALENDAR = frozenset(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    monday tuesday wednesday thursday friday saturday sunday""".split()
)


def _names(runs: Iterable[Sequence[str]]) -> frozenset[str]:
    """Each run of ``_entities`` as one name, its terms joined by spaces, without the generic
    words it starts or ends with ("Dr. Maria Müller" is "maria müller"; "U.S. Food and Drug
    Administration", "food drug administration")."""
    return frozenset(filter(None, map(_name_words, runs)))


def _spelled_names(lines: Sequence[Sequence[str]]) -> frozenset[str]:
    """ "name\tinitials" for each name (``_names``) whose initials, read off the whole
    name it stands in, are not those of its terms: generic words trimmed ("Centers for
    Disease Control and Prevention" is "disease control prevention"), a word that breaks
    a name for the names veto ("National Institutes of Health" is "national", "UK Health
    Security Agency" "security"), or an abbreviation inside it ("UK": UKHSA). The whole
    name is a run of capitalised words that "of", "for", "and" or "the" may join, and its
    initials are each word's first letter, a short abbreviation's letters all."""
    found = set()
    for line in lines:
        span: list[str] = []
        for raw in [*line, "."]:
            if not span and not raw[0].isupper():  # most words: neither open nor end a name
                continue
            joiner = raw.casefold() in _INITIALS_JOINERS  # "The" opening a sentence too
            if raw[0].isupper() and not joiner and (raw.isalpha() or raw.endswith("'s")):
                span.append(raw)
                continue
            if span and joiner and span[-1] not in _INITIALS_JOINERS:
                span.append(raw.casefold())
                continue
            while span and span[-1] in _INITIALS_JOINERS:
                span.pop()
            capitals = [word for word in span if word not in _INITIALS_JOINERS]
            if len(capitals) >= 2:
                letters = "".join(map(_run_initial, capitals))
                for _, run in _entities([span]):
                    name = _name_words(run)
                    if name and letters != _name_parts(name)[1]:
                        found.add(f"{name}\t{letters}")
            span = []
    return frozenset(found) if found else _NOTHING


def _run_initial(raw: str) -> str:
    bare = raw[:-2] if raw.endswith("'s") else raw
    letters = bare.replace(".", "")
    if letters.isalpha() and letters.isupper() and len(letters) <= _SHORT_ABBREVIATION:
        return letters.casefold()
    return bare[0].casefold()


def _name_words(run: Sequence[str]) -> str:
    """One run's name (``_names``); empty when it is all generic words."""
    return _name_of(tuple(run))


@lru_cache(maxsize=1 << 16)
def _name_of(run: tuple[str, ...]) -> str:
    """``_name_words``, cached like ``_term``: a window's items repeat the same names."""
    words = _terms(run)
    while words and words[0] in _GENERIC_NAMES:
        words.pop(0)
    while words and words[-1] in _GENERIC_NAMES:
        words.pop()
    return " ".join(words)


def _as_written(text: str, lines: list[list[str]]) -> list[list[str]]:
    """Each sentence's raw words as ``_entities`` reads them: as written, neither
    NFKC-normalised nor with the apostrophe folded. ``lines`` (``_sentence_tokens``
    of ``text``) are those words whenever the text has nothing for either to change,
    as nearly every text has not: splitting it and finding its words a second time
    was a sixth of a signature's cost."""
    if "’" not in text and unicodedata.is_normalized("NFKC", text):
        return lines
    unfolded = _THOUSANDS.sub("", text).replace("-", " ")
    return [_RAW_WORD.findall(sentence) for sentence in _SENTENCE.split(unfolded)]


def _identifiers_differ(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both carry an identifier of one scheme and none agree (two DOIs, two video ids)."""
    if not a or not b or a & b:
        return False
    schemes_a = {ident.split(":", 1)[0] for ident in a}
    schemes_b = {ident.split(":", 1)[0] for ident in b}
    return bool(schemes_a & schemes_b)


def _tokens(text: str) -> list[str]:
    """Raw words with hyphens split, thousands separators dropped, NFKC applied."""
    return _RAW_WORD.findall(_normalised(text))


def _sentence_tokens(text: str) -> list[list[str]]:
    """``_tokens`` of each sentence."""
    return [_RAW_WORD.findall(line) for line in _SENTENCE.split(_normalised(text))]


def _normalised(text: str) -> str:
    text = _THOUSANDS.sub("", unicodedata.normalize("NFKC", text)).replace("’", "'")
    return text.replace("-", " ")


def _terms(tokens: Iterable[str]) -> list[str]:
    return list(filter(None, map(_term, tokens)))  # a term is never empty (``_term``)


@lru_cache(maxsize=1)
def _combinations() -> dict[str, str]:
    """A combination's brand -> the one term ``_term`` makes of it, its generics sorted
    and joined by "+": an item naming the brand and one naming the generics share it
    (``_combined``), and two items naming the brand share one term, as for a brand of
    one generic. Each generic as an item's text makes it a term (``_stem``): the
    dictionary's Cabenuva is "cabotegravir and rilpivirines"."""
    return {
        brand: "+".join(sorted({_stem(generic) for generic in generics}))
        for brand, generics in combinations().items()
    }


@lru_cache(maxsize=1)
def _combined_by_part() -> dict[str, tuple[tuple[frozenset[str], str], ...]]:
    """A generic -> each combination it is part of: its generics, and its term."""
    by_part: dict[str, set[tuple[frozenset[str], str]]] = {}
    for term in _combinations().values():
        generics = frozenset(term.split("+"))
        for generic in generics:
            by_part.setdefault(generic, set()).add((generics, term))
    return {generic: tuple(found) for generic, found in by_part.items()}


def _headline_drugs(words: Sequence[str], terms: AbstractSet[str]) -> frozenset[str]:
    """The drugs a headline names: its words that name one, and the combinations it names
    by brand or by all their generics ("Paxlovid", "nirmatrelvir-ritonavir"): a
    combination is a drug of its own, not its generics ("Paxlovid" / "Ritonavir")."""
    drugs = frozenset(filter(is_drug_name, words)) | _combined_terms().intersection(terms)
    return drugs - BODY_SUBSTANCES


@lru_cache(maxsize=1)
def _combined_terms() -> frozenset[str]:
    return frozenset(_combinations().values())


def _combined(terms: AbstractSet[str]) -> frozenset[str]:
    """The terms of the combinations all of whose generics ``terms`` name, but not of one
    inside another: "elexacaftor, tezacaftor and ivacaftor" is Trikafta, not Symdeko
    (tezacaftor and ivacaftor) too."""
    by_part = _combined_by_part()
    if by_part.keys().isdisjoint(terms):
        return _NOTHING
    found = {
        generics: term
        for part in terms & by_part.keys()
        for generics, term in by_part[part]
        if generics <= terms
    }
    inside = {generics for generics in found if any(generics < other for other in found)}
    return frozenset(term for generics, term in found.items() if generics not in inside)


@lru_cache(maxsize=1 << 16)
def _term(raw: str) -> str | None:
    """The term a raw word stands for, None for a stop word; cached, because a
    window's items repeat the same few thousand words (~40 % of a signature's cost).
    A stop word is one as written, too: stemmed, "Does" opening a headline was "doe", a
    name."""
    folded = raw.casefold()
    word = _stem(folded)
    if folded in _STOP_WORDS or word in _STOP_WORDS or len(word) < 2:
        return None
    generic = generic_names().get(word) or _combinations().get(word)
    if generic is not None and (raw[0].isupper() or raw.isupper()):
        return generic
    return word


def _pairs(words: Sequence[str]) -> Iterable[str]:
    """Adjacent headline words as one term: a headline's words may each be common
    ("older adults", "kidney disease") while their combination names the story."""
    for first, second in pairwise(words):
        yield f"{first}_{second}"


def _content_words(tokens: Iterable[str]) -> Iterable[str]:
    return filter(None, map(_content_word, tokens))


@lru_cache(maxsize=1 << 16)
def _content_word(raw: str) -> str | None:
    """A raw word lower-cased, None for a stop word or a figure; cached like ``_term``."""
    word = raw.casefold()
    return word if word not in _STOP_WORDS and word[0].isalpha() else None


def _abbreviations(tokens: Iterable[str]) -> Iterable[str]:
    """Words written with two or more capitals and no lower-case start: NSCLC, HFpEF, eGFR."""
    return filter(None, map(_abbreviation, tokens))


@lru_cache(maxsize=1 << 16)
def _abbreviation(raw: str) -> str | None:
    """A raw word lower-cased if it is written as an abbreviation, else None; cached like
    ``_term``: one lookup a word is cheaper than testing its letters every time."""
    if raw.islower() or raw[1:].islower():  # at most one capital
        return None
    capitals = sum(ch.isupper() for ch in raw)
    shaped = raw.isupper() or capitals >= len(raw) - 2
    if capitals >= 2 and shaped and raw.isalpha() and len(raw) in ABBREVIATION_LENGTHS:
        return raw.casefold()
    return None


def _stem(word: str) -> str:
    word = _SYNONYMS.get(word, word)
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return _SYNONYMS.get(word[:-1], word[:-1])
    return word


def _trials(text: str) -> Iterable[str]:
    """Trial names and NCT numbers as written, upper-cased."""
    for name in _TRIAL.findall(text):
        if _is_trial(name):
            yield name.upper()


def _prose_trials(body: str) -> frozenset[str]:
    return frozenset(name.upper() for name in _PROSE_TRIAL.findall(body) if _is_trial(name))


def _is_trial(name: str) -> bool:
    upper = name.upper()
    return (
        sum(ch.isupper() for ch in name) >= _TRIAL_CAPITALS
        and upper not in _NOT_TRIALS
        and not _MEASURES.match(upper)
        and not _initialism(upper.partition("-")[0])
    )


@lru_cache(maxsize=1 << 12)
def _initialism(stem: str) -> bool:
    """Whether a name's first part (upper-cased) is read letter by letter: a gene's or a
    target's symbol (EGFR-MET, PSMA-617, VEGFR-TKI) or a company's code prefix (ABBV-400).

    A trial's acronym is made to be said as a word (EMBER, DIAN, SELECT, TROPION): it
    has a vowel after its first letter and no run of three consonants, or it is an
    English word (WATCH, SPRINT). A symbol of at most five letters that is neither
    (the "GFR" of EGFR, the "PSM" of PSMA, the "BCM" of BCMA) is spelled out."""
    if len(stem) > _INITIALISM_LETTERS or not stem.isalpha() or is_common_word(stem):
        return False
    return not _VOWELS.intersection(stem[1:]) or _CONSONANT_RUN.search(stem) is not None


def _figures(
    words: Iterable[str], trials: frozenset[str], tokens: Sequence[str], text: str
) -> frozenset[str]:
    """The numbers among ``words``, leaving out those that end a trial's name, and
    marked ``WHEN`` those written only as years or dates (counted by
    ``aggregator.calendar_numbers`` over ``tokens``, the raw words of ``text``, when there
    are numbers to mark).

    The 58 of STELLAR-58 names the trial (the trials veto compares names), it counts
    nothing. Any two years are within ``FIGURE_TOLERANCE`` of each other, so a year
    read as a count made a 2024 report and a 2025 report agree; marked, it agrees
    only with the same year, and the figures veto leaves it out (``_counted``)."""
    named = {trial.rpartition("-")[2].lower() for trial in trials}
    written = Counter(
        word
        for word in words
        if word[0].isdigit() and _NUMBER.match(word) and len(word) > 1 and word not in named
    )
    if not written:
        return _NOTHING
    calendar = calendar_numbers(tokens, text)
    return frozenset(
        word if count > calendar[word] else WHEN + word for word, count in written.items()
    )
