"""The search request behind ``orbitwatch search``: free text plus exact facet filters.

Free text is a ``query_string`` (so people can write ``moon AND reactor`` or ``"nuclear
power plant"``) over title and summary, each word and phrase also looked for, normalized, in
``search_text`` (:mod:`orbitwatch.query_text`: stems in every language, simplified Chinese
bigrams); facets are ``terms`` filters on keyword fields, and the time range applies to
``@timestamp`` (published, else fetched time). The CLI and the web page both build their
request here.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from luqum import tree
from luqum.exceptions import ParseError
from luqum.parser import parser

from orbitwatch.core.errors import ConfigError
from orbitwatch.query_text import SEARCH_FIELD, fallback_terms, rewrite
from schemas.base import utc_now
from schemas.classification import ACTOR_PATTERN, EventType, Severity
from schemas.documents import EventDocument
from schemas.indices.mapping import mapping_for

_RELATIVE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
TEXT_FIELDS = ("title", "summary")


class InvalidQuery(ConfigError):
    """A command-line search option cannot be understood."""


def mapped_fields(properties: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Every searchable field path of a mapping's ``properties`` (``title``,
    ``title.keyword``, ``evidence.term``)."""
    found: set[str] = set()
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        found.add(path)
        found.update(f"{path}.{sub}" for sub in spec.get("fields", {}))
        found.update(mapped_fields(spec.get("properties", {}), f"{path}."))
    return found


# The fields of the events index (the mapping is generated from the document model), and the
# query_string meta fields that are not in a mapping.
EVENT_FIELDS = frozenset(mapped_fields(mapping_for(EventDocument)["properties"]))
META_FIELDS = frozenset({"_exists_", "_id", "_index"})


def _search_fields(node: tree.Item) -> Iterable[str]:
    if isinstance(node, tree.SearchField):
        yield node.name
    for child in node.children:
        yield from _search_fields(child)


def check_query_fields(text: str, known: Iterable[str] = EVENT_FIELDS) -> None:
    """Refuse ``field:value`` terms naming a field the index does not have: Elasticsearch
    would answer with no hits instead of an error. Text luqum cannot parse is left for
    Elasticsearch to judge (its query_string syntax is the reference)."""
    known = frozenset(known)
    try:
        parsed = parser.parse(text)
    except (ParseError, TypeError, ValueError):
        return
    for name in _search_fields(parsed):
        unescaped = name.replace("\\", "")
        if unescaped in known or unescaped in META_FIELDS:
            continue
        if any(c in unescaped for c in "*?") and fnmatch.filter(known, unescaped):
            continue
        raise InvalidQuery(
            f"unknown field {name!r} in the query (known: {', '.join(sorted(known))})"
        )


def _check_choices(option: str, values: Iterable[str], allowed: Iterable[str]) -> None:
    allowed = list(allowed)
    bad = [value for value in values if value not in allowed]
    if bad:
        raise InvalidQuery(f"{option}: expected one of {', '.join(allowed)}, got {', '.join(bad)}")


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

    def check(self) -> None:
        """Raise :class:`InvalidQuery` for a filter that could only ever match nothing: an
        unknown field, severity, event type or actor code, or a time range that ends before
        it starts."""
        if self.text and self.text.strip():
            check_query_fields(self.text)
        _check_choices("--severity", self.severities, [s.value for s in Severity])
        _check_choices("--type", self.event_types, [t.value for t in EventType])
        bad_actors = [a for a in self.actors if not re.match(ACTOR_PATTERN, a.upper())]
        if bad_actors:
            raise InvalidQuery(
                "--actor: expected an ISO 3166-1 alpha-2 code such as RU or one of ESA, EU, UN, "
                f"NATO, BRICS, SCO, APSCO, got {', '.join(bad_actors)}"
            )
        if self.since and self.until and self.since > self.until:
            raise InvalidQuery(
                f"--since ({self.since:%Y-%m-%dT%H:%M:%SZ}) is after --until "
                f"({self.until:%Y-%m-%dT%H:%M:%SZ}): no event can match"
            )

    def body(self) -> dict[str, Any]:
        """The ``_search`` request body: newest first. Checked first (:meth:`check`)."""
        self.check()
        must: list[dict[str, Any]] = []
        if self.text and self.text.strip():
            must.append(text_query(self.text))
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


def _query_string(text: str, fields: Iterable[str]) -> dict[str, Any]:
    return {"query_string": {"query": text, "fields": list(fields), "default_operator": "AND"}}


def text_query(text: str) -> dict[str, Any]:
    """The free-text part: ``text`` rewritten word by word to look in ``search_text`` too.
    Text luqum cannot parse goes to Elasticsearch as written (its syntax is the reference,
    and it may accept it), or-ed with all its words normalized."""
    try:
        return _query_string(rewrite(text), TEXT_FIELDS)
    except (ParseError, TypeError, ValueError):
        pass
    plain = _query_string(text, TEXT_FIELDS)
    normalized = fallback_terms(text)
    if normalized is None:
        return plain
    return {
        "bool": {
            "should": [plain, _query_string(normalized, [SEARCH_FIELD])],
            "minimum_should_match": 1,
        }
    }


def normalize_pair(pair: str) -> str:
    """``ru-cn``, ``RU/CN`` and ``CN-RU`` all mean the pair stored as ``CN-RU``."""
    parts = [p for p in re.split(r"[-/,+ ]+", pair.strip().upper()) if p]
    if len(parts) != 2:
        raise InvalidQuery(f"not an actor pair: {pair!r} (use two codes, e.g. CN-RU)")
    return "-".join(sorted(parts))
