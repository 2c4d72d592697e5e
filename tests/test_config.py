"""config.yaml validation: every mistake is a ConfigError naming file, line and field."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from aggregator.cli import main
from aggregator.config import duration_text, load_settings, parse_duration, parse_size
from aggregator.errors import ConfigError, StorageError
from aggregator.fetch import Fetcher, FetchLimits
from aggregator.store.database import SQLITE_MAX_PATH, check_location

REPO = Path(__file__).resolve().parents[1]

GOOD = """\
database: sqlite:///var/test.db
http:
  timeout: 5s
  max_bytes: 2MB
schedule:
  default_interval: 30m
sources:
  - id: fda-press
    name: FDA Press Releases
    url: https://www.fda.gov/feed.xml
    kind: news
    interval: 1h
  - id: local-demo
    name: Local demo
    url: demo/feed.xml
    kind: article
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def error_for(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    return caught.value


def test_a_valid_config_loads_with_durations_sizes_and_resolved_paths(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD))
    assert settings.http.timeout == timedelta(seconds=5)
    assert settings.http.max_bytes == 2_000_000
    assert settings.interval_of(settings.sources[0]) == timedelta(hours=1)
    assert settings.interval_of(settings.sources[1]) == timedelta(minutes=30)
    assert settings.database == f"sqlite:///{tmp_path / 'var' / 'test.db'}"
    assert settings.sources[1].url == (tmp_path / "demo" / "feed.xml").as_uri()


@pytest.mark.parametrize(
    "url",
    [
        "my feeds/a b.xml",
        "file:my%20feeds/a%20b.xml",
        "file://my%20feeds/a%20b.xml",
        "file://{tmp}/my%20feeds/a%20b.xml",
        "file://localhost{tmp}/my feeds/a b.xml",
    ],
)
def test_a_local_feed_is_found_however_its_url_is_escaped(tmp_path: Path, url: str) -> None:
    """``file:///srv/my%20feeds/a.xml`` (escaped, as a browser shows it) was escaped again:
    the refresh looked for a folder named "my%20feeds"; ``file://feeds/a.xml`` for /a.xml."""
    feed = tmp_path / "my feeds" / "a b.xml"
    feed.parent.mkdir()
    feed.write_bytes(b"<rss/>")
    text = GOOD.replace("url: demo/feed.xml", f"url: {url.format(tmp=tmp_path)}")
    local = load_settings(write(tmp_path, text)).sources[1].url
    assert local == feed.as_uri()
    assert asyncio.run(fetch(local)) == b"<rss/>"


async def fetch(url: str) -> bytes | None:
    async with Fetcher(FetchLimits()) as fetcher:
        return (await fetcher.fetch("local-demo", url)).body


def test_unknown_key_names_the_line_and_field(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD.replace("    interval: 1h", "    intervall: 1h"))
    assert error.field == "sources[0].intervall"
    assert error.line == 12
    assert "unknown key" in str(error)


def test_duplicate_source_id_is_an_error_at_the_second_ones_line(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD.replace("id: local-demo", "id: fda-press"))
    assert "duplicate source id 'fda-press'" in str(error)
    assert (error.line, error.field) == (13, "sources[1].id")


def test_one_feed_listed_under_two_ids_is_an_error_at_the_second_ones_url(
    tmp_path: Path,
) -> None:
    """Compared as ``sources add`` compares them: the scheme's default port, a tracking
    parameter and the host's case do not make it another feed."""
    error = error_for(
        tmp_path,
        GOOD.replace("url: demo/feed.xml", "url: HTTPS://www.FDA.gov:443/feed.xml?utm_source=x"),
    )
    assert "source 'local-demo' has the feed URL of source 'fda-press'" in str(error)
    assert (error.line, error.field) == (15, "sources[1].url")


@pytest.mark.parametrize("cron", ["61 * * * *", "* 25 * * *", "* * 32 * *", "* * * 13 *"])
def test_a_cron_the_scheduler_refuses_is_a_config_error(tmp_path: Path, cron: str) -> None:
    error = error_for(tmp_path, GOOD.replace("  default_interval: 30m", f"  cron: '{cron}'"))
    assert error.field == "schedule.cron"
    assert "not a valid cron expression" in str(error)


@pytest.mark.parametrize("cron", ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *"])
def test_a_cron_that_never_fires_is_a_config_error(tmp_path: Path, cron: str) -> None:
    """It built a trigger, so ``run`` started and never ran a pass (/readyz stayed 503)."""
    error = error_for(tmp_path, GOOD.replace("  default_interval: 30m", f"  cron: '{cron}'"))
    assert (error.line, error.field) == (6, "schedule.cron")
    assert "never fires in the next 5 years" in str(error)


def test_a_cron_of_a_leap_day_is_accepted(tmp_path: Path) -> None:
    settings = load_settings(
        write(tmp_path, GOOD.replace("  default_interval: 30m", "  cron: '0 0 29 2 *'"))
    )
    assert settings.schedule.cron == "0 0 29 2 *"


def test_a_user_agent_written_as_a_yaml_block_loses_its_newline(tmp_path: Path) -> None:
    """``user_agent: |`` ends in a newline, which httpx refused on every fetch."""
    text = GOOD.replace(
        "  max_bytes: 2MB",
        "  max_bytes: 2MB\n  user_agent: |\n    medfeed/0.1 (+https://example.org)",
    )
    assert (
        load_settings(write(tmp_path, text)).http.user_agent == "medfeed/0.1 (+https://example.org)"
    )


@pytest.mark.parametrize(
    "agent", ['"medfeed\\r\\nX-Injected: 1"', '"médfeed/0.1"', '"medfeed\\t0.1"', '"  "']
)
def test_a_user_agent_that_is_no_header_line_is_a_config_error(tmp_path: Path, agent: str) -> None:
    text = GOOD.replace("  max_bytes: 2MB", f"  max_bytes: 2MB\n  user_agent: {agent}")
    error = error_for(tmp_path, text)
    assert (error.line, error.field) == (5, "http.user_agent")
    assert "one line of printable ASCII text" in str(error)


@pytest.mark.parametrize(
    ("database", "said"),
    [("var/medfeed.db", "not a database URL"), ("sqllite:///x.db", "not supported"),
     ("mysql://user@host/medfeed", "not supported"), ("postgresql+nodriver://h/db", "driver"),
     ("sqlite://var/medfeed.db", "has a host"), ("sqlite:////tmp", "names the folder")],
)  # fmt: skip
def test_a_database_medfeed_cannot_open_is_a_config_error(
    tmp_path: Path, database: str, said: str
) -> None:
    error = error_for(tmp_path, GOOD.replace("sqlite:///var/test.db", database))
    assert (error.line, error.field) == (1, "database")
    assert said in str(error)


@pytest.mark.parametrize(
    "setting",
    ["retention:\n  per_source: yes", "http:\n  concurrency: true", "http:\n  max_redirects: no",
     "featured:\n  min_words: yes", "retention:\n  days: on"],
)  # fmt: skip
def test_a_yes_or_no_is_not_a_count(tmp_path: Path, setting: str) -> None:
    # YAML reads yes/no/on as booleans, which Python would take as 1 and 0: "per_source:
    # yes" kept one item of each source and purged the rest.
    text = GOOD.replace("http:\n  timeout: 5s\n  max_bytes: 2MB\n", "") + setting + "\n"
    error = error_for(tmp_path, text)
    assert "a yes/no (true/false) value is not a whole number" in str(error)


@pytest.mark.parametrize(
    ("url", "said"),
    [("http://example.org:99999/feed", "invalid port"), ("http://exa mple.org/feed", "host")],
)
def test_a_source_url_with_a_bad_port_or_host_is_an_error(
    tmp_path: Path, url: str, said: str
) -> None:
    error = error_for(tmp_path, GOOD.replace("https://www.fda.gov/feed.xml", f"'{url}'"))
    assert error.field == "sources[0].url"
    assert said in str(error)


@pytest.mark.parametrize(
    ("url", "said"),
    [("https://news.example.org/?", "query or fragment"),
     ("https://news.example.org/#", "query or fragment"),
     ("https://news.example.org/?page=1", "query or fragment"),
     ("news.example.org", "http(s) URL")],
)  # fmt: skip
def test_a_public_url_that_links_cannot_be_built_on_is_an_error(
    tmp_path: Path, url: str, said: str
) -> None:
    """Every absolute link and WebSub callback is the public_url and a path: a bare "?"
    or "#" at its end passed and broke them all."""
    error = error_for(tmp_path, GOOD + f"public_url: '{url}'\n")
    assert error.field == "public_url"
    assert said in str(error)


def test_a_public_url_is_kept_without_its_trailing_slash(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD + "public_url: ' https://ex.org/news/ '\n"))
    assert settings.public_url == "https://ex.org/news"


def test_unknown_kind_lists_the_allowed_kinds(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD.replace("kind: article", "kind: podcast"))
    assert error.field == "sources[1].kind"
    assert error.line == 16
    assert "'news', 'article', 'conference' or 'video'" in str(error)


def test_featured_labels_leave_sponsored_out_unless_listed(tmp_path: Path) -> None:
    assert "sponsored" not in load_settings(write(tmp_path, GOOD)).featured.labels
    listed = load_settings(write(tmp_path, GOOD + "featured:\n  labels: [journal, sponsored]\n"))
    assert listed.featured.as_policy().labels == ("journal", "sponsored")


@pytest.mark.parametrize("labels", ["[advert]", "[]"])
def test_featured_labels_must_be_known_labels(tmp_path: Path, labels: str) -> None:
    error = error_for(tmp_path, GOOD + f"featured:\n  labels: {labels}\n")
    assert error.field is not None and error.field.startswith("featured.labels")


def test_malformed_url_is_an_error(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD.replace("https://www.fda.gov/feed.xml", "ftp://fda.gov/x"))
    assert error.field == "sources[0].url"


def test_bad_duration_is_an_error(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD.replace("interval: 1h", "interval: soon"))
    assert error.field == "sources[0].interval"
    assert "not a duration" in str(error)


def test_the_webs_database_timeout_is_10_s_unless_set_and_stays_under_the_worker_timeout(
    tmp_path: Path,
) -> None:
    assert load_settings(write(tmp_path, GOOD)).web.database_timeout == timedelta(seconds=10)
    shorter = load_settings(write(tmp_path, GOOD + "web:\n  database_timeout: 5s\n"))
    assert shorter.web.database_timeout == timedelta(seconds=5)
    error = error_for(tmp_path, GOOD + "web:\n  database_timeout: 60s\n")
    assert error.field == "web.database_timeout"
    assert "between 2 s and 30 s" in str(error)


def test_empty_sources_is_an_error(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD.split("sources:")[0] + "sources: []\n")
    assert "no sources are configured" in str(error)


def test_duplicate_yaml_key_is_an_error_not_a_silent_overwrite(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD.replace("  max_bytes: 2MB", "  max_bytes: 2MB\n  timeout: 9s"))
    assert "duplicate key 'timeout'" in str(error)
    assert error.line == 5


def test_broken_yaml_reports_the_line(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD.replace("    kind: news", "    kind: [news"))
    assert error.line is not None
    assert "invalid YAML" in str(error)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_settings(tmp_path / "nope.yaml")


def test_durations_and_sizes_accept_the_documented_forms() -> None:
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("7d") == timedelta(days=7)
    assert parse_duration(2) == timedelta(seconds=2)
    assert parse_size("10MB") == 10_000_000
    assert parse_size("512KiB") == 512 * 1024
    with pytest.raises(ValueError):
        parse_duration("-5m")


def test_check_config_exits_0_on_a_good_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(write(tmp_path, GOOD)), "check-config"]) == 0
    said = capsys.readouterr().out
    assert "2 (2 enabled)" in said
    assert "every 30m by default" in said  # as the file writes it, not "0:30:00"


def test_a_database_path_too_long_for_sqlite_is_a_config_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A path 2,000 folders deep raised RecursionError from ``Path.mkdir``, which calls
    itself once per missing folder; and SQLite would open no such path anyway."""
    deep = tmp_path.joinpath(*["d"] * 2000) / "medfeed.db"
    path = write(tmp_path, GOOD.replace("sqlite:///var/test.db", f"sqlite:///{deep}"))
    assert main(["--config", str(path), "check-config"]) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert f"{path}, field database: the database path {str(tmp_path)[:20]}" in said
    assert "is 4,0" in said and "bytes long, and SQLite opens none longer than 504" in said
    assert "Traceback" not in said
    assert list(tmp_path.iterdir()) == [path]  # no folder made on the way


def test_sqlite_opens_a_database_path_of_504_bytes_and_none_longer(tmp_path: Path) -> None:
    """``SQLITE_MAX_PATH`` holds for the SQLite this Python runs: 512 bytes less the 8 its
    pager keeps for a journal's suffix."""
    folder = tmp_path.joinpath(*["f" * 99] * ((SQLITE_MAX_PATH - len(str(tmp_path))) // 100))
    folder.mkdir(parents=True)
    longest = folder / ("x" * (SQLITE_MAX_PATH - len(str(folder)) - 1))
    assert len(str(longest)) == SQLITE_MAX_PATH
    sqlite3.connect(longest).close()
    with pytest.raises(sqlite3.OperationalError, match="unable to open database file"):
        sqlite3.connect(f"{longest}x")
    check_location(f"sqlite:///{longest}")
    with pytest.raises(StorageError, match="505 bytes long"):
        check_location(f"sqlite:///{longest}x")


@pytest.mark.parametrize(("seconds", "text"), [(90, "1m30s"), (5400, "1h30m"), (604800, "7d")])
def test_a_duration_is_written_back_as_the_config_writes_it(seconds: int, text: str) -> None:
    assert duration_text(timedelta(seconds=seconds)) == text
    assert parse_duration(text) == timedelta(seconds=seconds)


def test_the_config_in_the_readme_is_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An admin copies it: it had public_url twice, which check-config refuses."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## config.yaml", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert main(["--config", str(write(tmp_path, block)), "check-config"]) == 0, (
        capsys.readouterr().err
    )


def test_an_error_quoting_markup_like_text_is_printed_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "ftp://example.org/feeds[/old]/rss.xml"  # "[/old]" is a closing tag to rich
    path = write(tmp_path, GOOD.replace("https://www.fda.gov/feed.xml", url))
    assert main(["--config", str(path), "check-config"]) == 2
    assert url in capsys.readouterr().err.replace("\n", "")


@pytest.mark.parametrize(
    "broken",
    [
        GOOD.replace("interval: 1h", "interval: 1 fortnight"),
        GOOD.replace("kind: news", "kind: gossip"),
        GOOD.replace("id: local-demo", "id: fda-press"),
        GOOD + "colour: blue\n",
        GOOD.replace("https://www.fda.gov/feed.xml", "https://"),
        GOOD.split("sources:")[0] + "sources: []\n",
    ],
    ids=["bad-duration", "unknown-kind", "duplicate-id", "unknown-key", "bad-url", "no-sources"],
)
def test_check_config_exits_2_and_names_the_file(
    tmp_path: Path, broken: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, broken)
    assert main(["--config", str(path), "check-config"]) == 2
    assert str(path) in capsys.readouterr().err.replace("\n", "")


@pytest.mark.parametrize("name", ["config.yaml", "config.demo.yaml"])
def test_shipped_configs_are_valid(name: str) -> None:
    path = REPO / name
    if not path.exists():
        pytest.fail(f"{name} is missing")
    settings = load_settings(path)
    assert {s.kind.value for s in settings.sources} == {"news", "article", "conference", "video"}


def test_an_empty_config_flag_is_an_error_not_the_default_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, GOOD)  # ./config.yaml, which --config '' silently read
    assert main(["--config", "", "check-config"]) == 2
    assert "--config is empty" in capsys.readouterr().err


def test_a_specialty_naming_an_unknown_source_is_an_error_naming_both_at_its_line(
    tmp_path: Path,
) -> None:
    """A typo'd or removed source id tagged nothing, silently."""
    specialties = (
        "specialties:\n  cardiology:\n    keywords: [heart]\n    sources: [fda-press, acc-news]\n"
    )
    error = error_for(tmp_path, GOOD.replace("sources:\n", specialties + "sources:\n", 1))
    assert "specialty 'cardiology'" in str(error) and "'acc-news'" in str(error)
    assert (error.line, error.field) == (10, "specialties.cardiology.sources[1]")


def test_a_specialty_naming_configured_sources_is_valid(tmp_path: Path) -> None:
    specialties = "specialties:\n  cardiology: {keywords: [heart], sources: [local-demo]}\n"
    settings = load_settings(
        write(tmp_path, GOOD.replace("sources:\n", specialties + "sources:\n", 1))
    )
    assert settings.specialties is not None
    assert settings.specialties["cardiology"].sources == ("local-demo",)


@pytest.mark.parametrize("url", ['"feeds/a\\0b.xml"', "file:///srv/feeds/a%00b.xml"])
def test_a_local_path_with_a_nul_character_is_an_error_at_its_line(
    tmp_path: Path, url: str
) -> None:
    """Resolving it raised ValueError past the config's errors: a traceback from
    check-config, and an edit a running service neither took nor reported."""
    error = error_for(tmp_path, GOOD.replace("url: demo/feed.xml", f"url: {url}"))
    assert "NUL" in str(error)
    assert (error.line, error.field) == (15, "sources[1].url")


def test_a_misspelt_key_is_named_with_the_key_it_resembles(tmp_path: Path) -> None:
    """ "unknown key 'intervall'" left the admin to guess what the right spelling was."""
    error = error_for(tmp_path, GOOD.replace("    interval: 1h", "    intervall: 1h"))
    assert "unknown key 'intervall' (did you mean 'interval'?)" in str(error)
    error = error_for(tmp_path, GOOD.replace("  max_bytes: 2MB", "  max_byte: 2MB"))
    assert "(did you mean 'max_bytes'?)" in str(error)
    error = error_for(tmp_path, GOOD + "specialties:\n  onc: {keywords: [a], source: [x]}\n")
    assert error.field == "specialties.onc.source"
    assert "(did you mean 'sources'?)" in str(error)
    error = error_for(tmp_path, GOOD.replace("    interval: 1h", "    colour: red"))
    assert str(error).endswith("unknown key 'colour'")


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("    interval: 1h", "    tags: oncology", "sources[0].tags",
         "'oncology' is not a list: write [oncology]"),
        ("  max_bytes: 2MB", "  concurrency: four", "http.concurrency",
         "'four' is not a whole number"),
        ("    interval: 1h", "    enabled: maybe", "sources[0].enabled",
         "'maybe' is not true or false"),
        ("    name: FDA Press Releases", "    name: [FDA]", "sources[0].name",
         "this should be one value, not a list"),
        ("schedule:\n", "schedule:\n  jitter: lots\n", "schedule.jitter", "'lots' is not a number"),
        ("schedule:\n", "featured:\n  policy: newest\nschedule:\n", "featured.policy",
         "'newest' is not one of 'latest' or 'pinned'"),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_type_is_worded_for_the_admin_not_as_pydantic_says(
    tmp_path: Path, old: str, new: str, field: str, words: str
) -> None:
    """pydantic said "Input should be a valid tuple" for ``tags: oncology``."""
    error = error_for(tmp_path, GOOD.replace(old, new, 1))
    assert error.field == field
    assert words in str(error)
    assert "Input should be" not in str(error)


def test_check_config_warns_of_a_local_feed_file_that_is_not_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A misspelt path was "ok" to check-config, and every refresh then failed."""
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "feed.xml").write_bytes(b"<rss/>")
    path = write(tmp_path, GOOD.replace("url: demo/feed.xml", "url: demo/feeds.xml"))
    assert main(["--config", str(path), "check-config"]) == 0  # the file may come later
    err = " ".join(capsys.readouterr().err.split())
    missing = tmp_path / "demo" / "feeds.xml"
    assert f"warning: source 'local-demo': no file at {missing}: its refresh will fail" in err
    assert main(["--config", str(write(tmp_path, GOOD)), "check-config"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_check_config_suggests_https_for_a_web_address_written_as_a_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``url: www.fda.gov/rss.xml`` is a path beside config.yaml; the warning named a file."""
    path = write(tmp_path, GOOD.replace("url: demo/feed.xml", "url: www.fda.gov/rss.xml"))
    assert main(["--config", str(path), "check-config"]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "(a web address? write https://www.fda.gov/rss.xml)" in err


@pytest.mark.parametrize("name", ["pubmed.html", "news.json.gz", "feed.rss.bak", "export.opml.txt"])
def test_check_config_suggests_no_web_address_for_a_missing_file_named_as_files_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """A saved page or a compressed feed that is not there yet read as a host: the warning
    said "write https://pubmed.html", an address no one can fetch."""
    path = write(tmp_path, GOOD.replace("url: demo/feed.xml", f"url: {name}"))
    assert main(["--config", str(path), "check-config"]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert f"no file at {tmp_path / name}: its refresh will fail" in err
    assert "https://" not in err


@pytest.mark.parametrize(
    ("old", "new", "line", "hint"),
    [("  timeout: 5s", "\ttimeout: 5s", 3, "(a tab: indent with spaces)"),
     ("    name: FDA Press Releases", "    name: FDA: Press Releases", 9,
      '(a second ": " on one line: put a value holding ": " in quotes, "A: B")'),
     ("    kind: news", "      kind: news", 11, "(check the indentation"),
     ("    kind: article", "   kind: article", 16, "(check the indentation"),
     ("    name: FDA Press Releases", '    name: "FDA Press Releases', 9,
      '(the " that opens a value on this line is never closed)'),
     ("    name: FDA Press Releases", "    name: 'FDA Press Releases", 9,
      "(the ' that opens a value on this line is never closed)"),
     ("    name: FDA Press Releases", '    "name: FDA Press Releases', 9,
      '(the " that opens a key on this line is never closed)'),
     ("  timeout: 5s", "  'timeout: 5s", 3,
      "(the ' that opens a key on this line is never closed)"),
     ("    name: FDA Press Releases", '    name: "FDA: Press Releases', 9,
      '(the " that opens a value on this line is never closed)')],
)  # fmt: skip
def test_a_yaml_mistake_is_named_after_pyyamls_words_for_it(
    tmp_path: Path, old: str, new: str, line: int, hint: str
) -> None:
    """PyYAML's "found character that cannot start any token" was a tab; "mapping values are not
    allowed in this context" a colon in a name, or a line indented too far; "found unexpected
    end of stream", on the file's last line, a quote opened lines before and never closed."""
    error = error_for(tmp_path, GOOD.replace(old, new, 1))
    assert error.line == line
    assert str(error).startswith(f"{tmp_path / 'config.yaml'}, line {line}: invalid YAML: ")
    assert hint in str(error)
