"""Credentials in URLs are masked wherever a URL is printed or logged."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from orbitwatch.core.logs import configure_logging
from orbitwatch.core.redact import RedactingFilter, RedactUrls, redact_text, redact_url
from orbitwatch.core.settings import Settings


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://elastic:PASSWORD@host:9200", "http://elastic:***@host:9200"),
        ("https://TOKEN@hooks.example/a", "https://***@hooks.example/a"),
        ("http://127.0.0.1:19200", "http://127.0.0.1:19200"),
        (
            "https://hooks.example/x?token=abc&room=ops",
            "https://hooks.example/x?token=***&room=ops",
        ),
        ("https://h.example/x?api_key=abc", "https://h.example/x?api_key=***"),
        ("not a url", "not a url"),
        ("sasl_ssl://user:pw@broker:9093", "sasl_ssl://user:***@broker:9093"),
    ],
)
def test_redact_url_masks_passwords_tokens_and_secret_parameters(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_text_masks_every_url_inside_a_message() -> None:
    text = (
        "Elasticsearch at http://elastic:PASSWORD@host:9200 failed; "
        "webhook 'https://bot:s3cret@chat.example/hook' too"
    )
    redacted = redact_text(text)
    assert "PASSWORD" not in redacted and "s3cret" not in redacted
    assert "http://elastic:***@host:9200" in redacted
    assert "https://bot:***@chat.example/hook" in redacted


def test_the_structlog_processor_masks_urls_in_every_value() -> None:
    event = {
        "event": "retrying http://u:pw1@a:1",
        "endpoints": ["https://x:pw2@b/hook"],
        "detail": {"url": "http://c:pw3@c:2"},
        "count": 3,
    }
    out = RedactUrls()(None, "info", event)
    assert "pw" not in json.dumps(out)
    assert out["count"] == 3


def test_the_logging_filter_masks_urls_in_formatted_messages() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "cannot reach %s", ("http://u:hunter2@h:1",), None
    )
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "cannot reach http://u:***@h:1"


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers, root.level = handlers, level
    structlog.reset_defaults()


@pytest.mark.usefixtures("restore_root_logger")
@pytest.mark.parametrize("log_format", ["json", "console"])
def test_configured_logs_never_show_a_url_password(log_format: str) -> None:
    stream = io.StringIO()
    configure_logging(Settings(_env_file=None, log_format=log_format), stream)
    logging.getLogger("elastic_transport").warning(
        "Connection failed to http://elastic:PASSWORD@127.0.0.1:1"
    )
    structlog.get_logger("orbitwatch").warning(
        "delivery failed", url="https://bot:WEBHOOKPW@chat.example/hook"
    )
    output = stream.getvalue()
    assert "PASSWORD" not in output and "WEBHOOKPW" not in output
    assert "http://elastic:***@127.0.0.1:1" in output
    assert "https://bot:***@chat.example/hook" in output
