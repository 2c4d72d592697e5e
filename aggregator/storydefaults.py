"""The story matcher's defaults, kept apart from the matcher (``aggregator.dedupe``).

Every command reads the config, whose ``dedupe`` section defaults to these;
importing them from ``dedupe`` loaded the whole matching stack (its word
lists, the drug table, pycountry: ~40 ms) into commands that match nothing.
"""

from __future__ import annotations

from datetime import timedelta

DEFAULT_WINDOW = timedelta(days=7)  # how far apart two items of one story may be published
DEFAULT_THRESHOLD = 0.1  # the similarity two items of one story need, before adjustments
