"""Drug names: a brand, a code name or a spelling variant -> the generic (INN) it names.

Outlets rewriting one story name the drug differently: "Wegovy" in the
headline of one, "semaglutide" in another. The near-duplicate matcher reads
both as one word, so the rewrite still shares its most specific term.

The table is the one the package ``drug-named-entity-recognition`` ships
(about 107,000 variants from DrugBank, MeSH, MedlinePlus and Wikipedia, each
linked to one canonical name). We read its data file directly instead of
importing the package: the import builds fuzzy-matching indexes we do not use
(~1.9 s) and writes a cache in the user's home; the file alone loads in
~0.5 s, once per process that analyses text (the parse pool, and the refresh
process when it re-derives stored items' features), and only when the first
text is analysed.

The file is read by a child process, which hands back only the table kept
here (~14,000 pairs). Unpickled, the file is ~45 MB of objects, nearly all of
them dropped at once; read in place it raised the peak of the refresh process
and of each parse worker by that much, and the allocator kept much of it.

It does not find drug names in free text beyond one-word lookups; multi-word
variants ("insulin glargine") are left as the words they are.
"""

from __future__ import annotations

import bz2
import pickle
import subprocess
import sys
from contextlib import AbstractContextManager, nullcontext
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

_PACKAGE = "drug_named_entity_recognition"
_DATA_FILE = "drug_ner_dictionary.pkl.bz2"
MIN_LENGTH = 4  # shorter variants are mostly lab abbreviations (APAP, ACTH), not drug names
_reading: AbstractContextManager[object] = nullcontext()  # see ``read_in_turn``


def read_in_turn(lock: AbstractContextManager[object]) -> None:
    """Read the table in this process only while holding ``lock``.

    The parse workers start together and each reads the table at its first
    item: two readers at once were ~125 MB of the refresh's peak, at its start.
    Holding a lock the pool shares, they read one after the other.
    """
    global _reading
    _reading = lock


@lru_cache(maxsize=1)
def generic_names() -> dict[str, str]:
    """Lower-case one-word variant -> lower-case one-word canonical name.

    Only variants whose canonical name is itself one word: mapping "Triumeq"
    to "abacavir, dolutegravir, and lamivudine" would make a term no rewrite
    spells.
    """
    spec = find_spec(_PACKAGE)  # locates the package without running its import
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{_PACKAGE} is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / _DATA_FILE
    with _reading:
        child = subprocess.run(
            [sys.executable, "-m", __name__, str(path)], capture_output=True, check=False
        )
    if child.returncode != 0:
        raise DrugTableError(f"cannot read {path}: {child.stderr.decode(errors='replace')}")
    return pickle.loads(child.stdout)  # written by our own child just now


class DrugTableError(RuntimeError):
    """The drug table shipped by the package could not be read."""


def _read_table(path: Path) -> dict[str, str]:
    """The pairs ``generic_names`` keeps, from the package's own shipped data file."""
    with bz2.open(path) as handle:
        table = pickle.load(handle)
    mapping: dict[str, str] = {}
    for variant, canonicals in table["drug_variant_to_canonical"].items():
        if len(canonicals) != 1 or len(variant) < MIN_LENGTH or not variant.isalnum():
            continue
        canonical = canonicals[0].lower()
        if canonical.isalpha() and canonical != variant:
            mapping[variant.lower()] = canonical
    return mapping


@lru_cache(maxsize=1)
def drug_names() -> frozenset[str]:
    """The canonical (generic) names ``generic_names`` maps to: the words that name a drug."""
    return frozenset(generic_names().values())


if __name__ == "__main__":  # the child of ``generic_names``: the table, pickled, on stdout
    sys.stdout.buffer.write(pickle.dumps(_read_table(Path(sys.argv[1]))))
