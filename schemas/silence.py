"""A silence: no alerts for one rule or one story until a given time.

Silences live on a compacted topic keyed by ``rule:<name>`` or ``story:<id>``, so the
latest record per target is the one in force. Lifting a silence writes a record with
``lifted_at`` set (a readable trace of who lifted what), which compaction keeps as the latest.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from schemas.base import Message, UtcDatetime


class SilenceScope(StrEnum):
    rule = "rule"
    story = "story"


class Silence(Message):
    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: Literal[1] = 1

    scope: SilenceScope
    target: str = Field(min_length=1, description="Rule name or story id")
    until: UtcDatetime
    reason: str = ""
    created_at: UtcDatetime
    created_by: str = ""
    lifted_at: UtcDatetime | None = None

    @property
    def key(self) -> str:
        return silence_key(self.scope, self.target)

    def active_at(self, at: datetime) -> bool:
        return self.lifted_at is None and at < self.until


def silence_key(scope: SilenceScope, target: str) -> str:
    return f"{scope.value}:{target}"
