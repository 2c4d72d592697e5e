"""Common English words: whether a capitalised word may be one only because it opens a
sentence ("Only adults over 65 …", "Psychiatrists said …").

The near-duplicate matcher keeps apart two items that each name things the
other never mentions (``dedupe._names_differ``). A sentence's first word is
capitalised by grammar, so in a one-sentence summary "Late", "Among" or
"Somnolence" looked like a name, and two rewrites of one story were kept
apart by words that name nothing. A word this list holds in lower case is a
common word; "Sandoz" or "Medtronic" opening a sentence still names a company.

The list is Webster's Second International Dictionary (``web2``, 236,000
entries, public domain) as the package ``english-words`` ships it: its
lower-case entries are common words (210,000), its capitalised ones proper
nouns. A set of them would take ~20 MB in every process that analyses text, so
only a 64-bit BLAKE2b digest of each is kept, sorted, in an array (1.7 MB),
looked up by bisection. A false match is a one-in-10^14 event a lookup. The
array is derived once in a child process and cached (``aggregator.derived``).

It answers lookups only; which words are asked about is ``aggregator.dedupe``'s.
"""

from __future__ import annotations

import bisect
import hashlib
import pickle
import sys
from array import array
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from . import derived

_PACKAGE = "english_words"
_DATA_FILE = Path("data") / "web2.pickle"
_FORMAT = 1  # of the cached array: bump when _digests keeps other words


@lru_cache(maxsize=1 << 14)
def is_common_word(word: str) -> bool:
    """Whether ``word`` (any case, possessive or plural) is a common English word.
    (Cached: a sentence's first words repeat, and a lookup is ~4 µs.)"""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    digests = _common_digests()
    return any(_holds(digests, form) for form in _forms(word))


def _forms(word: str) -> tuple[str, ...]:
    """The word and the singulars it may be the plural of ("studies", "boxes", "doctors")."""
    if word.endswith("ies"):
        return word, word[:-3] + "y"
    if word.endswith("es"):
        return word, word[:-1], word[:-2]
    if word.endswith("s"):
        return word, word[:-1]
    return (word,)


def _holds(digests: array[int], word: str) -> bool:
    digest = _digest(word)
    at = bisect.bisect_left(digests, digest)
    return at < len(digests) and digests[at] == digest


def _digest(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


@lru_cache(maxsize=1)
def _common_digests() -> array[int]:
    """The sorted digests of the list's lower-case entries, from the cache or derived."""
    return derived.cached_or_derived(common_words_cache(), _from_bytes, __name__, str(_list()))


def common_words_cache() -> Path | None:
    """The cache of the digests: its name changes with the list and with ``_FORMAT``, so
    that a table derived through ``is_common_word`` (``drugs``) can be keyed on it."""
    return derived.cache_file("english", _list(), ".bin", _FORMAT)


def _list() -> Path:
    """The package's word list."""
    spec = find_spec(_PACKAGE)  # locates the package without running its import
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{_PACKAGE} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / _DATA_FILE


def _from_bytes(data: bytes | None) -> array[int] | None:
    """The array a cache or a child wrote; None when it is not one (damaged, empty)."""
    if not data or len(data) % 8:
        return None
    digests = array("Q")
    digests.frombytes(data)
    if any(digests[i] > digests[i + 1] for i in range(0, len(digests) - 1, 997)):
        return None  # spot check of the order: a damaged file is derived afresh
    return digests


def _digests(path: Path) -> bytes:
    """The array ``_common_digests`` keeps, from the package's own shipped data file."""
    with path.open("rb") as handle:
        words = pickle.load(handle)
    digests = array("Q", sorted({_digest(word) for word in words if word[:1].islower()}))
    return digests.tobytes()


if __name__ == "__main__":  # the child of ``_common_digests``: the array's bytes on stdout
    sys.stdout.buffer.write(_digests(Path(sys.argv[1])))
