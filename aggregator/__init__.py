"""medfeed: a self-hosted medical news-feed aggregator.

The package turns the sources listed in ``config.yaml`` into stored, deduplicated
items; ``web`` serves them. Data flows one way:
config -> fetch -> parse -> sanitize -> identity -> dedupe -> store -> web.
"""

__version__ = "0.1.0"
