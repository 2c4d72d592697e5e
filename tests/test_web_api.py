"""The JSON API: fields, filters, keyset paging, and 400/404/503 answers as JSON."""

# ruff: noqa: F401, F811  (pytest fixtures are imported from webfactory and used as parameters)

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from webfactory import app, client, entry, filled, save, settings, web_settings

from aggregator.cli import main
from aggregator.config import AdminSettings, load_settings
from aggregator.records import Kind, VideoInfo
from aggregator.store import Store
from tests.feeds import Entry, refresh_one, rss
from tests.localserver import closed_port
from web import create_app

ITEM_FIELDS = {
    "id", "kind", "label", "title", "url", "summary", "published", "source", "sources",
    "image", "tags", "story_id", "also", "event", "video", "article",
}  # fmt: skip


def test_video_filter_gives_three_videos_and_a_working_next(
    client: FlaskClient, filled: Store
) -> None:
    first = client.get("/api/items?kind=video&limit=3").get_json()
    assert [item["kind"] for item in first["items"]] == ["video"] * 3
    assert first["next"]
    second = client.get(f"/api/items?kind=video&limit=3&before={first['next']}").get_json()
    assert [item["kind"] for item in second["items"]] == ["video"] * 3
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


def test_a_news_article_stored_with_a_clip_it_cannot_play_has_no_video_in_the_api(
    client: FlaskClient, store: Store
) -> None:
    """Older versions stored a news article's related promo clip as its video: its page
    shows its photo, but the API and the JSON Feed said "video" until the feed sent the
    entry again (the parser now gives such an entry no video)."""
    photo = "https://img.example.org/winnipeg.jpg"
    clip = VideoInfo(provider="other", thumbnail=photo)
    save(store, [entry(Kind.NEWS, title="Custom hijabs", image=photo, video=clip)])
    save(store, [entry(Kind.VIDEO, title="Statins explained")])
    items = {i["title"]: i for i in client.get("/api/items").get_json()["items"]}
    assert items["Custom hijabs"]["video"] is None
    assert items["Custom hijabs"]["image"] == photo
    assert items["Statins explained"]["video"]["provider"] == "youtube"
    (article,) = [i for i in client.get("/feed.json").get_json()["items"] if "hijabs" in i["title"]]
    assert article["_medfeed"]["video"] is None


def test_items_carry_the_contract_fields(client: FlaskClient, filled: Store) -> None:
    items = client.get("/api/items?limit=100").get_json()["items"]
    assert all(item.keys() >= ITEM_FIELDS for item in items)
    video = next(item for item in items if item["kind"] == "video")
    assert video["video"]["embed_url"].startswith("https://www.youtube-nocookie.com/embed/")
    conference = next(item for item in items if item["kind"] == "conference")
    assert {"start", "end", "location"} <= conference["event"].keys()
    article = next(item for item in items if item["kind"] == "article")
    assert article["article"]["doi"].startswith("10.1136/")
    assert items[0]["published"].endswith("Z")


def test_paging_by_next_walks_every_item_once(client: FlaskClient, filled: Store) -> None:
    seen: list[int] = []
    url = "/api/items?limit=9"
    while url:
        body = client.get(url).get_json()
        seen += [item["id"] for item in body["items"]]
        url = f"/api/items?limit=9&before={body['next']}" if body["next"] else ""
    assert len(seen) == len(set(seen)) == 48


def test_a_tag_is_found_as_its_source_spells_it(client: FlaskClient, store: Store) -> None:
    """Tags are stored as slugs; "COVID-19" and "Cardiology" found nothing, without a 400."""
    save(store, [entry(Kind.NEWS, title="Boosters", tags=("covid-19",)),
                 entry(Kind.NEWS, title="Stents", summary="A heart attack trial.")])  # fmt: skip
    for query in ("tag=COVID-19", "tag=covid-19", "tag=%20Covid-19"):
        found = client.get(f"/api/items?{query}").get_json()["items"]
        assert [item["title"] for item in found] == ["Boosters"], query
    by_specialty = client.get("/api/items?specialty=Cardiology").get_json()["items"]
    assert by_specialty == client.get("/api/items?specialty=cardiology").get_json()["items"]


def test_times_are_given_to_the_second(client: FlaskClient, store: Store) -> None:
    """A first-seen date was given with microseconds, unlike the documented format."""
    seen = datetime(2026, 11, 20, 12, 0, 5, 567495, tzinfo=UTC)
    save(store, [entry(Kind.NEWS, title="Undated", published=seen)])
    item = client.get("/api/items").get_json()["items"][0]
    assert item["published"] == "2026-11-20T12:00:05Z"
    assert "12:00:05Z" in client.get("/feed.atom").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "limit=abc",
        "limit=0",
        "limit=101",
        "kind=podcast",
        "before=%%%",
        "before=MjAyNi0xMS0yMFQxMjowMDowMHww",  # base64 of a cursor with no id
        "stories=maybe",
    ],
)
def test_bad_parameters_get_400_with_a_json_message(
    client: FlaskClient, filled: Store, query: str
) -> None:
    answer = client.get(f"/api/items?{query}")
    assert answer.status_code == 400
    assert answer.is_json and answer.get_json()["error"]


def test_one_item_has_its_content_and_sources(client: FlaskClient, filled: Store) -> None:
    item_id = client.get("/api/items?limit=1").get_json()["items"][0]["id"]
    item = client.get(f"/api/items/{item_id}").get_json()
    assert item["id"] == item_id
    assert "content" in item and item["sources"][0]["url"]


def test_unknown_item_is_a_json_404(client: FlaskClient) -> None:
    answer = client.get("/api/items/999999")
    assert answer.status_code == 404
    assert answer.get_json()["error"]


def test_unknown_api_path_is_a_json_404(client: FlaskClient) -> None:
    answer = client.get("/api/nothing")
    assert answer.status_code == 404
    assert answer.is_json


@pytest.mark.parametrize("path", ["/api/items", "/", "/feed.atom"])
def test_a_method_the_path_does_not_take_is_a_405_that_names_the_ones_it_does(
    client: FlaskClient, path: str
) -> None:
    answer = client.post(path)
    assert answer.status_code == 405
    assert answer.is_json is path.startswith("/api/")
    assert set(answer.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_featured_api_gives_the_featured_article(client: FlaskClient, filled: Store) -> None:
    answer = client.get("/api/featured")
    assert answer.status_code == 200
    assert answer.get_json()["kind"] == "article"


def test_sources_api_reports_fetch_state(client: FlaskClient, filled: Store) -> None:
    sources = client.get("/api/sources").get_json()["sources"]
    bmj = next(source for source in sources if source["id"] == "bmj")
    assert bmj["last_status"] == "ok" and bmj["item_count"] == 12


def documented_statuses() -> set[str]:
    """The values docs/api.md lists for a source's ``last_status``."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text()
    listed = re.search(r"last_status` \(([^)]*)\)", text)
    assert listed is not None, "docs/api.md lists no last_status values"
    return set(re.findall(r"`([^`]+)`", listed.group(1)))


def test_a_source_whose_fetch_failed_reports_the_status_the_api_docs_name(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    """The API said "failed", docs/api.md "error"."""
    url = f"http://127.0.0.1:{closed_port()}/feed.xml"
    assert refresh_one(tmp_path, database_url, store, url).status == "failed"
    app = create_app(settings=load_settings(tmp_path / "config.yaml"), store=store)
    (source,) = app.test_client().get("/api/sources").get_json()["sources"]
    assert source["last_status"] == "failed"
    assert source["last_status"] in documented_statuses()


def test_a_local_file_found_unchanged_is_unchanged_with_no_http_status_in_the_api_and_cli(
    tmp_path: Path, database_url: str, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """No server answered: /api/sources and ``medfeed sources`` said "not-modified" with
    HTTP 304, the file reader's stand-in, where /sources says "unchanged"."""
    (tmp_path / "local.xml").write_bytes(rss([Entry("A story", "https://ex.org/1", "g1")]))
    assert refresh_one(tmp_path, database_url, store, "local.xml").new == 1
    assert refresh_one(tmp_path, database_url, store, "local.xml").status == "not-modified"
    settings = load_settings(tmp_path / "config.yaml")
    for internals in (False, True):
        shown = settings.model_copy(update={"admin": AdminSettings(show_internals=internals)})
        client = create_app(settings=shown, store=store).test_client()
        (source,) = client.get("/api/sources").get_json()["sources"]
        assert (source["last_status"], source["last_http_status"]) == ("unchanged", None)
        assert source["last_status"] in documented_statuses()
    config = str(tmp_path / "config.yaml")
    capsys.readouterr()
    assert main(["--config", config, "sources", "--format", "json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert (listed["last_status"], listed["last_http_status"]) == ("unchanged", None)
    assert main(["--config", config, "sources", "--format", "tsv"]) == 0
    header, row = (line.split("\t") for line in capsys.readouterr().out.splitlines())
    assert dict(zip(header, row, strict=True))["status"] == "unchanged"


def test_healthz_is_ok_when_the_database_answers(client: FlaskClient) -> None:
    answer = client.get("/healthz")
    assert (answer.status_code, answer.get_json()) == (200, {"status": "ok"})


def test_healthz_is_503_when_the_database_does_not_answer(database_url: str) -> None:
    unreachable = Store("postgresql+psycopg://nobody@127.0.0.1:9/none", migrate=False)
    try:
        answer = create_app(web_settings(database_url), unreachable).test_client().get("/healthz")
    finally:
        unreachable.close()
    assert answer.status_code == 503
    assert answer.get_json()["status"] == "unavailable"
