"""Property-based checks (Hypothesis): no input raises anything but the documented error.

Over the config loader, the HTTP header parsers, the date parsers, the cursor
codec and URL canonicalisation. Examples are bounded; with ``CI`` set in the
environment the run is derandomised (the ``medfeed-ci`` profile in conftest),
so a CI failure reproduces exactly.
"""

from __future__ import annotations

import contextlib
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

from aggregator.config import Settings, parse_settings
from aggregator.configfile import compose_config, decode_config
from aggregator.errors import ConfigError
from aggregator.fetch import DELTA_SECONDS_CAP, delta_seconds, fresh_until, parse_retry_after
from aggregator.identity import canonical_url
from aggregator.parse import dates, media
from aggregator.store.reads import MAX_ID, InvalidCursor, decode_cursor, encode_cursor

PATH = Path("config.yaml")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
config_keys = st.sampled_from(
    [
        "database",
        "http",
        "schedule",
        "featured",
        "fulltext",
        "dedupe",
        "sources",
        "public_url",
        "web",
        "admin",
        "specialties",
        "timeout",
        "max_bytes",
        "id",
        "url",
        "kind",
        "name",
    ]
)
config_like = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(config_keys, inner, max_size=5),
    max_leaves=25,
)
yaml_syntax = st.text(alphabet=string.printable + "&*!?|>%@`\x00\x07\x85\ufeff", max_size=200)


def load_or_config_error(text: str) -> Settings | None:
    try:
        return parse_settings(text, path=PATH)
    except ConfigError as error:
        assert error.path == str(PATH)
        return None


@given(st.binary(max_size=400))
def test_any_bytes_are_settings_or_a_config_error(data: bytes) -> None:
    with contextlib.suppress(ConfigError):  # decoding refuses non-UTF-8 with a ConfigError
        load_or_config_error(decode_config(data, PATH))


@given(yaml_syntax)
def test_any_text_is_settings_or_a_config_error(text: str) -> None:
    load_or_config_error(text)


@given(documents)
def test_any_yaml_document_is_settings_or_a_config_error(document: object) -> None:
    load_or_config_error(yaml.safe_dump(document))


@given(config_like)
def test_config_shaped_documents_are_settings_or_a_config_error(document: object) -> None:
    load_or_config_error(yaml.safe_dump(document, default_flow_style=False))


@given(st.integers(min_value=1, max_value=12), st.integers(min_value=2, max_value=9))
def test_alias_towers_of_any_shape_are_bounded(levels: int, width: int) -> None:
    lines = ["a0: &a0 [x]"] + [
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels + 1)
    ]
    with contextlib.suppress(ConfigError):
        compose_config("\n".join(lines) + "\n", PATH, time_box=2.0)


header_text = (
    st.text(max_size=40)
    | st.from_regex(r"\A[0-9]{1,40}\Z")
    | st.sampled_from(
        ["Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 +1400", "0", "-1", "1e99"]
    )
)


@given(header_text)
def test_retry_after_is_none_or_a_time_within_a_year(value: str) -> None:
    when = parse_retry_after(value, NOW)
    assert when is None or when >= NOW


@given(header_text, header_text, header_text)
def test_freshness_is_none_or_within_a_day(max_age: str, age: str, expires: str) -> None:
    headers = {"cache-control": f"max-age={max_age}", "age": age, "expires": expires}
    when = fresh_until(headers, NOW)
    assert when is None or NOW < when <= NOW + timedelta(hours=24)
    when = fresh_until({"expires": expires, "date": age}, NOW)
    assert when is None or NOW < when <= NOW + timedelta(hours=24)


@given(header_text)
def test_delta_seconds_are_clamped(value: str) -> None:
    seconds = delta_seconds(value)
    assert seconds is None or 0 <= seconds <= DELTA_SECONDS_CAP


@given(st.text(max_size=60) | st.datetimes().map(str) | st.datetimes().map(datetime.isoformat))
def test_date_text_is_a_utc_datetime_or_none(value: str) -> None:
    parsed = dates.from_text(value)
    assert parsed is None or parsed.tzinfo is not None


@given(st.text(max_size=200))
def test_any_cursor_text_decodes_or_is_invalid(value: str) -> None:
    try:
        published, item_id = decode_cursor(value)
    except InvalidCursor:
        return
    assert published.tzinfo is not None and 0 < item_id <= MAX_ID


@given(st.datetimes(timezones=st.just(UTC)), st.integers(min_value=1, max_value=MAX_ID))
def test_cursors_round_trip(published: datetime, item_id: int) -> None:
    assert decode_cursor(encode_cursor(published, item_id)) == (published, item_id)


hosts = st.sampled_from(["Example.ORG", "news.example.org.", "[::1]", "[2001:DB8::1]", "127.0.0.1"])


def _url(scheme: str, host: str, port: str, path: str, query: str, fragment: str) -> str:
    return f"{scheme}://{host}{port}/{path}?{query}#{fragment}"


urls = st.builds(
    _url,
    st.sampled_from(["http", "https", "HTTP"]),
    hosts,
    st.sampled_from(["", ":80", ":443", ":8080"]),
    st.text(alphabet=string.ascii_letters + "/%-._~", max_size=20),
    st.sampled_from(["", "a=1", "utm_source=x&b=2", "fbclid=1"]),
    st.sampled_from(["", "top"]),
)


@given(st.text(max_size=100) | urls)
def test_any_text_canonicalises_to_a_url_or_none(value: str) -> None:
    canonical = canonical_url(value)
    assert canonical is None or canonical.startswith("https://")


@given(urls)
def test_canonicalisation_is_idempotent_and_keeps_ipv6_brackets(url: str) -> None:
    canonical = canonical_url(url)
    assert canonical is not None
    assert canonical_url(canonical) == canonical
    if "[" in url:
        assert "[" in canonical and "]" in canonical


@given(
    st.text(max_size=40)
    | st.from_regex(r"\A[0-9]{1,5000}(:[0-9]{2}){0,2}\Z")
    | st.floats().map(str)
)
def test_video_durations_are_none_or_fit_an_integer_column(value: str) -> None:
    seconds = media.parse_duration(value)
    assert seconds is None or 0 <= seconds <= media.INT32_MAX
