"""Webhook endpoint rules: URLs, addresses and the endpoints file (streams/notify/endpoints.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orbitwatch.core.errors import ConfigError
from orbitwatch.core.settings import PROJECT_ROOT, Settings
from schemas import Alert, EventType, Severity
from streams.alerting.engine import StoryAlerter
from streams.alerting.silences import SilenceBook
from streams.notify.endpoints import (
    Channel,
    Endpoint,
    EndpointFileError,
    channel_of,
    check_url,
    load_endpoints,
)
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


def test_a_url_is_a_webhook_or_one_apprise_supports() -> None:
    check_url("https://hooks.example.org/x", allow_private=False)
    check_url("mailtos://user:pw@mail.example.org?to=ops@example.org", allow_private=False)
    check_url("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", allow_private=False)
    with pytest.raises(ConfigError, match="Apprise has no service for the scheme 'ftp'") as caught:
        check_url("ftp://user:hunter2@hooks.example.org/x", allow_private=False)
    assert "hunter2" not in str(caught.value)
    # A scheme Apprise knows, without a part it requires: Apprise's reason, secrets masked.
    with pytest.raises(ConfigError, match="Apprise cannot use this mailto:// URL: ") as caught:
        check_url("mailto://user:hunter2@127.0.0.1:2525?to=a@example.org", allow_private=True)
    assert "hunter2" not in str(caught.value)
    with pytest.raises(ConfigError, match="neither an http"):
        check_url("hooks.example.org/x", allow_private=False)


@pytest.mark.parametrize(
    "url",
    ["json://127.0.0.1:8080/x", "mailto://u:p@mail.example.org?smtp=10.0.0.5&to=a@b.org"],
)
def test_apprise_urls_on_non_public_literals_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(ConfigError, match="non-public address"):
        check_url(url, allow_private=False)
    check_url(url, allow_private=True)


@pytest.mark.parametrize(
    ("url", "channel"),
    [
        ("https://hooks.example.org/x", Channel.webhook),
        ("http://hooks.example.org/x", Channel.webhook),
        ("mailto://u:p@example.org", Channel.email),
        ("MAILTOS://u:p@example.org", Channel.email),
        ("slack://a/b/c", Channel.chat),
        ("json://example.org/x", Channel.chat),
    ],
)
def test_the_scheme_says_the_channel(url: str, channel: Channel) -> None:
    assert channel_of(url) is channel


def test_actor_and_type_filters() -> None:
    alert = an_alert()  # make_event's defaults: RU and CN, lunar
    assert Endpoint(name="e", url="https://e.example.org", actors=["RU"]).accepts(alert)
    assert not Endpoint(name="e", url="https://e.example.org", actors=["US"]).accepts(alert)
    assert Endpoint(name="e", url="https://e.example.org", types=[*alert.event_types]).accepts(
        alert
    )
    other = next(t for t in EventType if t not in alert.event_types)
    assert not Endpoint(name="e", url="https://e.example.org", types=[other]).accepts(alert)


def test_every_problem_of_the_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "endpoints.yaml"
    path.write_text(
        "endpoints:\n"
        "  - name: chat\n"
        "    url: slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ\n"
        "  - name: pager\n"
        "    url: nosuchservice://token-abc/def\n"
        "  - name: mail\n"
        "    url: mailtos://u:p@mail.example.org\n"
        "    actors: [RU, Russia]\n"
        "    types: [telepathy]\n"
        "  - url: https://x.example.org\n"
        "  - name: chat\n"
        "    url: https://y.example.org\n",
        encoding="utf-8",
    )
    with pytest.raises(EndpointFileError) as caught:
        load_endpoints(Settings(webhook_endpoints_file=path))
    problems = caught.value.problems
    assert len(problems) == 5, problems
    assert problems[0].startswith("endpoints.2 (mail): actors.1: expected an actor code")
    assert problems[1].startswith("endpoints.2 (mail): types.0: Input should be 'lunar'")
    assert problems[2] == "endpoints.3: name: Field required"
    assert problems[3] == "endpoint names must be unique: chat"
    assert problems[4] == (
        "pager: 'nosuchservice://***/***': Apprise has no service for the scheme "
        "'nosuchservice' (see the Apprise wiki)"
    )
    assert "token-abc" not in str(caught.value)


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
    with pytest.raises(ConfigError, match=r"endpoints\.0: name: Field required"):
        load_endpoints(settings)


def test_the_example_endpoints_file_is_valid() -> None:
    path = PROJECT_ROOT / "deploy" / "endpoints.yaml"
    endpoints = load_endpoints(Settings(webhook_endpoints_file=path))
    assert [(e.name, e.channel) for e in endpoints] == [
        ("desk-mail", Channel.email),
        ("ops-chat", Channel.chat),
        ("lunar-watch", Channel.chat),
        ("partner-webhook", Channel.webhook),
    ]


def test_endpoints_given_as_urls_are_named_without_secrets() -> None:
    settings = Settings(
        webhook_urls=[
            "https://hook:Secret1@hooks.example.org:8443/x",
            "tgram://123456789:AAHkBotToken/-100123",
            "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
        ]
    )
    names = [e.name for e in load_endpoints(settings)]
    assert names == ["hooks.example.org:8443", "tgram-2", "slack-3"]
