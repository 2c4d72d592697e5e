"""Write the DOIs items cite, and mark articles that a retraction or erratum notice names.

A news story citing a paper's DOI "covers" it; a notice (Retraction, Erratum,
Correction, Expression of Concern) citing a DOI marks the stored article that
has it: ``retracted``, ``corrected``, ``expression-of-concern`` in its
``flags``. Notices and originals arrive in either order, so both directions
are checked for every item written, batched per feed, inside ingest's
transaction. Flags are only ever added: a notice does not un-happen when its
entry is edited. It does not parse (``pub_type`` and ``cites`` come from the
parse stage) and it does not read for the web (``reads`` does).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..records import ItemUpdate
from .models import Item, ItemCitation
from .upsert import chunks, insert_ignore

# Publication types (lower-cased) of notices, and the flag each puts on what it names.
NOTICE_FLAGS = {
    "retraction": "retracted",
    "erratum": "corrected",
    "correction": "corrected",
    "expression of concern": "expression-of-concern",
}


def notice_flag(pub_type: str | None, title: str) -> str | None:
    """The flag a notice puts on the article it names; None for anything that is no notice.

    The parse stage already turns a notice title into its ``pub_type``; the
    title is checked too for items written by anything else.
    """
    if pub_type and pub_type.lower() in NOTICE_FLAGS:
        return NOTICE_FLAGS[pub_type.lower()]
    lowered = title.lstrip().lower()
    for prefix, flag in NOTICE_FLAGS.items():
        rest = lowered.removeprefix(prefix)
        if rest != lowered and not rest[:1].isalpha():
            return flag
    return None


def replace_citations(
    session: Session, cited: Sequence[tuple[int, Sequence[str]]], *, replaced: Sequence[int] = ()
) -> None:
    """Write the items' cited DOIs (the ``item_citations`` rows behind "covers").

    The rows of ``replaced`` items are deleted first; new items have none.
    """
    for chunk in chunks(sorted(set(replaced))):
        session.execute(delete(ItemCitation).where(ItemCitation.item_id.in_(chunk)))
    rows = [
        {"item_id": item_id, "doi": doi[:255]}
        for item_id, cites in cited
        for doi in dict.fromkeys(cites)
    ]
    insert_ignore(session, ItemCitation.__table__, rows)


def mark_noticed(session: Session, written: Sequence[tuple[int, ItemUpdate]], now: datetime) -> int:
    """Flag the originals of notices among ``written``, and ``written`` articles already noticed.

    Returns how many flags were added. Two ``IN`` queries per chunk of DOIs,
    whatever the number of items.
    """
    wanted: dict[int, set[str]] = defaultdict(set)
    by_cited: dict[str, set[str]] = defaultdict(set)  # cited DOI -> flags notices put on it
    own: dict[str, set[int]] = defaultdict(set)  # DOI -> written items that have it
    for item_id, update_ in written:
        article = update_.item.article
        if article is None:
            continue
        flag = notice_flag(article.pub_type, update_.item.title)
        if flag:
            for doi in article.cites:
                by_cited[doi].add(flag)
        if article.doi:
            own[article.doi].add(item_id)
    for item_id, doi in _holders(session, sorted(by_cited)):
        wanted[item_id] |= by_cited[doi]
    for doi, flag in _earlier_notices(session, sorted(own)):
        for item_id in own[doi]:
            wanted[item_id].add(flag)
    return _add_flags(session, wanted, now)


def _holders(session: Session, dois: Sequence[str]) -> list[tuple[int, str]]:
    """(item id, DOI) of the stored articles that have one of ``dois`` as their own."""
    found: list[tuple[int, str]] = []
    for chunk in chunks(dois):
        rows = session.execute(select(Item.id, Item.doi).where(Item.doi.in_(chunk)))
        found.extend((item_id, doi) for item_id, doi in rows if doi)
    return found


def _earlier_notices(session: Session, dois: Sequence[str]) -> list[tuple[str, str]]:
    """(DOI, flag) for each stored notice that cites one of ``dois``."""
    found: list[tuple[str, str]] = []
    for chunk in chunks(dois):
        rows = session.execute(
            select(ItemCitation.doi, Item.pub_type, Item.title)
            .join(Item, Item.id == ItemCitation.item_id)
            .where(ItemCitation.doi.in_(chunk))
        )
        for doi, pub_type, title in rows:
            flag = notice_flag(pub_type, title)
            if flag:
                found.append((doi, flag))
    return found


def _add_flags(session: Session, wanted: dict[int, set[str]], now: datetime) -> int:
    """Add flags to items; rows are locked first so concurrent writers do not lose one."""
    if not wanted:
        return 0
    added = 0
    for chunk in chunks(sorted(wanted)):
        rows = session.execute(
            select(Item.id, Item.flags).where(Item.id.in_(chunk)).with_for_update()
        ).all()
        for item_id, flags in rows:
            current = list(flags or ())
            new = sorted(wanted[item_id] - set(current))
            if new:
                flagged = update(Item).where(Item.id == item_id)
                session.execute(flagged.values(flags=current + new, changed_at=now, revised_at=now))
                added += len(new)
    return added
