"""The feed list: which feeds to poll, read from a YAML file and validated.

File shape (``deploy/feeds.yaml``)::

    defaults:            # optional, applies to every feed that does not say otherwise
      polling: adaptive  # or fixed (every poll_interval)
      min_interval: 1m   # adaptive polling stays within these bounds
      max_interval: 6h
    hosts:               # optional, per host (the URL's host name); over the defaults
      tass.ru: {min_interval: 5m}
    feeds:
      - name: NASA News Releases
        url: https://www.nasa.gov/news-release/feed/
        language: en
        tags: [space, agency, us]
        # id: nasa-news-releases   (derived from the name when absent)
        # poll_interval: 10m       (fixed polling: seconds, or a number with s/m/h)
        # polling, min_interval, max_interval (as in defaults; the feed's word wins)
        # allow_private: false     (true only for feeds on loopback/private networks)

Errors name the file, the entry (index and name), the field and the problem, all at once.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from orbitwatch.core.config_file import ConfigFileError, load_yaml_file

DEFAULT_POLL_INTERVAL = 600.0
MIN_POLL_INTERVAL = 1.0
DEFAULT_MIN_INTERVAL = 60.0
DEFAULT_MAX_INTERVAL = 6 * 3600.0
# What a hosts: entry may set (the rest is per feed).
HOST_KEYS = frozenset({"polling", "poll_interval", "min_interval", "max_interval"})

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"


def parse_duration(value: Any) -> Any:
    """``90``, ``"90"``, ``"90s"``, ``"15m"``, ``"2h"`` -> seconds. Anything else passes through
    so pydantic reports it with the field name. ``true``/``false`` are refused: YAML reads
    them as booleans, which would otherwise pass as 1 and 0 seconds."""
    if isinstance(value, bool):
        raise ValueError(
            f"expected seconds or a duration like 90s, 15m, 2h, got {str(value).lower()}"
        )
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError("expected seconds or a duration like 90s, 15m, 2h")
        number, unit = match.groups()
        return float(number) * _UNIT_SECONDS[(unit or "s").lower()]
    return value


Duration = Annotated[float, BeforeValidator(parse_duration), Field(ge=MIN_POLL_INTERVAL)]


def slugify(text: str) -> str:
    """A lowercase ASCII slug: ``"SpaceNews (Military)"`` -> ``"spacenews-military"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80]


def derive_feed_id(name: str, url: str) -> str:
    """Id from the name; names with no Latin letters (ТАСС, 新华网) fall back to the host
    plus a short hash of the URL, which is still stable across runs."""
    slug = slugify(name)
    if slug:
        return slug
    host = slugify(urlsplit(url).hostname or "feed")
    return f"{host}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:8]}"


class FeedConfig(BaseModel):
    """One feed to poll."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    url: str
    language: str | None = Field(
        default=None, description="ISO 639-1 code; None means detect per article"
    )
    tags: list[str] = Field(default_factory=list)
    poll_interval: Duration = DEFAULT_POLL_INTERVAL
    polling: Literal["fixed", "adaptive"] = Field(
        default="fixed",
        description="fixed: every poll_interval; adaptive: learned from the feed's rhythm",
    )
    min_interval: Duration = Field(
        default=DEFAULT_MIN_INTERVAL, description="Adaptive polling: never more often"
    )
    max_interval: Duration = Field(
        default=DEFAULT_MAX_INTERVAL, description="Adaptive polling: never less often"
    )
    allow_private: bool = Field(
        default=False, description="Allow loopback/private/link-local addresses (local feeds)"
    )

    @field_validator("url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an absolute http:// or https:// URL")
        return value

    @field_validator("language")
    @classmethod
    def _language_code(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().lower().replace("_", "-").split("-")[0]
        if not re.fullmatch(r"[a-z]{2,3}", code):
            raise ValueError("expected an ISO 639-1 language code such as en, ru, zh")
        return code

    @field_validator("tags")
    @classmethod
    def _clean_tags(cls, value: list[str]) -> list[str]:
        return sorted({tag.strip().lower() for tag in value if tag.strip()})

    @model_validator(mode="after")
    def _bounds_in_order(self) -> FeedConfig:
        if self.min_interval > self.max_interval:
            raise ValueError(
                f"min_interval ({self.min_interval:g}s) is longer than max_interval "
                f"({self.max_interval:g}s)"
            )
        return self

    @property
    def adaptive(self) -> bool:
        return self.polling == "adaptive"

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


class FeedListError(ConfigFileError):
    """The feed list is unreadable or invalid; ``problems`` holds one line per problem."""

    what = "feed list"


def _entry_label(index: int, entry: Any) -> str:
    name = entry.get("name") if isinstance(entry, dict) else None
    return f"feed #{index + 1}" + (f" ({name})" if name else "")


def _host_settings(raw: Any, source: Path | str) -> dict[str, dict[str, Any]]:
    """The ``hosts:`` section: host name -> polling settings, checked for unknown keys
    (values are checked with each feed of that host)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise FeedListError(source, ["hosts: expected a mapping of host name to settings"])
    problems: list[str] = []
    hosts: dict[str, dict[str, Any]] = {}
    for host, settings in raw.items():
        if not isinstance(host, str) or not host.strip():
            problems.append(f"hosts: {host!r}: expected a host name")
            continue
        if not isinstance(settings, dict):
            problems.append(f"hosts.{host}: expected a mapping")
            continue
        unknown = sorted(str(k) for k in settings if k not in HOST_KEYS)
        if unknown:
            problems.append(
                f"hosts.{host}: {', '.join(unknown)}: not allowed here "
                f"(allowed: {', '.join(sorted(HOST_KEYS))})"
            )
            continue
        hosts[host.strip().lower()] = settings
    if problems:
        raise FeedListError(source, problems)
    return hosts


def feeds_from_data(data: Any, source: Path | str = "<feeds>") -> list[FeedConfig]:
    """Validate an already-loaded YAML document; raise :class:`FeedListError` listing
    every problem."""
    defaults: dict[str, Any] = {}
    hosts: dict[str, dict[str, Any]] = {}
    if isinstance(data, dict):
        raw_defaults = data.get("defaults") or {}
        if not isinstance(raw_defaults, dict):
            raise FeedListError(source, ["defaults: expected a mapping"])
        defaults = raw_defaults
        hosts = _host_settings(data.get("hosts"), source)
        entries = data.get("feeds")
    else:
        entries = data
    if not isinstance(entries, list):
        raise FeedListError(source, ["expected a 'feeds:' list of feed entries"])

    feeds: list[FeedConfig] = []
    problems: list[str] = []
    seen_ids: dict[str, int] = {}
    for index, entry in enumerate(entries):
        label = _entry_label(index, entry)
        if not isinstance(entry, dict):
            problems.append(f"{label}: expected a mapping with name and url")
            continue
        host = (urlsplit(str(entry.get("url", "")).strip()).hostname or "").lower()
        merged = {**defaults, **hosts.get(host, {}), **entry}
        if "id" not in merged and isinstance(merged.get("name"), str):
            merged["id"] = derive_feed_id(merged["name"], str(merged.get("url", "")))
        try:
            feed = FeedConfig.model_validate(merged)
        except ValidationError as exc:
            errors = exc.errors()
            name_missing = any(e["loc"] == ("name",) for e in errors)
            for err in errors:
                if name_missing and err["loc"] == ("id",) and err["type"] == "missing":
                    continue  # the id is derived from the name: one problem, not two
                field = ".".join(str(p) for p in err["loc"]) or "<entry>"
                problems.append(f"{label}: {field}: {err['msg']}")
            continue
        if feed.id in seen_ids:
            problems.append(
                f"{label}: id: duplicate id {feed.id!r} (also feed #{seen_ids[feed.id] + 1})"
            )
            continue
        seen_ids[feed.id] = index
        feeds.append(feed)
    if problems:
        raise FeedListError(source, problems)
    return feeds


def load_feed_list(path: Path | str) -> list[FeedConfig]:
    """Read and validate a feed-list YAML file."""
    path = Path(path)
    return feeds_from_data(load_yaml_file(path, FeedListError), path)


def feeds_to_yaml(feeds: list[FeedConfig]) -> str:
    """Feed-list YAML for these feeds, leaving out values equal to the defaults."""
    entries = [
        feed.model_dump(exclude_defaults=True, include=None) | {"id": feed.id, "name": feed.name}
        for feed in feeds
    ]
    ordered = [
        {key: entry[key] for key in FeedConfig.model_fields if key in entry} for entry in entries
    ]
    return yaml.safe_dump({"feeds": ordered}, allow_unicode=True, sort_keys=False, width=100)
