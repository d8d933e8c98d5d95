"""Webhook endpoints: from ``ORBITWATCH_WEBHOOK_URLS`` (JSON list) and/or a YAML file.

The file form adds a name and filters per endpoint::

    endpoints:
      - name: ops-chat
        url: https://hooks.example.org/orbitwatch
        min_severity: high        # optional
        rules: [high-severity]    # optional: only these rules

URLs must be http(s). Unless ``webhook_allow_private`` is set, a URL whose host is a
loopback, private or link-local address literal is refused here, and host names are checked
again on every connection by the resolver (so DNS cannot point them inside later).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orbitwatch.core.addresses import NonPublicUrl, NotHttpUrl, check_http_url
from orbitwatch.core.config_file import ConfigFileError, load_yaml_file
from orbitwatch.core.errors import ConfigError
from orbitwatch.core.settings import Settings
from schemas import Alert, Severity


class Endpoint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    url: str
    min_severity: Severity = Severity.none
    rules: list[str] = Field(default_factory=list)

    def accepts(self, alert: Alert) -> bool:
        if alert.severity.rank < self.min_severity.rank:
            return False
        return not self.rules or alert.rule in self.rules


class _EndpointFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoints: list[Endpoint]


def check_url(url: str, allow_private: bool) -> None:
    try:
        check_http_url(url, allow_private)
    except NonPublicUrl as exc:
        raise ConfigError(
            f"webhook URL {exc}; set ORBITWATCH_WEBHOOK_ALLOW_PRIVATE=true to allow it"
        ) from exc
    except NotHttpUrl as exc:
        raise ConfigError(f"webhook URL {exc}") from exc


def load_endpoints(settings: Settings) -> list[Endpoint]:
    endpoints = [
        Endpoint(name=urlsplit(url).netloc or url, url=url) for url in settings.webhook_urls
    ]
    if settings.webhook_endpoints_file is not None:
        endpoints.extend(_read_file(settings.webhook_endpoints_file))
    names = [e.name for e in endpoints]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ConfigError(f"webhook endpoint names must be unique: {', '.join(duplicated)}")
    for endpoint in endpoints:
        check_url(endpoint.url, settings.webhook_allow_private)
    return endpoints


class EndpointFileError(ConfigFileError):
    what = "webhook endpoints"


def _read_file(path: Path) -> list[Endpoint]:
    data = load_yaml_file(path, EndpointFileError)
    try:
        return _EndpointFile.model_validate(data).endpoints
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise EndpointFileError(path, [f"{where}: {first['msg']}"]) from exc
