"""A cancelled or postponed event is not offered on its dates: the calendar (upcoming and
past, the Conferences section, the API, ``/conferences.ics``) leaves it out, while its
notice stays in the stream, marked; a later copy without the status puts it back."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from icalendar import Calendar
from webfactory import app, client, entry, save, settings, setup_store

from aggregator.config import Settings
from aggregator.records import EventInfo, EventStatus, Kind, ParsedItem
from aggregator.store import Store
from aggregator.store.reads import ItemFilter

NOW = datetime.now(UTC).replace(microsecond=0)
SOON = NOW + timedelta(days=40)


@pytest.fixture
def sourced(store: Store, settings: Settings) -> Store:
    """The store with the test sources configured, as a refresh finds it."""
    return setup_store(store, settings)


def conference(title: str, status: EventStatus | None = None, start: datetime = SOON) -> ParsedItem:
    event = EventInfo(start=start, end=start + timedelta(days=3), all_day=True, status=status)
    return entry(Kind.CONFERENCE, title=title, event=event)[1]


def add(store: Store, *items: ParsedItem) -> None:
    save(store, [(Kind.CONFERENCE, item, ()) for item in items])


def add_notice_and_congress(store: Store) -> None:
    """A postponement notice and a congress that is on, on the same dates."""
    add(
        store,
        conference("Winter School postponed", EventStatus.POSTPONED),
        conference("Renal Congress"),
    )


def calendar_titles(store: Store, when: str = "upcoming") -> list[str]:
    page = store.list_items(kind=Kind.CONFERENCE, when=when, limit=100, now=NOW)
    return [item.title for item in page.items]


def item_id(store: Store, title: str) -> int:
    page = store.list_items(kind=Kind.CONFERENCE, limit=100)
    return next(item.id for item in page.items if item.title == title)


def test_a_postponed_or_cancelled_event_is_not_upcoming(sourced: Store) -> None:
    add(
        sourced,
        conference("Winter School postponed", EventStatus.POSTPONED),
        conference("Grand Rounds", EventStatus.CANCELLED),
        conference("Renal Congress"),
    )
    assert calendar_titles(sourced) == ["Renal Congress"]


def test_the_upcoming_count_leaves_called_off_events_out(sourced: Store) -> None:
    add_notice_and_congress(sourced)
    upcoming = ItemFilter(kind=Kind.CONFERENCE, when="upcoming")
    assert sourced.count_items(upcoming, now=NOW) == 1


def test_a_cancelled_event_is_not_among_past_events(sourced: Store) -> None:
    last_month = NOW - timedelta(days=30)
    add(
        sourced,
        conference("Grand Rounds", EventStatus.CANCELLED, last_month),
        conference("Renal Congress", start=last_month),
    )
    assert calendar_titles(sourced, when="past") == ["Renal Congress"]


def test_a_tentative_event_is_still_upcoming_and_says_so(sourced: Store) -> None:
    add(sourced, conference("Renal Congress", EventStatus.TENTATIVE))
    (item,) = sourced.list_items(kind=Kind.CONFERENCE, when="upcoming", now=NOW).items
    assert item.event is not None
    assert item.event.status is EventStatus.TENTATIVE


def test_a_postponement_notice_stays_in_the_stream_with_its_status(sourced: Store) -> None:
    add(sourced, conference("Winter School postponed", EventStatus.POSTPONED))
    (item,) = sourced.list_items(limit=100).items
    assert item.event is not None
    assert item.event.status is EventStatus.POSTPONED


def test_a_later_copy_without_the_status_puts_the_event_back_on(sourced: Store) -> None:
    notice = conference("Winter School postponed", EventStatus.POSTPONED)
    add(sourced, notice)
    assert calendar_titles(sourced) == []
    add(sourced, replace(notice, title="Winter School", event=replace(notice.event, status=None)))
    assert calendar_titles(sourced) == ["Winter School"]
    stored = sourced.get_item(item_id(sourced, "Winter School"))
    assert stored is not None and stored.event is not None
    assert stored.event.status is None


def test_the_api_leaves_a_postponed_event_out_of_the_conference_calendar(
    client: FlaskClient, store: Store
) -> None:
    add_notice_and_congress(store)
    listed = client.get("/api/items?kind=conference&limit=100").get_json()["items"]
    assert [item["title"] for item in listed] == ["Renal Congress"]


def test_the_api_gives_an_events_status(client: FlaskClient, store: Store) -> None:
    add_notice_and_congress(store)
    postponed = client.get(f"/api/items/{item_id(store, 'Winter School postponed')}").get_json()
    on = client.get(f"/api/items/{item_id(store, 'Renal Congress')}").get_json()
    assert (postponed["event"]["status"], on["event"]["status"]) == ("postponed", None)


def test_the_conference_page_and_section_leave_a_postponed_event_out(
    client: FlaskClient, store: Store
) -> None:
    add_notice_and_congress(store)
    for page in ("/?kind=conference", "/"):
        calendar = client.get(page).get_data(as_text=True)
        if page == "/":
            calendar = calendar.split('id="section-conference"')[1].split("</section>")[0]
        assert "Renal Congress" in calendar
        assert "Winter School postponed" not in calendar


def test_the_item_page_strikes_a_postponed_events_dates_and_says_postponed(
    client: FlaskClient, store: Store
) -> None:
    add(store, conference("Winter School postponed", EventStatus.POSTPONED))
    page = client.get(f"/items/{item_id(store, 'Winter School postponed')}").get_data(as_text=True)
    assert "<del><time" in page
    assert 'class="badge event-status status-postponed">Postponed</span>' in page


def ics_events(client: FlaskClient) -> dict[str, str | None]:
    calendar = Calendar.from_ical(client.get("/conferences.ics").data)
    return {
        str(vevent["SUMMARY"]): str(vevent["STATUS"]) if "STATUS" in vevent else None
        for vevent in calendar.walk("VEVENT")
    }


def test_the_calendar_export_leaves_called_off_events_out(
    client: FlaskClient, store: Store
) -> None:
    add(
        store,
        conference("Winter School postponed", EventStatus.POSTPONED),
        conference("Grand Rounds", EventStatus.CANCELLED),
        conference("Renal Congress"),
    )
    assert ics_events(client) == {"Renal Congress": None}


def test_the_calendar_export_marks_a_tentative_event_tentative(
    client: FlaskClient, store: Store
) -> None:
    add(store, conference("Renal Congress", EventStatus.TENTATIVE))
    assert ics_events(client) == {"Renal Congress": "TENTATIVE"}
