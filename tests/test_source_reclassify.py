"""A source's kind or label edited in config.yaml moves the items it owns.

Items carry their owner's kind and label from when they were stored; the config
mirror (``Store.sync_sources``) moves them when the source's change, with each
story's first-of-kind flags (``kindleads``) and the page cache following. Every
test runs on SQLite, and on PostgreSQL when MEDFEED_TEST_DATABASE_URL is set.
"""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session
from webfactory import NOW, app, client, entry, make_story, save, settings, setup_store

from aggregator.config import Settings
from aggregator.records import Kind, Label
from aggregator.store import Store
from aggregator.store.models import Item
from aggregator.store.sources import sync_sources
from aggregator.store.stories import PENDING, lock_stories
from aggregator.storywindow import story_window
from tests.test_dedupe import APPROVAL, REWRITE


@pytest.fixture
def mirrored(store: Store, settings: Settings) -> Store:
    """The store with the test sources configured."""
    return setup_store(store, settings)


def _edited(settings: Settings, source_id: str, **change: object) -> Settings:
    sources = tuple(
        s.model_copy(update=change) if s.id == source_id else s for s in settings.sources
    )
    return settings.model_copy(update={"sources": sources})


def _listed(store: Store, kind: Kind, source: str | None = None) -> list[tuple[str, str]]:
    items = store.list_items(kind=kind, source=source, limit=100).items
    return sorted((item.title, item.label.value) for item in items)


def test_a_source_moved_from_news_to_journal_articles_takes_its_items_along(
    client: FlaskClient, store: Store, settings: Settings
) -> None:
    save(store, [entry(Kind.NEWS, title="First paper"), entry(Kind.NEWS, title="Second paper")])
    wanted = "/api/items?kind=article&source=health-news"
    assert client.get(wanted).get_json()["items"] == []  # the page cache holds this answer
    edited = _edited(settings, "health-news", kind=Kind.ARTICLE, label=Label.JOURNAL)
    store.sync_sources(edited.configured_sources(), NOW)
    assert _listed(store, Kind.ARTICLE) == [("First paper", "journal"), ("Second paper", "journal")]
    assert _listed(store, Kind.NEWS, "health-news") == []
    answer = client.get(wanted).get_json()["items"]
    assert sorted((i["title"], i["kind"], i["label"]) for i in answer) == [
        ("First paper", "article", "journal"),
        ("Second paper", "article", "journal"),
    ]


def test_a_label_edit_alone_relabels_the_sources_items(mirrored: Store, settings: Settings) -> None:
    store = mirrored
    save(store, [entry(Kind.NEWS, title="Press copy")], source="fda-press")
    store.sync_sources(_edited(settings, "fda-press", label=Label.SOCIETY).configured_sources())
    assert _listed(store, Kind.NEWS) == [("Press copy", "society")]


def test_the_story_member_left_of_the_old_kind_takes_over_its_list(
    mirrored: Store, settings: Settings
) -> None:
    """The moved item led its story's News entry; the other outlet's copy leads it now,
    and the moved one leads the story's Articles entry."""
    store = mirrored
    save(store, [entry(Kind.NEWS, title="Moved copy", published=NOW)])
    save(store, [entry(Kind.NEWS, title="Press copy", published=NOW)], source="fda-press")
    ids = {i.title: i.id for i in store.list_items(limit=10, stories=False).items}
    make_story(store, ids["Moved copy"], [ids["Press copy"]])
    assert _listed(store, Kind.NEWS) == [("Moved copy", "news")]
    edited = _edited(settings, "health-news", kind=Kind.ARTICLE, label=Label.JOURNAL)
    store.sync_sources(edited.configured_sources(), NOW)
    assert _listed(store, Kind.NEWS) == [("Press copy", "press-release")]
    assert _listed(store, Kind.ARTICLE) == [("Moved copy", "journal")]


def _shown(store: Store) -> list[tuple[str, str]]:
    """The stream's entries (one per story: its representative), as (title, source)."""
    return [(i.title, i.source.id) for i in store.list_items(limit=10).items]


def _wire_and_press_release(store: Store) -> None:
    """One story: a wire copy (health-news) of a press release (fda-press), published
    at the same instant, so that the press release's label puts it first."""
    save(store, [entry(Kind.NEWS, title=REWRITE[0], summary=REWRITE[1], published=NOW)])
    save(store, [entry(Kind.NEWS, title=APPROVAL[0], summary=APPROVAL[1], published=NOW)],
         source="fda-press")  # fmt: skip


def test_a_label_edit_decides_again_which_copy_of_a_story_published_together_is_shown(
    mirrored: Store, settings: Settings
) -> None:
    """Copies published at one instant are ordered by their labels' authority; the copy
    shown was still the one the old label put first (until the story changed otherwise)."""
    store = mirrored
    _wire_and_press_release(store)
    assert _shown(store) == [(APPROVAL[0], "fda-press")]  # press-release before news
    store.sync_sources(_edited(settings, "fda-press", label=Label.SPONSORED).configured_sources())
    store.assign_stories(story_window(store).assign_pending())  # as the next pass does
    assert _shown(store) == [(REWRITE[0], "health-news")]  # news before sponsored


def test_a_label_edit_leaves_stories_whose_copies_were_published_apart_as_they_are(
    mirrored: Store, settings: Settings
) -> None:
    """The label orders only copies published at one instant: an hour apart, the earlier
    copy leads whatever the labels, and nothing is decided again."""
    store = mirrored
    save(store, [entry(Kind.NEWS, title=REWRITE[0], summary=REWRITE[1], published=NOW)])
    earlier = NOW - timedelta(hours=1)
    save(store, [entry(Kind.NEWS, title=APPROVAL[0], summary=APPROVAL[1], published=earlier)],
         source="fda-press")  # fmt: skip
    store.sync_sources(_edited(settings, "fda-press", label=Label.SPONSORED).configured_sources())
    assert not store.stories_pending()
    assert _shown(store) == [(APPROVAL[0], "fda-press")]


def test_a_copy_arriving_after_a_label_edit_is_ordered_by_the_new_label(
    mirrored: Store, settings: Settings
) -> None:
    """This process's story index held the relabelled item with its old label: a copy
    published at the same instant and stored after the edit came second to it."""
    store = mirrored
    save(store, [entry(Kind.NEWS, title=APPROVAL[0], summary=APPROVAL[1], published=NOW)],
         source="fda-press")  # fmt: skip
    store.sync_sources(_edited(settings, "fda-press", label=Label.SPONSORED).configured_sources())
    save(store, [entry(Kind.NEWS, title=REWRITE[0], summary=REWRITE[1], published=NOW)])
    assert _shown(store) == [(REWRITE[0], "health-news")]


def test_a_label_edit_leaves_other_stories_published_at_the_same_instant_as_they_are(
    mirrored: Store, settings: Settings
) -> None:
    """Only copies of one story are ordered by their labels: a date-only feed puts a whole
    day at midnight, and every story of every source published then was decided again."""
    store = mirrored
    save(store, [entry(Kind.NEWS, title="Hospital parking fees rise again", published=NOW)])
    save(store, [entry(Kind.NEWS, title=APPROVAL[0], summary=APPROVAL[1], published=NOW)],
         source="fda-press")  # fmt: skip
    assert len(_shown(store)) == 2  # two stories
    store.sync_sources(_edited(settings, "fda-press", label=Label.SPONSORED).configured_sources())
    assert not store.stories_pending()


def test_a_label_edit_that_keeps_the_copies_order_decides_nothing_again(
    mirrored: Store, settings: Settings
) -> None:
    """A press release made a society's statement still comes before the news copy
    published with it: its story's order stands."""
    store = mirrored
    _wire_and_press_release(store)
    store.sync_sources(_edited(settings, "fda-press", label=Label.SOCIETY).configured_sources())
    assert not store.stories_pending()
    assert _shown(store) == [(APPROVAL[0], "fda-press")]


def test_a_label_edit_waits_for_a_story_decision_writing_the_same_items(
    mirrored: Store, settings: Settings
) -> None:
    """A story decision takes the story lock, then writes item rows; the edit wrote the
    source's item rows, then waited for the lock: a deadlock on PostgreSQL, and the
    edit was lost. It takes the lock first now, and waits its turn."""
    store = mirrored
    save(store, [entry(Kind.NEWS, title=APPROVAL[0], summary=APPROVAL[1], published=NOW)],
         source="fda-press")  # fmt: skip
    edited = _edited(settings, "fda-press", label=Label.SPONSORED).configured_sources()
    errors: list[BaseException] = []
    backend: list[int] = []

    def config_edit() -> None:
        try:
            with store.session() as session:
                if store.dialect == "postgresql":
                    backend.append(session.scalar(text("SELECT pg_backend_pid()")))
                sync_sources(session, edited, NOW)
        except BaseException as exc:
            errors.append(exc)

    with store.session() as decider:
        lock_stories(decider)
        editor = threading.Thread(target=config_edit)
        editor.start()
        _until_waiting(decider, backend)
        try:
            decider.execute(update(Item).where(Item.source_id == "fda-press").values(story_seq=2))
            decider.commit()
        except BaseException as exc:
            errors.append(exc)
            decider.rollback()
    editor.join()
    assert errors == []
    assert _listed(store, Kind.NEWS) == [(APPROVAL[0], "sponsored")]


def _until_waiting(session: Session, backend: list[int]) -> None:
    """Return once the PostgreSQL backend in ``backend`` waits for a lock (at most 20 s);
    on SQLite, at once."""
    if session.get_bind().dialect.name != "postgresql":
        return
    waiting = text("SELECT count(*) FROM pg_locks WHERE pid = :pid AND NOT granted")
    for _ in range(200):
        if backend and session.scalar(waiting, {"pid": backend[0]}):
            return
        time.sleep(0.1)


def _stories(store: Store) -> list[set[str]]:
    """Every story of two or more items, as the titles of its items."""
    grouped: dict[int, set[str]] = {}
    for item in store.list_items(limit=100, stories=False).items:
        grouped.setdefault(item.story_id or item.id, set()).add(item.title)
    return sorted((titles for titles in grouped.values() if len(titles) > 1), key=sorted)


# A pharmacist's explainer of the approval in APPROVAL: a video of it is not the news
# story (``dedupe._explains``), a news post of it is.
EXPLAINER = (
    "Kisqali for early breast cancer: what to know",
    "A pharmacist explains ribociclib (Kisqali) for HR-positive early breast cancer: who the "
    "FDA approved it for after NATALEE, the 25% lower risk of recurrence, and neutropenia.",
)


def _decide_pending(store: Store) -> None:
    store.assign_stories(story_window(store).assign_pending())  # as the next pass does


def test_a_news_source_made_a_conference_listing_takes_its_items_out_of_their_stories(
    mirrored: Store, settings: Settings
) -> None:
    """Events never join a story by text; the wire copy stayed in the press release's story
    as an event after its source became a listing of meetings."""
    store = mirrored
    _wire_and_press_release(store)
    assert _stories(store) == [{APPROVAL[0], REWRITE[0]}]
    store.sync_sources(_edited(settings, "health-news", kind=Kind.CONFERENCE).configured_sources())
    _decide_pending(store)
    assert _stories(store) == []


def test_a_video_channel_made_a_news_source_has_its_items_join_the_stories_they_tell(
    mirrored: Store, settings: Settings
) -> None:
    """A video explaining a drug stays apart from the news of its approval (the kinds veto);
    as a news post, the same text is the approval's story."""
    store = mirrored
    save(store, [entry(Kind.NEWS, title=APPROVAL[0], summary=APPROVAL[1], published=NOW)],
         source="fda-press")  # fmt: skip
    save(store, [entry(Kind.VIDEO, title=EXPLAINER[0], summary=EXPLAINER[1], published=NOW)],
         source="med-videos")  # fmt: skip
    assert _stories(store) == []
    store.sync_sources(_edited(settings, "med-videos", kind=Kind.NEWS).configured_sources())
    _decide_pending(store)
    assert _stories(store) == [{APPROVAL[0], EXPLAINER[0]}]


def test_a_kind_edit_between_news_and_articles_decides_no_story_again(
    mirrored: Store, settings: Settings
) -> None:
    """News and articles tell stories alike: the edit changes no decision, so none is made
    again (a large source's every item would be)."""
    store = mirrored
    _wire_and_press_release(store)
    store.sync_sources(_edited(settings, "health-news", kind=Kind.ARTICLE).configured_sources())
    assert not store.stories_pending()
    assert _stories(store) == [{APPROVAL[0], REWRITE[0]}]


def test_a_conference_listing_made_a_news_source_decides_only_its_own_items_again(
    mirrored: Store, settings: Settings
) -> None:
    """Its events were in no story; the stories of other sources stand as they are."""
    store = mirrored
    _wire_and_press_release(store)
    save(store, [entry(Kind.CONFERENCE, title="Breast cancer symposium", published=NOW)],
         source="esc-events")  # fmt: skip
    store.sync_sources(_edited(settings, "esc-events", kind=Kind.NEWS).configured_sources())
    with store.session() as session:
        marked = session.scalars(select(Item.source_id).where(Item.story_seq == PENDING))
        assert sorted(marked) == ["esc-events"]


def test_a_copy_arriving_after_a_kind_edit_is_judged_by_the_new_kind(
    mirrored: Store, settings: Settings
) -> None:
    """This process's story index held the item with its old kind: a press release stored
    after the wire service became a listing of meetings joined the wire copy as news."""
    store = mirrored
    save(store, [entry(Kind.NEWS, title=REWRITE[0], summary=REWRITE[1], published=NOW)])
    store.sync_sources(_edited(settings, "health-news", kind=Kind.CONFERENCE).configured_sources())
    save(store, [entry(Kind.NEWS, title=APPROVAL[0], summary=APPROVAL[1], published=NOW)],
         source="fda-press")  # fmt: skip
    assert _stories(store) == []


def test_an_edit_decides_again_stories_decided_before_story_sequence_numbers(
    mirrored: Store, settings: Settings
) -> None:
    """Items a database decided before migration 0003 have no ``story_seq``: the marking
    (``story_seq != PENDING``) passed them over, and their story stood as it was."""
    store = mirrored
    _wire_and_press_release(store)
    with store.session() as session:
        session.execute(update(Item).values(story_seq=None))
    store.sync_sources(_edited(settings, "fda-press", label=Label.SPONSORED).configured_sources())
    _decide_pending(store)
    assert _shown(store) == [(REWRITE[0], "health-news")]  # news before sponsored
