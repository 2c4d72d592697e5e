"""What a parse-pool worker holds before its first job: the parse stack and the drug table.

The pool's forkserver imports this module once (``refresh.parse_pool``); each
worker is forked from that server with both already loaded, in pages it
shares with the server, instead of loading them itself: reading the drug
table peaks ~50 MB above what it keeps (``aggregator.drugs``), and it now
does so once per pass, not in every worker at the same moment. Nothing of the
store, httpx, pydantic or the web is imported here. Importing it is its whole
job: the jobs are ``aggregator.prepare``'s, and the refresh process never
imports it.
"""

from __future__ import annotations

from . import prepare
from .drugs import generic_names
from .parse import parse_document

__all__ = ["parse_document", "prepare"]  # loaded here for the workers to inherit

generic_names()
