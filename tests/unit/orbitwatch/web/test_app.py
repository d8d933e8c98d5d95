"""The desk's HTTP behaviour with no server behind it (Kafka and Elasticsearch away)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from starlette.testclient import TestClient

from orbitwatch.core.settings import Settings
from orbitwatch.web.app import build_app
from orbitwatch.web.csrf import CSRF_COOKIE
from orbitwatch.web.desk import Desk
from tests.unit.orbitwatch.web.test_views import make_alert

pytestmark = pytest.mark.unit

AWAY = {
    # Nothing listens on port 9 (discard): every request fails at once.
    "es_url": "http://elastic:hunter2@127.0.0.1:9",
    "kafka_bootstrap_servers": "127.0.0.1:9",
}


@contextmanager
def _client(**overrides: object) -> Iterator[TestClient]:
    # Entered, the client runs the lifespan: one event loop for every request, and the Kafka
    # consumer retrying in the background against the port where nothing listens.
    settings = Settings(**{**AWAY, **overrides})  # type: ignore[arg-type]
    with TestClient(build_app(settings), base_url="http://127.0.0.1:8600") as client:
        yield client


@pytest.fixture
def client() -> Iterator[TestClient]:
    with _client() as client:
        yield client


def _csrf(client: TestClient) -> str:
    client.get("/health")
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    return token


def test_health_and_security_headers(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_ready_is_503_while_servers_are_away(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {"kafka": False, "elasticsearch": False}


def test_metrics_are_prometheus_text(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "orbitwatch_web_sse_clients" in response.text


def test_live_page_says_elasticsearch_is_away_without_its_password(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "Elasticsearch at http://elastic:***@127.0.0.1:9" in response.text
    assert "hunter2" not in response.text
    assert "Kafka at 127.0.0.1:9 is unreachable" in response.text


def test_pages_have_no_inline_script(client: TestClient) -> None:
    for path in ("/", "/overview", "/search?q=moon", "/stories/s-1", "/login"):
        page = client.get(path).text
        scripts = re.findall(r"<script[^>]*>", page)
        assert scripts == ['<script src="/static/desk.js" defer>'], path
        assert " on" not in "".join(re.findall(r"<[a-z]+ [^>]*>", page)).replace(" one", "")


def test_script_is_served_from_the_package(client: TestClient) -> None:
    response = client.get("/static/desk.js")
    assert response.status_code == 200 and "EventSource" in response.text


def test_search_refuses_an_impossible_filter_in_words(client: TestClient) -> None:
    response = client.get("/search", params={"q": "nosuchfield:x"})
    assert response.status_code == 200
    assert "unknown field" in response.text


def test_post_without_csrf_token_is_refused(client: TestClient) -> None:
    response = client.post("/verdicts", data={"target": "a-1", "relevant": "1"})
    assert response.status_code == 403
    token = _csrf(client)
    wrong = client.post(
        "/verdicts", data={"target": "a-1", "relevant": "1", "csrf_token": token[:-2]}
    )
    assert wrong.status_code == 403


def test_cross_origin_post_is_refused_even_with_the_token(client: TestClient) -> None:
    token = _csrf(client)
    response = client.post(
        "/silences",
        data={"scope": "rule", "target": "r", "csrf_token": token},
        headers={"origin": "http://evil.example"},
    )
    assert response.status_code == 403


def test_a_verdict_with_servers_away_is_a_clear_503(client: TestClient) -> None:
    token = _csrf(client)
    response = client.post(
        "/verdicts",
        data={"target": "a-1", "relevant": "1"},
        headers={"x-csrf-token": token, "accept": "application/json"},
    )
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False and "Elasticsearch" in body["message"]
    assert "hunter2" not in body["message"]


def test_a_bad_label_is_a_400_naming_it(client: TestClient) -> None:
    token = _csrf(client)
    response = client.post(
        "/verdicts",
        data={"target": "a-1", "relevant": "1", "types": "warp-drive"},
        headers={"x-csrf-token": token, "accept": "application/json"},
    )
    assert response.status_code == 400 and "warp-drive" in response.json()["message"]


def test_plain_form_post_redirects_back_but_never_off_site(client: TestClient) -> None:
    token = _csrf(client)
    response = client.post(
        "/silences",
        data={"scope": "bogus", "target": "r", "csrf_token": token, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/?said=")


def test_token_auth_when_configured() -> None:
    with _client(web_token="s3cret-token") as client:
        _token_flow(client)


def _token_flow(client: TestClient) -> None:
    assert client.get("/").status_code == 401
    assert client.get("/health").status_code == 200  # probes stay open
    assert client.get("/", headers={"authorization": "Bearer s3cret-token"}).status_code == 200
    login = client.get("/login")
    assert login.status_code == 200
    token = client.cookies.get(CSRF_COOKIE)
    bad = client.post("/login", data={"token": "nope", "csrf_token": token})
    assert bad.status_code == 401
    good = client.post(
        "/login", data={"token": "s3cret-token", "csrf_token": token}, follow_redirects=False
    )
    assert good.status_code == 303
    assert "s3cret-token" not in good.headers["set-cookie"]
    assert client.get("/").status_code == 200  # the session cookie


def test_basic_auth_challenges_the_browser() -> None:
    with _client(web_username="ana", web_password="pw") as client:
        refused = client.get("/")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Basic")
        assert client.get("/", auth=("ana", "pw")).status_code == 200
        assert client.get("/", auth=("ana", "wrong")).status_code == 401


def test_hostile_alert_text_renders_as_text() -> None:
    app = build_app(Settings(**AWAY))  # type: ignore[arg-type]
    desk: Desk = app.state.desk
    alert = make_alert(
        title='<script>alert("x")</script><img src=x onerror=alert(1)>',
        rule='r"><b>',
        actors=["RU"],
    )
    html = desk.card(alert, ["en"])
    assert "<script>" not in html and "<img" not in html and 'r"><b>' not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
