"""Words of medical news whose meaning the near-duplicate matcher needs to know.

Two small, hand-written tables, kept apart from the matching rules
(``aggregator.dedupe``) so that what they say can be read and reviewed as
lists:

* ``AUTHORITIES``: the regulators, public-health agencies and general medical
  journals that headlines name as the source of the news ("FDA approves ...",
  "..., NEJM study finds"). Two headlines naming different ones report
  different decisions or papers (an FDA approval and an EMA opinion on one drug
  are two stories).

It does not find names in free text beyond whole-word lookups, and it does not
learn: every entry is a word an editor would recognise.
"""

from __future__ import annotations

# Written in capitals in headlines; matched only when so written ("NICE" the
# institute, not "nice"; "WHO" the organisation, not "who").
AUTHORITIES = frozenset(
    """FDA EMA MHRA CDC ECDC WHO NIH NICE CMS HHS TGA PMDA CHMP ACIP USPSTF AHA ACC ADA ASCO
    ESMO ESC NCCN NEJM JAMA BMJ""".split()
)


def authorities(words: list[str]) -> frozenset[str]:
    """The authorities among raw (as-written) words."""
    return frozenset(word for word in words if word in AUTHORITIES)
