"""The offline demo as a reader sees it after one refresh: the weekly journal club is one
entry, the Conferences section lists five different events, soonest first (issue 10).

Run against the real clock: the demo's calendar reaches into mid-2027, so "upcoming"
holds enough events until then.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from flask.testing import FlaskClient

from aggregator.config import load_settings
from aggregator.refresh import Refresher
from aggregator.store import Store
from web import create_app

REPO = Path(__file__).resolve().parents[1]
ATOM = "{http://www.w3.org/2005/Atom}"
CLUB = "Internal Medicine Journal Club"
TITLE_LINK = re.compile(r'<h\d(?: class="title")?><a href="/items/\d+">([^<]*)</a>')


@pytest.fixture
def demo(database_url: str, store: Store) -> FlaskClient:
    settings = load_settings(REPO / "config.demo.yaml").model_copy(
        update={"database": database_url}
    )
    store.sync_sources(settings.configured_sources())
    Refresher(settings, store).refresh(due_only=False)
    app = create_app(settings=settings, store=store, watch=False)
    app.config["TESTING"] = True
    return app.test_client()


def test_page_one_of_the_stream_holds_the_journal_club_at_most_once(demo: FlaskClient) -> None:
    stream = demo.get("/").get_data(as_text=True).split('class="stream-list"')[1]
    titles = TITLE_LINK.findall(stream)
    assert len(titles) == 20
    assert titles.count(CLUB) <= 1


def test_the_atom_feed_holds_the_journal_club_at_most_once(demo: FlaskClient) -> None:
    feed = ET.fromstring(demo.get("/feed.atom").data)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert len(titles) == 50
    assert titles.count(CLUB) <= 1


def test_conferences_on_the_front_page_are_five_different_events(demo: FlaskClient) -> None:
    home = demo.get("/").get_data(as_text=True)
    section = home.split('id="section-conference"')[1].split("</section>")[0]
    titles = TITLE_LINK.findall(section)
    assert len(titles) == 5
    assert len(set(titles)) == 5


def test_the_conference_page_starts_with_the_soonest_upcoming_event(demo: FlaskClient) -> None:
    api = demo.get("/api/items?kind=conference").get_json()["items"]
    starts = [item["event"]["start"] for item in api]
    assert starts == sorted(starts)
    page = demo.get("/?kind=conference").get_data(as_text=True).split('class="stream-list"')[1]
    assert TITLE_LINK.findall(page)[0] == api[0]["title"]
    home = demo.get("/").get_data(as_text=True)
    section = home.split('id="section-conference"')[1].split("</section>")[0]
    assert TITLE_LINK.findall(section) == [item["title"] for item in api[:5]]


WINTER_SCHOOL = "Nephrology Winter School 2027 postponed"


def test_the_postponed_winter_school_is_not_offered_on_its_old_dates(demo: FlaskClient) -> None:
    page = demo.get("/?kind=conference").get_data(as_text=True)
    api = demo.get("/api/items?kind=conference&limit=100").get_json()["items"]
    ics = demo.get("/conferences.ics").get_data(as_text=True)
    assert WINTER_SCHOOL not in page
    assert WINTER_SCHOOL not in [item["title"] for item in api]
    assert "Winter School" not in ics


def test_the_winter_school_notice_says_postponed(demo: FlaskClient) -> None:
    announced = demo.get("/api/items?kind=conference&when=announced&limit=100").get_json()
    (notice,) = [item for item in announced["items"] if item["title"] == WINTER_SCHOOL]
    assert notice["event"]["status"] == "postponed"
