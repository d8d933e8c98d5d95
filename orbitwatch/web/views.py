"""What the pages show of an alert, and the live page's filters (pure).

The filters live in the URL query string (``?severity=high&actor=RU&type=lunar&rule=r``,
each repeatable), so a filtered page can be bookmarked and shared; the same
:class:`AlertFilters` builds the Elasticsearch query of the first page and decides which
pushed alerts a page receives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from schemas.alert import Alert
from schemas.classification import EventType, Severity

PAGE_SIZE = 50


@dataclass(frozen=True)
class AlertFilters:
    severities: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    types: tuple[str, ...] = ()

    @classmethod
    def from_query(cls, params: Mapping[str, Sequence[str]]) -> AlertFilters:
        """Unknown severities and types are dropped (a stale bookmark still opens)."""
        known_severities = {s.value for s in Severity}
        known_types = {t.value for t in EventType}

        def values(name: str) -> list[str]:
            # Repeated parameters, or several in one box separated by blanks or commas.
            return [part for v in params.get(name, ()) for part in re.split(r"[\s,]+", v) if part]

        return cls(
            severities=tuple(v for v in values("severity") if v in known_severities),
            rules=tuple(values("rule")),
            actors=tuple(v.upper() for v in values("actor")),
            types=tuple(v for v in values("type") if v in known_types),
        )

    def accepts(self, alert: Alert) -> bool:
        if self.severities and alert.severity.value not in self.severities:
            return False
        if self.rules and alert.rule not in self.rules:
            return False
        if self.actors and not set(self.actors) & set(alert.actors):
            return False
        return not self.types or bool(set(self.types) & {t.value for t in alert.event_types})

    def es_filters(self) -> list[dict[str, Any]]:
        terms = (
            ("severity", self.severities),
            ("rule", self.rules),
            ("actors", self.actors),
            ("event_types", self.types),
        )
        return [{"terms": {name: list(values)}} for name, values in terms if values]

    def query_string(self) -> str:
        pairs = [
            (name, value)
            for name, values in (
                ("severity", self.severities),
                ("rule", self.rules),
                ("actor", self.actors),
                ("type", self.types),
            )
            for value in values
        ]
        return urlencode(pairs)

    @property
    def active(self) -> bool:
        return bool(self.severities or self.rules or self.actors or self.types)


def age(then: datetime | None, now: datetime) -> str:
    """``just now``, ``5 min ago``, ``3 h ago``, ``2 d ago``."""
    if then is None:
        return "time unknown"
    seconds = int((now - then).total_seconds())
    if seconds < 60:
        return "just now" if seconds >= -60 else "in the future"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


@dataclass(frozen=True)
class AlertView:
    """The fields of an alert card. Text fields are raw here: the template escapes them."""

    alert_id: str
    severity: str
    rule: str
    kind: str
    headline: str
    actors: list[str]
    types: list[str]
    relation: str | None
    languages: list[str]
    published_at: datetime | None
    alerted_at: datetime
    story_id: str | None
    article_id: str | None
    escalation: bool
    source_urls: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, alert: Alert, languages: Iterable[str] = ()) -> AlertView:
        return cls(
            alert_id=alert.alert_id,
            severity=alert.severity.value,
            rule=alert.rule,
            kind=alert.kind.value,
            headline=alert.title,
            actors=list(alert.actors),
            types=[t.value for t in alert.event_types],
            relation=alert.relation.value if alert.relation is not None else None,
            languages=sorted(set(languages)),
            published_at=alert.published_at,
            alerted_at=alert.alerted_at,
            story_id=alert.story_id,
            article_id=alert.article_ids[-1] if alert.article_ids else None,
            escalation=alert.escalation,
            source_urls=[u for u in alert.source_urls if safe_link(u)][:3],
        )


def safe_link(url: str | None) -> bool:
    """Only http(s) links become anchors: a feed could carry ``javascript:`` URLs."""
    return bool(url) and str(url).lower().startswith(("http://", "https://"))
