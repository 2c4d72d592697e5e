"""Near-duplicate story decisions (aggregator.dedupe) and their persistence (store.stories)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session

from aggregator.dedupe import (
    StoryText,
    choose_representative,
    is_boilerplate_title,
    same_story,
    signature,
)
from aggregator.store.models import Base, Item, Source, StoryBand
from aggregator.store.stories import assign_story, detach

T0 = datetime(2026, 10, 6, 13, 0, tzinfo=UTC)

APPROVAL = StoryText(
    1,
    "FDA approves Kisqali (ribociclib) for early breast cancer",
    "The FDA on Tuesday approved Kisqali (ribociclib), Novartis' CDK4/6 inhibitor, for adults "
    "with HR-positive early breast cancer at high risk of recurrence. The decision rests on the "
    "phase 3 NATALEE trial of 5,101 patients, in which ribociclib cut the risk of recurrence by "
    "25%.",
    T0,
)
REWRITE = StoryText(
    2,
    "Novartis wins FDA nod for Kisqali in early breast cancer",
    "Novartis said Tuesday that regulators cleared Kisqali to treat early breast cancer after the "
    "NATALEE study showed a 25% lower risk of recurrence among 5,101 patients. Common side "
    "effects included neutropenia.",
    T0 + timedelta(hours=5),
)


def story(item_id: int, title: str, text: str, hours: float = 0, label: str = "news") -> StoryText:
    return StoryText(item_id, title, text, T0 + timedelta(hours=hours), label=label)


@pytest.mark.parametrize(
    "title",
    [
        "Weekly roundup",
        "This week in cardiology",
        "Correction",
        "Podcast episode 12",
        "In the news",
        "Top stories of the week",
    ],
)
def test_recurring_digest_titles_are_boilerplate(title: str) -> None:
    assert is_boilerplate_title(title)


def test_a_news_headline_is_not_boilerplate() -> None:
    assert not is_boilerplate_title("FDA approves Kisqali for early breast cancer")


def test_syndicated_rewrite_is_the_same_story() -> None:
    assert same_story(APPROVAL, REWRITE)


def test_two_trials_of_the_same_drug_on_the_same_day_stay_separate() -> None:
    first = story(
        1,
        "Keytruda improves survival in phase 3 KEYNOTE-671 lung cancer trial",
        "Merck said its PD-1 inhibitor Keytruda (pembrolizumab) improved overall survival in the "
        "phase 3 KEYNOTE-671 trial (NCT03425643) in resectable non-small cell lung cancer, "
        "presented at the ESMO Congress.",
    )
    second = story(
        2,
        "Keytruda improves survival in phase 3 KEYNOTE-A18 cervical cancer trial",
        "Merck said its PD-1 inhibitor Keytruda (pembrolizumab) improved overall survival in the "
        "phase 3 KEYNOTE-A18 trial (NCT04221945) in locally advanced cervical cancer, presented "
        "at the ESMO Congress.",
        hours=2,
    )
    assert not same_story(first, second)


def test_same_digest_title_with_different_content_is_not_the_same_story() -> None:
    first = story(
        1, "This week in cardiology", "In this issue: statins in the elderly; AF ablation."
    )
    second = story(
        2, "This week in cardiology", "In this issue: sotatercept for PAH; TAVR durability.", 24
    )
    assert not same_story(first, second)


def test_identical_title_with_different_content_is_not_enough() -> None:
    first = story(
        1,
        "Study links ultra-processed food to higher risk of depression",
        "Researchers at Harvard followed 31,712 nurses for 12 years and found a 49% higher risk.",
    )
    second = story(
        2,
        "Study links ultra-processed food to higher risk of depression",
        "A Brazilian cohort of 14,000 civil servants in ELSA-Brasil showed faster decline.",
        hours=30,
    )
    assert not same_story(first, second)


def test_outbreak_update_days_later_with_a_new_count_is_a_new_story() -> None:
    first = story(
        1,
        "Measles outbreak in West Texas grows to 223 cases",
        "State health officials said the measles outbreak in West Texas has reached 223 cases, "
        "most among unvaccinated children.",
    )
    update = story(
        2,
        "Measles outbreak in West Texas grows to 258 cases",
        "State health officials said the measles outbreak in West Texas has now reached 258 "
        "cases, up from 223 last week, most among unvaccinated children.",
        hours=24 * 5,
    )
    assert not same_story(first, update)


def test_representative_is_the_earliest_item() -> None:
    assert choose_representative([REWRITE, APPROVAL]) == APPROVAL.item_id


def test_representative_among_simultaneous_items_is_the_most_authoritative() -> None:
    news = story(5, "x", "y", label="news")
    journal = story(9, "x", "y", label="journal")
    assert choose_representative([news, journal]) == 9


def test_band_keys_are_deterministic_and_fit_the_column() -> None:
    keys = signature(APPROVAL.title, APPROVAL.text).band_keys
    assert keys == signature(APPROVAL.title, APPROVAL.text).band_keys
    assert keys and all(len(key) <= 40 for key in keys)


def test_an_item_without_words_gets_no_band_keys() -> None:
    assert signature("", "<p></p>").band_keys == ()


# --- persistence -----------------------------------------------------------------


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    with Session(engine) as db:
        db.execute(
            insert(Source),
            [
                {
                    "id": name,
                    "name": name,
                    "url": f"https://{name}.example/feed",
                    "kind": "news",
                    "label": "news",
                    "interval_seconds": 3600,
                    "created_at": T0,
                }
                for name in ("wire", "outlet")
            ],
        )
        yield db
    engine.dispose()


def store(db: Session, text: StoryText, source: str = "wire", kind: str = "news") -> int:
    row = {
        "kind": kind,
        "label": text.label,
        "source_id": source,
        "guid_key": f"guid-{text.item_id}",
        "title": text.title,
        "summary": text.text,
        "published": text.published,
        "content_hash": str(text.item_id),
        "first_seen_at": text.published,
        "changed_at": text.published,
    }
    return int(db.execute(insert(Item).values(row).returning(Item.id)).scalar_one())


def test_a_syndicated_copy_joins_the_earlier_items_story(session: Session) -> None:
    first = store(session, APPROVAL)
    assign_story(session, first)
    second = store(session, REWRITE, "outlet")
    assert assign_story(session, second) == first


def test_only_the_earliest_item_of_a_story_is_representative(session: Session) -> None:
    first = store(session, APPROVAL)
    assign_story(session, first)
    assign_story(session, store(session, REWRITE, "outlet"))
    shown = session.execute(select(Item.id).where(Item.is_representative)).scalars().all()
    assert shown == [first]


def test_items_outside_the_window_start_their_own_story(session: Session) -> None:
    first = store(session, APPROVAL)
    assign_story(session, first)
    late = StoryText(2, REWRITE.title, REWRITE.text, T0 + timedelta(days=9))
    second = store(session, late, "outlet")
    assert assign_story(session, second, window=timedelta(days=7)) == second


def test_assigning_writes_one_band_row_per_key(session: Session) -> None:
    first = store(session, APPROVAL)
    assign_story(session, first)
    assign_story(session, first)
    rows = session.execute(select(StoryBand.band_key).where(StoryBand.item_id == first)).all()
    assert len(rows) == len(signature(APPROVAL.title, APPROVAL.text).band_keys)


def test_detaching_the_founding_item_keeps_the_rest_of_its_story_together(
    session: Session,
) -> None:
    first = store(session, APPROVAL)
    assign_story(session, first)
    second = store(session, REWRITE, "outlet")
    third = store(
        session, StoryText(3, REWRITE.title, REWRITE.text + " Shares rose.", T0), "outlet"
    )
    assign_story(session, second)
    assign_story(session, third)
    detach(session, first)
    stories = {row.id: row.story_id for row in session.execute(select(Item.id, Item.story_id))}
    assert stories == {first: first, second: second, third: second}


def test_a_video_about_a_story_does_not_join_the_news_story(session: Session) -> None:
    first = store(session, APPROVAL)
    assign_story(session, first)
    video = store(session, REWRITE, "outlet", kind="video")
    assert assign_story(session, video) == video


def test_occurrences_of_a_recurring_event_are_not_one_story(session: Session) -> None:
    first = store(session, APPROVAL, kind="conference")
    assign_story(session, first)
    again = store(session, APPROVAL, "outlet", kind="conference")
    assert assign_story(session, again) == again
