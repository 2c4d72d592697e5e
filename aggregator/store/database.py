"""Engines, sessions and schema migrations.

SQLite gets WAL, foreign keys, a busy timeout and the functions the search index
reads its text with on every connection, and its file (with the parent folder)
is created on first use; PostgreSQL plans every statement for its
parameters (``CUSTOM_PLANS``), and the web site's and the health checks' engines
bound every wait (``make_engine(wait=...)``, ``make_probe_engine``): a frozen
server costs them a 503, not a worker.
The schema is only ever created or changed by Alembic migrations, applied by
``upgrade`` at start and by ``medfeed db upgrade``.
"""

from __future__ import annotations

import ast
import logging
import math
import os
import random
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from ..errors import DatabaseTimeout, StorageError
from ..folders import make_folders
from .search import register_functions

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x6D6564666565  # PostgreSQL advisory lock key ("medfee")
MIGRATE_ATTEMPTS = 12  # SQLite retries while another process holds the file
# Seconds a health check waits to connect, then for each statement: well under gunicorn's
# worker timeout (60 s), and libpq's smallest connect_timeout is 2.
HEALTH_TIMEOUT = 3
_QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE when statement_timeout stops a query
# Seconds between TCP keepalive probes, and how many go unanswered, on the bounded
# connections: the kernel gives up on a silent server soon after the bound.
KEEPALIVE_INTERVAL = 1
KEEPALIVE_COUNT = 3
# libpq's messages for a connection not made in time, and for one the kernel dropped
# (keepalives or tcp_user_timeout: the server stopped answering mid-statement).
_TIMEOUT_MESSAGES = ("timeout expired", "Connection timed out")
# The longest absolute path of a SQLite database, in bytes: SQLite's unix VFS allows 512
# (MAX_PATHNAME, os_unix.c) and its pager keeps 8 of them for the "-journal" it may add
# (pager.c); a longer one fails to open as "unable to open database file".
SQLITE_MAX_PATH = 504
BUSY_TIMEOUT_MS = 30_000  # SQLite: how long a statement waits for another writer's lock
# SQLite's statistics (``update_statistics``): rows ANALYZE reads of each index (its docs:
# 100-1000 work well), and the longest wait for the write lock it takes to store them.
ANALYSIS_LIMIT = 400
STATISTICS_WAIT_MS = 1_000
# Set on every PostgreSQL connection (``server_options``). psycopg prepares a statement on
# the server once a connection has run it 5 times (``prepare_threshold``), and PostgreSQL
# then switches to one plan for every parameter (plan_cache_mode=auto: after 5 custom
# plans, when the generic one's estimate is no worse): on a pooled connection a search
# kept a plan made for other words, "myocardial infarction" 34 -> 145 ms and a rare
# word by date 32 -> 154 ms at 20k items. Statements stay prepared (parsed once).
CUSTOM_PLANS = "-c plan_cache_mode=force_custom_plan"
log = logging.getLogger(__name__)


def make_engine(url: str, *, wait: float | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url``; for SQLite files, the folder is created first.

    ``wait`` (seconds; the web site's) bounds every wait on PostgreSQL: connecting,
    a connection from the pool, each statement (``statement_timeout``, set at
    connect), and a server gone silent mid-statement (TCP keepalives and
    ``tcp_user_timeout``: ``bounded_connect_args``). psycopg has no client-side
    query timeout, so without them a page read
    behind a lock (a migration, a stuck transaction) held its worker until gunicorn
    killed it. The refresh and the commands pass none: their writes may wait their
    turn. SQLite ignores it: its readers never wait (WAL), its writers have the busy
    timeout.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        check_location(url)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if wait is None:
        return create_engine(url, connect_args={"options": server_options(parsed)}, **kwargs)
    return create_engine(
        url, connect_args=bounded_connect_args(parsed, wait), pool_timeout=wait, **kwargs
    )


def make_probe_engine(engine: Engine) -> Engine:
    """The engine health checks (``/healthz``, ``/readyz``, ``/metrics``) read through.

    On PostgreSQL a fresh connection per check, with a connect timeout and a
    statement timeout of ``HEALTH_TIMEOUT``: psycopg has no client-side query
    timeout, so a pooled connection to a server that stopped answering (or a
    query behind a lock) held the request until gunicorn killed the worker. A
    new connection to a frozen server fails at connect, which libpq bounds.
    SQLite readers never wait (WAL), so there the engine itself serves.
    """
    if engine.dialect.name != "postgresql":
        return engine
    return create_engine(
        engine.url.difference_update_query(["options", "connect_timeout"]),
        poolclass=NullPool,
        connect_args=bounded_connect_args(engine.url, HEALTH_TIMEOUT),
    )


def bounded_connect_args(url: URL, seconds: float) -> dict[str, Any]:
    """psycopg's arguments for a PostgreSQL connection that waits at most ``seconds`` to
    connect and then for each statement, and about as long for a server gone silent.

    The ``options`` are ``server_options``: PGOPTIONS and the URL's are kept. Set at
    connect, the timeout holds from the first statement: a SET after connecting could
    itself hang. They override the URL's ``connect_timeout`` and keepalive settings.

    ``statement_timeout`` is the server's to enforce: a server that stops answering
    in the middle of a statement (a frozen machine, a dead network path) never
    cancels it, and psycopg has no client-side query timeout. TCP keepalives after
    ``seconds`` of silence, and ``tcp_user_timeout`` for data never acknowledged,
    have the kernel drop such a connection ``KEEPALIVE_INTERVAL`` or so later
    (Linux: once a probe is out, ``tcp_user_timeout`` decides), so the statement
    fails with "Connection timed out" (``storage_error``: a ``DatabaseTimeout``).
    A server whose kernel still answers (its postgres process stopped) acknowledges
    the probes: that case stays bounded by gunicorn's worker timeout only.

    JIT compilation is off: these connections run short reads, whose plan cost can
    still pass ``jit_above_cost`` (a bounded count of one kind in one source: 114,681
    at 200k items) while running in tens of ms, and compiling took 100-250 ms more
    than running (PostgreSQL 15). PostgreSQL's docs: JIT pays for long-running
    analytical queries; for short ones its overhead is often higher than it saves.
    """
    whole = max(2, math.ceil(seconds))  # libpq takes whole seconds, at least 2 to connect
    return {
        "connect_timeout": whole,
        "options": server_options(
            url, f"-c statement_timeout={round(seconds * 1000)}", "-c jit=off"
        ),
        "keepalives": 1,
        "keepalives_idle": whole,
        "keepalives_interval": KEEPALIVE_INTERVAL,
        "keepalives_count": KEEPALIVE_COUNT,
        "tcp_user_timeout": whole * 1000,  # milliseconds
    }


def server_options(url: URL, *settings: str) -> str:
    """libpq's ``options`` for a medfeed connection: PGOPTIONS, then the URL's, then
    ``CUSTOM_PLANS`` and ``settings``.

    libpq's ``options`` replace PGOPTIONS (a search_path given there), so both are
    kept, or the connection would read another schema than the rest of medfeed.
    """
    given = url.query.get("options")
    options = [os.environ.get("PGOPTIONS", "")]
    options += [given] if isinstance(given, str) else list(given or ())
    options += [CUSTOM_PLANS, *settings]
    return " ".join(option for option in options if option)


def check_location(url: str) -> None:
    """For a SQLite file: its folder exists (created if need be) and this user may write there.

    SQLite writes the database and, in WAL mode, ``-wal`` and ``-shm`` files beside
    it, even to read; without this check a read-only folder surfaces later as
    "unable to open database file", naming neither the file nor the fix.
    PostgreSQL URLs pass: the server decides.
    """
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return
    path = Path(database).absolute()
    length = len(os.fsencode(os.path.realpath(path)))  # SQLite resolves links, and ".."
    if length > SQLITE_MAX_PATH:
        raise StorageError(
            f"the database path {_shortened(path)} is {length:,} bytes long, and SQLite "
            f"opens none longer than {SQLITE_MAX_PATH}: set `database:` in the config file "
            "to a shorter path"
        )
    fix = "or set `database:` in the config file to a writable place"
    if path.is_dir():
        raise StorageError(f"the database {path} is a folder: name a file in it in `database:`")
    try:
        make_folders(path.parent)
    except OSError as exc:
        raise StorageError(
            f"cannot create the database folder {path.parent} ({exc.strerror}): "
            f"create it for the user running medfeed, {fix}"
        ) from exc
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise StorageError(
            f"the database folder {path.parent} is not writable by this user; SQLite keeps "
            f"{path.name} and its -wal and -shm files there: make the folder writable "
            f"(chown or chmod) {fix}"
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StorageError(
            f"the database file {path} is not readable and writable by this user: "
            f"fix its owner or mode (chown or chmod) {fix}"
        )


def _shortened(path: Path) -> str:
    """A path short enough for a message: its start and its end."""
    text = str(path)
    return text if len(text) <= 120 else f"{text[:60]}…{text[-50:]}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy own transactions; pysqlite's implicit BEGIN would defeat
    # BEGIN IMMEDIATE below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # 8 KiB pages (the default is 4): an item row is ~1.7 KB, and two of them left
    # ~0.6 KB of each 4 KiB page empty (4,124 -> 3,867 bytes per entry on the
    # generated 100 x 50 corpus). Only a new file takes it, and only before WAL.
    cursor.execute("PRAGMA page_size=8192")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # At most 16 MiB of page cache a connection (the default is 2 MiB): enough for
    # the indexes a refresh batch walks, without each pooled connection growing to
    # the 64 MiB it was allowed before.
    cursor.execute("PRAGMA cache_size=-16384")
    cursor.close()
    register_functions(dbapi_connection)


def _sqlite_begin_immediate(connection: Any) -> None:
    """Writers take the write lock at BEGIN, so two writers queue instead of deadlocking.

    Readers (the web) begin deferred: in WAL mode they never wait for a writer.
    """
    if connection.get_execution_options().get("medfeed_writer"):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def make_sessionmaker(engine: Engine, *, writer: bool = False) -> sessionmaker[Session]:
    """Sessions for reading, or (``writer=True``) for writing."""
    bind = engine.execution_options(medfeed_writer=True) if writer else engine
    return sessionmaker(bind, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except (OperationalError, PoolTimeout) as exc:
        session.rollback()
        raise storage_error(exc) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def probe_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A health check's unit of work: any database failure is a StorageError, and one that
    ran out of time (connecting or querying) a ``DatabaseTimeout``."""
    try:
        with session_scope(factory) as session:
            yield session
    except DatabaseTimeout as exc:
        raise DatabaseTimeout(f"the database did not answer within {HEALTH_TIMEOUT} s") from exc
    except DBAPIError as exc:
        raise StorageError(f"database error: {exc.orig}") from exc


def storage_error(exc: Exception) -> StorageError:
    """A database failure as medfeed's error: a ``DatabaseTimeout`` when the database did
    not answer in time (a statement cancelled by ``statement_timeout``, a connection
    not made within ``connect_timeout``, one dropped by the kernel when the server went
    silent, no pooled connection free), so the web can answer "try again" rather than
    "broken"; else a ``StorageError``."""
    if isinstance(exc, PoolTimeout):
        return DatabaseTimeout(f"no database connection free in time: {exc}")
    if _timed_out(exc):
        return DatabaseTimeout(f"the database did not answer in time: {getattr(exc, 'orig', exc)}")
    return StorageError(f"database error: {getattr(exc, 'orig', exc)}")


def _timed_out(exc: BaseException | None) -> bool:
    """For a SQLAlchemy error (its driver error in ``orig``) or a driver error itself."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) == _QUERY_CANCELED:
        return True
    return any(message in str(orig) for message in _TIMEOUT_MESSAGES)


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (creates it in an empty database).

    Any number of processes may start at once on a fresh database, so migrating
    is serialised: on PostgreSQL by a transaction-scoped advisory lock (the
    others wait, then find the schema current); on SQLite by ``BEGIN
    IMMEDIATE`` (one writer at a time, the others wait on the busy timeout),
    retried while the file is still being created and switched to WAL.

    A database already at the newest revision, the usual case at every start,
    is recognised with one query and without Alembic (``at_head``): importing
    Alembic and running its environment costs more than the rest of a start.
    """
    if at_head(engine):
        return
    for attempt in range(1, MIGRATE_ATTEMPTS + 1):
        try:
            _upgrade_serialised(engine)
            break
        except DatabaseError as exc:  # OperationalError, or a file that is no database
            busy = engine.dialect.name == "sqlite" and "locked" in str(exc.orig)
            if not busy or attempt == MIGRATE_ATTEMPTS:
                raise StorageError(_cannot_open(engine, exc)) from exc
            log.info("database busy while migrating (attempt %d); retrying", attempt)
            time.sleep(min(0.05 * 2**attempt, 2.0) * (0.5 + random.random()))
    if engine.dialect.name == "sqlite":
        try:  # SQLite's docs: after a schema change (a new index has no statistics)
            update_statistics(engine)
        except StorageError as exc:
            log.warning("%s", exc)


def update_statistics(engine: Engine) -> None:
    """SQLite: give the query planner statistics where they are missing or stale.

    Nothing else runs ANALYZE, and without statistics SQLite's planner walked a
    whole date index for a rare source or tag (docs/benchmarks.md), while the
    benchmarks, which ran ANALYZE, measured other plans. So after each refresh
    pass and each migration: ``ANALYZE`` of every table with rows one of whose
    indexes has no statistics (a new database, table or index: on every SQLite
    version), and of the tables ``PRAGMA optimize=0x10002`` picks, those whose size
    changed tenfold since (SQLite 3.46+ checks every table; older versions 25-fold,
    and only tables this connection's queries used). ``ANALYSIS_LIMIT`` rows of
    each index are read, so it costs milliseconds where a full ANALYZE took
    450-930 ms at 200k items.

    An open connection keeps the statistics it read when it read the schema: when
    some were written, a view is created and dropped, a schema change, so that the
    site's pooled connections read the new ones at their next statement.

    Storing statistics takes the write lock: it waits at most ``STATISTICS_WAIT_MS``
    for another writer, then gives up (``StorageError``; the next pass tries again),
    so a busy database delays a pass by a second at most. PostgreSQL: nothing, its
    autovacuum analyses.
    """
    if engine.dialect.name != "sqlite":
        return
    try:
        connection = engine.raw_connection()
    except DBAPIError as exc:
        raise StorageError(f"could not update SQLite's statistics: {exc.orig}") from exc
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={STATISTICS_WAIT_MS}")
            cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            cursor.execute("BEGIN IMMEDIATE")  # one wait for the lock, then all of it at once
            try:
                stale = [f'ANALYZE "{table}"' for table in _without_statistics(cursor)]
                # what optimize would analyse (bit 0x1: it says, and does nothing)
                stale += [row[0] for row in cursor.execute("PRAGMA optimize=0x10003")]
                for statement in stale:
                    cursor.execute(statement)
                if stale:  # a schema change: every open connection reads the statistics again
                    cursor.execute("CREATE VIEW medfeed_reload_statistics AS SELECT 1")
                    cursor.execute("DROP VIEW medfeed_reload_statistics")
                cursor.execute("COMMIT")
            finally:
                if cursor.connection.in_transaction:
                    cursor.execute("ROLLBACK")
        finally:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA analysis_limit=0")
            cursor.close()
    except sqlite3.Error as exc:
        raise StorageError(f"could not update SQLite's statistics: {exc}") from exc
    finally:
        connection.close()


def _without_statistics(cursor: Any) -> list[str]:
    """Tables with rows one of whose indexes has no row in ``sqlite_stat1``.

    A partial index may select no row (ANALYZE then writes none for it): it does not
    count, or its table would be analysed after every pass. A WITHOUT ROWID table's
    primary key is recorded under the table's name."""
    has_stats = cursor.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).fetchone()
    analysed = "SELECT 1 FROM sqlite_stat1 AS s WHERE s.tbl = t.name AND s.idx IN (i.name, t.name)"
    tables = cursor.execute(
        "SELECT DISTINCT t.name FROM sqlite_master AS t, pragma_index_list(t.name) AS i"
        " WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite~_%' ESCAPE '~' AND NOT i.partial"
        + (f" AND NOT EXISTS ({analysed})" if has_stats else "")
    ).fetchall()
    return [
        name
        for (name,) in tables
        if cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{name}")').fetchone()[0]
    ]


def _cannot_open(engine: Engine, exc: DatabaseError) -> str:
    where = engine.url.render_as_string(hide_password=True)
    if "not a database" in str(exc.orig):
        return (
            f"the file of {where} is not a SQLite database (or is damaged): point `database:` "
            "in the config file at a new file, or restore this one from a backup"
        )
    return f"cannot migrate the database {where}: {exc.orig}"


def _upgrade_serialised(engine: Engine) -> None:
    from alembic import command

    config = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    bind = engine.execution_options(medfeed_writer=True) if sqlite else engine
    with bind.begin() as connection:
        if connection.dialect.name == "postgresql":
            # The web's engine bounds statements (``make_engine(wait=...)``); a migration
            # waits for another process's, then takes as long as it takes.
            connection.execute(text("SET LOCAL statement_timeout = 0"))
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def at_head(engine: Engine) -> bool:
    """True when the database's one recorded revision is the newest migration file's."""
    head = head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            recorded = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except DBAPIError:  # no such table yet: a new database
        return False
    return [row[0] for row in recorded] == [head]


_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)


@cache
def head_revision() -> str | None:
    """The newest migration's id, read from the files' assignments rather than by importing them.

    None unless the revisions form one straight line (a branch, a merge or an
    unusual file): then Alembic itself decides.
    """
    parents: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = dict(_ASSIGNMENT.findall(path.read_text(encoding="utf-8")))
        try:
            revision = ast.literal_eval(found["revision"])
            parent = ast.literal_eval(found["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str) or not (parent is None or isinstance(parent, str)):
            return None
        parents[revision] = parent
    heads = set(parents) - set(parents.values())
    return heads.pop() if len(heads) == 1 else None
