"""An item's content stored without the summary it begins with.

Feeds often put the summary at the head of the content: in the generated
100 feeds x 50 corpus every content does, ~137 bytes an entry stored twice
(docs/benchmarks.md, 2026-12-01; migration 0012). Such a content is stored as
what follows the summary, with ``content_extends_summary`` set; readers put
the two back together with ``full_content`` (and the search view in SQL).
"""

from __future__ import annotations


def stored_content(summary: str, content: str | None) -> tuple[str | None, bool]:
    """The ``content`` and ``content_extends_summary`` columns for an item's texts."""
    if content is not None and summary and content.startswith(summary):
        return content[len(summary) :], True
    return content, False


def full_content(summary: str | None, stored: str | None, extends: bool | None) -> str | None:
    """The content a stored ``content`` stands for."""
    if extends and stored is not None:
        return (summary or "") + stored
    return stored
