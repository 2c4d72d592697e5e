"""Every file of the shared real-world corpus goes through fetch + parse + store.

Served over a real local HTTP server, refreshed as sources of the right kind,
on the test database: each source ends ok or with a recorded, human error —
never an unhandled exception — and whatever parsed is stored.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aggregator.config import load_settings
from aggregator.refresh import Refresher
from aggregator.store import Store
from aggregator.store.models import Item
from tests.localserver import LocalServer, send

KIND_BY_FOLDER = {"ics": "conference", "youtube": "video", "medical": "article"}


@pytest.fixture
def corpus_server(corpus: Path) -> Iterator[tuple[LocalServer, list[tuple[str, str, str]]]]:
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.name != "MANIFEST.md")
    with LocalServer() as server:
        sources = []
        for n, path in enumerate(files):
            route = f"/{n}/{path.name}"
            body = path.read_bytes()
            kind = KIND_BY_FOLDER.get(path.relative_to(corpus).parts[0], "news")
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            server.route(route, lambda h, b=body, c=ctype: send(h, 200, b, {"Content-Type": c}))
            sources.append((f"c{n}", server.url(route), kind))
        yield server, sources


def test_every_corpus_file_is_stored_or_fails_with_a_clear_error(
    tmp_path: Path,
    database_url: str,
    store: Store,
    corpus_server: tuple[LocalServer, list[tuple[str, str, str]]],
) -> None:
    _server, sources = corpus_server
    lines = [f"database: {database_url}", "http: {timeout: 10s, concurrency: 32, per_host: 32}"]
    lines.append("sources:")
    for source_id, url, kind in sources:
        lines.append(f"  - {{id: {source_id}, name: {source_id}, url: '{url}', kind: {kind}}}")
    (tmp_path / "config.yaml").write_text("\n".join(lines) + "\n")
    settings = load_settings(tmp_path / "config.yaml")
    store.sync_sources(settings.configured_sources())
    outcomes = Refresher(settings, store).refresh(due_only=False)
    assert len(outcomes) == len(sources)
    crashed = [o for o in outcomes if o.error and o.error.startswith("internal error")]
    assert not crashed, "\n".join(f"{o.source_id}: {o.error}" for o in crashed[:20])
    ok = [o for o in outcomes if o.status == "ok"]
    failed = [o for o in outcomes if o.status == "failed"]
    assert len(ok) > 1000
    assert all(o.error for o in failed)
    with store.session() as session:
        stored = session.scalar(select(func.count()).select_from(Item))
    assert stored and stored >= sum(o.new for o in ok) * 0.5
    rows = {s.id: s for s in store.sources()}
    assert all(rows[o.source_id].last_status == o.status for o in outcomes)
