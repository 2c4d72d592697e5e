"""Near-duplicate decisions (dedup layer 4): which items tell the same story.

Medical news is syndicated: one approval or trial readout is rewritten by many
outlets within hours. This module turns an item's title and summary into a
``Signature`` (weighted word set, MinHash, LSH band keys), decides whether two
items are the same story (``same_story``) and which item of a story represents
it (``choose_representative``).

It does not touch the database or the clock: the band keys are plain strings
that ``aggregator.store.stories`` persists as rows ``(band_key, item_id,
published)`` and looks up by indexed equality, so the cost of finding
candidates depends on how many items share a key inside the window, not on the
size of the database.

How a pair is judged (numbers from ``benchmarks/dedupe_quality.py``):

* text is lower-cased, NFKC-normalised, stripped of HTML, stop words and
  newsroom filler ("said", weekdays), lightly stemmed (plural ``s``), and
  headline verbs for approval ("OKs", "clears", "nod") fold to one word;
* tokens that name something -- capitalised in the running text, or carrying a
  digit (drug brands, places, trial names, counts) -- weigh ``ENTITY_WEIGHT``
  times a common word, because rewrites keep names and numbers and change the
  prose, while unrelated stories from one template share prose and differ in
  names;
* the score is the weighted Jaccard similarity of the two word sets;
* named trials (``KEYNOTE-522``, ``NCT01234567``) and DOIs are hard evidence:
  two items naming only different trials are different stories however
  similar their wording (two trials of one drug read out the same day);
* a generic title ("Weekly roundup", "Correction", "Podcast episode 12") is
  left out of the text and such an item needs a near-copy body to match;
* a pair whose counts all differ is two stories: follow-ups ("cases rise to
  318") reuse the first story's words with new numbers; and a new item joins
  a story only when no candidate member of that story conflicts with it;
* a pair further apart than ``FOLLOW_UP_GAP`` needs a higher score.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from aggregator.sanitize import html_to_text

if TYPE_CHECKING:
    from datasketch import MinHash

DEFAULT_WINDOW = timedelta(days=7)
DEFAULT_THRESHOLD = 0.25

BANDS = 32
ROWS = 2
NUM_PERM = BANDS * ROWS
# How many bands a stored item must share to be verified. 2 cuts the candidates
# (each costs a signature) but drops recall on the evaluation set from 0.95 to
# 0.90 (benchmarks/dedupe_quality.py), so every shared band counts.
MIN_SHARED_BANDS = 1
ENTITY_WEIGHT = 3
FOLLOW_UP_GAP = timedelta(hours=72)
FOLLOW_UP_PENALTY = 0.15
ENTITY_OVERLAP_MIN = 0.25
MIN_ENTITIES = 1
SHARED_TRIAL_FACTOR = 0.5
BOILERPLATE_THRESHOLD = 0.7

# Label order for choosing a story's representative among items published at
# the same time: the primary source first, then who reports on it.
AUTHORITY = ("journal", "society", "press-release", "news", "preprint", "sponsored")

_STOP_TEXT = """a about after against also an and any are as at be been before being but by
    can could
    did do does during each for from had has have he her his how i if in into is it its just
    may might more most new no not of on or other our out over per said say says she so some
    such than that the their them then these they this those through to today too under up us
    via was we were what when where which while who whom whose why will with would you your
    monday tuesday wednesday thursday friday saturday sunday percent according announced
    reported reports week yesterday"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())
# Words that open sentences in news prose; never names.
_COMMON_INITIALS = frozenset(
    """results patients physicians researchers participants officials doctors data findings
    most common side grade approval people outside analysts clinicians hospitalizations
    health experts regulators background methods conclusions importance design under
    new study updated large could association positive""".split()
)
# Capitalised in nearly every medical story, so they name nothing in particular.
_GENERIC_NAMES = frozenset(
    """fda cdc who ema nih u.s us uk eu dr class ii iii iv phase university hospital health
    medical center institute department agency company inc ltd""".split()
)
_SYNONYMS = {
    "approves": "approve", "approved": "approve", "approval": "approve", "oks": "approve",
    "ok": "approve", "okays": "approve", "clears": "approve", "cleared": "approve",
    "nod": "approve", "greenlights": "approve", "backs": "approve",
    "recalls": "recall", "recalled": "recall", "recalling": "recall",
    "percent": "%", "pct": "%",
}  # fmt: skip
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
_WORD = re.compile(r"[0-9a-z]+(?:[-'./][0-9a-z]+)*")
_RAW_WORD = re.compile(r"[0-9A-Za-z]+(?:[-'./][0-9A-Za-z]+)*")
# A registry number, or a name like KEYNOTE-522 / DESTINY-Breast-09: four or more letters, a
# hyphen, a number. Short stems (PD-1, GLP-1, IL-23) name targets, not trials.
_TRIAL = re.compile(r"\b(NCT\d{8}|[A-Z][A-Za-z]{3,}(?:-[A-Za-z]+)*-\d{1,4}[a-z]?)\b")
_NOT_TRIALS = frozenset({"COVID-19", "SARS-COV-2"})
_DOI = re.compile(r"\b10\.\d{4,9}/\S+[^\s.,;]")
_SENTENCE = re.compile(r"(?<=[.!?:;])\s+|[\"“”]")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_NUMBER = re.compile(r"^\d[\d,.]*$")


@dataclass(frozen=True)
class StoryText:
    """What the story decision needs of one stored item."""

    item_id: int
    title: str
    text: str  # summary (HTML allowed)
    published: datetime
    kind: str = "news"
    source_id: str = ""
    label: str = "news"
    identifiers: tuple[str, ...] = ()  # "doi:…", "nct:NCT…" from identity (layer 3)


@dataclass(frozen=True)
class Signature:
    """An item's matching features; ``band_keys`` are what the store indexes."""

    band_keys: tuple[str, ...]
    minhash: tuple[int, ...]
    weighted: frozenset[str]  # weighted word set: entity words appear ENTITY_WEIGHT times
    entities: frozenset[str]  # the words that name something (see _entities)
    trials: frozenset[str]  # trial names and NCT numbers as written
    numbers: frozenset[str]  # counts and figures of two digits or more
    headline_numbers: frozenset[str]  # the same, in the title alone
    boilerplate: bool


def is_boilerplate_title(title: str) -> bool:
    """True for recurring titles that say nothing about the story (digests, corrections)."""
    return bool(_BOILERPLATE_TITLES.match(html_to_text(title).strip()))


def signature(title: str, text: str) -> Signature:
    """The features of one item; deterministic across processes (stored band keys stay valid)."""
    title_text = html_to_text(title)
    body = html_to_text(text)
    boilerplate = is_boilerplate_title(title_text)
    matched = body if boilerplate else f"{title_text}. {body}"
    words = _words(matched)
    digits = {word for word in words if any(ch.isdigit() for ch in word)}
    named = _entities(body) | (set() if _title_case(title_text) else _entities(title_text))
    entities = (named | digits) & set(words) - _GENERIC_NAMES
    weighted = frozenset(_weigh(words, entities))
    hashes = _minhash(weighted)
    return Signature(
        band_keys=_band_keys(hashes) if weighted else (),
        minhash=hashes,
        weighted=weighted,
        entities=frozenset(entities),
        trials=frozenset(_TRIAL.findall(f"{title_text} {body}")) - _NOT_TRIALS,
        numbers=_numbers(words),
        headline_numbers=_numbers(_words(title_text)) if not boilerplate else frozenset(),
        boilerplate=boilerplate,
    )


def similarity(a: Signature, b: Signature) -> float:
    """Weighted Jaccard similarity of two items' words (0..1)."""
    if not a.weighted or not b.weighted:
        return 0.0
    return len(a.weighted & b.weighted) / len(a.weighted | b.weighted)


def required_score(
    a: StoryText, b: StoryText, sig_a: Signature, sig_b: Signature, threshold: float
) -> float | None:
    """The score a pair must reach to be one story, or None when hard evidence says no."""
    if conflicts(a, b, sig_a, sig_b):
        return None
    shared_trial = _hard_ids(a, sig_a) & _hard_ids(b, sig_b)
    required = threshold * SHARED_TRIAL_FACTOR if shared_trial else threshold
    if sig_a.boilerplate or sig_b.boilerplate:
        required = max(required, BOILERPLATE_THRESHOLD)
    if abs(a.published - b.published) > FOLLOW_UP_GAP:
        required += FOLLOW_UP_PENALTY
    return required


def same_story(
    a: StoryText,
    b: StoryText,
    sig_a: Signature | None = None,
    sig_b: Signature | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> bool:
    """The final verification of an LSH candidate pair; see the module docstring for the rules."""
    if a.item_id == b.item_id:
        return True
    sig_a = sig_a or signature(a.title, a.text)
    sig_b = sig_b or signature(b.title, b.text)
    shared = set(a.identifiers) & set(b.identifiers)
    if any(ident.startswith(("doi:", "pmid:")) for ident in shared):
        return True
    required = required_score(a, b, sig_a, sig_b, threshold)
    return required is not None and similarity(sig_a, sig_b) >= required


def conflicts(a: StoryText, b: StoryText, sig_a: Signature, sig_b: Signature) -> bool:
    """Evidence that two items tell different stories, whatever their wording shares.

    They name only different trials (or DOIs), share too few of their names,
    or both give counts and none agree, in the headline or anywhere (an
    outbreak's update quotes last week's count in its text, not its headline).
    """
    ids_a, ids_b = _hard_ids(a, sig_a), _hard_ids(b, sig_b)
    if ids_a and ids_b:
        return not ids_a & ids_b
    if _overlap(sig_a.entities, sig_b.entities) < ENTITY_OVERLAP_MIN:
        return True
    headlines_a, headlines_b = sig_a.headline_numbers, sig_b.headline_numbers
    if headlines_a and headlines_b and not headlines_a & headlines_b:
        return True
    return bool(sig_a.numbers and sig_b.numbers and not sig_a.numbers & sig_b.numbers)


@dataclass(frozen=True)
class Candidate:
    """A stored item that shares a band key with the new one, and the story it is in."""

    text: StoryText
    sig: Signature
    story_id: int


def choose_story(
    item: StoryText,
    sig: Signature,
    candidates: Iterable[Candidate],
    *,
    window: timedelta = DEFAULT_WINDOW,
    threshold: float = DEFAULT_THRESHOLD,
) -> int | None:
    """The story ``item`` joins, or None for a story of its own.

    A story qualifies when at least one of its candidate members passes
    ``same_story`` and none of them ``conflicts`` with the item: a follow-up
    that reuses a story's words with new numbers matches its vaguest member
    but conflicts with the others. An item more than ``FOLLOW_UP_GAP`` after
    the story's first candidate member needs the follow-up margin on top of
    the threshold, as a pair that far apart does. Among qualifying stories the one with the
    most similar member wins (ties: the smaller story id).
    """
    by_story: dict[int, list[Candidate]] = {}
    for candidate in candidates:
        other = candidate.text
        if other.item_id != item.item_id and abs(other.published - item.published) <= window:
            by_story.setdefault(candidate.story_id, []).append(candidate)
    best: tuple[float, int] | None = None
    for story_id, members in by_story.items():
        if any(conflicts(item, m.text, sig, m.sig) for m in members):
            continue
        verified = [
            similarity(sig, m.sig)
            for m in members
            if same_story(item, m.text, sig, m.sig, threshold=threshold)
        ]
        started = min(m.text.published for m in members)
        if item.published - started > FOLLOW_UP_GAP:
            verified = [score for score in verified if score >= threshold + FOLLOW_UP_PENALTY]
        if verified and (best is None or (max(verified), -story_id) > best):
            best = (max(verified), -story_id)
    return None if best is None else -best[1]


def choose_representative(items: Sequence[StoryText]) -> int:
    """The id of the item that stands for a story in lists.

    Rule: the earliest published item; among items published at the same
    instant, the most authoritative label (journal > society > press-release
    (agencies, companies) > news > preprint > sponsored); then the lowest id.
    Earliest first keeps the representative stable as later coverage joins.
    """
    if not items:
        raise ValueError("a story has at least one item")
    return min(items, key=_representative_rank).item_id


def _representative_rank(item: StoryText) -> tuple[datetime, int, int]:
    authority = AUTHORITY.index(item.label) if item.label in AUTHORITY else len(AUTHORITY)
    return item.published, authority, item.item_id


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the smaller set found in the other; 1.0 when either has too few to judge."""
    if len(a) < MIN_ENTITIES or len(b) < MIN_ENTITIES:
        return 1.0
    return len(a & b) / min(len(a), len(b))


def _hard_ids(item: StoryText, sig: Signature) -> frozenset[str]:
    """Trial names, NCT numbers and DOIs the item names: different ones mean different stories."""
    named = {ident.split(":", 1)[1].upper() for ident in item.identifiers if ":" in ident}
    return frozenset(trial.upper() for trial in sig.trials) | frozenset(named)


def _normalise(text: str) -> str:
    text = _THOUSANDS.sub("", unicodedata.normalize("NFKC", text))
    return text.casefold().replace("’", "'")


def _stem(word: str) -> str:
    word = _SYNONYMS.get(word, word)
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return _SYNONYMS.get(word[:-1], word[:-1])
    return word


def _words(text: str) -> list[str]:
    words = (_stem(word) for word in _WORD.findall(_normalise(text)))
    return [word for word in words if word not in _STOP_WORDS and len(word) > 1]


def _numbers(words: Iterable[str]) -> frozenset[str]:
    return frozenset(word for word in words if _NUMBER.match(word) and len(word) > 1)


def _title_case(title: str) -> bool:
    """Headline Style Capitalises Every Word, which hides the names in it."""
    words = _RAW_WORD.findall(title)
    return sum(word[0].isupper() for word in words) > len(words) / 2


def _entities(text: str) -> set[str]:
    """Words written capitalised or with a digit: names, places, trials, counts.

    A sentence's first word is capitalised by grammar, so it counts only when
    the text never writes it in lower case ("Perrigo is recalling…" names a
    company; "Results showed…" is followed by "results" elsewhere often
    enough, and is a common word when it is not).
    """
    text = _THOUSANDS.sub("", text)
    lower = {word for word in _RAW_WORD.findall(text) if word[0].islower()}
    found: set[str] = set()
    for sentence in _SENTENCE.split(text):
        for position, raw in enumerate(_RAW_WORD.findall(sentence)):
            digit = any(ch.isdigit() for ch in raw)
            initial = position == 0 and raw.lower() in lower
            if digit or (raw[0].isupper() and not initial and raw.lower() not in _COMMON_INITIALS):
                found.update(_words(raw))
    return found


def _weigh(words: Iterable[str], entities: set[str]) -> Iterable[str]:
    for word in set(words):
        yield word
        if word in entities:
            yield from (f"{word}#{copy}" for copy in range(2, ENTITY_WEIGHT + 1))


@lru_cache(maxsize=1)
def _template() -> MinHash:
    """One MinHash with the fixed seed; copies share its permutations (costly to build).

    datasketch is imported here, not at the top: it pulls in scipy (about a
    second), which only the processes that store items need.
    """
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=1)


def _minhash(features: frozenset[str]) -> tuple[int, ...]:
    sketch = _template().copy()
    if features:
        sketch.update_batch([feature.encode("utf-8") for feature in sorted(features)])
    return tuple(int(value) for value in sketch.hashvalues)


def _band_keys(hashes: Sequence[int]) -> tuple[str, ...]:
    """One key per band: band number + 16 hex digits of a hash of its rows (fits String(40))."""
    keys = []
    for band in range(BANDS):
        rows = hashes[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(struct.pack(f"<{ROWS}Q", *rows), digest_size=8).hexdigest()
        keys.append(f"{band:02d}{digest}")
    return tuple(keys)
