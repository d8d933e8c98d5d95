"""Structured logs: JSON lines from structlog and stdlib loggers alike, secrets scrubbed."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from pydantic import SecretStr

from orbitwatch.core.logs import REDACTED, SecretScrubber, configure_logging, secret_values
from orbitwatch.core.settings import Settings


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers, root.level = handlers, level
    structlog.reset_defaults()


def _settings() -> Settings:
    return Settings(
        log_format="json",
        es_password=SecretStr("hunter2-es-password"),
        kafka_sasl_password=SecretStr("kafka-sasl-secret"),
    )


def test_secret_values_collects_every_secret_field() -> None:
    assert set(secret_values(_settings())) == {"hunter2-es-password", "kafka-sasl-secret"}


def test_scrubber_masks_secrets_inside_nested_values() -> None:
    scrub = SecretScrubber(["kafka-sasl-secret"])
    event = scrub(
        None,
        "info",
        {
            "event": "connect",
            "url": "sasl://u:kafka-sasl-secret@h",
            "extra": {"args": ["kafka-sasl-secret", 3]},
        },
    )
    assert event["url"] == f"sasl://u:{REDACTED}@h"
    assert event["extra"] == {"args": [REDACTED, 3]}


def test_every_line_is_json_and_no_secret_leaks(restore_root_logger: None) -> None:
    stream = io.StringIO()
    settings = _settings()
    configure_logging(settings, stream=stream)
    structlog.get_logger("orbitwatch.test").info(
        "feed polled", feed_id="tass-en", note="password is hunter2-es-password"
    )
    logging.getLogger("aiokafka").warning("auth failed with kafka-sasl-secret")
    try:
        raise RuntimeError("boom hunter2-es-password")
    except RuntimeError:
        logging.getLogger("faust").exception("agent crashed")

    lines = stream.getvalue().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["event"] for r in records] == [
        "feed polled",
        "auth failed with " + REDACTED,
        "agent crashed",
    ]
    assert records[0]["feed_id"] == "tass-en"
    assert "exception" in records[2]
    assert "hunter2" not in stream.getvalue()
    assert "kafka-sasl-secret" not in stream.getvalue()
