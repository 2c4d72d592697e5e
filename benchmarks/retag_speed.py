"""Re-tag speed: stored items re-tagged after the specialty vocabulary is edited.

Fills a fresh database (SQLite file, or ``--database URL``) with the shared
generated corpus (``../shared/bench/gen_feeds.py``: realistic medical news)
through the real refresh pipeline under the built-in vocabulary, then times
``retagging.retag_stored`` twice: to a two-specialty vocabulary (most tags
change) and back to the built-in one (22 specialties recomputed). Prints
items/s for each, with the batch size in force.

    python benchmarks/retag_speed.py [--feeds 200] [--items 50] [--database URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from ingest_speed import write_feeds

from aggregator.config import SpecialtySettings, parse_settings
from aggregator.refresh import Refresher
from aggregator.retagging import BATCH, retag_stored
from aggregator.store import Store
from aggregator.tagging import DEFAULT_SPECIALTIES, specialties_from_config

EDITED = {
    "neuro": SpecialtySettings(keywords=("stroke", "thrombectomy")),
    "oncology": SpecialtySettings(keywords=("cancer",)),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="medfeed-retag-") as tmp:
        folder = Path(tmp)
        write_feeds(folder, args.feeds, args.items)
        database = args.database or f"sqlite:///{folder / 'bench.db'}"
        sources = "\n".join(
            f"  - {{id: f{n}, name: Feed {n}, url: f{n}.xml, kind: news}}"
            for n in range(args.feeds)
        )
        config = folder / "config.yaml"
        config.write_text(f"database: {database}\nsources:\n{sources}\n")
        settings = parse_settings(config.read_text(), path=config)
        store = Store(database)
        store.sync_sources(settings.configured_sources())
        started = time.monotonic()
        Refresher(settings, store).refresh(due_only=False)
        print(
            f"filled: {store.vitals().items} items in {time.monotonic() - started:.1f} s",
            file=sys.stderr,
        )
        retag_stored(store, DEFAULT_SPECIALTIES)  # the vocabulary the items carry
        for name, specialties in (
            ("to 2 specialties", specialties_from_config(EDITED)),
            ("back to the built-in 22", DEFAULT_SPECIALTIES),
        ):
            report = retag_stored(store, specialties)
            assert report is not None and report.done
            print(
                f"re-tag {name}: {report.items} items ({report.changed} changed) in "
                f"{report.seconds:.2f} s = {report.items / report.seconds:,.0f} items/s "
                f"(batches of {BATCH})"
            )
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
