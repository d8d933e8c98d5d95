"""Structured logs: one event per line (JSON or console), secrets scrubbed (configured secrets
and credentials in any URL), stdlib included.

faust, aiokafka and aiohttp log through the standard library; their records are rendered by
the same processors as orbitwatch's own structlog events, so a log shipper sees one format.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

import structlog
from pydantic import SecretStr
from structlog.types import EventDict, Processor

from orbitwatch.core.redact import RedactUrls, redact_text
from orbitwatch.core.settings import ENV_FILE, Settings, env_name

REDACTED = "**********"


def secret_values(settings: Settings) -> list[str]:
    """Every secret the settings hold, longest first (so overlapping secrets redact fully)."""
    values = [
        value.get_secret_value()
        for value in settings.__dict__.values()
        if isinstance(value, SecretStr) and value.get_secret_value()
    ]
    return sorted(set(values), key=len, reverse=True)


class SecretScrubber:
    """A processor replacing any configured secret inside any string value with a mask.

    Secrets should never be logged in the first place; this is the net under that rule, for
    the day a URL with credentials or a library's debug line slips through.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = [s for s in secrets if len(s) >= 4]

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in self.secrets:
                if secret in value:
                    value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, dict):
            return {k: self._scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self._scrub(v) for v in value)
        return value

    def __call__(self, logger: Any, method: str, event_dict: EventDict) -> EventDict:
        if not self.secrets:
            return event_dict
        return {key: self._scrub(value) for key, value in event_dict.items()}


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> None:
    scrubber = SecretScrubber(secret_values(settings))
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            scrubber,
            RedactUrls(),
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(settings.log_level)


def requested_log_format(env_file: str | None = ENV_FILE) -> str:
    """The log format asked for (environment first, then ``.env``), read without validating
    the other settings: a start-up failure follows it even when the settings are what
    failed. ``console`` when it cannot be read (a ``.env`` that is not UTF-8 text)."""
    name = env_name("log_format")
    value = os.environ.get(name)
    if value is None and env_file is not None:
        from dotenv import dotenv_values

        try:
            value = dotenv_values(env_file).get(name)
        except (OSError, UnicodeDecodeError):
            value = None
    return "json" if (value or "").strip().lower() == "json" else "console"


def report_startup_failure(
    problems: Iterable[str],
    *,
    json_lines: bool,
    logger: str = "orbitwatch",
    stream: IO[str] | None = None,
) -> None:
    """One line per problem on stderr, credentials in URLs masked: ``error: ...`` or, with
    JSON logs, one JSON event per problem shaped like the configured log lines (event,
    level, logger, timestamp), for a log shipper that reads only JSON."""
    out = stream or sys.stderr
    for problem in problems:
        text = redact_text(problem)
        if json_lines:
            event = {
                "event": text,
                "level": "error",
                "logger": logger,
                "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            }
            out.write(json.dumps(event) + "\n")
        else:
            out.write(f"error: {text}\n")
    out.flush()
