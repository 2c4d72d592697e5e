"""Decide which stored items an identifier that arrived late makes one (dedup layer 3).

A journal feed often publishes an entry without its DOI or PMID and adds it in a
later version of the entry, when another source's item may already hold that
identifier. Layer 3 then applies as it would have, had the identifier been there
from the start: the two items are one, shown from the copy an item merged from
both would show (``reconcile.outranks``), carried by the sources of both.

Given pairs of stored items (one whose copies now carry an identifier, one that
holds it) and what each holds (``Holder``), ``folds`` returns which item each
joined item is folded into, in the order to apply them. It refuses a join of
two items one source carries (one feed's two entries are two items, whatever
they claim), and of items whose DOIs, PMIDs, PMCIDs, NCT numbers or video ids
differ. It does not read or write the database (``aggregator.store.folds`` does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .reconcile import Owner, outranks


@dataclass(frozen=True)
class Holder:
    """A stored item as a join weighs it: its owner, who carries it, what it is known by."""

    item_id: int
    owner: Owner
    sources: frozenset[str]
    identifiers: frozenset[str]  # "doi:…", "pmid:…", "nct:…", "<provider>:<video id>"


@dataclass(frozen=True)
class Fold:
    """``absorbed``'s copies become ``kept``'s, and ``absorbed`` is deleted."""

    kept: int
    absorbed: int


def folds(pairs: Sequence[tuple[int, int]], holders: Mapping[int, Holder]) -> list[Fold]:
    """The folds that make each pair (gainer, holder) one item, in a fixed order.

    Pairs are taken in sorted order, each between the items its two sides have
    become, so a chain (an item gaining a DOI one item holds and a PMID another
    holds) ends in one item, and a refused pair stays refused against the joined
    item it would meet.
    """
    current = dict(holders)
    into: dict[int, int] = {}
    done: list[Fold] = []
    for gainer, holder in sorted(set(pairs)):
        a, b = current[_final(into, gainer)], current[_final(into, holder)]
        if a.item_id == b.item_id or not joinable(a, b):
            continue
        kept, absorbed = (a, b) if outranks(a.owner, b.owner) else (b, a)
        into[absorbed.item_id] = kept.item_id
        current[kept.item_id] = Holder(
            kept.item_id,
            kept.owner,
            kept.sources | absorbed.sources,
            kept.identifiers | absorbed.identifiers,
        )
        done.append(Fold(kept.item_id, absorbed.item_id))
    return done


def joinable(a: Holder, b: Holder) -> bool:
    """Neither one source carries both, nor do their identifiers of one scheme differ."""
    return not a.sources & b.sources and not identifiers_differ(a.identifiers, b.identifiers)


def identifiers_differ(a: frozenset[str], b: frozenset[str]) -> bool:
    """Some scheme both carry has no value in common: two DOIs, or one DOI and two PMIDs.

    Stricter than one shared identifier: a DOI in common with two PMIDs is a
    feed's error somewhere, and a wrong join hides an article from its readers.
    """
    for scheme in _schemes(a) & _schemes(b):
        if not _of_scheme(a, scheme) & _of_scheme(b, scheme):
            return True
    return False


def _schemes(identifiers: frozenset[str]) -> set[str]:
    return {identifier.split(":", 1)[0] for identifier in identifiers}


def _of_scheme(identifiers: frozenset[str], scheme: str) -> set[str]:
    return {i for i in identifiers if i.split(":", 1)[0] == scheme}


def _final(into: Mapping[int, int], item_id: int) -> int:
    """The item ``item_id`` has been folded into, through any chain of folds."""
    while item_id in into:
        item_id = into[item_id]
    return item_id
