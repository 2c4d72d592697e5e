"""Read what a reader types in the search box: words, "quoted phrases" and -exclusions.

The text becomes a ``SearchQuery`` of terms, each a run of words that must
appear together (a bare word is a phrase of one) and may be excluded. The same
terms are then written in the syntax of each database, so SQLite and
PostgreSQL read a query alike: FTS5's ``MATCH`` expression, and a
``to_tsquery`` string in which every term is quoted (so that a
searched word "or" is a word, not an operator). A word with a British and an
American spelling ("tumour", "tumor": ``lexicon.spellings``) is looked for in
either, and a word or phrase with other names in the tables of story matching
(``equivalents``: "flu" / "influenza", "Wegovy" / "semaglutide") is looked for
under any of them; an excluded one excludes all of them. Bare words in a row
that make a phrase of those tables ("heart attack", unquoted) stay words, and
the phrase's other names are looked for beside them: the words as they were,
or "myocardial infarction". A name of letters and digits is looked for joined,
apart and hyphenated ("GLP1", "GLP 1", "GLP-1"), as the two indexes read each way
differently. It does not touch the
database and does not stem or fold accents: the database's own tokenizer does
that, on the query exactly as on the documents.

A query that is one http(s) address also names an item by its address
(``pasted_address``): the store looks that up before the words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice, pairwise, product

from .drugs import other_names
from .identity import MAX_URL, canonical_url
from .lexicon import longest_phrase, search_equivalents, spellings

MAX_TERMS = 16  # every term is one more posting list to intersect
# Spellings and equivalents of one phrase looked for: each is one more phrase to match.
MAX_SPELLINGS = 8

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
_WORD = re.compile(r"[^\W_]+")  # letters and digits: what both tokenizers index
# A name of letters then digits ("GLP1", "covid19", "IL6"): read as its two parts, as the same
# name written with a hyphen ("GLP-1") is (``_joined``). Not "H5N1", nor letters and letters.
_LETTERS_DIGITS = re.compile(r"([^\W\d_]+)(\d+)")
# A pasted link to a paper is its DOI or PMID, as the index writes them ("doi 10 1056 ..."):
# read as words, "https doi org 10 1056 ..." matched nothing.
_DOI_LINK = re.compile(r"(?<![^\s\"])(?:https?://)?(?:dx\.)?doi\.org/(?=\S)", re.IGNORECASE)
# A publisher's link to a paper names it by DOI in its path ("nejm.org/doi/full/10.1056/…",
# "…/doi/abs/10.2105/…?af=R", Wiley's "…/doi/10.1002/…/full"): the link is read as that DOI.
_PUBLISHER_DOI_LINK = re.compile(
    r"(?<![^\s\"])(?:https?://)?[\w.-]+\.[a-z]{2,}/(?:[\w.-]+/)*doi/(?:(?:abs|full|pdf|epdf|epub|"
    r"fullarticle|reader)/)?(10\.\d{4,9}/[^\s\"?#]+?)(?:/(?:full|abstract|pdf|epdf|epub))?/?"
    r"(?:[?#][^\s\"]*)?(?![^\s\"])",
    re.IGNORECASE,
)
_WEB_ADDRESS = re.compile(r"https?://\S+", re.IGNORECASE)
_PUBMED_LINK = re.compile(
    r"(?<![^\s\"])(?:https?://)?pubmed\.ncbi\.nlm\.nih\.gov/(\d+)/?(?![^\s\"])", re.IGNORECASE
)


class SearchSyntaxError(ValueError):
    """A search that asks for nothing: no word outside exclusions."""


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    excluded: bool = False
    # A phrase of the lexicon typed as bare words in a row (``heart attack``): the terms
    # typed, each still matched as it was alone; the phrase's other names are added.
    parts: tuple[Term, ...] = ()

    def spellings(self) -> tuple[tuple[str, ...], ...]:
        """The phrase as typed, its equivalents (``equivalents``), then each of them spelt
        every way its words are (``lexicon.spellings``): at most ``MAX_SPELLINGS``.

        Matched at query time, not folded into the index: the databases mark what
        matched by reading the text as stored ("Glomus Tumours"), and PostgreSQL's
        ``ts_headline`` could not be taught the variants without a file on the server.
        """
        return _within_cap((self.words, *equivalents(self.words)), MAX_SPELLINGS)

    def other_names(self) -> tuple[tuple[str, ...], ...]:
        """Of a term of ``parts``: its ``spellings`` less the words as typed in any spelling
        (the parts match those), at most ``MAX_SPELLINGS`` - 1, the parts taking one."""
        typed = {_folded(words) for words in _spelt(self.words)}
        names = _within_cap(equivalents(self.words), MAX_SPELLINGS - 1 + len(typed))
        return tuple(islice((n for n in names if _folded(n) not in typed), MAX_SPELLINGS - 1))


def equivalents(words: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Other ways of saying the whole phrase ``words``: its plain or clinical name
    (``lexicon.search_equivalents``: "flu" / "influenza", "heart attack" / "myocardial
    infarction"), and for one word that names a drug, its generic or its brands
    (``drugs.other_names``: "Wegovy" / "semaglutide")."""
    drugs = other_names(words[0]) if len(words) == 1 else ()
    return (*search_equivalents(words), *((name,) for name in drugs))


def _within_cap(ways: tuple[tuple[str, ...], ...], cap: int) -> tuple[tuple[str, ...], ...]:
    """``ways`` (each with its names of letters and digits joined, ``_joined``), then each
    of them spelt every way its words are: the first ``cap``."""
    ways = tuple(chain.from_iterable((way, _joined(way)) for way in ways))
    spelt = chain(ways, chain.from_iterable(map(_spelt, ways)))
    return tuple(islice(_unique(spelt), cap))


def _spelt(words: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """As typed, all American, all British, then the mixed ones: a long
    phrase has more mixes than MAX_SPELLINGS, and the first of them were all American."""
    options = [spellings(word) for word in words]
    yield words
    for way in range(max(len(spelt) for spelt in options)):
        yield tuple(spelt[min(way, len(spelt) - 1)] for spelt in options)
    yield from product(*options)


def _joined(words: tuple[str, ...], joint: str = "") -> tuple[str, ...]:
    """``words`` with each name of letters and digits (``_one_name``) written as one word,
    ``joint`` between its parts ("glp 1" as "glp1"): the index holds "GLP1" as one word,
    "GLP-1" and "GLP 1" as two."""
    joined = list(words[:1])
    for before, word in pairwise(words):
        if _one_name(before, word):
            joined[-1] += joint + word
        else:
            joined.append(word)
    return tuple(joined)


def _one_name(before: str, word: str) -> bool:
    """Whether two words in a row are the parts of one name, letters then digits ("GLP", "1")."""
    return before.isalpha() and word.isdecimal()


def _split(word: str) -> tuple[str, ...]:
    """A word of letters then digits as its two parts ("GLP1": "GLP", "1"), else itself."""
    match = _LETTERS_DIGITS.fullmatch(word)
    return match.groups() if match else (word,)


def _unique(phrases: Iterable[tuple[str, ...]]) -> Iterator[tuple[str, ...]]:
    """Each phrase once, whatever its case (both databases fold it)."""
    seen: set[tuple[str, ...]] = set()
    for phrase in phrases:
        key = _folded(phrase)
        if key not in seen:
            seen.add(key)
            yield phrase


def _folded(phrase: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(word.casefold() for word in phrase)


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[Term, ...]

    @property
    def wanted(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if not term.excluded)

    def fts5(self) -> str:
        """The FTS5 MATCH expression: ``"a" AND "b c" NOT "d"``."""
        expression = " AND ".join(_FTS5.written(term) for term in self.wanted)
        for term in self.terms:
            if term.excluded:
                expression = f"({expression}) NOT {_FTS5.written(term)}"
        return expression

    def tsquery(self) -> str:
        """The ``to_tsquery`` text: ``'a' & ('b c' | 'b d') & !'e'`` (quoted: a phrase,
        and a word such as "or" is a word, not an operator)."""
        wanted = [_TS.written(term) for term in self.wanted]
        return " & ".join(wanted + ["!" + _TS.written(t) for t in self.terms if t.excluded])


def pasted_address(text: str) -> str | None:
    """The canonical URL (``identity.canonical_url``, as dedupe layer 2 keys items) of a
    query that is one http(s) address, seen through a click tracker; else None.

    A librarian pastes an article's link from the publisher's page or a news site,
    with its tracking tags: read as words ("https www statnews com 2026 …") it
    matched no item, though the item is stored under that very address.
    """
    text = text.strip()
    if len(text) > MAX_URL or not _WEB_ADDRESS.fullmatch(text):
        return None
    # Here, not at the top: the parsers' package loads feedparser and icalendar, and the
    # store imports this module in a refresh that parses nothing (test_start_imports).
    from .parse.redirects import unwrapped

    return canonical_url(unwrapped(text))


# What a reader of PubMed or a library catalogue types between words: here they are words.
BOOLEAN_WORDS = ("OR", "AND", "NOT")


def boolean_words(text: str) -> tuple[str, ...]:
    """The operators of other search boxes typed bare and in capitals ("heart OR kidney"),
    each once, in the order typed. The query language has none, so "heart OR kidney"
    looked for items with all three words and found none, with nothing to say why."""
    found: list[str] = []
    for match in _TOKEN.finditer(text):
        word = match.group(4)
        if word in BOOLEAN_WORDS and not match.group(3) and word not in found:
            found.append(word)
    return tuple(found)


def parse_search(text: str) -> SearchQuery:
    """The terms of ``text``; SearchSyntaxError when no word is left to look for.

    A word with inner punctuation ("covid-19", "n=42") is a phrase of its parts,
    which is how both databases index it, and so is a name of letters then digits
    ("covid19", looked for joined too: ``_joined``). Terms repeated are kept once. A pasted
    address (``pasted_address``) is searched as its first ``MAX_TERMS`` words when no
    item has it: a long one would otherwise be refused for its length.
    """
    address = pasted_address(text) is not None
    terms: list[Term] = []
    # Composed, as the index holds words: a query pasted from a PDF may spell "ó" as "o"
    # and a combining accent, which would split the word in two.
    text = unicodedata.normalize("NFC", text)
    text = _PUBLISHER_DOI_LINK.sub(r"doi:\1", text)
    text = _PUBMED_LINK.sub(r"pmid:\1", _DOI_LINK.sub("doi:", text))
    typed: list[tuple[Term, bool]] = []
    for match in _TOKEN.finditer(text):
        phrase_minus, phrase, word_minus, word = match.groups()
        excluded = bool(phrase_minus if phrase is not None else word_minus)
        found = _WORD.findall(phrase if phrase is not None else word)
        words = tuple(chain.from_iterable(map(_split, found)))
        if words:
            typed.append((Term(words, excluded), phrase is None))
    for term in _phrases_joined(typed):
        if term not in terms:
            terms.append(term)
    if not any(not term.excluded for term in terms):
        raise SearchSyntaxError("a search needs at least one word to look for")
    if len(terms) > MAX_TERMS and address:
        terms = terms[:MAX_TERMS]
    if sum(len(term.parts) or 1 for term in terms) > MAX_TERMS:
        raise SearchSyntaxError(f"a search can have at most {MAX_TERMS} words and phrases")
    return SearchQuery(tuple(terms))


def _phrases_joined(typed: list[tuple[Term, bool]]) -> Iterator[Term]:
    """The terms typed (each with True when it was not quoted), where bare words in a row,
    all wanted or all excluded, that make a phrase of the lexicon (``search_equivalents``)
    are one term of those ``parts``: the longest phrase first, from the left."""
    start = 0
    while start < len(typed):
        first = typed[start][0]
        run = tuple(_bare_run(typed[start:]))
        length = next((n for n in range(len(run), 1, -1) if search_equivalents(_words(run[:n]))), 1)
        yield first if length == 1 else Term(_words(run[:length]), first.excluded, run[:length])
        start += length


def _bare_run(typed: list[tuple[Term, bool]]) -> Iterator[Term]:
    """The unquoted terms at the start of ``typed`` that could be read as one phrase: of
    the first's sign, no more words than the lexicon's longest phrase."""
    count, longest = 0, longest_phrase()
    for term, bare in typed:
        count += len(term.words)
        if not bare or term.excluded != typed[0][0].excluded or count > longest:
            return
        yield term


def _words(terms: Iterable[Term]) -> tuple[str, ...]:
    return tuple(chain.from_iterable(term.words for term in terms))


@dataclass(frozen=True)
class _Syntax:
    """How a database's query text writes a phrase, "both" and "either"."""

    quote: str
    both: str
    either: str
    # PostgreSQL's parser reads "GLP-1" as "glp" and "-1", which "glp 1" does not match:
    # a phrase with a word of letters then one of digits is also looked for so written.
    hyphen: bool = False

    def written(self, term: Term) -> str:
        """The term as one expression of alternatives. A term of ``parts`` is its parts,
        each as alone (all of them wanted; any of them excluded, as each was), or any
        of the phrase's other names."""
        if term.parts:
            joiner = self.either if term.excluded else self.both
            typed = _grouped(map(self.written, term.parts), joiner)
            return _grouped([typed, *map(self.phrase, term.other_names())], self.either)
        return _grouped(map(self.phrase, term.spellings()), self.either)

    def phrase(self, words: tuple[str, ...]) -> str:
        # Words hold letters and digits only, so there is no quote to escape.
        written = f"{self.quote}{' '.join(words)}{self.quote}"
        if not self.hyphen or _joined(words) == words:
            return written
        hyphenated = " ".join(_joined(words, "-"))
        return f"({written}{self.either}{self.quote}{hyphenated}{self.quote})"


def _grouped(expressions: Iterable[str], joiner: str) -> str:
    listed = list(expressions)
    return listed[0] if len(listed) == 1 else "(" + joiner.join(listed) + ")"


_FTS5 = _Syntax('"', " AND ", " OR ")
_TS = _Syntax("'", " & ", " | ", hyphen=True)
