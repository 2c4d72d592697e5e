"""medfeed: a self-hosted medical news-feed aggregator.

The package turns the sources listed in ``config.yaml`` into stored, deduplicated
items; ``web`` serves them. Data flows one way:
config -> fetch -> parse -> sanitize -> identity -> dedupe -> store -> web.
"""

import sys

__version__ = "0.1.0"

# httpx imports its own command-line client (click, rich, pygments: ~0.1 s of every
# start) whenever those are installed, as rich and Flask's click are here. medfeed
# never runs it; a module entry of None makes that import fail, and httpx then
# leaves its stub ``httpx.main`` (which says the client is not installed) instead.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
