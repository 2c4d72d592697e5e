"""Entries of one feed that link to one page: a URL that several entries carry names none.

A society's news whose every entry links to its home page, a listing whose
events all link to one registration page, a podcast whose episodes link to the
show: each entry is its own item. The same entry repeated, a guid-less entry
whose title is fixed, and one article that two sources link to stay one item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import select

from aggregator.config import load_settings
from aggregator.records import SourceOutcome
from aggregator.refresh import Refresher
from aggregator.store import Store
from aggregator.store.addresses import items_at
from aggregator.store.models import Item, ItemSource
from tests.feeds import Entry, config_text, refresh_one, rss, served
from tests.localserver import LocalServer

HOME = "https://society.example.org/"
NEWS = [
    Entry("Society elects a new president", HOME, "news-1"),
    Entry("Call for abstracts opens", HOME, "news-2"),
    Entry("Registration for the annual meeting", HOME, "news-3"),
]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


@pytest.fixture
def feed(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> Callable[[Sequence[Entry]], SourceOutcome]:
    """Serve these entries as the feed, refresh it, and give the outcome."""
    current = {"body": b""}
    server.route("/feed.xml", served(lambda: current["body"]))

    def refresh(entries: Sequence[Entry]) -> SourceOutcome:
        current["body"] = rss(entries)
        return refresh_one(tmp_path, database_url, store, server.url("/feed.xml"))

    return refresh


def titles(store: Store) -> list[str]:
    with store.session() as session:
        return sorted(session.scalars(select(Item.title)))


def guidless(entries: Sequence[Entry]) -> list[Entry]:
    return [Entry(e.title, e.link, None, e.summary) for e in entries]


def test_entries_with_their_own_guids_linking_to_one_home_page_are_each_stored(
    feed: Callable[[Sequence[Entry]], SourceOutcome], store: Store
) -> None:
    assert feed(NEWS).new == 3
    assert titles(store) == sorted(e.title for e in NEWS)


def test_guidless_entries_linking_to_one_home_page_are_each_stored(
    feed: Callable[[Sequence[Entry]], SourceOutcome], store: Store
) -> None:
    assert feed(guidless(NEWS)).new == 3
    assert titles(store) == sorted(e.title for e in NEWS)


def test_a_guidless_entry_repeated_with_its_page_and_title_is_stored_once(
    feed: Callable[[Sequence[Entry]], SourceOutcome], store: Store
) -> None:
    feed(guidless([*NEWS, NEWS[0]]))
    assert titles(store) == sorted(e.title for e in NEWS)


def test_an_entry_linking_to_the_page_an_earlier_entry_linked_to_alone_is_its_own_item(
    feed: Callable[[Sequence[Entry]], SourceOutcome], store: Store
) -> None:
    """A feed that holds its latest entry only shows the page shared across fetches."""
    feed(NEWS[:1])
    assert feed(NEWS[1:2]).new == 1
    assert titles(store) == sorted(e.title for e in NEWS[:2])


def test_a_guidless_entry_stays_its_item_when_other_entries_come_to_share_its_page(
    feed: Callable[[Sequence[Entry]], SourceOutcome], store: Store
) -> None:
    first, *others = guidless(NEWS)
    feed([first])
    assert (feed([*others, first]).new, feed([first]).new) == (2, 0)
    assert titles(store) == sorted(e.title for e in NEWS)


def test_a_guidless_entry_whose_title_is_fixed_updates_its_item(
    feed: Callable[[Sequence[Entry]], SourceOutcome], store: Store
) -> None:
    page = "https://society.example.org/news/annual-meeting"
    feed(guidless([*NEWS, Entry("Anual meeting opens", page)]))
    outcome = feed(guidless([*NEWS, Entry("Annual meeting opens", page)]))
    assert (outcome.new, outcome.updated) == (0, 1)
    assert titles(store) == sorted([*(e.title for e in NEWS), "Annual meeting opens"])


def test_an_article_two_sources_link_to_is_one_item_beside_the_home_page_entries(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    article = "https://society.example.org/news/guideline-2027"
    society = [*NEWS, Entry("New hypertension guideline", article, "news-4")]
    server.route("/society.xml", served(rss(society)))
    server.route("/wire.xml", served(rss([Entry("Society issues a guideline", article, "w-1")])))
    path = tmp_path / "config.yaml"
    sources = [
        ("society", server.url("/society.xml"), "news"),
        ("wire", server.url("/wire.xml"), "news"),
    ]
    path.write_text(config_text(database_url, sources))
    settings = load_settings(path)
    store.sync_sources(settings.configured_sources())
    Refresher(settings, store).refresh(due_only=False)
    with store.session() as session:
        rows = session.execute(select(Item.title, ItemSource.source_id).join(ItemSource)).all()
    assert len({title for title, _ in rows}) == 4
    assert sorted(source for _, source in rows) == ["society"] * 4 + ["wire"]


def test_a_guidless_feed_that_stops_sharing_its_page_leaves_the_first_entrys_item_alone(
    feed: Callable[[Sequence[Entry]], SourceOutcome], store: Store
) -> None:
    """The entry left alone at the page is keyed by the bare URL again, which is the item
    of the entry that had the page to itself first: it must find its own item."""
    first, second = guidless(NEWS[:2])
    for entries in ([first], [first, second], [second], [first, second], [first]):
        feed(entries)
    assert titles(store) == sorted([first.title, second.title])


def two_sources(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> Callable[[str, Sequence[Entry]], None]:
    """Serve and refresh "alpha" and "zeta" (alpha's copy ranks first: source id)."""
    bodies = {"alpha": b"", "zeta": b""}
    for name in bodies:
        server.route(f"/{name}.xml", served(lambda name=name: bodies[name]))
    path = tmp_path / "config.yaml"
    sources = [(name, server.url(f"/{name}.xml"), "news") for name in bodies]
    path.write_text(config_text(database_url, sources))
    settings = load_settings(path)
    store.sync_sources(settings.configured_sources())

    def refresh(name: str, entries: Sequence[Entry]) -> None:
        bodies[name] = rss(entries)
        Refresher(settings, store).refresh(due_only=False, source_ids=[name])

    return refresh


def test_an_entry_whose_guid_changes_stays_a_copy_of_the_item_another_source_shows(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """Its title is compared with its own copy's only: the item shows alpha's."""
    article = "https://journal.example.org/article/1"
    refresh = two_sources(tmp_path, database_url, store, server)
    refresh("zeta", [Entry("Statins after 75: what the trial found", article, "z1")])
    refresh("alpha", [Entry("Statin therapy in adults over 75", article, "a1")])
    refresh("zeta", [Entry("Statins after 75: what the trial found", article, "z2")])
    assert titles(store) == ["Statin therapy in adults over 75"]


def test_a_guidless_copy_of_an_item_another_source_shows_stays_it_when_its_feed_shares_the_page(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    article = "https://journal.example.org/article/1"
    copy = Entry("Statins after 75: what the trial found", article)
    refresh = two_sources(tmp_path, database_url, store, server)
    refresh("zeta", [copy])
    refresh("alpha", [Entry("Statin therapy in adults over 75", article, "a1")])
    refresh("zeta", [copy, Entry("Our take on the statin trial", article)])
    assert titles(store) == ["Our take on the statin trial", "Statin therapy in adults over 75"]


@pytest.mark.parametrize("with_guids", [True, False])
def test_a_page_its_feed_comes_to_share_no_longer_names_the_item_that_had_it_alone(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer, with_guids: bool
) -> None:
    """alpha's first entry had the home page to itself; then alpha's feed links a second
    entry to it: the page names neither, and another outlet's post about the site is its
    own item, not a copy of the first entry. That entry stays its one item, at its link."""
    news = NEWS[:2] if with_guids else guidless(NEWS[:2])
    relaunch = Entry("Society relaunches its website", HOME, "w-1")
    refresh = two_sources(tmp_path, database_url, store, server)
    refresh("alpha", news[:1])
    refresh("alpha", news)
    refresh("alpha", news)
    refresh("zeta", [relaunch])

    assert titles(store) == sorted([news[0].title, news[1].title, relaunch.title])
    with store.session() as session:
        rows = session.execute(select(Item.id, Item.title).where(Item.source_id == "alpha"))
        first = next(item_id for item_id, title in rows if title == news[0].title)
    shown = store.get_item(first)
    assert shown is not None
    assert (shown.url, [s.id for s in shown.sources]) == (HOME, ["alpha"])


def test_a_copy_stays_found_at_its_page_when_the_owners_feed_comes_to_share_that_page(
    tmp_path: Path, database_url: str, store: Store, server: LocalServer
) -> None:
    """zeta's copy of alpha's story stored its page as "the item's" (NULL); when alpha's
    feed links a second entry to the page, the item lets the page go, and zeta's copy, whose
    own feed still gives the page to this one story, keeps naming it."""
    page = "https://journal.example.org/a/1"
    story = Entry("Statin use and dementia risk in older adults", page, "a-1")
    refresh = two_sources(tmp_path, database_url, store, server)
    refresh("alpha", [story])
    refresh("zeta", [Entry(story.title, page, "z-1")])
    (item_id,) = found_at(store, page)
    refresh("alpha", [story, Entry("Another story alpha links to the same page", page, "a-2")])
    assert found_at(store, page) == [item_id]


def found_at(store: Store, page: str) -> list[int]:
    with store.session() as session:
        return items_at(session.connection(), page)
