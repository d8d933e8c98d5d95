"""Index, alias and template names, all derived from ``settings.index_prefix``.

Events live in monthly indices behind one read alias. The month comes from the event's own
time (published, else fetched), never from the clock, so one article id always maps to the
same concrete index and re-indexing it overwrites instead of duplicating.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class IndexNames:
    prefix: str

    # -- events: <prefix>-events-YYYY.MM behind <prefix>-events ---------------------------

    @property
    def events_alias(self) -> str:
        return f"{self.prefix}-events"

    @property
    def events_pattern(self) -> str:
        return f"{self.prefix}-events-*"

    def events_index(self, at: datetime) -> str:
        return f"{self.prefix}-events-{_month(at)}"

    # -- stories: one index (a story id must map to one place) behind <prefix>-stories -----

    @property
    def stories_alias(self) -> str:
        return f"{self.prefix}-stories"

    @property
    def stories_pattern(self) -> str:
        return f"{self.prefix}-stories-*"

    @property
    def stories_index(self) -> str:
        return f"{self.prefix}-stories-v1"

    # -- alerts: <prefix>-alerts-YYYY.MM (month of alerted_at) behind <prefix>-alerts -------

    @property
    def alerts_alias(self) -> str:
        return f"{self.prefix}-alerts"

    @property
    def alerts_pattern(self) -> str:
        return f"{self.prefix}-alerts-*"

    def alerts_index(self, at: datetime) -> str:
        return f"{self.prefix}-alerts-{_month(at)}"

    # -- feedback: one index (doc id = article id, one place per article) behind
    # <prefix>-feedback

    @property
    def feedback_alias(self) -> str:
        return f"{self.prefix}-feedback"

    @property
    def feedback_pattern(self) -> str:
        return f"{self.prefix}-feedback-*"

    @property
    def feedback_index(self) -> str:
        return f"{self.prefix}-feedback-v1"

    # -- templates and lifecycle policy ---------------------------------------------------

    @property
    def ilm_policy(self) -> str:
        return f"{self.prefix}-events"

    def template(self, kind: str) -> str:
        return f"{self.prefix}-{kind}"


def _month(at: datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(UTC)
    return f"{at:%Y.%m}"
