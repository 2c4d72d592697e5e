"""OPML: `medfeed sources import` adds outlines to config.yaml and leaves the rest of the file
as it was; bad input changes nothing and exits 2; /sources.opml exports the enabled sources."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import listparser
import pytest
from webfactory import setup_store, web_settings

from aggregator.cli import main
from aggregator.config import load_settings
from aggregator.configfile import MAX_BYTES
from aggregator.opml import MAX_OPML_BYTES
from aggregator.records import Label
from aggregator.store import Store
from web import create_app

REPO = Path(__file__).resolve().parents[1]

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Exported from another reader</title></head>
  <body>
    <outline text="News">
      <outline type="rss" text="STAT: Health" xmlUrl="https://www.statnews.com/feed/"/>
      <outline type="rss" text="FDA again" xmlUrl="http://www.fda.gov/press/rss.xml/"/>
    </outline>
    <outline text="Cardiology">
      <outline type="rss" text="JACC" xmlUrl="https://www.jacc.org/feed?type=etoc"
               category="/Journals"/>
    </outline>
    <outline type="rss" text="Heart Videos" xmlUrl="https://videos.example.org/heart.xml"
             category="/video,/cardiology"/>
  </body>
</opml>
"""

CONFIG = """\
# medfeed test config: this comment must survive
database: sqlite:///var/medfeed.db

sources:
  - id: fda-press              # the regulator
    name: FDA Press Releases
    url: https://www.fda.gov/press/rss.xml
    kind: news
    tags: [regulatory,
      press]

  - id: bmj
    name: The BMJ
    # a comment inside the last entry
    url: https://www.bmj.com/rss.xml
    kind: article

# trailing comment about specialties
specialties:
  cardiology: [heart,
    cardiac]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_appends_new_sources_and_leaves_every_other_line_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path, "config.yaml", CONFIG)
    opml = write(tmp_path, "feeds.opml", OPML)
    assert main(["--config", str(config), "sources", "import", str(opml)]) == 0
    block = (
        "\n  - id: stat-health"
        "\n    name: 'STAT: Health'"
        "\n    url: https://www.statnews.com/feed/"
        "\n    kind: news"
        "\n"
        "\n  - id: jacc"
        "\n    name: JACC"
        "\n    url: https://www.jacc.org/feed?type=etoc"
        "\n    kind: article"
        "\n    tags: [cardiology]"
        "\n"
        "\n  - id: heart-videos"
        "\n    name: Heart Videos"
        "\n    url: https://videos.example.org/heart.xml"
        "\n    kind: video"
        "\n    tags: [cardiology]"
        "\n"
    )
    last = "    kind: article\n"
    assert config.read_text(encoding="utf-8") == CONFIG.replace(last, last + block)
    settings = load_settings(config)
    assert [s.id for s in settings.sources] == [
        "fda-press",
        "bmj",
        "stat-health",
        "jacc",
        "heart-videos",
    ]
    out = capsys.readouterr().out
    assert "added stat-health (news): https://www.statnews.com/feed/" in out
    assert "skipped http://www.fda.gov/press/rss.xml/: already configured as fda-press" in out
    assert "3 added, 1 skipped" in out


def test_importing_the_same_file_twice_adds_nothing_the_second_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path, "config.yaml", CONFIG)
    opml = write(tmp_path, "feeds.opml", OPML)
    assert main(["--config", str(config), "sources", "import", str(opml)]) == 0
    once = config.read_text(encoding="utf-8")
    assert main(["--config", str(config), "sources", "import", str(opml)]) == 0
    assert config.read_text(encoding="utf-8") == once
    assert "nothing added" in capsys.readouterr().out


def test_kind_flag_sets_the_kind_of_every_imported_feed(tmp_path: Path) -> None:
    config = write(tmp_path, "config.yaml", CONFIG)
    opml = write(tmp_path, "feeds.opml", OPML)
    assert main(["--config", str(config), "sources", "import", str(opml), "--kind", "article"]) == 0
    kinds = {s.id: s.kind.value for s in load_settings(config).sources}
    assert kinds["stat-health"] == kinds["heart-videos"] == "article"


def test_two_outlines_with_one_title_get_two_ids(tmp_path: Path) -> None:
    config = write(tmp_path, "config.yaml", CONFIG)
    opml = write(
        tmp_path,
        "feeds.opml",
        """<opml version="1.0"><body>
        <outline text="Health" type="rss" xmlUrl="https://a.example.org/rss"/>
        <outline text="Health" type="rss" xmlUrl="https://b.example.org/rss"/>
        <outline text="The BMJ" type="rss" xmlUrl="https://c.example.org/rss"/>
    </body></opml>""",
    )
    assert main(["--config", str(config), "sources", "import", str(opml), "--kind", "news"]) == 0
    ids = [s.id for s in load_settings(config).sources]
    assert ids == ["fda-press", "bmj", "health", "health-2", "the-bmj"]


@pytest.mark.parametrize(
    ("opml_text", "message"),
    [
        ("this is not xml at all", "not an OPML file"),
        ('<rss version="2.0"><channel><title>x</title></channel></rss>', "not an OPML file"),
        (
            '<opml version="2.0"><body><outline text="empty folder"/></body></opml>',
            "no feed outlines",
        ),
        (
            '<opml version="2.0"><body><outline text="x" xmlUrl="https://x.example.org/f"/>'
            "</body></opml>",
            "no category names a kind; use --kind",
        ),
        (
            '<opml version="2.0"><body><outline text="News"><outline text="x" '
            'xmlUrl="ftp://x.example.org/f"/></outline></body></opml>',
            "not an http(s) feed URL",
        ),
    ],
)
def test_bad_input_exits_2_names_the_problem_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], opml_text: str, message: str
) -> None:
    config = write(tmp_path, "config.yaml", CONFIG)
    opml = write(tmp_path, "bad.opml", opml_text)
    assert main(["--config", str(config), "sources", "import", str(opml)]) == 2
    assert message in capsys.readouterr().err
    assert config.read_text(encoding="utf-8") == CONFIG


def test_a_missing_opml_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path, "config.yaml", CONFIG)
    assert main(["--config", str(config), "sources", "import", str(tmp_path / "no.opml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_shipped_configs_take_an_import_without_other_changes(tmp_path: Path) -> None:
    opml = write(tmp_path, "feeds.opml", OPML)
    for name in ("config.yaml", "config.demo.yaml"):
        original = (REPO / name).read_text(encoding="utf-8")
        config = write(tmp_path, name, original)
        assert main(["--config", str(config), "sources", "import", str(opml)]) == 0
        updated = config.read_text(encoding="utf-8")
        assert updated.startswith(original)
        assert "id: heart-videos" in updated[len(original) :]


# --- export, on both databases -------------------------------------------------


def test_sources_opml_keeps_each_sources_label_and_tags_through_an_import(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    settings = web_settings(database_url)
    sources = list(settings.sources)
    by_id = {source.id: n for n, source in enumerate(sources)}
    sources[by_id["bmj"]] = sources[by_id["bmj"]].model_copy(
        update={"label": Label.SPONSORED, "tags": ("cardiology", "industry")}
    )
    settings = settings.model_copy(update={"sources": tuple(sources)})
    setup_store(store, settings)
    response = create_app(settings=settings, store=store).test_client().get("/sources.opml")
    config = write(tmp_path, "config.yaml", CONFIG)
    opml = write(tmp_path, "medfeed.opml", response.data.decode())
    assert main(["--config", str(config), "sources", "import", str(opml)]) == 0
    imported = {s.url: s for s in load_settings(config).sources}
    bmj = imported["https://example.org/bmj.xml"]
    assert (bmj.kind.value, bmj.label, bmj.tags) == (
        "article",
        "sponsored",
        ("cardiology", "industry"),
    )
    medrxiv = imported["https://example.org/medrxiv.xml"]
    assert (medrxiv.kind.value, medrxiv.label, medrxiv.tags) == ("article", "preprint", ())


def test_another_readers_label_folder_is_a_tag_and_leaves_the_label_to_the_kind(
    tmp_path: Path,
) -> None:
    other = OPML.replace('category="/video,/cardiology"', 'category="/video,/label,/Label/Hot"')
    config = write(tmp_path, "config.yaml", CONFIG)
    assert (
        main(["--config", str(config), "sources", "import", str(write(tmp_path, "o.opml", other))])
        == 0
    )
    videos = next(s for s in load_settings(config).sources if s.url.startswith("https://videos."))
    assert (videos.kind.value, videos.label, videos.tags) == ("video", None, ("label", "hot"))


def test_sources_opml_lists_enabled_web_sources_by_kind_and_imports_back(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    settings = web_settings(database_url)
    sources = list(settings.sources)
    sources[1] = sources[1].model_copy(update={"enabled": False})  # fda-press
    sources.append(sources[0].model_copy(update={"id": "local", "url": "file:///srv/feed.xml"}))
    settings = settings.model_copy(update={"sources": tuple(sources)})
    setup_store(store, settings)
    client = create_app(settings=settings, store=store).test_client()
    response = client.get("/sources.opml")
    assert response.status_code == 200
    assert response.content_type.startswith("text/x-opml")
    parsed = listparser.parse(response.data)
    assert parsed["version"] == "opml2"
    exported = {feed["url"]: feed["categories"] for feed in parsed["feeds"]}
    assert set(exported) == {
        s.url for s in settings.sources if s.enabled and s.url.startswith("https:")
    }
    assert exported["https://example.org/bmj.xml"] == [["article"], ["label", "journal"]]
    assert response.headers["ETag"]
    assert (
        client.get("/sources.opml", headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )

    config = write(tmp_path, "config.yaml", CONFIG)
    opml = write(tmp_path, "medfeed.opml", response.data.decode())
    assert main(["--config", str(config), "sources", "import", str(opml)]) == 0
    kinds = {s.url: s.kind.value for s in load_settings(config).sources}
    assert kinds["https://example.org/med-videos.xml"] == "video"
    assert kinds["https://example.org/esc-events.xml"] == "conference"


def test_sources_opml_leaves_out_addresses_the_sources_page_hides(
    store: Store, database_url: str
) -> None:
    settings = web_settings(database_url)
    hidden = {
        "intranet": "http://10.20.30.40/bulletin.xml",
        "paid": "https://alice:s3cr3t@feeds.example.org/alerts.xml",
        "lan": "http://feeds.corp/x.xml",
    }
    extra = [
        settings.sources[0].model_copy(update={"id": name, "url": url})
        for name, url in hidden.items()
    ]
    settings = settings.model_copy(update={"sources": (*settings.sources, *extra)})
    setup_store(store, settings)
    exported = listparser.parse(create_app(settings=settings, store=store).test_client().get(
        "/sources.opml").data)  # fmt: skip
    urls = {feed["url"] for feed in exported["feeds"]}
    assert urls and not urls & set(hidden.values())
    shown = settings.model_copy(
        update={"admin": settings.admin.model_copy(update={"show_internals": True})}
    )
    exported = listparser.parse(create_app(settings=shown, store=store).test_client().get(
        "/sources.opml").data)  # fmt: skip
    assert set(hidden.values()) <= {feed["url"] for feed in exported["feeds"]}


def test_import_follows_a_list_written_with_a_wide_dash(tmp_path: Path) -> None:
    # "-   id:" is as valid as "- id:"; the import assumed the latter and broke the file.
    wide = "sources:\n-   id: a\n    name: A\n    url: https://ex.org/a\n    kind: news\n"
    config = write(tmp_path, "config.yaml", wide)
    opml = write(tmp_path, "feeds.opml", OPML)
    assert main(["--config", str(config), "sources", "import", str(opml)]) == 0
    text = config.read_text()
    assert text.startswith(wide)
    assert "\n-   id: stat-health\n    name: 'STAT: Health'\n" in text
    assert len(load_settings(config).sources) > 1


def test_import_edits_the_file_a_symlinked_config_names_and_keeps_the_link(tmp_path: Path) -> None:
    real = write(tmp_path, "medfeed.yaml", CONFIG)
    link = tmp_path / "config.yaml"
    link.symlink_to(real)
    opml = write(tmp_path, "feeds.opml", OPML)
    assert main(["--config", str(link), "sources", "import", str(opml)]) == 0
    assert link.is_symlink()
    assert "id: stat-health" in real.read_text()


def test_import_keeps_windows_line_endings_and_the_file_mode(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_bytes(CONFIG.replace("\n", "\r\n").encode())
    config.chmod(0o640)
    opml = write(tmp_path, "feeds.opml", OPML)
    assert main(["--config", str(config), "sources", "import", str(opml)]) == 0
    data = config.read_bytes()
    assert b"id: stat-health" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert config.stat().st_mode & 0o777 == 0o640


def test_import_into_a_read_only_config_changes_nothing_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path, "config.yaml", CONFIG)
    config.chmod(0o444)
    opml = write(tmp_path, "feeds.opml", OPML)
    assert main(["--config", str(config), "sources", "import", str(opml)]) == 2
    assert "is read-only for this user: nothing was added" in capsys.readouterr().err
    assert config.read_text() == CONFIG


def test_an_edit_written_in_place_leaves_the_file_whole_when_the_disk_refuses(
    tmp_path: Path,
) -> None:
    """In place (a folder this user may not write, a file another user owns), a write that
    failed part way left config.yaml cut short; its new size is now reserved first. The
    disk is filled by a file size limit, in a child process."""
    config = write(tmp_path, "config.yaml", CONFIG)
    script = f"""
import resource, signal
from pathlib import Path
import aggregator.configedit as edit
from aggregator.records import Kind
edit._may_own = lambda info: False  # stands for a file another user owns: in place
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, ({len(CONFIG)}, resource.RLIM_INFINITY))
source = edit.NewSource(id="new", name="New", url="https://new.example/f.xml", kind=Kind.NEWS)
try:
    edit.add_sources(Path({str(config)!r}), [source])
except Exception as exc:
    print(type(exc).__name__, exc)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "ConfigError" in result.stdout and "nothing was added" in result.stdout, result
    assert config.read_text() == CONFIG


def test_an_import_that_would_make_the_config_too_large_to_read_adds_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The result was validated from its text, which has no size limit, and written: every
    command then refused the file as larger than the most medfeed reads."""
    room = MAX_BYTES - len(CONFIG.encode()) - 100  # a long comment: the file nearly full
    full = CONFIG.replace("# trailing comment", "#" + "x" * room + "\n# trailing comment")
    config = write(tmp_path, "config.yaml", full)
    assert load_settings(config).source("bmj") is not None  # readable as it is
    opml = write(tmp_path, "feeds.opml", OPML)
    assert main(["--config", str(config), "sources", "import", str(opml)]) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert "larger than 1 MB, the most medfeed reads" in said
    assert config.read_text(encoding="utf-8") == full


def test_an_outline_titled_with_a_paragraph_is_imported_under_the_start_of_it(
    tmp_path: Path,
) -> None:
    """A name longer than the sources table keeps refused the whole import, or (before the
    config said so) failed every command on PostgreSQL."""
    title = "Cardiology news, " * 20  # 340 characters
    config = write(tmp_path, "config.yaml", CONFIG)
    opml = write(tmp_path, "feeds.opml", OPML.replace('text="JACC"', f'text="{title}"'))
    assert main(["--config", str(config), "sources", "import", str(opml)]) == 0
    (imported,) = [s for s in load_settings(config).sources if "jacc" in s.url]
    assert imported.name == title[:200].rstrip()


def test_an_opml_file_larger_than_ten_megabytes_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It was read whole and parsed, and its outlines rendered, for minutes, before the
    config's size refused them (or, a wrong file chosen, before it was found no OPML)."""
    config = write(tmp_path, "config.yaml", CONFIG)
    opml = write(tmp_path, "huge.opml", OPML.replace("<body>", "<body>" + " " * MAX_OPML_BYTES))
    assert main(["--config", str(config), "sources", "import", str(opml)]) == 2
    assert "is larger than 10 MB" in capsys.readouterr().err
    assert config.read_text(encoding="utf-8") == CONFIG
