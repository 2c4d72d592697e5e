"""An edited specialty vocabulary reaches the items already stored: the plan in the database,
batches leased to one process, the lists consistent with the vocabulary in force; on both
databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from webfactory import NOW, entry, save, setup_store, web_settings

from aggregator.config import SpecialtySettings
from aggregator.records import Kind, ParsedItem, RetagPlan, StoredTags
from aggregator.reload import Change
from aggregator.retagging import (
    fingerprint,
    new_tags,
    replan,
    retag_stored,
    retagged,
    revisit,
)
from aggregator.schedule import RefreshService
from aggregator.store import Store
from aggregator.tagging import DEFAULT_SPECIALTIES, Specialty, Tagger, specialties_from_config
from web import create_app

EDITED = {
    "neuro": SpecialtySettings(keywords=("stroke", "thrombectomy")),
    "oncology": SpecialtySettings(keywords=("cancer",)),
}
STROKE = "Thrombectomy up to 36 hours after stroke"


def edited() -> tuple[Specialty, ...]:
    return specialties_from_config(EDITED)


def stored(store: Store) -> dict[str, tuple[str, ...]]:
    return {item.title: item.tags for item in store.list_items(limit=100, stories=False).items}


def save_tagged_by_default(store: Store) -> list[tuple[Kind, ParsedItem, tuple[str, ...]]]:
    """Two items tagged as ingest tags them under the built-in vocabulary, plus a feed's
    category ("policy") that is no specialty; their entries."""
    setup_store(store, web_settings(store.display_url))
    titles = (STROKE, "Statins after a heart attack")
    entries = [
        entry(Kind.NEWS, title=title, summary="<p>A report.</p>", tags=tagged_by_default(title))
        for title in titles
    ]
    save(store, entries)
    return entries


def tagged_by_default(title: str) -> tuple[str, ...]:
    tagger = Tagger(DEFAULT_SPECIALTIES)
    return tagger.tag(title=title, text="", source_id="health-news", feed_tags=("Policy",))


def test_an_edit_recomputes_the_changed_specialties_and_keeps_other_tags() -> None:
    item = StoredTags(1, STROKE, "<p>A report.</p>", ("health-news",), ("neurology", "policy"))
    changed = frozenset({"neurology", "cardiology", "neuro", "oncology"})
    assert retagged(item, Tagger(edited()), changed) == ("neuro", "policy")


def test_an_unchanged_specialty_keeps_its_stored_tags() -> None:
    # the stored tag may come from a duplicate merged in: it is not recomputed
    item = StoredTags(1, "No keyword here", "", ("health-news",), ("oncology",))
    assert new_tags(Tagger(edited()), [item], frozenset({"neuro"})) == {}


def test_a_first_look_takes_the_items_to_carry_the_vocabulary_in_force() -> None:
    assert replan(None, fingerprint(edited())) == RetagPlan(fingerprint(edited()))


def test_an_edit_during_a_retag_starts_over_and_redoes_both_edits() -> None:
    first = replan(RetagPlan(fingerprint(DEFAULT_SPECIALTIES)), fingerprint(edited()))
    assert first is not None and first.after == 0
    halfway = RetagPlan(first.vocabulary, first.changed, after=40)
    again = replan(halfway, {"neuro": "other"})
    assert again is not None and again.after == 0
    assert again.changed >= first.changed | {"neuro", "oncology"}


def test_stored_items_are_retagged_when_the_vocabulary_changes(store: Store) -> None:
    save_tagged_by_default(store)
    assert retag_stored(store, DEFAULT_SPECIALTIES) is None  # first look: nothing to redo
    report = retag_stored(store, edited(), batch=1)
    assert report is not None and report.done and report.items == 2
    tags = stored(store)
    assert tags == {STROKE: ("neuro", "policy"), "Statins after a heart attack": ("policy",)}
    assert [i.title for i in store.list_items(specialty="neuro").items] == [STROKE]
    assert not store.list_items(specialty="cardiology").items
    assert retag_stored(store, edited()) is None  # done: one read, nothing more


def test_a_restart_with_an_edited_config_notices_it(store: Store, database_url: str) -> None:
    save_tagged_by_default(store)
    retag_stored(store, DEFAULT_SPECIALTIES)
    again = Store(database_url)  # another process, started on the edited file
    try:
        report = retag_stored(again, edited())
    finally:
        again.close()
    assert report is not None and report.done
    assert stored(store)[STROKE] == ("neuro", "policy")


def test_a_second_process_leaves_a_leased_retag_to_its_holder(store: Store) -> None:
    save_tagged_by_default(store)
    retag_stored(store, DEFAULT_SPECIALTIES)
    vocabulary = fingerprint(edited())
    assert store.plan_retag(vocabulary)
    decide = _decide(edited())
    first = store.retag_batch(vocabulary, decide, holder="a:1:1", limit=1, now=NOW)
    assert first is not None and not first.done
    assert store.retag_batch(vocabulary, decide, holder="b:2:2", limit=1, now=NOW) is None
    later = NOW + timedelta(minutes=3)  # the holder's lease ran out: taken over
    rest = store.retag_batch(vocabulary, decide, holder="b:2:2", limit=5, now=later)
    assert rest is not None and rest.done and rest.items == 1


def test_a_process_with_the_old_vocabulary_does_not_work_on_the_new_plan(store: Store) -> None:
    save_tagged_by_default(store)
    retag_stored(store, DEFAULT_SPECIALTIES)
    store.plan_retag(fingerprint(edited()))
    old = fingerprint(DEFAULT_SPECIALTIES)
    assert store.retag_batch(old, _decide(DEFAULT_SPECIALTIES), holder="x", limit=5) is None


def test_lists_follow_the_vocabulary_in_force(store: Store, database_url: str) -> None:
    settings = web_settings(database_url).model_copy(update={"specialties": EDITED})
    setup_store(store, settings)
    save_tagged_by_default(store)
    retag_stored(store, DEFAULT_SPECIALTIES)
    client = create_app(settings=settings, store=store).test_client()
    retag_stored(store, edited())
    items = client.get("/api/items?specialty=neuro").get_json()["items"]
    assert [item["title"] for item in items] == [STROKE]
    assert STROKE in client.get("/specialties/neuro").get_data(as_text=True)
    # a removed specialty lists nothing once re-tagged; its feed still answers
    assert client.get("/api/items?specialty=cardiology").get_json()["items"] == []
    assert client.get("/feed.atom?specialty=cardiology").status_code == 200
    assert client.get("/specialties/cardiology").status_code == 404


def _decide(specialties: tuple[Specialty, ...]):  # type: ignore[no-untyped-def]
    tagger = Tagger(specialties)
    return lambda items, changed: new_tags(tagger, items, changed)


def test_the_service_retags_after_a_reloaded_edit(store: Store, database_url: str) -> None:
    settings = web_settings(database_url)
    service = RefreshService(settings, store, worker="test")
    save_tagged_by_default(store)
    assert service.retag() is None  # the built-in vocabulary, as the items were tagged
    service.apply(Change(settings=settings.model_copy(update={"specialties": EDITED})))
    report = service.retag()
    assert report is not None and report.done
    assert stored(store)[STROKE] == ("neuro", "policy")


def test_items_written_with_another_vocabulary_send_a_finished_retag_back_to_them() -> None:
    old, new = fingerprint(DEFAULT_SPECIALTIES), fingerprint(edited())
    moved = revisit(RetagPlan(new), old, lowest=7)
    assert moved == RetagPlan(new, frozenset(old) | frozenset(new), after=6)
    assert revisit(RetagPlan(new), new, lowest=7) is None


def test_a_retag_under_way_goes_back_only_as_far_as_the_items_written() -> None:
    old, new = fingerprint(DEFAULT_SPECIALTIES), fingerprint(edited())
    under_way = RetagPlan(new, frozenset({"neuro"}), after=3)
    moved = revisit(under_way, old, lowest=7)
    assert moved is not None and moved.after == 3 and moved.changed > {"neuro", "neurology"}
    assert revisit(replace(under_way, after=9), old, lowest=7).after == 6  # type: ignore[union-attr]


def test_a_pass_begun_before_an_edit_leaves_no_item_with_the_old_tags(store: Store) -> None:
    save_tagged_by_default(store)
    retag_stored(store, DEFAULT_SPECIALTIES)
    report = retag_stored(store, edited())
    assert report is not None and report.done
    # The refresh pass built its tagger before the edit: its new item has the old tags.
    title = "Stroke units after thrombectomy"
    late = entry(Kind.NEWS, title=title, summary="<p>A report.</p>", tags=tagged_by_default(title))
    assert "neurology" in late[2]
    save(store, [late], vocabulary=fingerprint(DEFAULT_SPECIALTIES))
    retag_stored(store, edited())
    assert stored(store)[title] == ("neuro", "policy")
    assert title in [i.title for i in store.list_items(specialty="neuro").items]
    assert retag_stored(store, edited()) is None  # settled


def test_a_rewrite_by_a_pass_on_the_old_vocabulary_is_retagged_again(store: Store) -> None:
    kind, item, tags = save_tagged_by_default(store)[0]
    retag_stored(store, DEFAULT_SPECIALTIES)
    retag_stored(store, edited())
    assert stored(store)[STROKE] == ("neuro", "policy")
    rewritten = replace(item, summary="<p>A longer report.</p>")
    save(store, [(kind, rewritten, tags)], vocabulary=fingerprint(DEFAULT_SPECIALTIES))
    assert stored(store)[STROKE] == ("neurology", "policy")  # as the old pass wrote it
    retag_stored(store, edited())
    assert stored(store)[STROKE] == ("neuro", "policy")


def test_a_pass_on_the_planned_vocabulary_leaves_the_plan_alone(store: Store) -> None:
    save_tagged_by_default(store)
    retag_stored(store, DEFAULT_SPECIALTIES)
    before = store.retag_plan()
    title = "Statins for everyone"
    late = entry(Kind.NEWS, title=title, summary="<p>A report.</p>", tags=tagged_by_default(title))
    save(store, [late], vocabulary=fingerprint(DEFAULT_SPECIALTIES))
    assert store.retag_plan() == before
