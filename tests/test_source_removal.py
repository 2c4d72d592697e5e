"""``medfeed sources remove``: a source taken out of config.yaml, and what readers see of its
items then.

Two real feeds on a local server share one item; each has one of its own, and one
tells a story the other also tells. Removing a source cuts its entry out of the
file (comments kept) and takes the items only it carried out of every list, feed,
search and the API, and out of the featured slot; they stay in the database, and
come back when the source does. A disabled source is paused: its items stay.
Every test runs on SQLite, and on PostgreSQL when MEDFEED_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from aggregator import featuring
from aggregator.cli import main
from aggregator.config import load_settings, parse_settings
from aggregator.configedit import NewSource, with_sources, without_source
from aggregator.records import Kind
from aggregator.store import Store
from tests.feeds import Entry, rss, served
from tests.localserver import LocalServer
from tests.test_dedupe import APPROVAL, REWRITE
from web import create_app

OWN = "Zanubrutinib approved for mantle cell lymphoma"  # only the society carries it
SHARED = "Measles vaccine uptake falls in toddlers"  # both carry it, at one address
WIRE_OWN = "Aspirin trial halts early"
SOCIETY = rss(
    [Entry(OWN, "https://ex.org/zanubrutinib", "s1", summary="Regulators cleared zanubrutinib "
           "for adults with relapsed mantle cell lymphoma.",
           published="Tue, 24 Nov 2026 12:00:00 GMT"),
     Entry(SHARED, "https://ex.org/measles", "s2", published="Tue, 24 Nov 2026 09:00:00 GMT"),
     Entry(*APPROVAL[:1], "https://ex.org/kisqali", "s3", summary=APPROVAL[1],
           published="Tue, 24 Nov 2026 07:00:00 GMT")],
    title="Society",
)  # fmt: skip
WIRE = rss(
    [Entry(WIRE_OWN, "https://ex.org/aspirin", "w1", published="Tue, 24 Nov 2026 10:00:00 GMT"),
     Entry(SHARED, "https://ex.org/measles", "w2", published="Tue, 24 Nov 2026 09:00:00 GMT"),
     Entry(*REWRITE[:1], "https://ex.org/novartis", "w3", summary=REWRITE[1],
           published="Tue, 24 Nov 2026 08:00:00 GMT")],
    title="Wire",
)  # fmt: skip
CONFIG = """\
# medfeed for the library
database: {database}
featured:
  policy: latest
  kinds: [news]
  min_words: 1

sources:
  # --- news ------------------------------------------------------------
  - id: society
    name: Oncology Society   # their press room
    url: {society}
    kind: news

  - id: wire
    name: Health Wire
    url: {wire}
    kind: news
    # checked weekly
# end of the list
"""


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        server.route("/society.xml", served(SOCIETY))
        server.route("/wire.xml", served(WIRE))
        yield server


@pytest.fixture
def config(tmp_path: Path, database_url: str, server: LocalServer) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        CONFIG.format(
            database=database_url, society=server.url("/society.xml"), wire=server.url("/wire.xml")
        )
    )
    return path


@pytest.fixture
def fetched(config: Path, store: Store) -> Path:
    """Both feeds stored."""
    assert cli(config, "refresh", "--all") == 0
    assert set(titles(site(config, store), "/api/items?stories=0")) >= {OWN, SHARED, WIRE_OWN}
    return config


def cli(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def site(config: Path, store: Store) -> FlaskClient:
    return create_app(load_settings(config), store).test_client()


def titles(client: FlaskClient, path: str) -> list[str]:
    return [item["title"] for item in client.get(path).get_json()["items"]]


def api_item(client: FlaskClient, title: str) -> dict[str, Any]:
    (found,) = [
        item
        for item in client.get("/api/items?stories=0").get_json()["items"]
        if item["title"] == title
    ]
    return dict(found)


def source_ids(item: dict[str, Any]) -> list[str]:
    return sorted(source["id"] for source in item["sources"])


def test_remove_cuts_the_sources_entry_and_keeps_every_comment_and_line_around_it(
    fetched: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = fetched.read_text()
    assert cli(fetched, "sources", "remove", "society") == 0
    entry = before[before.index("  - id: society") : before.index("  - id: wire")]
    assert fetched.read_text() == before.replace(entry, "")
    assert [source.id for source in load_settings(fetched).sources] == ["wire"]
    assert "removed source 'society'" in capsys.readouterr().out


def test_a_source_is_removed_by_its_feed_url_too(fetched: Path, server: LocalServer) -> None:
    assert cli(fetched, "sources", "remove", server.url("/wire.xml")) == 0
    assert [source.id for source in load_settings(fetched).sources] == ["society"]
    assert "# checked weekly" not in fetched.read_text()  # the comment inside its entry


def test_an_unknown_id_exits_2_naming_the_ids_it_may_mean_and_leaves_the_file_alone(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = config.read_text()
    assert cli(config, "sources", "remove", "socety") == 2
    assert "did you mean 'society'?" in capsys.readouterr().err
    assert cli(config, "sources", "remove", "https://ex.org/none.xml") == 2
    assert "no configured source has the feed URL" in capsys.readouterr().err
    assert config.read_text() == before


def test_the_only_source_left_is_not_removed(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(config, "sources", "remove", "society") == 0
    before = config.read_text()
    assert cli(config, "sources", "remove", "wire") == 2
    assert "'wire' is the only source" in capsys.readouterr().err
    assert config.read_text() == before


def test_items_only_a_removed_source_carried_leave_the_page_the_api_the_feeds_and_search(
    fetched: Path, store: Store
) -> None:
    assert site(fetched, store).get("/api/featured").get_json()["title"] == OWN
    assert cli(fetched, "sources", "remove", "society") == 0
    client = site(fetched, store)
    for path in ("/api/items", "/api/items?stories=0", "/api/items?kind=news"):
        assert OWN not in titles(client, path), path
    assert titles(client, "/api/items?q=zanubrutinib") == []
    assert titles(client, "/api/items?source=society") == []
    for path in ("/", "/?stories=0", "/?q=zanubrutinib", "/feed.atom", "/feed.json"):
        assert OWN not in client.get(path).get_data(as_text=True), path
    assert client.get("/api/featured").get_json()["title"] != OWN


def test_a_removed_only_items_own_address_answers_410_gone(fetched: Path, store: Store) -> None:
    client = site(fetched, store)
    item_id = api_item(client, OWN)["id"]
    assert cli(fetched, "sources", "remove", "society") == 0
    assert client.get(f"/items/{item_id}").status_code == 410
    answer = client.get(f"/api/items/{item_id}")
    assert answer.status_code == 410 and "removed" in answer.get_json()["error"]


def test_an_item_another_source_carries_stays_without_the_removed_source(
    fetched: Path, store: Store
) -> None:
    shared = api_item(site(fetched, store), SHARED)
    assert (source_ids(shared), shared["source"]["id"]) == (["society", "wire"], "society")
    assert cli(fetched, "sources", "remove", "society") == 0
    client = site(fetched, store)
    shared = api_item(client, SHARED)
    assert source_ids(shared) == ["wire"]
    assert shared["source"]["id"] == "wire"
    page = client.get(f"/items/{shared['id']}").get_data(as_text=True)
    assert "Oncology Society" not in page
    assert cli(fetched, "refresh") == 0  # the wire reads its document again and claims it
    assert api_item(site(fetched, store), SHARED)["source"]["id"] == "wire"


def test_a_story_the_removed_source_headed_is_listed_by_the_other_sources_item(
    fetched: Path, store: Store
) -> None:
    novartis = api_item(site(fetched, store), REWRITE[0])
    assert [also["title"] for also in novartis["also"]] == [APPROVAL[0]]
    assert cli(fetched, "sources", "remove", "society") == 0
    client = site(fetched, store)
    listed = titles(client, "/api/items")
    assert REWRITE[0] in listed and APPROVAL[0] not in listed
    assert api_item(client, REWRITE[0])["also"] == []
    assert REWRITE[0] in titles(client, "/api/items?kind=news")


def test_re_adding_the_source_lists_its_items_again(fetched: Path, store: Store) -> None:
    before = fetched.read_text()
    client = site(fetched, store)
    own = api_item(client, OWN)
    assert cli(fetched, "sources", "remove", "society") == 0
    assert OWN not in titles(site(fetched, store), "/api/items?stories=0")
    fetched.write_text(before)
    assert cli(fetched, "refresh") == 0
    client = site(fetched, store)
    assert api_item(client, OWN)["id"] == own["id"]
    assert source_ids(api_item(client, SHARED)) == ["society", "wire"]
    assert client.get(f"/items/{own['id']}").status_code == 200


def test_a_disabled_source_is_paused_and_its_items_stay_listed(fetched: Path, store: Store) -> None:
    text = fetched.read_text()
    fetched.write_text(text.replace("    kind: news\n\n", "    kind: news\n    enabled: false\n\n"))
    assert not load_settings(fetched).source("society").enabled  # type: ignore[union-attr]
    assert cli(fetched, "refresh") == 0
    client = site(fetched, store)
    assert OWN in titles(client, "/api/items")
    assert source_ids(api_item(client, SHARED)) == ["society", "wire"]
    assert client.get(f"/items/{api_item(client, OWN)['id']}").status_code == 200


def test_retention_purges_a_removed_only_item_as_any_other_and_never_keeps_it_as_featured(
    fetched: Path, store: Store
) -> None:
    """The items are nine days old: a one-day retention purges all but the featured one,
    which a removed source's item no longer is."""
    own = api_item(site(fetched, store), OWN)["id"]
    assert cli(fetched, "sources", "remove", "society") == 0
    fetched.write_text(fetched.read_text() + "retention:\n  days: 1\n")
    assert cli(fetched, "refresh") == 0
    client = site(fetched, store)
    assert client.get(f"/api/items/{own}").status_code == 404
    assert client.get("/api/featured").get_json()["title"] == REWRITE[0]


COMPACT = """\
sources:
  - {id: a, name: A, url: https://a.example.org/rss, kind: news}
  - id: b
    name: B   # kept apart from a
    url: https://b.example.org/rss
    kind: news
  - id: c
    name: C
    url: https://c.example.org/rss
    kind: news

http:
  timeout: 5s
"""


@pytest.mark.parametrize(
    ("source_id", "gone"),
    [
        ("a", "  - {id: a, name: A, url: https://a.example.org/rss, kind: news}\n"),
        ("b", "  - id: b\n    name: B   # kept apart from a\n    url: https://b.example.org/rss\n"
              "    kind: news\n"),
        ("c", "  - id: c\n    name: C\n    url: https://c.example.org/rss\n    kind: news\n"),
    ],
)  # fmt: skip
def test_in_a_list_written_without_blank_lines_only_the_entrys_own_lines_go(
    tmp_path: Path, source_id: str, gone: str
) -> None:
    """The last entry's blank line before the next key stays; a one-line entry goes whole."""
    assert without_source(COMPACT, source_id, path=tmp_path) == COMPACT.replace(gone, "")


def test_a_storys_other_item_the_removed_source_owned_is_also_from_its_other_carrier(
    tmp_path: Path, database_url: str, server: LocalServer, store: Store
) -> None:
    """The approval both the society and the wire carry (the society's copy shown) is in
    one story with the journal's rewrite: once the society is removed, the rewrite's
    "also from" names the wire, not the source readers no longer follow."""
    approval = Entry(*APPROVAL[:1], "https://ex.org/kisqali", "k", summary=APPROVAL[1],
                     published="Tue, 24 Nov 2026 07:00:00 GMT")  # fmt: skip
    rewrite = Entry(*REWRITE[:1], "https://ex.org/novartis", "n", summary=REWRITE[1],
                    published="Tue, 24 Nov 2026 08:00:00 GMT")  # fmt: skip
    for name, entries in (("society", [approval]), ("wire", [approval]), ("journal", [rewrite])):
        server.route(f"/{name}-2.xml", served(rss(entries, title=name)))
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {database_url}\nsources:\n"
        + "".join(
            f"  - {{id: {name}, name: {name.title()} Desk, url: '{server.url(f'/{name}-2.xml')}', "
            "kind: news}\n"
            for name in ("society", "wire", "journal")
        )
    )
    assert cli(config, "refresh", "--all") == 0
    also = api_item(site(config, store), REWRITE[0])["also"]
    assert [(ref["title"], ref["source"]["id"]) for ref in also] == [(APPROVAL[0], "society")]
    assert cli(config, "sources", "remove", "society") == 0
    client = site(config, store)
    also = api_item(client, REWRITE[0])["also"]
    assert [(ref["title"], ref["source"]["id"]) for ref in also] == [(APPROVAL[0], "wire")]
    rewrite_page = client.get(f"/items/{api_item(client, REWRITE[0])['id']}")
    assert "Society Desk" not in rewrite_page.get_data(as_text=True)


def pin(config: Path, address: str, *, policy: str = "pinned") -> None:
    text = config.read_text().replace("  policy: latest\n", f"  policy: {policy}\n")
    config.write_text(text.replace("  min_words: 1\n", f"  min_words: 1\n  pinned: {address}\n"))


def test_removing_the_only_source_of_the_pinned_article_says_it_is_no_longer_featured(
    fetched: Path, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """The admin pinned it on purpose: the front page then features nothing, and the
    command that did it says so (its page answers 410 Gone, so it is not featured)."""
    pin(fetched, "https://ex.org/zanubrutinib")
    assert site(fetched, store).get("/api/featured").get_json()["title"] == OWN
    capsys.readouterr()
    assert cli(fetched, "sources", "remove", "society") == 0
    err = " ".join(capsys.readouterr().err.split())
    assert f"the pinned article (featured.pinned) {OWN!r} has no configured source now" in err
    assert "it is no longer featured" in err
    assert site(fetched, store).get("/api/featured").status_code == 404


def test_a_pinned_article_another_source_carries_stays_featured_and_nothing_is_said(
    fetched: Path, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    pin(fetched, "https://ex.org/measles")
    capsys.readouterr()
    assert cli(fetched, "sources", "remove", "society") == 0
    assert "pinned" not in capsys.readouterr().err
    assert site(fetched, store).get("/api/featured").get_json()["title"] == SHARED


def test_a_pinned_articles_source_deleted_by_hand_is_told_in_the_log(
    fetched: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ``sources remove`` to say it, the next refresh's log does."""
    monkeypatch.setattr(featuring, "_told_missing", set())
    pin(fetched, "https://ex.org/zanubrutinib")
    text = fetched.read_text()
    fetched.write_text(
        text.replace(text[text.index("  - id: society") : text.index("  - id: wire")], "")
    )
    capsys.readouterr()
    assert cli(fetched, "refresh", "--all") == 0
    told = " ".join(capsys.readouterr().err.split())
    assert "'https://ex.org/zanubrutinib' matches no listed item" in told
    assert "an item only sources removed from the config carried is not listed" in told


def test_under_the_latest_policy_a_pin_kept_from_retention_is_said_to_be_kept_no_longer(
    fetched: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pin(fetched, "https://ex.org/zanubrutinib", policy="latest")
    fetched.write_text(fetched.read_text() + "retention:\n  days: 3650\n")
    capsys.readouterr()
    assert cli(fetched, "sources", "remove", "society") == 0
    assert "retention no longer keeps it" in " ".join(capsys.readouterr().err.split())


def entry(letter: str) -> str:
    return (
        f"  - id: {letter}\n    name: {letter.upper()}\n"
        f"    url: https://{letter}.example.org/rss\n    kind: news\n"
    )


DESCRIBED = f"""\
sources:
  # --- news -----------------------------------------------------------
  # the society's press room
{entry("a")}
  # the wire: checked weekly
{entry("b")}
  # the sources below are read in full

{entry("c")}
{entry("d")}...
# written after the document's end
"""


def test_the_comment_written_directly_above_an_entry_goes_with_it(tmp_path: Path) -> None:
    """It describes the entry: left behind, it would describe the next one."""
    gone = "  # the wire: checked weekly\n" + entry("b") + "\n"
    assert without_source(DESCRIBED, "b", path=tmp_path) == DESCRIBED.replace(gone, "")


def test_a_comment_set_apart_from_the_entry_by_a_blank_line_stays(tmp_path: Path) -> None:
    """It is about the list, not about the entry below it."""
    assert without_source(DESCRIBED, "c", path=tmp_path) == DESCRIBED.replace(entry("c") + "\n", "")


def test_a_section_rule_directly_above_an_entry_stays_and_heads_the_next(tmp_path: Path) -> None:
    """``# --- news ---`` heads every entry after it (as in the shipped config.yaml); the
    comment between it and the entry describes the entry and goes."""
    gone = "  # the society's press room\n" + entry("a") + "\n"
    assert without_source(DESCRIBED, "a", path=tmp_path) == DESCRIBED.replace(gone, "")


def test_an_entry_commented_out_directly_above_the_removed_one_stays(tmp_path: Path) -> None:
    """The admin's old feed, kept for later, is no description of the entry below it; the
    comment between them is, and goes."""
    shelved = "  # - id: old-wire\n  #   url: https://old.example.org/rss\n"
    text = DESCRIBED.replace("  # the wire", shelved + "  # the wire")
    gone = "  # the wire: checked weekly\n" + entry("b") + "\n"
    assert without_source(text, "b", path=tmp_path) == text.replace(gone, "")


LIST_COMMENT = "  # Each source: id, name, url, kind\n"


def test_a_comment_right_under_sources_stays_when_the_first_entry_is_removed(
    tmp_path: Path,
) -> None:
    """It is about the whole list, not about the first entry: it now heads the second."""
    text = "sources:\n" + LIST_COMMENT + entry("a") + entry("b")
    assert without_source(text, "a", path=tmp_path) == "sources:\n" + LIST_COMMENT + entry("b")


def test_under_a_list_comment_set_apart_only_the_first_entrys_own_comment_goes(
    tmp_path: Path,
) -> None:
    """A blank line parts the list's comment from the one describing the first entry."""
    described = "  # the society's press room\n" + entry("a")
    text = "sources:\n" + LIST_COMMENT + "\n" + described + entry("b")
    assert without_source(text, "a", path=tmp_path) == text.replace(described, "")


COMMENTED_DASH_B = entry("b").replace("  - id: b", "  - # the wire\n    id: b")
DASH_ALONE_C = entry("c").replace("  - id: c", "  -\n    id: c")
DASH_ABOVE = "sources:\n" + entry("a") + COMMENTED_DASH_B + DASH_ALONE_C


@pytest.mark.parametrize("source_id", ["a", "b", "c"])
def test_an_entry_whose_dash_is_above_its_first_key_is_removed_whole(
    tmp_path: Path, source_id: str
) -> None:
    """A comment after the dash (``- # the wire``), or a dash alone on its line, puts the
    first key a line below it: the dash was looked for on that line (a traceback, or a
    dash of the id's), and the entry before lost its next one's dash line."""
    gone = {"a": entry("a"), "b": COMMENTED_DASH_B, "c": DASH_ALONE_C}[source_id]
    assert without_source(DASH_ABOVE, source_id, path=tmp_path) == DASH_ABOVE.replace(gone, "")


def test_a_source_added_under_an_entry_whose_dash_is_alone_on_its_line_is_aligned(
    tmp_path: Path,
) -> None:
    source = NewSource("e", "E", "https://e.example.org/rss", Kind.NEWS)
    text = DASH_ABOVE.replace("  - id: a", "  -\n    id: a-1")
    added = with_sources(text, [source], path=tmp_path)
    assert added == text + entry("e")


def test_removing_the_last_entry_keeps_the_documents_end_marker_and_what_follows_it(
    tmp_path: Path,
) -> None:
    kept = without_source(DESCRIBED, "d", path=tmp_path)
    assert kept == DESCRIBED.replace(entry("d"), "")
    assert [source.id for source in parse_settings(kept, path=tmp_path).sources] == ["a", "b", "c"]


def test_a_source_added_to_a_file_with_a_documents_end_marker_goes_before_it(
    tmp_path: Path,
) -> None:
    source = NewSource("e", "E", "https://e.example.org/rss", Kind.NEWS)
    added = with_sources(DESCRIBED, [source], path=tmp_path)
    assert added.endswith(entry("e") + "...\n# written after the document's end\n")
    assert [source.id for source in parse_settings(added, path=tmp_path).sources][-1] == "e"


def test_a_source_added_to_entries_written_apart_under_comments_is_set_apart_too(
    tmp_path: Path,
) -> None:
    """The second entry's comment sits between it and the blank line above it."""
    source = NewSource("e", "E", "https://e.example.org/rss", Kind.NEWS)
    added = with_sources(DESCRIBED, [source], path=tmp_path)
    assert added == DESCRIBED.replace(entry("d"), entry("d") + "\n" + entry("e"))
