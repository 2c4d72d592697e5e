"""The cheap start: a database at the newest revision is recognised without running Alembic,
and anything else (a new database, an older revision) still goes through Alembic."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from aggregator.store import Store
from aggregator.store.database import alembic_config, at_head, head_revision, make_engine


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_the_head_read_from_the_files_is_alembics_head() -> None:
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_a_new_database_is_not_at_head_and_gets_the_whole_schema(
    engine: Engine, database_url: str
) -> None:
    assert not at_head(engine)
    Store(database_url).close()
    assert at_head(engine)
    assert {"items", "sources", "meta"} <= set(inspect(engine).get_table_names())


def test_a_database_at_an_older_revision_is_upgraded_at_start(
    engine: Engine, database_url: str
) -> None:
    Store(database_url).close()
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert not at_head(engine)
    Store(database_url).close()
    assert at_head(engine)
    assert "item_citations" in inspect(engine).get_table_names()


def test_a_database_recording_two_revisions_is_left_to_alembic(
    engine: Engine, database_url: str
) -> None:
    Store(database_url).close()
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0001')"))
    assert not at_head(engine)
