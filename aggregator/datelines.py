"""Where a wire story's dateline ends: "WASHINGTON (AP) —", "COPENHAGEN, March 2
(Reuters) -", "BOSTON--(BUSINESS WIRE)--", "TITUSVILLE, N.J., March 18, 2027
/PRNewswire/ --", "TUESDAY, Sept. 8, 2026 (HealthDay News) --".

A dateline says where the reporter filed from and for whom, not what the story
names: two rewrites of one approval, one filed from Washington by the AP and one
from Copenhagen by Reuters, do not name different things. The matcher reads
names without it (``dedupe``). It only finds the dateline; it changes no text.
"""

from __future__ import annotations

import re

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_PLACE = r"[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+){0,3}"  # in capitals: "SAO PAULO", "WEDNESDAY"
_REGION = r",\s*[A-Z][A-Za-z.'’-]*(?:\s+[A-Z][A-Za-z.'’-]*){0,2}"  # ", N.J.", ", Puerto Rico"
_DATE = rf",\s*{_MONTH}\s+\d{{1,2}}(?:,\s*\d{{4}})?"
_AGENCY = (
    r"\s*\([A-Za-z][A-Za-z .&'-]{1,30}\)"  # (AP), (Reuters), (HealthDay News)
    r"|\s*/[A-Za-z][A-Za-z .-]{1,30}/"  # /PRNewswire/
    r"|\s*--\s*\([A-Za-z .]{2,30}\)"  # --(BUSINESS WIRE)
)
# A release of two companies files from both their towns: "NEW YORK & SAINT-HERBLAIN,
# France--(BUSINESS WIRE)--", "SOUTH SAN FRANCISCO, Calif. and BOSTON--".
_JOINED = rf"\s+(?:&|and|AND)\s+{_PLACE}(?:{_REGION}){{0,2}}"
_DATELINE = re.compile(
    rf"\s*(?P<place>{_PLACE})(?:{_REGION}){{0,2}}(?:{_JOINED})?"
    rf"(?P<date>{_DATE})?(?P<agency>{_AGENCY})?"
    r"(?:\s*(?:--|—|–)\s*|\s+-\s+)"  # a hyphen only between spaces: not "COVID-19"
)
_MIN_PLACE = 4  # letters of a place with neither date nor agency: "BERLIN —", not "FDA —"


def dateline_end(text: str) -> int:
    """Where the text after the dateline starts; 0 when the text opens with none."""
    match = _DATELINE.match(text)
    if match is None:
        return 0
    bare = not (match.group("date") or match.group("agency"))
    if bare and len(match.group("place").replace(".", "")) < _MIN_PLACE:
        return 0
    return match.end()
