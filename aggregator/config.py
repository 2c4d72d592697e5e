"""Load and validate ``config.yaml`` into one immutable ``Settings`` object.

Strict pydantic models: unknown keys, duplicate source ids, bad kinds, bad URLs
and bad durations are errors, reported as ``ConfigError`` naming the file, the
YAML line and the field. This module reads the file and nothing else: it never
touches the database or the network. Reloading means loading again and swapping
the one object, so nothing here is global.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .configfile import compose_config, decode_config, dotted, read_config
from .configwords import plain_message
from .errors import ConfigError
from .hostnames import host_and_port
from .records import (
    FEATURED_LABELS,
    ConfiguredSource,
    DocumentLimits,
    FeaturedPolicy,
    Kind,
    Label,
)
from .storydefaults import DEFAULT_THRESHOLD, DEFAULT_WINDOW

DEFAULT_CONFIG = "config.yaml"

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)", re.IGNORECASE)
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2, "gib": 1024**3,
}  # fmt: skip
MAX_DURATION = timedelta(days=3650)  # longer durations are typos (and overflow datetimes)
# How long a web request waits on PostgreSQL: well under gunicorn's worker timeout (60 s,
# ``serve.gunicorn_options``), long enough for the slowest page query on a busy server.
DATABASE_TIMEOUT = timedelta(seconds=10)
MIN_DATABASE_TIMEOUT = timedelta(seconds=2)  # libpq's smallest connect_timeout
MAX_DATABASE_TIMEOUT = timedelta(seconds=30)  # half the worker timeout
MAX_SIZE = 10**12
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
CRON_HORIZON_YEARS = 5  # a cron with no time in these years is a mistake (leap days fire)
_CRON_FIELD = re.compile(r"^[\d*/,\-A-Za-z?]+$")
# A host as urlsplit gives it: a name of letters, digits, "-", "_" and dots (IDNs are
# lower-cased letters too), an IPv4 address, or an IPv6 one (brackets already gone).
_HOST = re.compile(r"^(?:[\w-]+(?:\.[\w-]+)*\.?|[0-9a-f:.]+(?:%\w+)?)$", re.UNICODE)


def duration_text(value: timedelta) -> str:
    """A duration as the config writes it: 1h30m, 90s, 7d (``parse_duration`` reads it back)."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def parse_duration(value: Any) -> timedelta:
    """``"90s"``, ``"30m"``, ``"1h30m"``, ``"7d"`` or a number of seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 90s, 30m, 1h or 7d")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            seconds = float(text)
        else:
            parts = _DURATION_PART.findall(text)
            if not parts or _DURATION_PART.sub("", text).strip():
                raise ValueError(f"{value!r} is not a duration such as 90s, 30m, 1h or 7d")
            seconds = sum(float(n) * _DURATION_UNITS[u.lower()] for n, u in parts)
    else:
        raise ValueError("expected a duration such as 90s, 30m, 1h or 7d")
    if not 0 < seconds <= MAX_DURATION.total_seconds():
        raise ValueError("a duration must be positive and at most 3650 days")
    return timedelta(seconds=seconds)


def parse_size(value: Any) -> int:
    """``"10MB"``, ``"512KiB"`` or a number of bytes."""
    if isinstance(value, bool):
        raise ValueError("expected a size such as 10MB")
    if isinstance(value, int):
        size = value
    elif isinstance(value, str) and (match := _SIZE.match(value)):
        amount = float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()]
        size = int(min(amount, MAX_SIZE + 1))  # infinity too, which int() cannot take
    else:
        raise ValueError(f"{value!r} is not a size such as 10MB or 512KB")
    if not 0 < size <= MAX_SIZE:
        raise ValueError("a size must be positive and at most 1 TB")
    return size


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Size = Annotated[int, BeforeValidator(parse_size)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpSettings(_Strict):
    timeout: Duration = timedelta(seconds=20)
    max_bytes: Size = 10_000_000
    concurrency: int = Field(16, ge=1, le=256, strict=True)
    per_host: int = Field(4, ge=1, le=64, strict=True)
    max_redirects: int = Field(5, ge=0, le=20, strict=True)
    user_agent: str = "medfeed/0.1 (+https://github.com/medfeed/medfeed)"

    @field_validator("user_agent")
    @classmethod
    def _one_header_line(cls, value: str) -> str:
        """A header value httpx can send: YAML's ``|`` block leaves a trailing newline, which
        passed here and then failed every fetch with a message naming neither file nor field.
        Surrounding whitespace is dropped; a control character or a non-ASCII one (httpx
        encodes header values as ASCII) is refused."""
        value = value.strip()
        if not value or not all(" " <= character <= "~" for character in value):
            raise ValueError(
                "must be one line of printable ASCII text (it is sent as the User-Agent header)"
            )
        return value


# Entries kept of one document: ``parse.max_entries``, or a source's own ``max_entries``.
EntryCap = Annotated[int, Field(ge=1, le=100_000, strict=True)]


class ParseSettings(_Strict):
    """What one document may cost (``aggregator.parse.limits``, ``refresh._parse``)."""

    max_entries: EntryCap = 2000
    max_categories: int = Field(50, ge=1, le=100_000, strict=True)  # per entry
    timeout: Duration = timedelta(seconds=60)  # wall clock of one document's parse

    def limits(self, source: SourceSettings | None = None) -> DocumentLimits:
        """The plain record a parse job carries: the parser does not read the config. A
        source's own ``max_entries`` (one huge archive feed) stands in for the global one."""
        if source is None or source.max_entries is None:
            return DocumentLimits(self.max_entries, self.max_categories)
        own = f"max_entries of source {source.id}"
        return DocumentLimits(source.max_entries, self.max_categories, entries_setting=own)


class ScheduleSettings(_Strict):
    default_interval: Duration = timedelta(minutes=30)
    cron: str | None = None
    jitter: float = Field(0.1, ge=0, le=0.5, strict=True)  # fraction of the interval
    max_backoff: Duration = timedelta(hours=24)
    unconditional_every: Duration = timedelta(hours=12)
    lease: Duration = timedelta(minutes=10)  # how long a claim on a source lasts
    tick: Duration = timedelta(seconds=2)  # how often due sources and config edits are checked

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str | None) -> str | None:
        """A cron expression the scheduler accepts: checked by building its trigger, so
        that "61 * * * *" is refused here, not by ``medfeed run`` (nor, edited while it
        runs, by every tick of it)."""
        if value is None:
            return None
        fields = value.split()
        if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
            raise ValueError(f"{value!r} is not a 5-field cron expression like '*/15 * * * *'")
        from apscheduler.triggers.cron import CronTrigger  # only for a config that has one

        try:
            CronTrigger.from_crontab(value, timezone="UTC")
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid cron expression: {exc}") from None
        if _next_cron_fire(fields) is None:
            raise ValueError(
                f"{value!r} never fires in the next {CRON_HORIZON_YEARS} years (a date such as "
                "31 February does not exist): nothing would ever be refreshed"
            )
        return value


def _next_cron_fire(fields: list[str]) -> datetime | None:
    """The cron's first time within ``CRON_HORIZON_YEARS``, None when it has none. The years
    are bounded: unbounded, APScheduler searches up to the year 9999 (a second or more)
    before it gives up on "0 0 31 2 *", and the scheduler then never ran a pass."""
    from apscheduler.triggers.cron import CronTrigger

    now = datetime.now(UTC)
    minute, hour, day, month, day_of_week = fields  # as ``CronTrigger.from_crontab`` reads them
    trigger = CronTrigger(
        year=f"{now.year}-{now.year + CRON_HORIZON_YEARS}",
        month=month,
        day=day,
        day_of_week=day_of_week,
        hour=hour,
        minute=minute,
        timezone="UTC",
    )
    return trigger.get_next_fire_time(None, now)


class FeaturedSettings(_Strict):
    policy: Literal["latest", "pinned"] = "latest"
    kinds: tuple[Kind, ...] = (Kind.ARTICLE,)
    pinned: str | None = None
    min_words: int = Field(300, ge=0, strict=True)
    # labels the "latest" policy may feature; a pinned item is featured whatever its label
    labels: tuple[Label, ...] = Field(FEATURED_LABELS, min_length=1)

    @model_validator(mode="after")
    def _pinned_needs_target(self) -> FeaturedSettings:
        if self.policy == "pinned" and not self.pinned:
            raise ValueError("policy 'pinned' needs 'pinned: <url or guid>'")
        return self

    def as_policy(self) -> FeaturedPolicy:
        """The plain record the store chooses by: it does not read the config."""
        return FeaturedPolicy(self.policy, self.kinds, self.pinned, self.min_words, self.labels)


class FulltextSettings(_Strict):
    enabled: bool = True
    allow_hosts: tuple[str, ...] = ()

    @field_validator("allow_hosts")
    @classmethod
    def _hosts(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        for entry in hosts:
            host_and_port(entry)  # a ValueError names the bad entry
        return hosts


class WebSettings(_Strict):
    """Which ``Host`` headers the site believes when ``public_url`` is not set, and how
    long a request waits on PostgreSQL before it answers 503."""

    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "[::1]")
    # connect, pool checkout and each statement of a web request (PostgreSQL only); read
    # when the site starts, like ``database``
    database_timeout: Duration = DATABASE_TIMEOUT

    @field_validator("database_timeout")
    @classmethod
    def _well_under_the_worker_timeout(cls, value: timedelta) -> timedelta:
        """A wait as long as gunicorn's worker timeout ends in a killed worker, not a 503."""
        if not MIN_DATABASE_TIMEOUT <= value <= MAX_DATABASE_TIMEOUT:
            raise ValueError(
                f"must be between {MIN_DATABASE_TIMEOUT.seconds} s and "
                f"{MAX_DATABASE_TIMEOUT.seconds} s (gunicorn's worker timeout is 60 s)"
            )
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        for entry in hosts:
            if entry != "*" and not entry.startswith("."):
                host_and_port(entry)
        return hosts


class AdminSettings(_Strict):
    """What the public web pages may show: internals only when the admin says so."""

    show_internals: bool = False


class DedupeSettings(_Strict):
    window: Duration = DEFAULT_WINDOW
    threshold: float = Field(DEFAULT_THRESHOLD, gt=0, le=1, strict=True)


class RetentionSettings(_Strict):
    """Purge items older than ``days`` and beyond the newest ``per_source`` of each source
    (featured, pinned and upcoming events are kept); either may be left out."""

    days: int | None = Field(None, ge=1, strict=True)
    per_source: int | None = Field(None, ge=1, strict=True)

    @property
    def enabled(self) -> bool:
        return self.days is not None or self.per_source is not None


class SpecialtySettings(_Strict):
    keywords: tuple[str, ...]
    sources: tuple[str, ...] = ()


def _specialty(value: Any) -> Any:
    """A bare keyword list is shorthand for ``{keywords: [...]}``."""
    if isinstance(value, list | tuple):
        return {"keywords": value}
    return value


# The longest name and URL the sources table keeps (``store.models.Source``): PostgreSQL
# refused a longer one when the config was mirrored, and with it every source.
MAX_SOURCE_NAME = 200
MAX_SOURCE_URL = 2048


class SourceSettings(_Strict):
    id: str
    name: str = Field(max_length=MAX_SOURCE_NAME)
    url: str = Field(max_length=MAX_SOURCE_URL)
    kind: Kind
    interval: Duration | None = None
    enabled: bool = True
    tags: tuple[str, ...] = ()
    label: Label | None = None
    max_entries: EntryCap | None = None  # overrides ``parse.max_entries`` for this source

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"{value!r} is not a slug (lower-case letters, digits and '-')")
        return value

    @field_validator("url")
    @classmethod
    def _http_or_file(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme in ("http", "https"):
            if not parts.hostname:
                raise ValueError(f"{value!r} has no host")
            try:
                parts.port  # noqa: B018 (raises ValueError on a port out of range)
            except ValueError:
                raise ValueError(f"{value!r} has an invalid port") from None
            if not _HOST.match(parts.hostname):
                raise ValueError(f"{value!r} has an invalid host name {parts.hostname!r}")
            return value
        if parts.scheme == "file" or (parts.scheme == "" and value.strip()):
            if "\0" in (unquote(value) if parts.scheme else value):
                # no file name holds one; resolving the path raised past the config's errors
                raise ValueError(f"{value!r} names a file with a NUL character (%00)")
            return value
        raise ValueError(f"{value!r} is not an http(s) URL, a file:// URL or a local path")

    @property
    def effective_label(self) -> Label:
        return self.label or DEFAULT_LABELS[self.kind]


DEFAULT_LABELS = {
    Kind.NEWS: Label.NEWS,
    Kind.ARTICLE: Label.JOURNAL,
    Kind.CONFERENCE: Label.SOCIETY,
    Kind.VIDEO: Label.NEWS,
}


_DATABASES = "sqlite:///var/medfeed.db or postgresql+psycopg://user@host/medfeed"


def _sqlite_file(value: str, host: str | None, database: str | None) -> None:
    """A SQLite URL names a file: "sqlite://var/demo.db" (two slashes) reads "var" as a host
    and failed in every command but this check; a folder is no file either."""
    if host:
        raise ValueError(
            f"{value!r} has a host ({host!r}): a SQLite file is sqlite:///relative/path.db "
            "(three slashes) or sqlite:////absolute/path.db (four)"
        )
    if database and Path(database).is_absolute() and Path(database).is_dir():
        raise ValueError(f"{value!r} names the folder {database}, not a database file in it")


class Settings(_Strict):
    path: Path = Field(default=Path(DEFAULT_CONFIG), exclude=True)
    database: str = "sqlite:///var/medfeed.db"
    http: HttpSettings = Field(default_factory=HttpSettings)
    parse: ParseSettings = Field(default_factory=ParseSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    featured: FeaturedSettings = Field(default_factory=FeaturedSettings)
    fulltext: FulltextSettings = Field(default_factory=FulltextSettings)
    dedupe: DedupeSettings = Field(default_factory=DedupeSettings)
    public_url: str | None = None
    web: WebSettings = Field(default_factory=WebSettings)
    admin: AdminSettings = Field(default_factory=AdminSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    specialties: dict[str, Annotated[SpecialtySettings, BeforeValidator(_specialty)]] | None = None
    sources: tuple[SourceSettings, ...] = Field(min_length=1)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        try:
            parts.port  # noqa: B018 (raises ValueError on a bad port)
        except ValueError:
            raise ValueError(f"{value!r} has an invalid port") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL such as https://news.example.org/")
        if "?" in value or "#" in value:  # even empty: links are built on it by appending
            raise ValueError(f"{value!r} must not have a query or fragment")
        return value.strip().rstrip("/")  # the base links are built on, without its slash

    @field_validator("database")
    @classmethod
    def _database(cls, value: str) -> str:
        """A URL of SQLite or PostgreSQL whose driver is installed: a typo here otherwise
        surfaces as a traceback when the first command opens the database."""
        from sqlalchemy.engine import make_url  # only when a config is read
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"{value!r} is not a database URL such as {_DATABASES}") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(f"{url.drivername!r} is not supported: use {_DATABASES}")
        if url.get_backend_name() == "sqlite":
            _sqlite_file(value, url.host, url.database)
        try:
            url.get_dialect().import_dbapi()
        except (NoSuchModuleError, ImportError) as exc:
            raise ValueError(f"the driver of {url.drivername!r} is not installed ({exc})") from None
        return value

    def source(self, source_id: str) -> SourceSettings | None:
        return next((s for s in self.sources if s.id == source_id), None)

    def interval_of(self, source: SourceSettings) -> timedelta:
        return source.interval or self.schedule.default_interval

    def limits_of(self, source_id: str) -> DocumentLimits:
        """What one document of the source may cost (``ParseSettings.limits``)."""
        return self.parse.limits(self.source(source_id))

    def configured_sources(self) -> tuple[ConfiguredSource, ...]:
        """The sources as plain records, what ``Store.sync_sources`` mirrors."""
        return tuple(
            ConfiguredSource(
                id=conf.id,
                name=conf.name,
                url=conf.url,
                kind=conf.kind,
                label=conf.effective_label,
                tags=tuple(conf.tags),
                interval=self.interval_of(conf),
                enabled=conf.enabled,
                limits=self.parse.limits(conf),
            )
            for conf in self.sources
        )


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The config file to use: the flag, else ``$MEDFEED_CONFIG``, else ./config.yaml.

    ``--config ''`` (a script's empty variable) is a mistake to report, not a wish for the
    default file, which it silently read."""
    if explicit is not None and not str(explicit).strip():
        raise ConfigError("--config is empty: give the config file's path")
    return Path(explicit or os.environ.get("MEDFEED_CONFIG") or DEFAULT_CONFIG)


def load_settings(path: str | os.PathLike[str]) -> Settings:
    """Read, validate and resolve one config file; raise ConfigError on any problem."""
    path = Path(path)
    return parse_settings(decode_config(read_config(path), path), path=path)


def parse_settings(text: str, *, path: Path) -> Settings:
    """Validate config text; ``ConfigError`` (file, line, field) is the only exception."""
    document = compose_config(text, path)
    if not isinstance(document.data, dict):
        raise ConfigError("the top level must be a mapping of settings", path=str(path), line=1)
    try:
        settings = Settings.model_validate({**document.data, "path": path})
    except ValidationError as exc:
        raise _first_error(exc, document.lines, path) from exc
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise ConfigError(f"invalid value: {exc}", path=str(path)) from exc
    _unique_ids(settings.sources, document.lines, path)
    _unique_feeds(settings.sources, document.lines, path)
    _known_specialty_sources(settings, document.lines, path)
    return _resolve_paths(settings)


def _unique_ids(
    sources: tuple[SourceSettings, ...], lines: Mapping[tuple[str | int, ...], int], path: Path
) -> None:
    """Source ids are unique: the second of a pair is named, at its own line."""
    seen: set[str] = set()
    for at, source in enumerate(sources):
        if source.id in seen:
            loc = ("sources", at, "id")
            line = lines.get(loc) or lines.get(loc[:2])
            message = f"duplicate source id {source.id!r}"
            raise ConfigError(message, path=str(path), line=line, field=dotted(loc))
        seen.add(source.id)


def _unique_feeds(
    sources: tuple[SourceSettings, ...], lines: Mapping[tuple[str | int, ...], int], path: Path
) -> None:
    """One source per feed, its URL compared canonically (as ``sources add`` and ``sources
    import`` compare): a feed listed twice was fetched twice into the same items, and the
    second entry's tags landed on the first one's items."""
    from .identity import canonical_url  # the records it imports are loaded already

    seen: dict[str, str] = {}
    for at, source in enumerate(sources):
        key = canonical_url(source.url) or source.url
        if key in seen:
            loc = ("sources", at, "url")
            line = lines.get(loc) or lines.get(loc[:2])
            message = (
                f"source {source.id!r} has the feed URL of source {seen[key]!r}: list each feed "
                "once (merge the two entries' tags into one)"
            )
            raise ConfigError(message, path=str(path), line=line, field=dotted(loc))
        seen[key] = source.id


def _known_specialty_sources(
    settings: Settings, lines: Mapping[tuple[str | int, ...], int], path: Path
) -> None:
    """A specialty's ``sources:`` names configured sources: an unknown id (a typo, or a
    source since removed or renamed) tagged nothing, silently, and the admin believed
    that source's items were in the specialty. The first unknown id is named, at its line.
    """
    known = {source.id for source in settings.sources}
    for name, specialty in (settings.specialties or {}).items():
        for at, source_id in enumerate(specialty.sources):
            if source_id in known:
                continue
            loc = ("specialties", name, "sources", at)
            line = lines.get(loc) or lines.get(loc[:3]) or lines.get(loc[:2])
            message = (
                f"specialty {name!r} lists the source {source_id!r}, which is not configured: "
                "use the id of a source under sources:"
            )
            raise ConfigError(message, path=str(path), line=line, field=dotted(loc))


def _first_error(
    exc: ValidationError, lines: Mapping[tuple[str | int, ...], int], path: Path
) -> ConfigError:
    error = exc.errors()[0]
    loc = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
    line = None
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            line = lines[loc[:end]]
            break
    message = plain_message(error, loc, Settings)
    if error["type"] in ("enum", "literal_error") and "expected" in error.get("ctx", {}):
        message = f"{error.get('input')!r} is not one of {error['ctx']['expected']}"
    elif error["type"] == "missing":
        message = "this field is required"
    elif error["type"] == "too_short" and loc == ("sources",):
        message = "no sources are configured"
    return ConfigError(message, path=str(path), line=line, field=dotted(loc) or None)


def _resolve_paths(settings: Settings) -> Settings:
    """Make sqlite paths and local source paths relative to the config file, as documented."""
    base = settings.path.resolve().parent
    sources = tuple(
        source.model_copy(update={"url": _local_url(source.url, base)})
        for source in settings.sources
    )
    return settings.model_copy(
        update={"database": _database_url(settings.database, base), "sources": sources}
    )


def _local_url(url: str, base: Path) -> str:
    """A local source as an absolute ``file://`` URL, which ``as_uri`` escapes.

    A ``file://`` URL's path is read unescaped first (``%20`` is a space, as the
    fetcher reads it): escaped twice, "my%20feeds" named a folder of that name, and the
    file was not found. ``file://feeds/a.xml`` (a folder where a URL has its host) is
    the folder beside the config, not ``/a.xml``."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return url
    if parts.scheme == "file":
        host = "" if parts.netloc in ("", "localhost") else parts.netloc
        local = Path(unquote(host + parts.path))  # url2pathname, without urllib.request
        return (local if local.is_absolute() else base / local).resolve().as_uri()
    return (base / url).resolve().as_uri()


def _database_url(url: str, base: Path) -> str:
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == "sqlite:///:memory:" or url.startswith("sqlite:////"):
        return url
    return prefix + str((base / url.removeprefix(prefix)).resolve())
