"""What a fetched batch does to the stored items: ``aggregator.reconcile``, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from aggregator.dating import FROM_FIRST_SEEN, FROM_SOURCE
from aggregator.reconcile import (
    Duplicate,
    New,
    Owner,
    Pending,
    Purged,
    StoredLink,
    StoredState,
    Unchanged,
    Updated,
    reconcile,
)
from aggregator.records import (
    ArticleInfo,
    EventInfo,
    ItemIdentity,
    ItemUpdate,
    Kind,
    Label,
    ParsedItem,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def entry(
    guid: str,
    *,
    source: str = "feed-a",
    url: str | None = None,
    identifiers: tuple[str, ...] = (),
    digest: str = "v1",
    tags: tuple[str, ...] = (),
    published: datetime | None = None,
    event: EventInfo | None = None,
    kind: Kind = Kind.NEWS,
    label: Label = Label.NEWS,
) -> ItemUpdate:
    return ItemUpdate(
        source_id=source,
        kind=kind,
        label=label,
        item=ParsedItem(
            guid=guid, url=url, title=f"Title {guid}", published=published, event=event
        ),
        identity=ItemIdentity(
            guid_key=guid, canonical_url=url, identifiers=identifiers, content_hash=digest
        ),
        tags=tags,
    )


def link(
    item_id: int,
    digest: str = "v1",
    owner: str = "feed-a",
    url: str | None = None,
    owner_key: str = "g1",
):
    return StoredLink(
        item_id=item_id,
        content_hash=digest,
        owner=Owner(owner, owner_key, Label.NEWS.value, Kind.NEWS.value),
        canonical_url=url,
    )


def test_an_entry_nothing_matches_is_a_new_item_dated_by_its_source():
    published = NOW - timedelta(hours=3)
    [intent] = reconcile([entry("g1", published=published)], StoredState(), NOW)
    assert isinstance(intent, New)
    assert intent.ref == Pending(0)
    assert (intent.dating.published, intent.dating.published_from) == (published, FROM_SOURCE)


def test_a_new_entry_dated_in_the_future_is_dated_when_first_seen():
    [intent] = reconcile([entry("g1", published=NOW + timedelta(days=2))], StoredState(), NOW)
    assert isinstance(intent, New)
    assert (intent.dating.published, intent.dating.published_from) == (NOW, FROM_FIRST_SEEN)


def test_new_items_are_numbered_in_feed_order():
    intents = reconcile([entry("g1"), entry("g2"), entry("g3")], StoredState(), NOW)
    assert [i.ref for i in intents if isinstance(i, New)] == [Pending(0), Pending(1), Pending(2)]


def test_a_repeated_guid_keeps_the_first_entry():
    intents = reconcile(
        [entry("g1", digest="first"), entry("g1", digest="second")], StoredState(), NOW
    )
    assert len(intents) == 1
    assert intents[0].entry.identity.content_hash == "first"


def test_a_stored_entry_with_the_same_hash_is_unchanged():
    stored = StoredState(links={"g1": link(7)})
    assert reconcile([entry("g1")], stored, NOW) == [Unchanged(entry("g1"), 7)]


def test_an_owner_that_changed_its_entry_rewrites_the_item():
    stored = StoredState(links={"g1": link(7, digest="old")})
    [intent] = reconcile([entry("g1", digest="new")], stored, NOW)
    assert intent == Updated(
        entry("g1", digest="new"), 7, owns_item=True, replaces=stored.links["g1"].owner
    )


def test_a_changed_entry_of_an_item_a_preferred_copy_owns_only_moves_the_link():
    stored = StoredState(links={"g1": link(7, digest="old", owner="feed-0")})
    [intent] = reconcile([entry("g1", digest="new")], stored, NOW)
    assert intent == Updated(entry("g1", digest="new"), 7, owns_item=False)


def test_a_changed_entry_preferred_over_its_items_owner_claims_the_item():
    stored = StoredState(links={"g1": link(7, digest="old", owner="feed-b")})
    [intent] = reconcile([entry("g1", digest="new")], stored, NOW)
    assert isinstance(intent, Updated)
    assert intent.owns_item
    assert intent.replaces == stored.links["g1"].owner


def test_a_changed_entry_brings_its_new_believable_date():
    published = NOW - timedelta(hours=1)
    stored = StoredState(links={"g1": link(7, digest="old")})
    [intent] = reconcile([entry("g1", digest="new", published=published)], stored, NOW)
    assert isinstance(intent, Updated)
    assert intent.published == published


def test_a_changed_event_keeps_its_announcement_date():
    event = EventInfo(start=NOW + timedelta(days=30))
    stored = StoredState(links={"g1": link(7, digest="old")})
    changed = entry("g1", digest="new", published=NOW - timedelta(hours=1), event=event)
    [intent] = reconcile([changed], stored, NOW)
    assert isinstance(intent, Updated)
    assert intent.published is None


def test_a_changed_entry_keeps_its_url_when_another_item_has_the_new_one():
    stored = StoredState(
        links={"g1": link(7, digest="old", url="https://x.org/a")},
        by_url={"https://x.org/b": 9},
    )
    [intent] = reconcile([entry("g1", digest="new", url="https://x.org/b")], stored, NOW)
    assert isinstance(intent, Updated)
    assert intent.keeps_url


def test_a_purged_entry_stays_purged():
    stored = StoredState(purged=frozenset({"g1"}))
    assert reconcile([entry("g1")], stored, NOW) == [Purged(entry("g1"))]


def test_the_same_canonical_url_from_another_source_is_a_duplicate():
    stored = StoredState(by_url={"https://x.org/a": 3}, tags={3: frozenset()})
    [intent] = reconcile([entry("g1", url="https://x.org/a")], stored, NOW)
    assert intent == Duplicate(entry("g1", url="https://x.org/a"), of=3)


def test_the_same_doi_is_a_duplicate_when_the_url_differs():
    stored = StoredState(by_identifier={"doi:10.1/x": 4}, tags={4: frozenset()})
    [intent] = reconcile(
        [entry("g1", url="https://y.org", identifiers=("doi:10.1/x",))], stored, NOW
    )
    assert isinstance(intent, Duplicate)
    assert intent.of == 4


def test_the_canonical_url_decides_before_the_identifiers():
    stored = StoredState(
        by_url={"https://x.org/a": 3},
        by_identifier={"doi:10.1/x": 4},
        tags={3: frozenset(), 4: frozenset()},
    )
    [intent] = reconcile(
        [entry("g1", url="https://x.org/a", identifiers=("doi:10.1/x",))], stored, NOW
    )
    assert isinstance(intent, Duplicate)
    assert intent.of == 3


def test_a_later_entry_of_the_batch_duplicates_an_earlier_new_one():
    first = entry("g1", url="https://x.org/a")
    second = entry("g2", url="https://x.org/a")
    new, duplicate = reconcile([first, second], StoredState(), NOW)
    assert isinstance(new, New)
    assert duplicate == Duplicate(second, of=new.ref)


def test_a_duplicate_with_tags_the_item_lacks_merges_them():
    stored = StoredState(by_url={"https://x.org/a": 3}, tags={3: frozenset({"cardiology"})})
    [intent] = reconcile([entry("g1", url="https://x.org/a", tags=("oncology",))], stored, NOW)
    assert isinstance(intent, Duplicate)
    assert intent.tags == ("cardiology", "oncology")


def test_a_duplicate_whose_tags_the_item_has_leaves_them():
    stored = StoredState(by_url={"https://x.org/a": 3}, tags={3: frozenset({"oncology"})})
    [intent] = reconcile([entry("g1", url="https://x.org/a", tags=("oncology",))], stored, NOW)
    assert isinstance(intent, Duplicate)
    assert intent.tags is None


def test_two_duplicates_of_one_item_merge_their_tags_in_turn():
    stored = StoredState(by_url={"https://x.org/a": 3}, tags={3: frozenset()})
    one = entry("g1", url="https://x.org/a", tags=("a",))
    two = entry("g2", url="https://x.org/a", tags=("b",))
    intents = reconcile([one, two], stored, NOW)
    assert [i.tags for i in intents if isinstance(i, Duplicate)] == [("a",), ("a", "b")]


def test_stored_entries_are_decided_before_new_ones_and_can_claim_their_url():
    # g2 comes first in the feed, but g1's rewrite (stored entries are written
    # first) takes the URL: g2 then duplicates g1's item.
    stored = StoredState(links={"g1": link(7, digest="old")}, tags={7: frozenset()})
    fresh = entry("g2", url="https://x.org/new")
    changed = entry("g1", digest="new", url="https://x.org/new")
    intents = reconcile([fresh, changed], stored, NOW)
    owner = stored.links["g1"].owner
    assert intents == [Duplicate(fresh, of=7), Updated(changed, 7, True, replaces=owner)]


def test_a_rewrite_frees_the_url_it_gave_up():
    stored = StoredState(
        links={"g1": link(7, digest="old", url="https://x.org/old")},
        by_url={"https://x.org/old": 7},
    )
    changed = entry("g1", digest="new", url="https://x.org/moved")
    fresh = entry("g2", url="https://x.org/old")
    intents = reconcile([changed, fresh], stored, NOW)
    assert isinstance(intents[1], New)


# --- which copy an item shows (issue 9) -------------------------------------------


def owned_by(source: str, key: str, label: Label = Label.NEWS, kind: Kind = Kind.NEWS) -> Owner:
    return Owner(source, key, label.value, kind.value)


def test_a_copy_preferred_over_the_items_owner_claims_the_item():
    owner = owned_by("feed-b", "b1")
    stored = StoredState(by_url={"https://x.org/a": 3}, tags={3: frozenset()}, owners={3: owner})
    published = NOW - timedelta(hours=2)
    copy = entry("g1", url="https://x.org/a", published=published)
    [intent] = reconcile([copy], stored, NOW)
    assert intent == Duplicate(copy, 3, (), claims=True, replaces=owner, published=published)


def test_a_copy_ranked_after_the_items_owner_is_only_one_more_source():
    stored = StoredState(
        by_url={"https://x.org/a": 3}, tags={3: frozenset()}, owners={3: owned_by("feed-0", "z")}
    )
    [intent] = reconcile([entry("g1", url="https://x.org/a")], stored, NOW)
    assert intent == Duplicate(entry("g1", url="https://x.org/a"), of=3)


def test_a_journals_copy_claims_a_news_sources_item_whatever_their_names():
    owner = owned_by("a-news", "a1")
    stored = StoredState(by_url={"https://x.org/a": 3}, tags={3: frozenset()}, owners={3: owner})
    copy = entry("g1", source="z-journal", url="https://x.org/a", label=Label.JOURNAL)
    [intent] = reconcile([copy], stored, NOW)
    assert isinstance(intent, Duplicate)
    assert intent.claims


def test_a_claim_keeps_the_tags_of_the_copies_before_it():
    owner = owned_by("feed-b", "b1")
    stored = StoredState(
        by_url={"https://x.org/a": 3}, tags={3: frozenset({"cardiology"})}, owners={3: owner}
    )
    [intent] = reconcile([entry("g1", url="https://x.org/a", tags=("oncology",))], stored, NOW)
    assert isinstance(intent, Duplicate)
    assert intent.tags == ("cardiology", "oncology")


def test_a_later_entry_of_the_batch_ranked_first_claims_the_new_item():
    later = entry("g2", url="https://x.org/a")
    first = entry("g1", url="https://x.org/a")
    new, claim = reconcile([later, first], StoredState(), NOW)
    assert isinstance(new, New)
    assert isinstance(claim, Duplicate)
    assert (claim.of, claim.claims, claim.replaces) == (new.ref, True, owned_by("feed-a", "g2"))


def test_the_second_of_two_claims_in_a_batch_replaces_the_first_claimant():
    stored = StoredState(
        by_url={"https://x.org/a": 3}, tags={3: frozenset()}, owners={3: owned_by("feed-b", "b")}
    )
    one, two = entry("g2", url="https://x.org/a"), entry("g1", url="https://x.org/a")
    intents = reconcile([one, two], stored, NOW)
    assert [(i.claims, i.replaces) for i in intents if isinstance(i, Duplicate)] == [
        (True, owned_by("feed-b", "b")),
        (True, owned_by("feed-a", "g2")),
    ]


def test_an_event_is_claimed_only_by_a_preferred_copy_of_an_event():
    """The first copy stored owned an event for good, so which calendar's details showed
    depended on which feed came first."""
    event = EventInfo(start=NOW + timedelta(days=30))
    owner = owned_by("feed-b", "b1", Label.SOCIETY, Kind.CONFERENCE)
    stored = StoredState(by_url={"https://x.org/a": 3}, tags={3: frozenset()}, owners={3: owner})
    news = entry("g2", url="https://x.org/a", label=Label.JOURNAL)
    copy = entry("g1", url="https://x.org/a", event=event, kind=Kind.CONFERENCE,
                 label=Label.SOCIETY, published=NOW - timedelta(days=1))  # fmt: skip
    intents = reconcile([news, copy], stored, NOW)
    claims = [i for i in intents if isinstance(i, Duplicate)]
    assert [(i.claims, i.replaces) for i in claims] == [(False, None), (True, owner)]
    assert claims[1].published is None  # an event keeps the date it was first announced


def test_a_videos_own_copy_claims_the_item_of_a_press_release_linking_to_it():
    """The item's kind is its owner's: a post linking to the video took it out of Videos."""
    owner = owned_by("a-press", "p1", Label.PRESS_RELEASE)
    watch = "https://www.youtube.com/watch?v=AbCdEfGhIjK"
    stored = StoredState(by_url={watch: 3}, tags={3: frozenset()}, owners={3: owner})
    video = entry("yt:video:AbCdEfGhIjK", source="z-channel", url=watch, kind=Kind.VIDEO)
    [intent] = reconcile([video], stored, NOW)
    assert isinstance(intent, Duplicate)
    assert (intent.claims, intent.replaces) == (True, owner)


def test_an_unchanged_video_takes_back_the_item_a_news_post_owned_before_the_rule():
    """Items merged while the source ids decided keep showing the news post until the
    channel's entry, though unchanged, claims them on its feed's next parse."""
    post = owned_by("a-news", "n1")
    stored_link = StoredLink(item_id=7, content_hash="v1", owner=post, canonical_url=None)
    video = entry("yt:video:AbCdEfGhIjK", source="z-channel", kind=Kind.VIDEO)
    stored = StoredState(links={"yt:video:AbCdEfGhIjK": stored_link})
    [intent] = reconcile([video], stored, NOW)
    assert isinstance(intent, Updated)
    assert (intent.item_id, intent.owns_item, intent.replaces) == (7, True, post)


def test_a_video_naming_a_doi_leaves_the_journals_article_to_the_journal():
    """A channel's video abstract that links the paper's DOI is one item with the paper,
    which stays in Articles: the journal's label ranks first."""
    owner = owned_by("z-journal", "j1", Label.JOURNAL, Kind.ARTICLE)
    stored = StoredState(by_identifier={"doi:10.1/x": 3}, tags={3: frozenset()},
                         owners={3: owner})  # fmt: skip
    plain = entry("v1", source="a-channel", identifiers=("doi:10.1/x",), kind=Kind.VIDEO)
    video = replace(plain, item=replace(plain.item, article=ArticleInfo(doi="10.1/x")))
    [intent] = reconcile([video], stored, NOW)
    assert intent == Duplicate(video, 3)


def test_an_unchanged_entry_claims_its_item_from_a_source_no_longer_configured():
    """Its text never changes, so it was Unchanged on every pass: the item kept showing
    the removed source."""
    retired = Owner("feed-0", "z1", Label.NEWS.value, Kind.NEWS.value, retired=True)
    stored_link = StoredLink(item_id=7, content_hash="v1", owner=retired, canonical_url=None)
    [intent] = reconcile([entry("g1")], StoredState(links={"g1": stored_link}), NOW)
    assert isinstance(intent, Updated)
    assert (intent.item_id, intent.owns_item, intent.replaces) == (7, True, retired)
    kept = StoredLink(item_id=7, content_hash="v1", owner=owned_by("feed-a", "g1"),
                      canonical_url=None)  # fmt: skip
    [again] = reconcile([entry("g1")], StoredState(links={"g1": kept}), NOW)
    assert isinstance(again, Unchanged)
