"""A weekly series with one occurrence moved and one cancelled, read from a calendar served
on 127.0.0.1, reaches ``/conferences.ics`` as its calendar says: the series, an override
VEVENT for the moved date under its RECURRENCE-ID, an EXDATE for the cancelled one. A
subscriber's client (here ``recurring_ical_events``) then has the moved date, not the
original, and not the cancelled one; the pages show the moved date too.

The series is dated from the real clock: ``/conferences.ics`` decides "upcoming" when
it is asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from flask.testing import FlaskClient
from icalendar import Calendar, Component
from pytest_httpserver import HTTPServer

from aggregator.config import load_settings
from aggregator.records import EventInfo
from aggregator.refresh import Refresher
from aggregator.store import Store
from tests.feeds import config_text
from web import create_app
from web.eventtime import event_dates
from web.present import iso

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime.now(UTC).replace(microsecond=0)
# Next week's day at 09:00 in New York, the series' first date.
FIRST = datetime.combine((NOW + timedelta(days=7)).date(), datetime.min.time(), NEW_YORK).replace(
    hour=9
)


def weekly(nth: int, hour: int = 9) -> datetime:
    """The series' ``nth`` date (from 0), at ``hour`` in New York."""
    day = (FIRST + timedelta(weeks=nth)).date()
    return datetime.combine(day, datetime.min.time(), NEW_YORK).replace(hour=hour)


MOVED_FROM = weekly(2)
MOVED_TO = weekly(2, hour=11) + timedelta(days=1)  # a day later, at 11:00
CANCELLED = weekly(3)


def local(moment: datetime) -> str:
    return moment.astimezone(NEW_YORK).strftime("%Y%m%dT%H%M%S")


def series(*overrides: str, count: int = 6) -> bytes:
    """Grand rounds every week at 09:00 New York time, ``count`` times, with ``overrides``."""
    master = (
        "BEGIN:VEVENT\r\nUID:rounds-2027@hospital.example.org\r\n"
        f"DTSTAMP:20261101T000000Z\r\nSUMMARY:Grand Rounds\r\nLOCATION:Hall A\r\n"
        f"DTSTART;TZID=America/New_York:{local(FIRST)}\r\n"
        f"DTEND;TZID=America/New_York:{local(FIRST + timedelta(hours=1))}\r\n"
        f"RRULE:FREQ=WEEKLY;COUNT={count}\r\nURL:https://hospital.example.org/rounds\r\n"
        "END:VEVENT\r\n"
    )
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n"
        + master
        + "".join(overrides)
        + "END:VCALENDAR\r\n"
    ).encode()


def given_as_dates(*overrides: str, weeks: Iterable[int] = range(1, 6)) -> bytes:
    """The same six dates as ``series``, listed as RDATEs after DTSTART, without a rule
    (or the ``weeks`` after the first)."""
    later = ",".join(local(weekly(n)) for n in weeks)
    return series(*overrides).replace(
        b"RRULE:FREQ=WEEKLY;COUNT=6", f"RDATE;TZID=America/New_York:{later}".encode()
    )


def override(
    rule_date: datetime,
    start: datetime,
    *,
    summary: str = "Grand Rounds",
    location: str = "Hall A",
    extra: str = "",
) -> str:
    return (
        "BEGIN:VEVENT\r\nUID:rounds-2027@hospital.example.org\r\n"
        f"DTSTAMP:20261101T000000Z\r\nRECURRENCE-ID;TZID=America/New_York:{local(rule_date)}\r\n"
        f"DTSTART;TZID=America/New_York:{local(start)}\r\n"
        f"DTEND;TZID=America/New_York:{local(start + timedelta(hours=1))}\r\n"
        f"SUMMARY:{summary}\r\nLOCATION:{location}\r\n{extra}END:VEVENT\r\n"
    )


Refresh = Callable[[bytes], FlaskClient]  # serve this calendar, refresh, a client of the site
MOVED = override(MOVED_FROM, MOVED_TO, summary="Grand Rounds (moved)", location="Hall B")
CALLED_OFF = override(CANCELLED, CANCELLED, extra="STATUS:CANCELLED\r\n")


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """Loopback only, on a port the system picks."""
    return ("127.0.0.1", 0)


@pytest.fixture
def refresh(
    tmp_path: Path, database_url: str, store: Store, httpserver: HTTPServer
) -> Iterator[Refresh]:
    """Serve a calendar body and refresh its source; each call serves the given body."""
    config = tmp_path / "config.yaml"
    url = httpserver.url_for("/rounds.ics")
    config.write_text(config_text(database_url, [("rounds", url, "conference")]))
    settings = load_settings(config)
    store.sync_sources(settings.configured_sources())

    def serve_and_refresh(body: bytes) -> FlaskClient:
        httpserver.clear_all_handlers()
        httpserver.expect_request("/rounds.ics").respond_with_data(
            body, content_type="text/calendar"
        )
        (outcome,) = Refresher(settings, store).refresh(due_only=False)
        assert outcome.status == "ok", outcome
        app = create_app(settings=settings, store=store)
        app.config["TESTING"] = True
        return app.test_client()

    yield serve_and_refresh


def exported(client: FlaskClient) -> Calendar:
    answer = client.get("/conferences.ics")
    assert answer.status_code == 200
    return Calendar.from_ical(answer.data)


def subscribed_dates(client: FlaskClient) -> list[tuple[datetime, str, str]]:
    """What a subscriber's client shows: each date of the exported calendar, expanded."""
    expanded = recurring_ical_events.of(exported(client)).between(NOW, NOW + timedelta(days=90))
    found = [
        (o.decoded("DTSTART").astimezone(UTC), str(o["SUMMARY"]), str(o.get("LOCATION")))
        for o in expanded
    ]
    return sorted(found)


def at(moment: datetime, summary: str = "Grand Rounds", location: str = "Hall A") -> tuple:
    return (moment.astimezone(UTC), summary, location)


@pytest.mark.parametrize("written", [series, given_as_dates], ids=["RRULE", "RDATE"])
def test_a_subscriber_gets_the_moved_date_and_neither_the_original_nor_the_cancelled_one(
    refresh: Refresh, written: Callable[..., bytes]
) -> None:
    """As a rule's dates or listed as RDATEs, the series reads the same."""
    client = refresh(written(MOVED, CALLED_OFF))
    assert subscribed_dates(client) == [
        at(weekly(0)),
        at(weekly(1)),
        at(MOVED_TO, "Grand Rounds (moved)", "Hall B"),
        at(weekly(4)),
        at(weekly(5)),
    ]


def test_the_moved_date_is_an_override_under_the_series_uid_naming_its_original_start(
    refresh: Refresh,
) -> None:
    client = refresh(series(MOVED, CALLED_OFF))
    master, moved = exported(client).walk("VEVENT")
    assert "RRULE" in master and "RECURRENCE-ID" not in master
    assert str(moved["UID"]) == str(master["UID"])
    assert moved.decoded("RECURRENCE-ID") == MOVED_FROM
    assert moved["RECURRENCE-ID"].params["TZID"] == "America/New_York"
    assert moved.decoded("DTSTART") == MOVED_TO
    assert moved.decoded("DTEND") == MOVED_TO + timedelta(hours=1)
    assert (str(moved["SUMMARY"]), str(moved["LOCATION"])) == ("Grand Rounds (moved)", "Hall B")
    assert "RRULE" not in moved and "EXDATE" not in moved
    assert listed_dates(master, "EXDATE") == [CANCELLED]


def listed_dates(vevent: Component, name: str) -> list[datetime]:
    """The dates of a VEVENT's EXDATE or RDATE lines."""
    lines = vevent.get(name, [])
    return [one.dt for line in (lines if isinstance(lines, list) else [lines]) for one in line.dts]


def test_the_exported_calendar_reads_back_unchanged_through_icalendar(refresh: Refresh) -> None:
    client = refresh(series(MOVED, CALLED_OFF))
    body = client.get("/conferences.ics").data
    assert Calendar.from_ical(body).to_ical() == body
    _, moved = Calendar.from_ical(body).walk("VEVENT")
    assert (moved.decoded("RECURRENCE-ID"), moved.decoded("DTSTART")) == (MOVED_FROM, MOVED_TO)


def test_a_series_whose_next_date_was_moved_still_repeats_on_its_own_days(
    refresh: Refresh,
) -> None:
    """Started at the moved date, the rule repeated from there: every date a day late."""
    moved_first = override(FIRST, FIRST + timedelta(days=1))
    client = refresh(series(moved_first, count=3))
    assert subscribed_dates(client) == [
        at(FIRST + timedelta(days=1)),
        at(weekly(1)),
        at(weekly(2)),
    ]


def test_a_move_published_after_the_series_was_stored_reaches_subscribers(
    refresh: Refresh,
) -> None:
    refresh(series())
    client = refresh(series(MOVED))
    assert at(MOVED_TO, "Grand Rounds (moved)", "Hall B") in subscribed_dates(client)
    assert at(MOVED_FROM) not in subscribed_dates(client)


def coming_dates_listed(client: FlaskClient, store: Store) -> list[str]:
    """The text of each date the series' page lists under "Coming dates"."""
    (item,) = store.upcoming_conferences(NOW)
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    section = page.split('id="occurrences-heading"', 1)[1].split("</ol>", 1)[0]
    return [re.sub(r"<[^>]+>", "", line) for line in re.findall(r"<li>(.*?)</li>", section)]


def dated(moment: datetime) -> str:
    """A date as the pages write it, in the series' zone."""
    return event_dates(EventInfo(start=moment.astimezone(UTC), timezone="America/New_York"))


def test_the_series_page_lists_the_moved_date_among_its_coming_dates_with_its_original(
    refresh: Refresh, store: Store
) -> None:
    client = refresh(series(MOVED, CALLED_OFF))
    listed = coming_dates_listed(client, store)
    assert (
        f"{dated(MOVED_TO)}: Grand Rounds (moved), Hall B (moved from {dated(MOVED_FROM)})"
        in listed
    )
    assert [line for line in listed if line.startswith(dated(MOVED_FROM))] == []
    assert dated(weekly(1)) in listed  # a date left alone says nothing more


def test_the_api_gives_a_moved_occurrence_its_original_start_and_no_other_one(
    refresh: Refresh, store: Store
) -> None:
    client = refresh(series(MOVED, CALLED_OFF))
    (item,) = store.upcoming_conferences(NOW)
    occurrences = client.get(f"/api/items/{item.id}").get_json()["event"]["occurrences"]
    moved = [o for o in occurrences if "original_start" in o]
    assert moved == [
        {"start": iso(MOVED_TO), "end": iso(MOVED_TO + timedelta(hours=1)),
         "original_start": iso(MOVED_FROM), "title": "Grand Rounds (moved)", "location": "Hall B"}
    ]  # fmt: skip
    assert {"start": iso(weekly(1)), "end": iso(weekly(1) + timedelta(hours=1))} in occurrences


@pytest.mark.parametrize(
    ("summary", "location", "own"),
    [("Grand Rounds: ethics", "Hall A", {"title": "Grand Rounds: ethics"}),
     ("Grand Rounds", "Hall C", {"location": "Hall C"}),
     ("Grand Rounds: ethics", "Hall C", {"title": "Grand Rounds: ethics", "location": "Hall C"})],
    ids=["renamed", "placed elsewhere", "both"],
)  # fmt: skip
def test_the_api_gives_an_occurrence_its_own_title_or_place_only_where_they_differ(
    refresh: Refresh, store: Store, summary: str, location: str, own: dict[str, str]
) -> None:
    """An override that keeps its date but not its series' title or place: only the
    ``.ics`` export carried them."""
    client = refresh(series(override(weekly(2), weekly(2), summary=summary, location=location)))
    (item,) = store.upcoming_conferences(NOW)
    assert item.title == "Grand Rounds"
    event = client.get(f"/api/items/{item.id}").get_json()["event"]
    assert event["location"] == "Hall A"
    hour = timedelta(hours=1)
    assert [o for o in event["occurrences"] if len(o) > 2] == [
        {"start": iso(weekly(2)), "end": iso(weekly(2) + hour), **own}
    ]
    assert {"start": iso(weekly(1)), "end": iso(weekly(1) + hour)} in event["occurrences"]


def test_an_occurrence_title_is_cut_as_an_item_title_is(refresh: Refresh, store: Store) -> None:
    renamed = "Grand Rounds: " + "ethics " * 7_000
    client = refresh(series(override(weekly(2), weekly(2), summary=renamed, location="Hall A")))
    (item,) = store.upcoming_conferences(NOW)
    event = client.get(f"/api/items/{item.id}").get_json()["event"]
    (own,) = [o["title"] for o in event["occurrences"] if "title" in o]
    assert own == renamed[:2000]


def test_the_series_page_gives_a_date_its_own_title_and_place(
    refresh: Refresh, store: Store
) -> None:
    special = override(weekly(2), weekly(2), summary="Grand Rounds: ethics", location="Hall C")
    listed = coming_dates_listed(refresh(series(special)), store)
    assert f"{dated(weekly(2))}: Grand Rounds: ethics, Hall C" in listed
    assert dated(weekly(1)) in listed


def stored_dates(store: Store) -> list[datetime]:
    """The dates the store holds for the series, as its pages and exports read them."""
    (item,) = store.upcoming_conferences(NOW)
    assert item.event is not None
    return [o.start for o in item.event.occurrences]


@pytest.mark.parametrize(
    "cancellation",
    [CALLED_OFF, None],
    ids=["override with STATUS:CANCELLED", "EXDATE"],
)
def test_a_cancellation_published_after_the_series_was_stored_reaches_the_store(
    refresh: Refresh, store: Store, cancellation: str | None
) -> None:
    refresh(series())
    if cancellation is None:
        body = series().replace(
            b"RRULE:", f"EXDATE;TZID=America/New_York:{local(CANCELLED)}\r\nRRULE:".encode()
        )
    else:
        body = series(cancellation)
    client = refresh(body)
    assert CANCELLED.astimezone(UTC) not in stored_dates(store)
    assert at(CANCELLED) not in subscribed_dates(client)
    assert at(weekly(4)) in subscribed_dates(client)


def test_a_moved_date_of_a_series_given_as_dates_is_an_override_under_the_series_uid(
    refresh: Refresh,
) -> None:
    client = refresh(given_as_dates(MOVED))
    master, moved = exported(client).walk("VEVENT")
    assert "RRULE" not in master and "RECURRENCE-ID" not in master
    rdates = listed_dates(master, "RDATE")
    assert MOVED_FROM in rdates and MOVED_TO not in rdates
    assert str(moved["UID"]) == str(master["UID"])
    assert moved.decoded("RECURRENCE-ID") == MOVED_FROM
    assert (moved.decoded("DTSTART"), moved.decoded("DTEND")) == (
        MOVED_TO,
        MOVED_TO + timedelta(hours=1),
    )


@pytest.mark.parametrize(
    ("weeks", "gained", "lost"),
    [((1, 2, 3, 4, 5, 6), [6], []), ((1, 2, 3, 5), [], [4])],
    ids=["a date added", "a date taken off the list"],
)
def test_a_series_given_as_dates_listed_anew_after_it_was_stored_reaches_the_store(
    refresh: Refresh, store: Store, weeks: tuple[int, ...], gained: list[int], lost: list[int]
) -> None:
    refresh(given_as_dates())
    refresh(given_as_dates(weeks=weeks))
    stored = stored_dates(store)
    assert all(weekly(n).astimezone(UTC) in stored for n in gained)
    assert not any(weekly(n).astimezone(UTC) in stored for n in lost)
