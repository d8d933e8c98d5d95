"""Webhook endpoint rules: URLs, addresses and the endpoints file (streams/notify/endpoints.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orbitwatch.core.errors import ConfigError
from orbitwatch.core.settings import Settings
from schemas import Alert, Severity
from streams.alerting.engine import StoryAlerter
from streams.alerting.silences import SilenceBook
from streams.notify.endpoints import check_url, load_endpoints
from tests.alert_factories import T0, make_event, rule_set

pytestmark = pytest.mark.unit


def an_alert(severity: Severity = Severity.high) -> Alert:
    rules = rule_set({"name": "all", "kind": "match", "when": {"relevant": None}})
    [alert] = (
        StoryAlerter(rules).on_event(make_event(severity=severity), None, SilenceBook(), T0).alerts
    )
    return alert


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/hook", "http://10.1.2.3/x", "http://169.254.169.254/", "http://[::1]/"],
)
def test_non_public_address_literals_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(ConfigError, match="non-public address"):
        check_url(url, allow_private=False)
    check_url(url, allow_private=True)


def test_urls_must_be_http() -> None:
    with pytest.raises(ConfigError, match="must be http"):
        check_url("ftp://hooks.example.org/x", allow_private=False)
    check_url("https://hooks.example.org/x", allow_private=False)


def test_endpoints_from_urls_and_file(tmp_path: Path) -> None:
    path = tmp_path / "hooks.yaml"
    path.write_text(
        "endpoints:\n"
        "  - name: chat\n"
        "    url: https://chat.example.org/hook\n"
        "    min_severity: high\n"
        "    rules: [all]\n",
        encoding="utf-8",
    )
    settings = Settings(webhook_urls=["https://a.example.org/x"], webhook_endpoints_file=path)
    plain, chat = load_endpoints(settings)
    assert plain.name == "a.example.org" and chat.name == "chat"
    assert chat.accepts(an_alert(Severity.high))
    assert not chat.accepts(an_alert(Severity.medium))
    assert plain.accepts(an_alert(Severity.low))
    path.write_text("endpoints:\n  - url: https://x.example.org\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"endpoints\.0\.name"):
        load_endpoints(settings)
