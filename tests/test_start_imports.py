"""Issue 11: a command imports the stages it runs, and nothing for the ones it does not.

``medfeed --help`` needs argparse only; an all-304 refresh needs the config,
the store and the fetcher, never the parsers, the web or Alembic; a parse
worker needs the parsers, never the store or the web. Each check runs in a
fresh interpreter: this one has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from aggregator.cli import main
from tests.feeds import Entry, config_text, rss, served
from tests.localserver import LocalServer

# (an entry of None is a module kept from being imported: aggregator/__init__.py)
MODULES = "sorted({n.split('.')[0] for n, m in __import__('sys').modules.items() if m})"
PRINT_MODULES = f"\nprint(__import__('json').dumps({MODULES}))"
PRINT_MODULE_NAMES = "\nprint(__import__('json').dumps(sorted(__import__('sys').modules)))"
STAGES = {"sqlalchemy", "pydantic", "yaml", "httpx", "rich", "nh3", "alembic"}
PARSERS = {"feedparser", "icalendar", "recurring_ical_events", "lxml", "trafilatura"}
WEB = {"flask", "jinja2", "werkzeug", "gunicorn"}
# the story matcher and what it reads (word lists, the drug table, pycountry: ~40 ms)
MATCHER = {"aggregator.dedupe", "aggregator.storyindex", "aggregator.storywindow", "pycountry"}

# The ``medfeed`` script: it imports aggregator.cli, and so does each parse worker
# (multiprocessing imports the parent's __main__ in every worker it starts).
COMMAND_SCRIPT = f"""
import aggregator.cli

if __name__ == "__main__":
    from aggregator.refresh import parse_pool

    with parse_pool() as pool:
        print(__import__("json").dumps(pool.submit(eval, {MODULES!r}).result()))
"""


def imported_by(*argv: str) -> tuple[set[str], str]:
    """The top-level packages a fresh interpreter has imported when ``argv`` ends, and
    what it printed before."""
    done = subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, check=True, timeout=120
    )
    *printed, modules = done.stdout.splitlines()
    return set(json.loads(modules)), "\n".join(printed)


def test_importing_the_command_loads_no_stage() -> None:
    imported, _ = imported_by("-c", "import aggregator.cli" + PRINT_MODULES)
    assert imported & (STAGES | PARSERS | WEB) == set()


def test_reading_the_config_does_not_load_the_http_client() -> None:
    """Every command reads the config; only those that fetch need httpx (~55 ms)."""
    imported, _ = imported_by("-c", "import aggregator.config" + PRINT_MODULES)
    assert "httpx" not in imported and "httpcore" not in imported


def test_reading_the_config_does_not_load_urllib_request() -> None:
    """urllib.request (http.client, email, ~35 ms) is the fetcher's: the config unescapes
    a file URL's path with urllib.parse."""
    imported, _ = imported_by("-c", "import aggregator.config" + PRINT_MODULE_NAMES)
    assert "urllib.request" not in imported


def test_reading_the_config_does_not_load_the_story_matcher() -> None:
    """The config's ``dedupe`` defaults live apart from the matcher."""
    imported, _ = imported_by("-c", "import aggregator.config" + PRINT_MODULE_NAMES)
    assert imported & MATCHER == set()


def test_a_parse_worker_holds_neither_the_store_nor_the_web(tmp_path: Path) -> None:
    script = tmp_path / "medfeed_like.py"
    script.write_text(COMMAND_SCRIPT)
    imported, _ = imported_by(str(script))
    assert imported & {"sqlalchemy", "pydantic", "httpx", "rich", "alembic", *WEB} == set()


NAMES = ("alpha", "beta", "gamma", "delta", "epsilon")  # enough for a parse pool


def imported_by_an_all_304_pass(
    tmp_path: Path,
    database_url: str,
    listing: str,
    form: tuple[str, ...] = ("--format", "tsv"),
    prelude: str = "",
) -> set[str]:
    """What a second ``refresh --all`` imports (``listing`` prints it, after ``prelude``
    and the pass ran), every source of the first having answered 304; its output piped,
    as ``imported_by`` runs it."""
    with LocalServer() as server:
        server.route("/a.xml", served(rss([Entry("Trial results", "https://x.org/t", "t-1")])))
        config = tmp_path / "config.yaml"
        sources = [(name, server.url(f"/a.xml?feed={name}"), "news") for name in NAMES]
        text = config_text(database_url, sources, fulltext="{enabled: false}")
        config.write_text(text.replace("timeout: 2s", "timeout: 60s"))  # a loaded machine
        command = ["--config", str(config), "refresh", "--all", *form]
        assert main(command) == 0
        again = f"{prelude}\nfrom aggregator.cli import main\nmain({command!r})"
        imported, printed = imported_by("-c", again + listing)
    assert printed.count("\tnot-modified\t") == len(NAMES)
    return imported


def test_an_all_304_refresh_imports_no_parser_no_web_no_alembic_and_starts_no_pool(
    tmp_path: Path, database_url: str
) -> None:
    imported = imported_by_an_all_304_pass(tmp_path, database_url, PRINT_MODULES)
    assert {"sqlalchemy", "httpx"} <= imported
    assert imported & (PARSERS | WEB | {"alembic"}) == set()
    # no parse pool is started for bodies that never came, and a one-shot command
    # counts nothing nobody could scrape
    assert imported & {"multiprocessing", "prometheus_client"} == set()


def test_an_all_304_refresh_loads_neither_the_story_matcher_nor_the_parse_stage(
    tmp_path: Path, database_url: str
) -> None:
    """Stories are decided, and bodies prepared, only for a batch that stored items."""
    imported = imported_by_an_all_304_pass(tmp_path, database_url, PRINT_MODULE_NAMES)
    assert "aggregator.store" in imported
    assert imported & (MATCHER | {"aggregator.prepare"}) == set()


def test_an_all_304_refresh_loads_none_of_the_stores_item_writing(
    tmp_path: Path, database_url: str
) -> None:
    """A pass that stores no items needs neither ingest, folds and the late-join and
    merge rules they use, nor the hubs' tables: ~4 % of such a pass's instructions."""
    imported = imported_by_an_all_304_pass(tmp_path, database_url, PRINT_MODULE_NAMES)
    assert "aggregator.store.sources" in imported
    writing = {"aggregator.store.ingest", "aggregator.store.folds", "aggregator.latejoin"}
    rules = {"aggregator.reconcile", "aggregator.store.websub"}
    assert imported & (writing | rules) == set()


# Notes each certificate store an interpreter loads into a TLS context.
COUNT_CERTIFICATE_STORES = """
import ssl
STORES = []
for name in ("load_verify_locations", "load_default_certs"):
    def counted(self, *args, _load=getattr(ssl.SSLContext, name), **kwargs):
        STORES.append(1)
        return _load(self, *args, **kwargs)
    setattr(ssl.SSLContext, name, counted)
"""
PRINT_STORES = "\nprint(__import__('json').dumps(['a certificate store'] if STORES else []))"


def test_an_all_304_refresh_of_http_sources_loads_no_certificate_store(
    tmp_path: Path, database_url: str
) -> None:
    """The store costs ~20-40 ms of CPU to load, and only an https request needs it."""
    loaded = imported_by_an_all_304_pass(
        tmp_path, database_url, PRINT_STORES, prelude=COUNT_CERTIFICATE_STORES
    )
    assert loaded == set()


def test_a_refresh_piped_to_a_log_does_not_load_rich(tmp_path: Path, database_url: str) -> None:
    """Its rows are TSV, written as they are: rich (~30 ms) would only ask the stream
    whether it is a terminal."""
    imported = imported_by_an_all_304_pass(tmp_path, database_url, PRINT_MODULES, form=())
    assert "sqlalchemy" in imported
    assert "rich" not in imported


def test_creating_a_new_database_loads_no_parser(tmp_path: Path) -> None:
    """A first start runs every migration; the one reading stored events' headlines
    needs the parsers only when there are stored events (the first refresh parses in
    its pool, so its main process would load feedparser for nothing)."""
    config = tmp_path / "config.yaml"
    source = ("alpha", "http://127.0.0.1:9/a.xml", "news")  # never fetched
    config.write_text(config_text(f"sqlite:///{tmp_path / 'new.db'}", [source]))
    run = f"from aggregator.cli import main\nmain(['--config', {str(config)!r}, 'db', 'upgrade'])"
    imported, _ = imported_by("-c", run + PRINT_MODULES)
    assert "alembic" in imported  # the schema was made
    assert imported & PARSERS == set()


# What a command leaves behind: a cycle whose finaliser says when it is collected.
LEFT_AT_EXIT = """
import sys
from aggregator.cli import main

main(["--config", sys.argv[1], "check-config"])


class Cycle:
    def __del__(self) -> None:
        sys.__stdout__.write("collected\\n")


cycle = Cycle()
cycle.me = cycle
del cycle
"""


def test_a_command_ends_its_process_without_a_final_collection(tmp_path: Path) -> None:
    """The interpreter's last collections would walk every object the stages built
    (~0.2 s of CPU per command) only to free memory the exit frees anyway."""
    script = tmp_path / "left_at_exit.py"
    script.write_text(LEFT_AT_EXIT)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "missing.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "config error" in done.stderr
    assert "collected" not in done.stdout
