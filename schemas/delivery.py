"""A finished delivery of one alert to one notification endpoint.

The notifier writes one record per (endpoint, alert) on a compacted topic once a delivery
has ended, and reads the topic back when it starts: a restarted notifier therefore knows
which alerts each endpoint already has, and a re-emitted alert (same deterministic id) is
not sent twice to receivers that cannot de-duplicate (e-mail, chat).
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from schemas.base import Message, UtcDatetime


class DeliveryOutcome(StrEnum):
    delivered = "delivered"
    dead_lettered = "dead_lettered"  # given up on, the alert is on the alerts dead-letter topic


def delivery_key(endpoint: str, alert_id: str) -> str:
    """``<alert id>:<endpoint name>``; alert ids hold no colon, so the key splits at the first."""
    return f"{alert_id}:{endpoint}"


class Delivery(Message):
    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: Literal[1] = 1

    endpoint: str = Field(min_length=1, description="Name of the endpoint")
    alert_id: str = Field(min_length=1)
    outcome: DeliveryOutcome
    attempts: int = Field(ge=1, description="Attempts made")
    finished_at: UtcDatetime

    @property
    def key(self) -> str:
        return delivery_key(self.endpoint, self.alert_id)
