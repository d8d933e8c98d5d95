from __future__ import annotations

import base64

import pytest

from orbitwatch.core.settings import Settings
from orbitwatch.web.auth import Credentials, exposure_problem, is_loopback

pytestmark = pytest.mark.unit


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.2.1", "::1", "[::1]", "localhost"])
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "", "::", "10.0.0.5", "desk.example.org"])
def test_addresses_that_expose_the_desk(host: str) -> None:
    assert not is_loopback(host)


def test_loopback_without_credentials_is_open() -> None:
    creds = Credentials()
    assert not creds.required
    assert creds.allows(None, None)
    assert exposure_problem(Settings(web_host="127.0.0.1")) is None


def test_exposed_without_credentials_refuses_to_start_in_one_line() -> None:
    problem = exposure_problem(Settings(web_host="0.0.0.0"))
    assert problem is not None and "\n" not in problem
    assert "ORBITWATCH_WEB_TOKEN" in problem and "0.0.0.0" in problem


def test_exposed_with_a_token_starts() -> None:
    assert exposure_problem(Settings(web_host="0.0.0.0", web_token="s3cret-token")) is None


def test_user_without_password_is_refused() -> None:
    problem = exposure_problem(Settings(web_username="ana"))
    assert problem is not None and "go together" in problem


def test_bearer_token() -> None:
    creds = Credentials(token="s3cret-token")
    assert creds.allows("Bearer s3cret-token", None)
    assert creds.allows("bearer s3cret-token", None)
    assert not creds.allows("Bearer s3cret-tokeN", None)
    assert not creds.allows("Bearer ", None)
    assert not creds.allows(None, None)
    assert not creds.allows(_basic("x", "s3cret-token"), None)


def test_basic_auth_needs_both_user_and_password() -> None:
    creds = Credentials(username="ana", password="pa:ss")
    assert creds.allows(_basic("ana", "pa:ss"), None)
    assert not creds.allows(_basic("ana", "pa"), None)
    assert not creds.allows(_basic("bob", "pa:ss"), None)
    assert not creds.allows("Basic !!!not-base64", None)
    assert not creds.allows("Bearer pa:ss", None)


def test_session_cookie_of_a_token_login_is_a_mac_not_the_token() -> None:
    creds = Credentials(token="s3cret-token")
    cookie = creds.session_value()
    assert "s3cret-token" not in cookie
    assert creds.allows(None, cookie)
    assert not creds.allows(None, cookie[:-1] + ("0" if cookie[-1] != "0" else "1"))
    assert Credentials(token="other").session_value() != cookie


def test_credentials_from_settings_read_the_secrets() -> None:
    creds = Credentials.from_settings(
        Settings(web_token="t0ken", web_username="ana", web_password="pw")
    )
    assert creds == Credentials("t0ken", "ana", "pw")
