"""``medfeed sources add URL``: feeds found on a real local site, shown, and the chosen one
written into config.yaml with every comment and line of the file kept."""

from __future__ import annotations

import difflib
import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from aggregator import netguard
from aggregator.addsource import choose, show, typed_address
from aggregator.cli import main
from aggregator.config import load_settings, parse_settings
from aggregator.configedit import NewSource, slug_for, with_sources
from aggregator.discover import FoundFeed
from aggregator.errors import ConfigError
from aggregator.records import Kind
from aggregator.store import Store
from tests.feeds import Entry, rss, served
from tests.localserver import LocalServer, closed_port, send

DATA = Path(__file__).parent / "data" / "parse"
REPO = Path(__file__).resolve().parents[1]
FEED = rss(
    [Entry("Aspirin trial halts early", "https://ex.org/1", "g1"),
     Entry("Measles cases rise", "https://ex.org/2", "g2")],
    title="Cardiology Daily",
)  # fmt: skip
CONFIG = """\
# The admin's own words, kept.
database: {database}

sources:
  # --- news ------------------------------------------------------------
  - id: existing
    name: Existing Wire   # a trailing comment
    url: https://wire.example.org/feed.xml
    kind: news

  - id: other
    name: Other
    url: https://other.example.org/rss
    kind: news
    tags: [a, b]
# end of the list
"""


def page(*links: str) -> bytes:
    head = "".join(
        f'<link rel="alternate" type="{kind}" title="t" href="{href}">'
        for href, kind in (link.split("|") for link in links)
    )
    return f"<!doctype html><html><head>{head}</head><body>A site</body></html>".encode()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(database=database_url))
    return path


def add(config: Path, *args: str) -> int:
    return main(["--config", str(config), "sources", "add", *args])


def added_lines(before: str, after: str) -> list[str]:
    diff = difflib.ndiff(before.splitlines(), after.splitlines())
    assert not [line for line in diff if line.startswith("- ")], "a line of the file changed"
    return [
        line[2:] for line in difflib.ndiff(before.splitlines(), after.splitlines())
        if line.startswith("+ ")
    ]  # fmt: skip


def test_a_feed_declared_by_the_page_is_added_and_the_rest_of_the_file_is_untouched(
    config: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route("/", lambda handler: send(handler, 200, page("/feed.xml|application/rss+xml")))
    server.route("/feed.xml", served(FEED))
    before = config.read_text()
    assert add(config, server.url("/")) == 0
    out = capsys.readouterr().out
    assert "Cardiology Daily" in out and "news" in out and "2" in out
    assert added_lines(before, config.read_text()) == [
        "",
        "  - id: cardiology-daily",
        "    name: Cardiology Daily",
        f"    url: {server.url('/feed.xml')}",
        "    kind: news",
    ]
    assert config.read_text().rstrip().endswith("# end of the list")
    assert load_settings(config).source("cardiology-daily") is not None


def test_the_added_source_is_fetched_by_the_next_refresh(
    config: Path, server: LocalServer, store: Store
) -> None:
    server.route("/feed.xml", served(FEED))
    assert add(config, server.url("/feed.xml")) == 0
    assert main(["--config", str(config), "refresh", "--source", "cardiology-daily"]) == 0
    source = next(s for s in store.sources() if s.id == "cardiology-daily")
    assert (source.last_status, source.item_count) == ("ok", 2)


def test_with_several_feeds_the_pick_chooses_and_the_kind_is_guessed_from_the_entries(
    config: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route("/", lambda handler: send(handler, 200, page(
        "/news.xml|application/rss+xml", "/journal.atom|application/atom+xml")))  # fmt: skip
    server.route("/news.xml", served(FEED))
    journal = (DATA / "atom.xml").read_bytes()
    server.route("/journal.atom", served(journal, content_type="application/atom+xml"))
    assert add(config, server.url("/")) == 2
    assert "choose one with --pick N" in capsys.readouterr().err
    assert add(config, server.url("/"), "--pick", "2") == 0
    added = load_settings(config).source("journal-of-examples")
    assert added is not None and added.kind is Kind.ARTICLE


def test_a_page_cannot_send_discovery_to_local_files_or_another_internal_host(
    config: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # The page is outside data: a feed it declares as a file, or on another host that is
    # the loopback (here "localhost" beside the admin's 127.0.0.1), is no feed of the site.
    port = server.url("/").split(":")[2].split("/")[0]
    secret = f"http://localhost:{port}/internal.xml"
    server.route("/", lambda handler: send(handler, 200, page(
        "file:///etc/passwd|application/rss+xml", f"{secret}|application/rss+xml",
        "http://[bad|application/rss+xml", "http://xn--a/feed|application/rss+xml")))  # fmt: skip
    server.route("/internal.xml", served(FEED))
    before = config.read_text()
    assert add(config, server.url("/")) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert "no feed found" in said
    # why, and what to do: the refusal was hidden behind "none of them is a readable feed"
    assert f"{secret} (refusing to fetch {secret}: localhost resolves to 127.0.0.1" in said
    assert "list its host in fulltext.allow_hosts" in said
    assert config.read_text() == before
    assert [r.path for r in server.requests] == ["/"]  # nothing else was asked for
    allowing = config.read_text().replace(
        "sources:", "fulltext: {allow_hosts: [localhost]}\nsources:"
    )
    config.write_text(allowing)
    assert add(config, server.url("/")) == 0  # unless the admin allows that host
    assert load_settings(config).source("cardiology-daily") is not None


def test_a_public_sites_own_feed_cannot_redirect_discovery_to_an_internal_address(
    config: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """The site's own host was fetched without the redirect guard the refresh has: its
    feed's redirect to the loopback (the metadata service, the intranet) was read and
    offered to the admin, and the page's title shown."""
    real = netguard._resolve

    async def resolve(source: str, host: str, port: int) -> tuple[str, ...]:
        return ("93.184.216.34",) if host == "localhost" else await real(source, host, port)

    monkeypatch.setattr(netguard, "_resolve", resolve)  # localhost: a site on the internet
    site = server.url("/").replace("127.0.0.1", "localhost")
    server.route("/", lambda handler: send(handler, 200, page("/feed.xml|application/rss+xml")))
    server.route("/feed.xml", lambda handler: send(handler, 302, headers={
        "Location": server.url("/internal.xml")}))  # fmt: skip
    server.route("/internal.xml", served(FEED))
    before = config.read_text()
    assert add(config, site) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert "redirected from a public address" in said
    assert config.read_text() == before
    assert "/internal.xml" not in [r.path for r in server.requests]


def test_a_site_that_declares_nothing_is_searched_at_the_usual_paths(
    config: Path, server: LocalServer
) -> None:
    server.route("/blog/", lambda handler: send(handler, 200, page()))
    server.route("/blog/feed", served(FEED))
    assert add(config, server.url("/blog/"), "--id", "blog", "--name", "The Blog") == 0
    source = load_settings(config).source("blog")
    assert source is not None
    assert (source.name, source.url) == ("The Blog", server.url("/blog/feed"))


def test_a_calendar_is_guessed_a_conference_and_kind_overrides_a_guess(
    config: Path, server: LocalServer
) -> None:
    calendar = (DATA / "events.ics").read_bytes()
    server.route("/events.ics", served(calendar, content_type="text/calendar"))
    server.route("/feed.xml", served(FEED))
    assert add(config, server.url("/events.ics")) == 0
    assert add(config, server.url("/feed.xml"), "--kind", "video") == 0
    settings = load_settings(config)
    assert settings.source("medical-congresses").kind is Kind.CONFERENCE  # type: ignore[union-attr]
    assert settings.source("cardiology-daily").kind is Kind.VIDEO  # type: ignore[union-attr]


def test_a_feed_already_configured_is_refused_and_the_file_left_alone(
    config: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route("/feed.xml", served(FEED))
    assert add(config, server.url("/feed.xml")) == 0
    before = config.read_text()
    assert add(config, server.url("/feed.xml")) == 2
    err = " ".join(capsys.readouterr().err.split())  # rich wraps at the terminal width
    assert "already configured as source 'cardiology-daily'" in err
    assert config.read_text() == before


def test_no_feed_anywhere_is_a_clear_error(
    config: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route("/", lambda handler: send(handler, 200, page()))
    before = config.read_text()
    assert add(config, server.url("/")) == 2
    assert "no feed found at" in capsys.readouterr().err
    assert config.read_text() == before


def test_an_unreachable_site_is_a_clear_error(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = config.read_text()
    assert add(config, f"http://127.0.0.1:{closed_port()}/") == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
    assert config.read_text() == before


def test_a_taken_id_is_refused(config: Path, server: LocalServer) -> None:
    server.route("/feed.xml", served(FEED))
    assert add(config, server.url("/feed.xml"), "--id", "existing") == 2


def test_a_bad_id_names_the_field_not_a_line_of_the_unwritten_text(
    config: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route("/feed.xml", served(FEED))
    before = config.read_text()
    assert add(config, server.url("/feed.xml"), "--id", "bad id") == 2
    said = " ".join(capsys.readouterr().err.split())
    assert "the source to add is refused, nothing was written" in said and ", line " not in said
    assert config.read_text() == before


def test_ids_come_from_titles_and_never_collide() -> None:
    assert slug_for("The BMJ: Latest!", "https://bmj.com/rss", set()) == "the-bmj-latest"
    assert slug_for("The BMJ", "https://bmj.com/rss", {"the-bmj"}) == "the-bmj-2"
    assert slug_for(None, "https://www.nejm.org/feed", set()) == "nejm-org"


def test_the_real_config_gains_only_the_new_entry() -> None:
    text = (REPO / "config.yaml").read_text()
    new = NewSource("new-one", "New: One", "https://ex.org/feed?a=1&b=2", Kind.NEWS)
    updated = with_sources(text, [new], path=REPO / "config.yaml")
    assert added_lines(text, updated) == [
        "",
        "  - id: new-one",
        "    name: 'New: One'",
        "    url: https://ex.org/feed?a=1&b=2",
        "    kind: news",
    ]


def test_a_flow_style_source_list_is_refused_with_advice(tmp_path: Path) -> None:
    text = "sources: [{id: a, name: A, url: https://ex.org/a, kind: news}]\n"
    with pytest.raises(ConfigError, match="one entry per line"):
        with_sources(text, [NewSource("b", "B", "https://ex.org/b", Kind.NEWS)], path=tmp_path)


@pytest.mark.parametrize("title", ["No", "On", "yes", "1:30", "2026-12-01", "null", "3.5"])
def test_a_title_yaml_1_1_reads_as_another_type_is_quoted(tmp_path: Path, title: str) -> None:
    # ruamel.yaml writes YAML 1.2, where "No" is a string; the config is read as YAML 1.1,
    # where it is false: the new entry made the file invalid on a line nobody wrote.
    text = "sources:\n  - id: a\n    name: A\n    url: https://ex.org/a\n    kind: news\n"
    new = NewSource("b", title, "https://ex.org/b", Kind.NEWS, tags=(title,))
    path = tmp_path / "config.yaml"
    updated = with_sources(text, [new], path=path)
    settings = parse_settings(updated, path=path)
    assert settings.sources[1].name == title
    assert settings.sources[1].tags == (title,)


class _Terminal(io.StringIO):
    """A terminal whose user pressed Ctrl-D at once."""

    def isatty(self) -> bool:
        return True


def test_ctrl_d_at_the_feed_prompt_adds_nothing_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = [FoundFeed(f"https://site.example/{n}.xml", f"Feed {n}", Kind.NEWS, 3, True)
             for n in (1, 2)]  # fmt: skip
    monkeypatch.setattr(sys, "stdin", _Terminal(""))
    out, err = io.StringIO(), io.StringIO()
    console = Console(file=out, force_terminal=True)
    assert choose(found, None, console, Console(file=err)) is None
    assert "cancelled: no feed added" in err.getvalue()


def test_the_feeds_found_show_their_whole_address_on_a_narrow_terminal() -> None:
    url = "https://very-long-hostname.example.org/feeds/cardiology/latest/rss.xml"
    out = io.StringIO()
    show([FoundFeed(url, "Cardiology news", Kind.NEWS, 12, True)],
               Console(file=out, width=80))  # fmt: skip
    last_column = [line.rsplit("│", 2)[1].strip() for line in out.getvalue().splitlines()
                   if line.startswith("│")]  # fmt: skip
    assert "".join(last_column) == url


def test_a_feed_files_path_is_added_as_its_file_url(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """config.yaml takes a feed file's path, but ``sources add feeds/x.xml`` said
    "unsupported URL scheme ''"."""
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "bulletin.xml").write_bytes(FEED)
    monkeypatch.chdir(tmp_path)
    assert add(config, "feeds/bulletin.xml") == 0
    added = load_settings(config).source("cardiology-daily")
    assert added is not None
    assert added.url == (tmp_path / "feeds" / "bulletin.xml").as_uri()


@pytest.mark.parametrize(
    ("typed", "fetched"),
    [("www.fda.gov", "https://www.fda.gov"), ("nejm.org/rss", "https://nejm.org/rss"),
     ("localhost:8080/feed", "https://localhost:8080/feed"),
     ("http://ex.org/feed", "http://ex.org/feed"), ("file:///srv/a.xml", "file:///srv/a.xml")],
)  # fmt: skip
def test_a_bare_host_is_read_as_a_browser_reads_it(typed: str, fetched: str) -> None:
    assert typed_address(typed) == fetched


@pytest.mark.parametrize("typed", ["feeds/missing.xml", "pubmed.html", "news.json.gz"])
def test_an_address_that_is_neither_a_host_nor_a_file_says_what_is_wanted(
    config: Path, capsys: pytest.CaptureFixture[str], typed: str
) -> None:
    """A missing "pubmed.html" was added as https://pubmed.html, whose refresh then failed."""
    before = config.read_text()
    assert add(config, typed) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"{typed!r} is neither a web address (https://…) nor a file" in err
    assert "scheme" not in err
    assert config.read_text() == before


@pytest.mark.parametrize("typed", ["a" * 300, "feeds" + "/x" * 3000])
def test_an_address_the_system_cannot_look_up_as_a_file_is_bad_input_not_a_traceback(
    config: Path, capsys: pytest.CaptureFixture[str], typed: str
) -> None:
    """A name too long for the file system raised OSError out of ``sources add``."""
    before = config.read_text()
    assert add(config, typed) == 2
    assert "is neither a web address" in " ".join(capsys.readouterr().err.split())
    assert config.read_text() == before
