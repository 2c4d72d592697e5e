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
differ. ``carry_corrections`` says which of an editor's story corrections naming
an absorbed item the kept item takes over. It does not read or write the database
(``aggregator.store.folds`` does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from .reconcile import Owner, outranks
from .records import DroppedCorrection, StoryCorrection


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


@dataclass(frozen=True)
class CarriedCorrections:
    """What a fold does to the editor's corrections: those the kept item takes over, as
    they name it now (each replacing the kept item's own on that pair), and those dropped."""

    kept: list[StoryCorrection]
    dropped: list[DroppedCorrection]


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


def carry_corrections(
    fold: Fold, absorbed: Sequence[StoryCorrection], kept: Sequence[StoryCorrection]
) -> CarriedCorrections:
    """The absorbed item's corrections (``absorbed``, each naming ``fold.absorbed``) as the
    kept item's, beside its own (``kept``): the editor's word on an article holds whichever
    of its copies it was said of, and a correction dropped in silence is a story undone.

    Of two words on one pair the later holds, as a new ``stories join`` replaces a split.
    """
    held = {_partner(c, fold.kept): c for c in kept}
    carried: list[StoryCorrection] = []
    dropped: list[DroppedCorrection] = []
    for correction in absorbed:
        other = _partner(correction, fold.absorbed)
        if other == fold.kept:
            dropped.append(DroppedCorrection(correction, "twice"))
            continue
        moved = StoryCorrection.of(
            fold.kept, other, same=correction.same, made_at=correction.made_at
        )
        existing = held.get(other)
        if existing is None:
            carried.append(moved)
        elif existing.same == correction.same:
            dropped.append(DroppedCorrection(correction, "already", existing))
        elif _made(correction) > _made(existing):
            carried.append(moved)
            dropped.append(DroppedCorrection(existing, "overruled", moved))
        else:
            dropped.append(DroppedCorrection(correction, "overruled", existing))
    return CarriedCorrections(carried, dropped)


def _partner(correction: StoryCorrection, item_id: int) -> int:
    """The other item a correction naming ``item_id`` names."""
    first, second = correction.first_id, correction.second_id
    return second if first == item_id else first


def _made(correction: StoryCorrection) -> datetime:
    return correction.made_at or datetime.min.replace(tzinfo=UTC)
