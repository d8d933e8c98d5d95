"""Notification endpoints: from ``ORBITWATCH_WEBHOOK_URLS`` (JSON list) and/or a YAML file.

An endpoint's URL says what it is:

- ``http://`` or ``https://``: a signed webhook (the alert as JSON, HMAC-signed, see
  :mod:`streams.notify.signing`);
- any other scheme is an Apprise URL (``mailtos://``, ``slack://``, ``msteams://``,
  ``tgram://``, ``ntfys://``, ``json://``, ...): a message rendered from a template
  (:mod:`streams.notify.render`) and sent by Apprise. ``mailto``/``mailtos`` get an e-mail
  (subject and body), every other service a chat message.

The file form adds a name, filters and a template per endpoint::

    endpoints:
      - name: ops-chat
        url: slack://TokenA/TokenB/TokenC/#space-alerts
        min_severity: high        # optional
        rules: [high-severity]    # optional: only these rules
        actors: [RU, CN]          # optional: only alerts involving one of these
        types: [lunar, counterspace]  # optional: only alerts of one of these event types
        template: chat-short.md.j2   # optional, relative to this file

The file is checked as a whole: every problem is one line (``endpoints.2 (ops-mail): ...``),
and a URL Apprise cannot use (unknown scheme, missing part) is one of them. Unless
``webhook_allow_private`` is set, a URL whose host is a loopback, private or link-local
address literal is refused; webhook host names are checked again on every connection by the
resolver (so DNS cannot point them inside later). Apprise connects on its own, so for its
URLs the literal check is all there is.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orbitwatch.core.addresses import (
    NonPublicUrl,
    NotHttpUrl,
    check_http_url,
    is_public_address,
    literal_ip,
)
from orbitwatch.core.config_file import ConfigFileError, load_yaml_file
from orbitwatch.core.errors import ConfigError
from orbitwatch.core.redact import redact_text, redact_url
from orbitwatch.core.settings import Settings
from schemas import Alert, EventType, Severity
from schemas.classification import ACTOR_PATTERN

WEBHOOK_SCHEMES = frozenset({"http", "https"})
EMAIL_SCHEMES = frozenset({"mailto", "mailtos"})


class Channel(StrEnum):
    webhook = "webhook"  # signed JSON POST of the alert
    email = "email"  # Apprise mailto(s)://: subject and body
    chat = "chat"  # every other Apprise service: one message


def channel_of(url: str) -> Channel:
    scheme = url.partition("://")[0].lower()
    if scheme in WEBHOOK_SCHEMES:
        return Channel.webhook
    return Channel.email if scheme in EMAIL_SCHEMES else Channel.chat


class Endpoint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    url: str = Field(min_length=1)
    min_severity: Severity = Severity.none
    rules: list[str] = Field(default_factory=list)
    actors: list[Annotated[str, Field(pattern=ACTOR_PATTERN)]] = Field(default_factory=list)
    types: list[EventType] = Field(default_factory=list)
    template: Path | None = None

    @property
    def channel(self) -> Channel:
        return channel_of(self.url)

    @property
    def shown_url(self) -> str:
        """The URL as it may be printed or logged: credentials and tokens masked."""
        return redact_url(self.url)

    def accepts(self, alert: Alert) -> bool:
        if alert.severity.rank < self.min_severity.rank:
            return False
        if self.rules and alert.rule not in self.rules:
            return False
        # A digest carries its members' actors and types as well as its own.
        if self.actors:
            actors = {*alert.actors, *(a for m in alert.members for a in m.actors)}
            if actors.isdisjoint(self.actors):
                return False
        if self.types:
            types = {*alert.event_types, *(t for m in alert.members for t in m.event_types)}
            if types.isdisjoint(self.types):
                return False
        return True


class EndpointFileError(ConfigFileError):
    what = "notification endpoints"


def check_url(url: str, allow_private: bool) -> None:
    """Raise :class:`ConfigError` (one line) for an endpoint URL that cannot be used."""
    if channel_of(url) is Channel.webhook:
        try:
            check_http_url(url, allow_private)
        except NonPublicUrl as exc:
            raise ConfigError(
                f"webhook URL {exc}; set ORBITWATCH_WEBHOOK_ALLOW_PRIVATE=true to allow it"
            ) from exc
        except NotHttpUrl as exc:
            raise ConfigError(f"webhook URL {exc}") from exc
        return
    shown = redact_url(url)
    if "://" not in url:
        raise ConfigError(f"{shown!r} is neither an http(s) webhook nor an Apprise URL")
    refusal = apprise_refusal(url)
    if refusal is not None:
        raise ConfigError(f"{shown!r}: {refusal}")
    if not allow_private:
        for address in _literal_addresses(url):
            if not is_public_address(address):
                raise ConfigError(
                    f"{shown!r} points at the non-public address {address}; "
                    "set ORBITWATCH_WEBHOOK_ALLOW_PRIVATE=true to allow it"
                )


def apprise_refusal(url: str) -> str | None:
    """Ask Apprise: can it build a service from ``url``? None when it can, else why not in
    one line: an unknown scheme, or Apprise's own complaint (a missing token, a bad address)
    with any secret masked."""
    import apprise  # loading its plugins takes a moment: only when an Apprise URL is used
    from apprise.apprise import N_MGR

    scheme = url.partition("://")[0].lower()
    if scheme not in N_MGR:
        return f"Apprise has no service for the scheme {scheme!r} (see the Apprise wiki)"
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        service = apprise.Apprise.instantiate(url)
    if service is not None:
        return None
    lines = [line for line in captured.getvalue().splitlines() if line.strip()]
    reason = redact_text("; ".join(lines[-3:])) if lines else "a required part is missing"
    return f"Apprise cannot use this {scheme}:// URL: {reason}"


def _literal_addresses(url: str) -> list[str]:
    """IP literals an Apprise URL connects to: its host and an e-mail ``smtp=`` override."""
    parts = urlsplit(url)
    hosts = [parts.hostname or ""]
    hosts += [value for name, value in parse_qsl(parts.query) if name.lower() == "smtp"]
    return [a for a in (literal_ip(h) for h in hosts if h) if a is not None]


def load_endpoints(settings: Settings) -> list[Endpoint]:
    """Every configured endpoint, checked; all problems at once in one error."""
    endpoints = [
        Endpoint(name=_list_name(url, position), url=url)
        for position, url in enumerate(settings.webhook_urls, start=1)
    ]
    problems: list[str] = []
    path = settings.webhook_endpoints_file
    if path is not None:
        endpoints.extend(_read_file(path, problems))
    names = [e.name for e in endpoints]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        problems.append(f"endpoint names must be unique: {', '.join(duplicated)}")
    for endpoint in endpoints:
        try:
            check_url(endpoint.url, settings.webhook_allow_private)
        except ConfigError as exc:
            # A webhook's error quotes its URL: never with its password.
            problems.append(f"{endpoint.name}: {redact_text(str(exc))}")
    if problems:
        raise EndpointFileError(path or "ORBITWATCH_WEBHOOK_URLS", problems)
    return endpoints


def _list_name(url: str, position: int) -> str:
    """The name of an endpoint given in ``ORBITWATCH_WEBHOOK_URLS``. The name is printed,
    logged and a metric label, so it holds no secret: a webhook is named by host and port
    (without the user info), an Apprise URL by its scheme and position, because its host
    may itself be a token (``slack://TOKEN/...``, ``tgram://BOTTOKEN/...``)."""
    if channel_of(url) is Channel.webhook:
        return urlsplit(url).netloc.rpartition("@")[2] or url
    return f"{url.partition('://')[0].lower()}-{position}"


def _read_file(path: Path, problems: list[str]) -> list[Endpoint]:
    data = load_yaml_file(path, EndpointFileError)
    if not isinstance(data, dict) or set(data) != {"endpoints"}:
        raise EndpointFileError(path, ["expected a mapping with one key, endpoints: [...]"])
    entries = data["endpoints"]
    if not isinstance(entries, list):
        raise EndpointFileError(path, ["endpoints: expected a list of endpoints"])
    endpoints = []
    for index, entry in enumerate(entries):
        where = f"endpoints.{index}"
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            where += f" ({entry['name']})"
        try:
            endpoint = Endpoint.model_validate(_resolved(entry, path))
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(p) for p in error["loc"]) or "entry"
                problems.append(f"{where}: {field}: {_message(error)}")
            continue
        endpoints.append(endpoint)
    return endpoints


def _resolved(entry: Any, path: Path) -> Any:
    """A template path relative to the endpoints file, made absolute."""
    if isinstance(entry, dict) and isinstance(entry.get("template"), str):
        template = Path(entry["template"])
        if not template.is_absolute():
            return {**entry, "template": path.parent / template}
    return entry


def _message(error: Any) -> str:
    # Never echo the input back: a URL may hold a token.
    if error["type"] == "string_pattern_mismatch" and error["loc"][:1] == ("actors",):
        return (
            "expected an actor code (ISO 3166-1 alpha-2 such as RU, or an organisation), "
            f"got {error['input']!r}"
        )
    return str(error["msg"])
