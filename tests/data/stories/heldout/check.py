"""Validate the held-out story set and print its size; run by hand: python3 check.py."""

import itertools
import json
import re
import sys
from collections import Counter
from pathlib import Path

REQUIRED = {"id", "story", "title", "summary", "source", "label", "published", "kind"}
OPTIONAL = {"doi", "pmid", "nct", "video_id", "url"}
LABELS = {"journal", "news", "press-release", "society", "preprint"}
KINDS = {"news", "article", "video"}
STAMP = re.compile(r"^2026-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def main() -> int:
    path = Path(__file__).with_name("stories.jsonl")
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for item in items:
        keys = set(item)
        assert REQUIRED <= keys <= REQUIRED | OPTIONAL, (item["id"], keys)
        assert item["label"] in LABELS and item["kind"] in KINDS, item["id"]
        assert STAMP.match(item["published"]), item["id"]
        assert (item["kind"] == "video") == ("video_id" in item), item["id"]
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) and min(ids) == 100001, "ids"
    stories = Counter(item["story"] for item in items)
    for story, members in itertools.groupby(
        sorted(items, key=lambda i: i["story"]), key=lambda i: i["story"]
    ):
        group = list(members)
        for key in ("doi", "pmid", "video_id"):
            assert len({m[key] for m in group if key in m}) <= 1, (story, key)
        assert len({m["source"] for m in group}) == len(group), (story, "source twice")
    pairs = sum(n * (n - 1) // 2 for n in stories.values())
    multi = sum(1 for n in stories.values() if n > 1)
    print(
        f"items {len(items)}, stories {len(stories)}, multi-item stories {multi}, "
        f"true same-story pairs {pairs}, hard-negative items "
        f"{sum(1 for i in items if i['story'].startswith('hn-'))}, "
        f"dates {min(i['published'] for i in items)} .. {max(i['published'] for i in items)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
