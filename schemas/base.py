"""Shared base for every message that crosses a stage boundary.

The JSON on Kafka and in Elasticsearch is always produced by these models, never by hand.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from orbitwatch.core.errors import InvalidMessage


def _to_utc(value: datetime) -> datetime:
    # Naive datetimes are taken as UTC: feeds without zones are common and UTC is the
    # least surprising reading; everything downstream compares aware datetimes.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_to_utc)]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Message(BaseModel):
    """A versioned message. Subclasses set ``SCHEMA_VERSION`` and a ``schema_version`` field."""

    model_config = ConfigDict(extra="ignore", frozen=False, populate_by_name=True)

    SCHEMA_VERSION: ClassVar[int] = 1
    MAX_BYTES: ClassVar[int] = 1_000_000

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_bytes(cls, payload: bytes | str | None) -> Self:
        """Parse one payload or raise :class:`InvalidMessage` saying exactly why not."""
        if payload is None:
            raise InvalidMessage("empty", f"{cls.__name__}: empty payload (tombstone or null)")
        if isinstance(payload, bytes):
            if len(payload) > cls.MAX_BYTES:
                raise InvalidMessage(
                    "oversized",
                    f"{cls.__name__}: payload of {len(payload)} bytes exceeds {cls.MAX_BYTES}",
                )
            try:
                payload = payload.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidMessage(
                    "encoding", f"{cls.__name__}: payload is not UTF-8 ({exc.reason})"
                ) from exc
        try:
            # pydantic-core parses and validates in one pass, several times faster than
            # json.loads + model_validate; any failure is re-read on the slow path below,
            # which names the exact reason (JSON, schema version, field).
            return cls.model_validate_json(payload)
        except ValidationError:
            pass
        try:
            data: Any = json.loads(payload)
        except json.JSONDecodeError as exc:
            raise InvalidMessage("invalid_json", f"{cls.__name__}: invalid JSON: {exc}") from exc
        return cls.from_obj(data)

    @classmethod
    def from_obj(cls, data: Any) -> Self:
        if not isinstance(data, dict):
            raise InvalidMessage(
                "schema", f"{cls.__name__}: expected a JSON object, got {type(data).__name__}"
            )
        version = data.get("schema_version", cls.SCHEMA_VERSION)
        if isinstance(version, int) and version > cls.SCHEMA_VERSION:
            raise InvalidMessage(
                "schema_version",
                f"{cls.__name__}: schema_version {version} is newer than this worker "
                f"understands ({cls.SCHEMA_VERSION})",
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "<root>"
            raise InvalidMessage(
                "schema",
                f"{cls.__name__}: {exc.error_count()} validation error(s); "
                f"first at {where}: {first.get('msg')}",
            ) from exc
