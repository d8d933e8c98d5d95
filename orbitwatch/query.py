"""The search request behind ``orbitwatch search``: free text plus exact facet filters.

Free text is a ``query_string`` over title and summary (so people can write ``moon AND
reactor`` or ``"nuclear power plant"``); facets are ``terms`` filters on keyword fields, and
the time range applies to ``@timestamp`` (published, else fetched time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from orbitwatch.core.errors import ConfigError
from schemas.base import utc_now

_RELATIVE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
TEXT_FIELDS = ("title", "summary")


class InvalidQuery(ConfigError):
    """A command-line search option cannot be understood."""


def parse_time(value: str, now: datetime | None = None) -> datetime:
    """An ISO 8601 time (naive = UTC) or a relative one meaning "ago": ``30m``, ``24h``,
    ``7d``, ``2w``."""
    if match := _RELATIVE.match(value):
        amount, unit = int(match.group(1)), match.group(2)
        return (now or utc_now()) - timedelta(**{_UNITS[unit]: amount})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidQuery(
            f"not a time: {value!r} (use ISO 8601 like 2026-11-01T00:00 or 24h, 7d)"
        ) from None
    # Naive means UTC, as everywhere in orbitwatch.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@dataclass(frozen=True)
class EventQuery:
    text: str | None = None
    actors: list[str] = field(default_factory=list)
    pairs: list[str] = field(default_factory=list)
    event_types: list[str] = field(default_factory=list)
    severities: list[str] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 20

    def body(self) -> dict[str, Any]:
        """The ``_search`` request body: newest first."""
        must: list[dict[str, Any]] = []
        if self.text and self.text.strip():
            must.append(
                {
                    "query_string": {
                        "query": self.text,
                        "fields": list(TEXT_FIELDS),
                        "default_operator": "AND",
                    }
                }
            )
        filters: list[dict[str, Any]] = []
        for name, values in (
            ("actors", [a.upper() for a in self.actors]),
            ("actor_pairs", [normalize_pair(p) for p in self.pairs]),
            ("event_types", self.event_types),
            ("severity", self.severities),
        ):
            if values:
                filters.append({"terms": {name: values}})
        if self.since or self.until:
            bounds: dict[str, str] = {}
            if self.since:
                bounds["gte"] = self.since.isoformat()
            if self.until:
                bounds["lte"] = self.until.isoformat()
            filters.append({"range": {"@timestamp": bounds}})
        query: dict[str, Any] = {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}
        return {
            "query": query,
            "size": self.limit,
            "sort": [{"@timestamp": {"order": "desc"}}, {"article_id": {"order": "asc"}}],
        }


def normalize_pair(pair: str) -> str:
    """``ru-cn``, ``RU/CN`` and ``CN-RU`` all mean the pair stored as ``CN-RU``."""
    parts = [p for p in re.split(r"[-/,+ ]+", pair.strip().upper()) if p]
    if len(parts) != 2:
        raise InvalidQuery(f"not an actor pair: {pair!r} (use two codes, e.g. CN-RU)")
    return "-".join(sorted(parts))
