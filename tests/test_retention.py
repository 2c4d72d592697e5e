"""Retention: old items purged in batches after refresh passes, featured / pinned / upcoming
events kept, and purged guids remembered so that the next fetch does not bring them back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from webfactory import NOW, entry, save, web_settings

from aggregator.config import RetentionSettings, Settings, load_settings
from aggregator.errors import ConfigError
from aggregator.records import EventInfo, Kind, SourceOutcome
from aggregator.refresh import Refresher
from aggregator.retention import SWEEP, plan, purge_after_pass
from aggregator.store import Store
from aggregator.store.models import Item, ItemSource, PurgedItem
from aggregator.store.retention import FORGET_AFTER, PurgePlan
from tests.feeds import Entry, config_text, rss
from tests.localserver import LocalServer, send

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _sources(request: pytest.FixtureRequest) -> None:
    """The web test sources, in the database before any item is saved."""
    if "store" in request.fixturenames:
        store: Store = request.getfixturevalue("store")
        store.sync_sources(web_settings(store.url).configured_sources())


def retained(store: Store, **retention: int) -> Settings:
    settings = web_settings(store.url)
    return settings.model_copy(update={"retention": RetentionSettings(**retention)})


def titles(store: Store) -> set[str]:
    with store.session() as session:
        return set(session.scalars(select(Item.title)))


def count(store: Store, model: type) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_items_older_than_the_retention_days_are_purged(store: Store) -> None:
    save(store, [entry(Kind.NEWS, title="Old news", published=NOW - 40 * DAY)])
    save(store, [entry(Kind.NEWS, title="Fresh news", published=NOW - DAY)])
    result = purge_after_pass(retained(store, days=30), store, [], NOW)
    assert result.items == 1
    assert titles(store) == {"Fresh news"}


def test_featured_article_and_upcoming_conference_outlive_their_age(store: Store) -> None:
    long_text = "<p>" + " ".join(["word"] * 80) + "</p>"
    start = NOW + 20 * DAY
    upcoming = EventInfo(start=start, end=start + 2 * DAY, all_day=True)
    ended = EventInfo(start=NOW - 50 * DAY, end=NOW - 48 * DAY, all_day=True)
    save(
        store,
        [
            entry(Kind.ARTICLE, title="Featured", published=NOW - 60 * DAY, content=long_text),
            entry(Kind.CONFERENCE, title="Congress 2027", published=NOW - 60 * DAY, event=upcoming),
            entry(Kind.CONFERENCE, title="Congress 2026", published=NOW - 60 * DAY, event=ended),
            entry(Kind.NEWS, title="Old news", published=NOW - 60 * DAY),
        ],
    )
    purge_after_pass(retained(store, days=30), store, [], NOW)
    assert titles(store) == {"Featured", "Congress 2027"}


def test_the_pinned_item_is_kept_whatever_its_age(store: Store) -> None:
    save(store, [entry(Kind.NEWS, title="Pinned", published=NOW - 90 * DAY, url="https://p.org/1")])
    save(store, [entry(Kind.NEWS, title="Other", published=NOW - 90 * DAY)])
    settings = retained(store, days=30)
    settings = settings.model_copy(
        update={"featured": settings.featured.model_copy(
            update={"policy": "pinned", "pinned": "https://p.org/1"})}
    )  # fmt: skip
    purge_after_pass(settings, store, [], NOW)
    assert titles(store) == {"Pinned"}


def test_each_source_keeps_its_newest_items_up_to_per_source(store: Store) -> None:
    save(store, [entry(Kind.NEWS, title=f"Wire {n}", published=NOW - n * DAY) for n in range(5)])
    save(store, [entry(Kind.NEWS, title="Press", published=NOW - 9 * DAY)], source="fda-press")
    purge_after_pass(retained(store, per_source=2), store, [], NOW)
    assert titles(store) == {"Wire 0", "Wire 1", "Press"}


def test_an_item_another_source_carries_among_its_newest_is_kept(store: Store) -> None:
    """The item counts against its owner, the press office, as its oldest; but it is the
    news site's newest, and purging it left the news site with nothing for good."""
    releases = [entry(Kind.NEWS, title=f"Release {n}", published=NOW - n * DAY) for n in range(4)]
    save(store, releases, source="fda-press")
    shared = dict(title="Shared", published=NOW - 8 * DAY, url="https://s.org/shared")
    save(store, [entry(Kind.NEWS, **shared)], source="fda-press")  # type: ignore[arg-type]
    save(store, [entry(Kind.NEWS, **shared)], source="health-news")  # type: ignore[arg-type]
    purge_after_pass(retained(store, per_source=2), store, [], NOW)
    assert titles(store) == {"Release 0", "Release 1", "Shared"}


def test_items_another_source_keeps_do_not_end_a_sources_purge(store: Store) -> None:
    """Kept items filled the query's page, which read as "nothing more to purge": the
    press office's old releases behind them were never purged."""
    newest = [entry(Kind.NEWS, title=f"Release {n}", published=NOW - n * DAY) for n in range(2)]
    shared = [entry(Kind.NEWS, title=f"Shared {n}", published=NOW - (2 + n) * DAY,
                    url=f"https://s.org/{n}") for n in range(2)]  # fmt: skip
    old = [entry(Kind.NEWS, title=f"Old {n}", published=NOW - (20 + n) * DAY) for n in range(3)]
    save(store, newest + shared + old, source="fda-press")
    save(store, shared, source="health-news")
    featured = web_settings(store.url).featured.as_policy()
    store.purge(PurgePlan(now=NOW, per_source=2), featured, batch=2)
    assert titles(store) == {"Release 0", "Release 1", "Shared 0", "Shared 1"}


def test_a_purged_item_remembers_every_guid_that_carried_it(store: Store) -> None:
    old = entry(Kind.NEWS, title="Syndicated", published=NOW - 40 * DAY, url="https://s.org/1")
    save(store, [old])
    copy = entry(Kind.NEWS, title="Syndicated", published=NOW - 40 * DAY, url="https://s.org/1")
    save(store, [copy], source="fda-press")
    assert count(store, ItemSource) == 2
    purge_after_pass(retained(store, days=30), store, [], NOW)
    with store.session() as session:
        remembered = set(session.execute(select(PurgedItem.source_id, PurgedItem.guid_key)))
    assert remembered == {("health-news", old[1].guid), ("fda-press", copy[1].guid)}
    assert count(store, ItemSource) == 0


def test_a_purged_item_saved_again_is_counted_unchanged_not_new(store: Store) -> None:
    old = entry(Kind.NEWS, title="Gone for good", published=NOW - 40 * DAY)
    save(store, [old])
    purge_after_pass(retained(store, days=30), store, [], NOW)
    save(store, [old])
    assert titles(store) == set()


def test_purging_part_of_a_story_leaves_the_rest_with_a_representative(store: Store) -> None:
    save(store, [entry(Kind.NEWS, title="First", published=NOW - 40 * DAY)])
    save(store, [entry(Kind.NEWS, title="Second", published=NOW - DAY)], source="fda-press")
    with store.session() as session:
        ids = sorted(session.scalars(select(Item.id)))
        session.execute(update(Item).values(story_id=ids[0], is_representative=Item.id == ids[0]))
    purge_after_pass(retained(store, days=30), store, [], NOW)
    with store.session() as session:
        (row,) = session.execute(select(Item.id, Item.story_id, Item.is_representative)).all()
    assert row == (ids[1], ids[1], True)


def test_a_large_purge_runs_in_batches(store: Store) -> None:
    save(store, [entry(Kind.NEWS, published=NOW - (40 + n) * DAY) for n in range(7)])
    featured = web_settings(store.url).featured.as_policy()
    result = store.purge(PurgePlan(now=NOW, older_than=NOW - 30 * DAY), featured, batch=3)
    assert (result.items, result.batches) == (7, 3)
    assert count(store, Item) == 0


def test_a_purge_stops_at_its_batch_budget_and_the_next_one_goes_on(store: Store) -> None:
    save(store, [entry(Kind.NEWS, published=NOW - (40 + n) * DAY) for n in range(5)])
    plan_ = PurgePlan(now=NOW, older_than=NOW - 30 * DAY)
    featured = web_settings(store.url).featured.as_policy()
    first = store.purge(plan_, featured, batch=2, max_batches=1)
    assert (first.items, first.complete) == (2, False)
    rest = store.purge(plan_, featured, batch=2)
    assert (rest.items, rest.complete) == (3, True)


def test_between_sweeps_only_sources_with_new_items_are_counted() -> None:
    retention = RetentionSettings(days=30, per_source=10)
    outcomes = [SourceOutcome("a", "ok", new=2), SourceOutcome("b", "not-modified")]
    chosen = plan(retention, outcomes, NOW, sweep=False)
    assert chosen is not None and chosen.source_ids == ("a",)
    assert chosen.older_than == NOW - 30 * DAY
    swept = plan(retention, outcomes, NOW, sweep=True)
    assert swept is not None and swept.source_ids is None
    assert plan(RetentionSettings(per_source=10), outcomes[1:], NOW, sweep=False) is None
    assert plan(RetentionSettings(), outcomes, NOW, sweep=True) is None


def test_a_sweep_over_every_source_happens_once_a_day_and_after_a_settings_change(
    store: Store,
) -> None:
    settings = retained(store, per_source=1)
    save(store, [entry(Kind.NEWS, title=f"Wire {n}", published=NOW - n * DAY) for n in range(3)])
    purge_after_pass(settings, store, [], NOW)  # first pass: a sweep
    assert titles(store) == {"Wire 0"}
    mark = store.get_meta(SWEEP)
    save(store, [entry(Kind.NEWS, title="Late", published=NOW - 5 * DAY)])
    purge_after_pass(settings, store, [], NOW)  # same day, no source grew: nothing to count
    assert "Late" in titles(store) and store.get_meta(SWEEP) == mark
    purge_after_pass(settings, store, [], NOW + DAY)
    assert titles(store) == {"Wire 0"}


def test_a_remembered_guid_no_feed_carries_any_more_is_eventually_forgotten(store: Store) -> None:
    save(store, [entry(Kind.NEWS, published=NOW - 40 * DAY)])
    purge_after_pass(retained(store, days=30), store, [], NOW)
    assert count(store, PurgedItem) == 1
    featured = web_settings(store.url).featured.as_policy()
    store.purge(PurgePlan(now=NOW + FORGET_AFTER + DAY), featured)
    assert count(store, PurgedItem) == 0


@pytest.mark.parametrize("bad", ["{days: 0}", "{per_source: -1}", "{keep: 3}", "{days: soon}"])
def test_bad_retention_settings_are_config_errors(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(config_text("sqlite:///x.db", [("a", "https://ex.org/a", "news")],
                                retention=bad))  # fmt: skip
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert error.value.field is not None and error.value.field.startswith("retention")


# --- end to end: a real feed, a real refresh pass ---------------------------------------


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def test_items_purged_after_a_pass_do_not_come_back_on_the_next_fetch(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    entries = [
        Entry(title, f"https://ex.org/{n}", f"g{n}", published=f"{day} Nov 2026 10:00:00 GMT")
        for n, (title, day) in enumerate(
            [("Aspirin trial halts", "Sat, 28"), ("Measles rise", "Fri, 27"),
             ("Sepsis guideline", "Thu, 26"), ("Statin review", "Wed, 25")]
        )
    ]  # fmt: skip
    feed = {"entries": entries}
    server.route("/feed.xml", lambda handler: send(handler, 200, rss(feed["entries"])))
    config = tmp_path / "config.yaml"
    config.write_text(config_text(database_url, [("wire", server.url("/feed.xml"), "news")],
                                  retention="{per_source: 2}"))  # fmt: skip
    settings = load_settings(config)
    store.sync_sources(settings.configured_sources())
    first = Refresher(settings, store).refresh(due_only=False)
    assert first[0].new == 4
    assert titles(store) == {"Aspirin trial halts", "Measles rise"}
    feed["entries"] = [
        Entry("Kidney study", "https://ex.org/9", "g9", published="Sun, 29 Nov 2026 10:00:00 GMT"),
        *entries,
    ]
    second = Refresher(settings, store).refresh(due_only=False)
    assert (second[0].new, second[0].unchanged) == (1, 4)
    assert titles(store) == {"Kidney study", "Aspirin trial halts"}


def test_an_item_stored_after_a_purge_never_takes_a_purged_items_id(store: Store) -> None:
    """An id is an item's public name (/items/ID, its Atom and JSON Feed id). SQLite numbers
    a new row after the largest one left, so the newest item, purged, lent it its id."""
    save(store, [entry(Kind.NEWS, title="Kept", published=NOW - DAY)])
    save(store, [entry(Kind.NEWS, title="Late old news", published=NOW - 40 * DAY)])
    purged_id = ids_by_title(store)["Late old news"]
    purge_after_pass(retained(store, days=30), store, [], NOW)
    save(store, [entry(Kind.NEWS, title="Next news", published=NOW)])
    save(store, [entry(Kind.NEWS, title="And the next", published=NOW)])
    after = ids_by_title(store)
    assert set(after) == {"Kept", "Next news", "And the next"}
    assert purged_id < after["Next news"] < after["And the next"]


def ids_by_title(store: Store) -> dict[str, int]:
    with store.session() as session:
        return {title: item_id for title, item_id in session.execute(select(Item.title, Item.id))}
