"""The access log keeps what an admin reads it for (method, path, the useful query, status)
and leaves out the secrets a URL can carry: the WebSub callback's token, a hub's
challenge, any ``token``, ``key`` or ``secret`` parameter, also inside a topic URL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config

from aggregator.gunicorn_logger import REDACTED, GunicornLogger, redacted_target
from aggregator.logs import COMMON_LOG_FORMAT

TOKEN = "9f2c41d0a7be4c55a1f0e3d2b6c8a417"


def access_line(tmp_path: Path, raw_uri: str) -> str:
    """The line gunicorn writes, with medfeed's logger and format, for a GET of ``raw_uri``."""
    log = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(log))
    config.set("access_log_format", COMMON_LOG_FORMAT)
    logger = GunicornLogger(config)
    path, _, query = raw_uri.partition("?")
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": raw_uri, "PATH_INFO": path,
               "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "127.0.0.1"}  # fmt: skip
    response = SimpleNamespace(status="200 OK", sent=5, headers=[])
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    for handler in logger.access_log.handlers:
        handler.close()
    return log.read_text().strip()


def test_a_hubs_verification_is_logged_without_the_callback_token_or_the_challenge(
    tmp_path: Path,
) -> None:
    line = access_line(
        tmp_path,
        f"/websub/fda-press/{TOKEN}?hub.mode=subscribe"
        "&hub.topic=https%3A%2F%2Ffeeds.example.org%2Fpress.xml"
        "&hub.challenge=a1b2c3d4e5&hub.lease_seconds=604800",
    )
    assert TOKEN not in line and "a1b2c3d4e5" not in line
    assert (
        '"GET /websub/fda-press/REDACTED?hub.mode=subscribe'
        "&hub.topic=https%3A%2F%2Ffeeds.example.org%2Fpress.xml"
        '&hub.challenge=REDACTED&hub.lease_seconds=604800 HTTP/1.1" 200 5'
    ) in line


def test_token_key_and_secret_parameters_are_redacted_the_rest_of_the_query_kept(
    tmp_path: Path,
) -> None:
    line = access_line(
        tmp_path, "/api/items?q=sepsis&access_token=abc&apiKey=def&client_secret=ghi&page=2"
    )
    assert (
        '"GET /api/items?q=sepsis&access_token=REDACTED&apiKey=REDACTED'
        '&client_secret=REDACTED&page=2 HTTP/1.1"'
    ) in line


def test_a_token_inside_a_topic_url_is_redacted_too(tmp_path: Path) -> None:
    line = access_line(
        tmp_path,
        f"/websub/wire/{TOKEN}?hub.mode=denied"
        "&hub.topic=https%3A%2F%2Fhub.example.org%2Ffeed%3Ftoken%3Dsekrit%26lang%3Den",
    )
    assert "sekrit" not in line
    assert "hub.topic=https%3A%2F%2Fhub.example.org%2Ffeed%3Ftoken%3DREDACTED%26lang%3Den" in line


def test_pages_without_secrets_are_logged_as_they_were_asked_for(tmp_path: Path) -> None:
    line = access_line(tmp_path, "/?specialty=cardiology&kind=news&keyword=heart")
    assert '"GET /?specialty=cardiology&kind=news&keyword=heart HTTP/1.1" 200 5' in line


def test_secrets_in_one_word_names_encoded_paths_and_nested_addresses_are_redacted() -> None:
    """A reviewer's list of what went through: every secret here reached the log."""
    cases = {
        "/api/items?accesstoken=S1&authtoken=S2&csrftoken=S3": "S",
        "/web%73ub/cardio/S4": "S4",
        "/?next=https%3A%2F%2Fh%2Fwebsub%2Fsrc%2FS5": "S5",
        "/?hub.topic=https%3A%2F%2Fh%2Ff%3Ftoken%253DS6": "S6",
        "/?a=1;token=S7": "S7",
    }
    for target, secret in cases.items():
        logged = redacted_target(target)
        assert REDACTED in logged and f"={secret}" not in logged and f"/{secret}" not in logged
    assert redacted_target("/?author=Smith&q=heart") == "/?author=Smith&q=heart"
