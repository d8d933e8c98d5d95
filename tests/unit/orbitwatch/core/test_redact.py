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


# Apprise service URLs: the secrets' places differ per scheme (user info, host, path, query).
@pytest.mark.parametrize(
    ("url", "expected", "secrets"),
    [
        (
            "mailto://ops:MailPass1@mail.example.org?to=desk@example.org",
            "mailto://ops:***@mail.example.org?to=desk@example.org",
            ["MailPass1"],
        ),
        (
            "mailtos://ops:MailPass2@smtp.example.org:465?from=ow@example.org",
            "mailtos://ops:***@smtp.example.org:465?from=ow@example.org",
            ["MailPass2"],
        ),
        (
            "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#space-alerts",
            "slack://***/***/***/#space-alerts",
            ["T1JJ3T3L2", "A1BRTD4JD", "TIiajkdnlazkcOXrIdevi7FQ"],
        ),
        (
            "msteams://team-name/9d3b1a8e-tokenA/0f2c4e6a-tokenB/77ab93c1-tokenC",
            "msteams://***/***/***/***",
            ["tokenA", "tokenB", "tokenC", "team-name"],
        ),
        (
            "tgram://123456789:AAHk2bL0tTokenPart/-1001234567",
            "tgram://***/***",
            ["AAHk2bL0tTokenPart", "123456789", "-1001234567"],
        ),
        (
            "ntfys://ntfy.example.org/secret-topic-9f2?token=tk_abcdef",
            "ntfys://ntfy.example.org/***?token=***",
            ["secret-topic-9f2", "tk_abcdef"],
        ),
        (
            "json://hook:HookPass@127.0.0.1:8080/in/abcd1234",
            "json://hook:***@127.0.0.1:8080/***/***",
            ["HookPass", "abcd1234"],
        ),
        (
            "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js",
            "discord://***/***",
            ["4174216298", "JHMHI8qBe7bk2ZwO5U711o3dV_js"],
        ),
        ("pover://UserKey42@AppToken42", "pover://***@***", ["UserKey42", "AppToken42"]),
        ("json://receiver:8080/hook", "json://receiver:8080/***", []),
    ],
)
def test_apprise_urls_lose_tokens_in_user_host_path_and_query(
    url: str, expected: str, secrets: list[str]
) -> None:
    assert redact_url(url) == expected
    shown = redact_text(f"delivery to {url} failed")
    assert shown == f"delivery to {expected} failed"
    for secret in secrets:
        assert secret not in shown


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
