"""Being a good citizen, end to end: what each response does to a source's next fetch.

Each test fetches through a real ``Refresher`` against a real server and reads
the ``next_fetch_at`` the database recorded; ``pacing`` supplies the expected
arithmetic, so the test checks that refresh applies it, not a copy of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from aggregator import pacing
from aggregator.config import Settings, load_settings
from aggregator.records import StoredSource
from aggregator.refresh import Refresher
from aggregator.store import Store
from tests.feeds import Entry, config_text, rss
from tests.localserver import LocalServer, send

INTERVAL, CAP = timedelta(seconds=10), timedelta(seconds=30)
SCHEDULE = "{default_interval: 10s, jitter: 0, max_backoff: 30s}"
FEED = rss([Entry("Trial results", "https://ex.org/trial", "trial-1")])
TOLERANCE = timedelta(milliseconds=5)


class Answers:
    """A route that answers with whatever status and headers the test sets next."""

    def __init__(self) -> None:
        self.status, self.headers = 200, {"Content-Type": "application/rss+xml"}

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        send(handler, self.status, FEED if self.status == 200 else b"error", self.headers)


@pytest.fixture
def answers() -> Iterator[Answers]:
    answers = Answers()
    with LocalServer() as server:
        server.route("/feed.xml", answers)
        answers.url = server.url("/feed.xml")  # type: ignore[attr-defined]
        yield answers


@pytest.fixture
def settings(tmp_path: Path, database_url: str, answers: Answers, store: Store) -> Settings:
    path = tmp_path / "config.yaml"
    url = answers.url  # type: ignore[attr-defined]
    path.write_text(config_text(database_url, [("wire", url, "news")], schedule=SCHEDULE))
    settings = load_settings(path)
    store.sync_sources(settings.configured_sources())
    return settings


def fetch(settings: Settings, store: Store) -> StoredSource:
    """Fetch the source now, due or not, and return its recorded state."""
    Refresher(settings, store).refresh(due_only=False)
    return store.sources()[0]


def wait_of(source: StoredSource) -> timedelta:
    assert source.next_fetch_at is not None and source.last_fetch_at is not None
    return source.next_fetch_at - source.last_fetch_at


def test_consecutive_failures_double_the_wait_up_to_the_cap(
    settings: Settings, store: Store, answers: Answers
) -> None:
    answers.status = 500
    waits = [wait_of(fetch(settings, store)) for _ in range(4)]
    expected = [pacing.backoff(INTERVAL, n, CAP) for n in (1, 2, 3, 4)]
    assert expected == [timedelta(seconds=s) for s in (10, 20, 30, 30)]
    assert all(abs(w - e) <= TOLERANCE for w, e in zip(waits, expected, strict=True))


def test_success_after_failures_resets_the_wait_and_the_count(
    settings: Settings, store: Store, answers: Answers
) -> None:
    answers.status = 500
    fetch(settings, store)
    fetch(settings, store)
    answers.status = 200
    source = fetch(settings, store)
    assert source.consecutive_failures == 0
    assert abs(wait_of(source) - INTERVAL) <= TOLERANCE


def test_backoff_never_disables_a_source(
    settings: Settings, store: Store, answers: Answers
) -> None:
    answers.status = 500
    for _ in range(8):
        source = fetch(settings, store)
    assert source.consecutive_failures == 8 and source.enabled and not source.disabled_reason
    assert wait_of(source) <= CAP + TOLERANCE


def test_retry_after_seconds_on_429_sets_the_next_fetch(
    settings: Settings, store: Store, answers: Answers
) -> None:
    answers.status, answers.headers = 429, {"Retry-After": "25"}
    asked = datetime.now(UTC)
    source = fetch(settings, store)
    assert source.next_fetch_at is not None
    assert source.next_fetch_at >= asked + timedelta(seconds=25)


def test_retry_after_http_date_on_503_sets_the_next_fetch(
    settings: Settings, store: Store, answers: Answers
) -> None:
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=28)
    answers.status, answers.headers = 503, {"Retry-After": format_datetime(later, usegmt=True)}
    source = fetch(settings, store)
    assert source.next_fetch_at is not None and source.next_fetch_at >= later


def test_retry_after_beyond_the_cap_is_capped(
    settings: Settings, store: Store, answers: Answers
) -> None:
    answers.status, answers.headers = 429, {"Retry-After": "86400"}
    source = fetch(settings, store)
    assert abs(wait_of(source) - CAP) <= TOLERANCE


def test_cache_control_max_age_longer_than_the_interval_delays_the_next_fetch(
    settings: Settings, store: Store, answers: Answers
) -> None:
    answers.headers = {"Content-Type": "application/rss+xml", "Cache-Control": "max-age=300"}
    source = fetch(settings, store)
    assert wait_of(source) >= timedelta(seconds=299)


def test_cache_control_max_age_shorter_than_the_interval_changes_nothing(
    settings: Settings, store: Store, answers: Answers
) -> None:
    answers.headers = {"Content-Type": "application/rss+xml", "Cache-Control": "max-age=2"}
    source = fetch(settings, store)
    assert abs(wait_of(source) - INTERVAL) <= TOLERANCE


QUARTERLY = "*/15 * * * *"
PASS_AT = datetime(2026, 11, 20, 14, 45, tzinfo=UTC)


def test_under_a_cron_a_fetched_source_is_next_fetched_at_the_next_pass() -> None:
    finished = PASS_AT + timedelta(seconds=3)
    due = pacing.after_success(finished, timedelta(minutes=1), cron=QUARTERLY)
    assert due == datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def test_under_a_cron_backoff_and_retry_after_move_the_next_fetch_to_a_later_pass() -> None:
    finished = PASS_AT + timedelta(seconds=3)
    backing_off = pacing.after_failure(
        finished, timedelta(minutes=1), 5, cap=timedelta(hours=2), jitter=0, cron=QUARTERLY
    )  # 16 min of backoff: not at 15:00, which starts before it ends
    assert backing_off == datetime(2026, 11, 20, 15, 15, tzinfo=UTC)
    told_to_wait = pacing.after_failure(
        finished, timedelta(minutes=1), 1, cap=timedelta(hours=2), jitter=0,
        retry_after=finished + timedelta(hours=1), cron=QUARTERLY,
    )  # fmt: skip
    assert told_to_wait == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


def test_a_cron_pass_at_the_due_time_fetches_the_source() -> None:
    assert pacing.cron_pass(PASS_AT, QUARTERLY) == PASS_AT


def test_under_a_cron_the_stored_next_fetch_is_the_next_pass(
    tmp_path: Path, database_url: str, answers: Answers, store: Store
) -> None:
    path = tmp_path / "config.yaml"
    url = answers.url  # type: ignore[attr-defined]
    schedule = f"{{default_interval: 1m, cron: '{QUARTERLY}'}}"
    path.write_text(config_text(database_url, [("wire", url, "news")], schedule=schedule))
    settings = load_settings(path)
    store.sync_sources(settings.configured_sources())
    source = fetch(settings, store)
    assert source.last_fetch_at is not None
    assert source.next_fetch_at == pacing.cron_pass(source.last_fetch_at, QUARTERLY)
    assert source.next_fetch_at.minute % 15 == 0 and source.next_fetch_at.second == 0
