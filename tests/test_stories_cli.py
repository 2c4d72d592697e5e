"""``medfeed stories show`` / ``stories why``: an admin asks why items are, or are not,
one story, and gets the matcher's own answer with the window's term counts."""

# ruff: noqa: F401, F811  (the db fixture is imported from test_dedupe and used as a parameter)
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from aggregator.cli import main
from aggregator.store import Store
from tests.test_dedupe import (
    APPROVAL,
    EARLIER_MONTHS,
    FLU_CLINIC,
    NURSES_STRIKE,
    REWRITE,
    T0,
    db,
    save,
)

RECALL = "Voluntary recall announced over contamination risk"
PERRIGO = (
    RECALL,
    "Perrigo of Allegan, Michigan is recalling 16,500 cans of Premium infant formula after "
    "tests found Cronobacter in a batch; no illnesses have been reported.",
)
BAXTER = (
    RECALL,
    "Baxter of Deerfield, Illinois is recalling 2,300 bags of Clinimix injection after "
    "customers found particles in a batch; no illnesses have been reported.",
)


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "config.yaml"
    source = {"id": "wire", "name": "Wire", "url": "https://wire.example/feed", "kind": "news"}
    path.write_text(yaml.safe_dump({"database": database_url, "sources": [source]}))
    return path


def medfeed(config: Path, *args: object) -> int:
    return main(["--config", str(config), "stories", *map(str, args)])


def test_a_syndicated_rewrite_is_one_story_and_passes(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wire, outlet = save(db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5)])
    assert medfeed(config, "why", outlet, wire) == 0
    out = capsys.readouterr().out
    assert f"one story now, led by {wire}" in out
    assert "veto:            none" in out
    assert "passes:          yes" in out
    assert "time gap: 5.0 hours" in out
    assert "ribociclib" in out.split("shared terms that weigh most:")[1]


KISQALI_AGENCY = (
    "Kisqali gets FDA approval in early breast cancer",
    "Regulators approved Novartis' Kisqali for early breast cancer on the NATALEE results in "
    "5,101 patients.",
)


def test_why_says_when_a_storys_earlier_items_count_as_one(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wire, _, agency = save(
        db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5), (*KISQALI_AGENCY, "agency", 8)]
    )
    assert medfeed(config, "why", agency, wire) == 0
    assert "story as one:    its 2 items before this one" in capsys.readouterr().out
    assert medfeed(config, "why", agency, wire, "--json") == 0
    assert json.loads(capsys.readouterr().out)["counted_as_one"] == 2


def test_why_counts_earlier_months_as_the_deciding_process_does(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Counting only the window, it said the pair passes: not the decision that was made."""
    save(db, EARLIER_MONTHS)
    flu, strike = save(db, [(*FLU_CLINIC, "wire", 0), (*NURSES_STRIKE, "outlet", 2)])
    assert medfeed(config, "why", strike, flu) == 0
    out = capsys.readouterr().out
    assert "two stories now" in out
    assert "passes:          no: too few shared rare terms" in out


def test_items_of_different_companies_and_places_name_the_veto(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    perrigo, baxter = save(db, [(*PERRIGO, "wire", 0), (*BAXTER, "outlet", 1)])
    assert medfeed(config, "why", perrigo, baxter) == 0
    out = capsys.readouterr().out
    assert "two stories now" in out
    assert "kept apart by the veto: names" in out


def test_two_items_of_one_source_are_kept_apart_as_same_source(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = save(db, [(*APPROVAL, "wire", 0), (*REWRITE, "wire", 5)])
    assert medfeed(config, "why", first, second) == 0
    assert "kept apart by the veto: same source" in capsys.readouterr().out


def test_show_lists_the_leader_and_every_member_against_it(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wire, outlet = save(db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5)])
    assert medfeed(config, "show", outlet) == 0
    out = capsys.readouterr().out  # 80 columns: each member on two lines, not folded cells
    assert f"story {wire}, led by {wire}: 2 items" in out
    lines = out.splitlines()
    leader = next(n for n, line in enumerate(lines) if line.startswith(f"{wire}  wire · news · "))
    member = next(n for n, line in enumerate(lines) if line.startswith(f"{outlet}  outlet · news"))
    assert lines[leader + 1].strip() == "leader"
    assert lines[member + 1].strip().startswith("similarity ") and "margin " in lines[member + 1]
    assert all(len(line) <= 80 for line in lines)


def test_an_unknown_id_exits_2_with_a_message(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (wire,) = save(db, [(*APPROVAL, "wire", 0)])
    assert medfeed(config, "show", 999_999) == 2
    assert "no item with id 999999" in capsys.readouterr().err
    assert medfeed(config, "why", wire, 999_998) == 2
    assert "no item with id 999998" in capsys.readouterr().err


def test_why_as_json_gives_every_step_of_the_decision(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wire, outlet = save(db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5)])
    assert medfeed(config, "why", wire, outlet, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["same_story"] is True
    assert report["veto"] is None
    assert report["shares_enough"] is True
    assert report["passes"] is True
    assert (
        report["similarity"] >= report["bar"] or report["rare_similarity"] >= report["prompt_bar"]
    )
    assert report["gap_hours"] == 5.0
    assert report["leaders"] == {str(wire): wire, str(outlet): wire}
    assert report["shared_terms"][0]["weight"] > 0


def test_show_as_json_lists_the_members(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wire, outlet = save(db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5)])
    assert medfeed(config, "show", wire, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["story_id"] == wire
    assert [m["id"] for m in report["members"]] == [wire, outlet]
    assert report["members"][1]["against_leader"]["passes"] is True


def test_a_pair_that_passes_in_two_stories_shows_the_later_item_against_the_leader(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = ("State health officials confirmed avian influenza in a farm worker with "
            "conjunctivitis; the virus was the B3.13 genotype.")  # fmt: skip
    california = ("California reports human H5N1 case in dairy worker", body)
    unplaced = ("Human H5N1 case confirmed in dairy worker", body)
    cambodia = ("Human H5N1 case reported in Cambodia", body)
    first, second, third = save(
        db, [(*california, "wire", 0), (*unplaced, "outlet", 1), (*cambodia, "agency", 2)]
    )
    assert medfeed(config, "why", second, third) == 0
    out = capsys.readouterr().out
    assert f"two stories now, led by {first} and {third}" in out
    assert "passes:          yes" in out
    assert "an item joins a story only by matching its leader" in out
    assert f"{third} against {second}'s leader {first} (wire)" in out
    assert "kept apart by the veto: places" in out
    assert medfeed(config, "why", second, third, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["against_leader"]["leader"] == first
    assert report["against_leader"]["veto"] == "places"


def test_list_shows_the_latest_stories_of_several_items_for_review(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wire, outlet, _ = save(
        db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5), (*PERRIGO, "agency", 6)]
    )
    hours_since = (datetime.now(UTC) - T0) / timedelta(hours=1)
    assert medfeed(config, "list", "--hours", hours_since + 1, "--json") == 0
    (story,) = json.loads(capsys.readouterr().out)["stories"]  # the recall stands alone
    assert story["story_id"] == wire
    assert [item["id"] for item in story["items"]] == [wire, outlet]
    assert medfeed(config, "list", "--hours", hours_since + 1) == 0
    assert f"story {wire}: 2 items" in capsys.readouterr().out
    assert medfeed(config, "list", "--hours", 1) == 0
    assert "no story of two or more items" in capsys.readouterr().out


@pytest.mark.parametrize(
    "bad",
    [["--limit", "0"], ["--limit", "-1"], ["--hours", "-2"], ["--hours", "inf"],
     ["--hours", "1e12"], ["--limit", "99999999999"]],
)  # fmt: skip
def test_list_refuses_a_limit_or_time_out_of_range(config: Path, bad: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        medfeed(config, "list", *bad)
    assert stopped.value.code == 2


def test_list_shows_an_old_story_that_gained_an_item_lately(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wire, outlet = save(db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 60)])
    hours_since_outlet = (datetime.now(UTC) - T0) / timedelta(hours=1) - 60
    assert medfeed(config, "list", "--hours", hours_since_outlet + 1, "--json") == 0
    (story,) = json.loads(capsys.readouterr().out)["stories"]
    assert [item["id"] for item in story["items"]] == [wire, outlet]


def test_doubtful_list_puts_the_story_with_the_least_certain_join_first(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wire, outlet, agency, reprint = save(
        db,
        [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5), (*PERRIGO, "agency", 6),
         (*PERRIGO, "daily", 7)],
    )  # fmt: skip
    hours_since = (datetime.now(UTC) - T0) / timedelta(hours=1)
    assert medfeed(config, "list", "--hours", hours_since + 1, "--doubtful", "--json") == 0
    stories = json.loads(capsys.readouterr().out)["stories"]
    least = {
        story["story_id"]: min(m["against_leader"]["margin"] for m in story["members"][1:])
        for story in stories
    }
    assert sorted(least) == sorted([wire, agency])
    assert list(least.values()) == sorted(least.values())  # the least certain first
    assert all(margin > 1.0 for margin in least.values())
    assert all(story["members"][0]["against_leader"] is None for story in stories)
    members = {story["story_id"]: [m["id"] for m in story["members"]] for story in stories}
    assert members == {wire: [wire, outlet], agency: [agency, reprint]}
    assert medfeed(config, "list", "--hours", hours_since + 1, "--doubtful", "--limit", 1) == 0
    (heading,) = [line for line in capsys.readouterr().out.splitlines() if "story" in line]
    assert heading.startswith(f"story {next(iter(least))}: 2 items, least certain join")


def test_doubtful_list_gives_each_items_margin_as_show_does(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wire, outlet = save(db, [(*APPROVAL, "wire", 0), (*REWRITE, "outlet", 5)])
    assert medfeed(config, "show", outlet, "--json") == 0
    shown = json.loads(capsys.readouterr().out)["members"][1]["against_leader"]["margin"]
    hours_since = (datetime.now(UTC) - T0) / timedelta(hours=1)
    assert medfeed(config, "list", "--hours", hours_since + 1, "--doubtful") == 0
    out = capsys.readouterr().out
    assert f"story {wire}: 2 items, least certain join {shown:.2f}x its bar" in out
    assert f"  {outlet} outlet news" in out and f"{shown:.2f}x: {REWRITE[0]}" in out
    assert f"  {wire} wire news" in out and f"leader: {APPROVAL[0]}" in out


def test_doubtful_list_leaves_out_a_story_only_an_editor_joined(
    db: Store, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agency, other = save(db, [(*PERRIGO, "agency", 0), (*BAXTER, "daily", 2)])
    assert medfeed(config, "join", agency, other) == 0
    capsys.readouterr()
    hours_since = (datetime.now(UTC) - T0) / timedelta(hours=1)
    assert medfeed(config, "list", "--hours", hours_since + 1, "--doubtful") == 0
    assert "no story the matcher joined in that time" in capsys.readouterr().out
    assert medfeed(config, "list", "--hours", hours_since + 1) == 0
    assert f"story {agency}: 2 items" in capsys.readouterr().out
