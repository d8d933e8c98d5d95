"""The one-shot setup of the compose deployment (deploy/compose_setup.py), without servers."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from deploy import compose_setup
from deploy.compose_setup import (
    APP_PASSWORD_SECRET,
    KIBANA_SYSTEM_SECRET,
    Retry,
    SetupFailed,
    app_role,
    configure_users,
    read_secret,
    retrying,
)
from orbitwatch.core.settings import Settings

pytestmark = pytest.mark.unit

NO_WAIT = Retry(attempts=3, delay_s=0)


def test_the_app_role_grants_only_the_prefixed_indices() -> None:
    role = app_role("ow")
    assert [grant["names"] for grant in role["indices"]] == [["ow*", ".ow*"]]
    assert "all" not in role["cluster"] and "manage_security" not in role["cluster"]


def test_secrets_are_read_from_files(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("s3cret\n")
    assert read_secret("a", tmp_path) == "s3cret"
    (tmp_path / "empty").write_text("  \n")
    with pytest.raises(SetupFailed, match="empty"):
        read_secret("empty", tmp_path)
    with pytest.raises(SetupFailed, match="missing"):
        read_secret("absent", tmp_path)


def test_retrying_gives_up_with_the_last_error() -> None:
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("refused")
        return "ok"

    assert retrying("x", flaky, NO_WAIT, log=lambda _: None) == "ok"
    calls.clear()
    with pytest.raises(SetupFailed, match="gave up after 2 attempts: refused"):
        retrying("x", flaky, Retry(attempts=2, delay_s=0), log=lambda _: None)


class FakeSecurity:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        return lambda **kwargs: self.calls.append((name, kwargs))


def test_users_and_role_are_configured(tmp_path: Path) -> None:
    (tmp_path / KIBANA_SYSTEM_SECRET).write_text("kpw")
    (tmp_path / APP_PASSWORD_SECRET).write_text("apw")
    security = FakeSecurity()
    client: Any = SimpleNamespace(security=security)
    configure_users(client, Settings.model_construct(index_prefix="ow"), "app", tmp_path)
    calls = dict(security.calls)
    assert calls["change_password"] == {"username": "kibana_system", "password": "kpw"}
    assert calls["put_role"]["name"] == compose_setup.APP_ROLE
    assert calls["put_user"]["username"] == "app"
    assert calls["put_user"]["password"] == "apw"
    assert calls["put_user"]["roles"] == [compose_setup.APP_ROLE]


def test_main_runs_the_steps_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    done: list[str] = []
    monkeypatch.setattr(compose_setup, "make_client", lambda settings: object())
    monkeypatch.setattr(compose_setup, "wait_for_security", lambda c: done.append("es"))
    monkeypatch.setattr(
        compose_setup,
        "configure_users",
        lambda c, s, user, d, kibana: done.append(f"users:{user}:{kibana}"),
    )
    monkeypatch.setattr(compose_setup, "run_es_setup", lambda: done.append("es setup"))

    def create_topics(settings: Settings) -> list[str]:
        done.append("topics")
        return ["articles.raw"]

    monkeypatch.setattr(compose_setup, "create_topics", create_topics)
    lines: list[str] = []
    assert compose_setup.main(["--app-user", "ow"], NO_WAIT, lines.append) == 0
    assert done == ["es", "users:ow:True", "es setup", "topics"]
    assert lines[-1] == "setup complete"
    # The Helm chart's switches: an operator-managed Kibana user, users managed elsewhere.
    done.clear()
    assert compose_setup.main(["--app-user", "ow", "--skip-kibana-system"], NO_WAIT, print) == 0
    assert done == ["es", "users:ow:False", "es setup", "topics"]
    done.clear()
    assert compose_setup.main(["--skip-app-user"], NO_WAIT, print) == 0
    assert done == ["es", "es setup", "topics"]


def test_kibana_system_can_be_left_alone(tmp_path: Path) -> None:
    (tmp_path / APP_PASSWORD_SECRET).write_text("apw")  # and no kibana_system secret at all
    security = FakeSecurity()
    client: Any = SimpleNamespace(security=security)
    settings = Settings.model_construct(index_prefix="ow")
    configure_users(client, settings, "app", tmp_path, kibana_system=False)
    assert [name for name, _ in security.calls] == ["put_role", "put_user"]


def test_main_fails_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    def down(client: object) -> None:
        raise ConnectionError("connection refused")

    monkeypatch.setattr(compose_setup, "make_client", lambda settings: object())
    monkeypatch.setattr(compose_setup, "wait_for_security", down)
    lines: list[str] = []
    assert compose_setup.main([], NO_WAIT, lines.append) == 1
    assert "connection refused" in lines[-1]
